/**
 * LOCAL STORAGE STAND-IN — NOT Supabase Storage.
 *
 * No Supabase Storage server can run in the local stack (it needs Docker), so
 * `/storage/v1` is answered by this module: the subset of Storage's HTTP API
 * that @supabase/storage-js calls, over Storage's own tables
 * (supabase/compat/30_storage.sql) with the bytes on disk. Production uses
 * Supabase Storage; product code only ever talks to it through storage-js.
 *
 * Served (paths relative to /storage/v1):
 *   GET    /bucket, GET /bucket/{id}, POST /bucket      list / get / create (RLS on storage.buckets)
 *   POST   /object/{bucket}/{name}  (x-upsert)           upload (raw body or multipart, as storage-js sends)
 *   PUT    /object/{bucket}/{name}                       update (upsert)
 *   GET    /object/{bucket}/{name}, /object/authenticated/{bucket}/{name}   download as the caller
 *   GET    /object/public/{bucket}/{name}                download from a public bucket
 *   DELETE /object/{bucket}  {prefixes}                  remove
 *   POST   /object/list/{bucket}  {prefix,limit,offset,sortBy,search}       list one level
 *   POST   /object/sign/{bucket}/{name}  {expiresIn}     signed download URL  → GET …?token=
 *   POST   /object/upload/sign/{bucket}/{name}           signed upload URL (2 h) → PUT …?token=
 *
 * What Supabase Storage enforces is enforced here: the bearer JWT is verified
 * with the project's secret; queries run AS the caller's role with
 * request.jwt.claims set, so RLS on storage.objects decides; the bucket's
 * `file_size_limit` (413) and `allowed_mime_types` (415); signed URLs are JWTs
 * for one path that expire (400 InvalidJWT / InvalidSignature). Errors come in
 * Storage's shape `{statusCode, code, error, message}`. The gateway has checked
 * the apikey and answers CORS.
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { MAX_BODY_BYTES } from "../http.ts";
import { formatLogLine, levelForStatus } from "../log.ts";
import {
  entityTooLarge,
  fromDatabaseError,
  invalidJwt,
  invalidKey,
  invalidRequest,
  notFoundRoute,
  objectNotFound,
  sendError,
  sendJson,
  StorageHttpError,
  bucketNotFound,
} from "./errors.ts";
import { API_ROLES, type ApiRole, type Caller, createObjectStore, type IncomingFile, type ObjectRow, parseFileSizeLimit } from "./objects.ts";
import { createStorageTokens } from "./tokens.ts";

export interface StorageOptions {
  /** Connected as supabase_storage_admin (config.ts `storageAdminDbUrl`), as Storage connects. */
  pool: pg.Pool;
  /** The project's HS256 secret, shared with PostgREST, the gateway and auth. */
  jwtSecret: string;
  /** Directory holding the objects' bytes (inside the stack's state directory). */
  root: string;
  log?: (line: string) => void;
}

export type StorageRequestHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

/** Storage's rule for object names (src/storage/limits.ts isValidKey), plus no empty or dot segments. */
const VALID_KEY = /^(\w|\/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;
const VALID_BUCKET = /^[A-Za-z0-9_.-]{1,100}$/;

function objectName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw invalidKey(raw);
  }
  const segments = name.split("/");
  if (!name || !VALID_KEY.test(name) || segments.some((s) => s === "" || s === "." || s === "..")) throw invalidKey(name);
  return name;
}

function bucketName(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw bucketNotFound();
  }
  if (!VALID_BUCKET.test(id)) throw bucketNotFound();
  return id;
}

/** The whole body, refused (413, Storage's shape) as soon as it passes the stack's limit. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return; // drain, keep nothing
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        reject(entityTooLarge(`Request body too large (limit ${MAX_BODY_BYTES} bytes)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => refused || resolve(Buffer.concat(chunks)));
    req.on("error", (err) => refused || reject(err));
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  if (raw.length === 0) return {};
  try {
    const value = JSON.parse(raw.toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw invalidRequest("Body must be a JSON object");
}

/**
 * The uploaded file as storage-js sends it: multipart (a Blob or File: the
 * form's file part, its type, the `cacheControl` field) or the raw body (a
 * Buffer or stream: `content-type` and `cache-control` headers).
 */
async function readFile(req: IncomingMessage): Promise<IncomingFile> {
  const raw = await readBody(req);
  const contentType = String(req.headers["content-type"] ?? "application/octet-stream");
  if (/^multipart\/form-data/i.test(contentType)) {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    let file: Blob | undefined;
    form.forEach((value) => {
      if (typeof value !== "string") file = value;
    });
    if (!file) throw invalidRequest("The form has no file");
    const cache = form.get("cacheControl");
    return {
      bytes: Buffer.from(await file.arrayBuffer()),
      mimetype: file.type || "application/octet-stream",
      cacheControl: `max-age=${typeof cache === "string" ? cache : "3600"}`,
    };
  }
  return { bytes: raw, mimetype: contentType, cacheControl: String(req.headers["cache-control"] ?? "no-cache") };
}

const objectJson = (o: ObjectRow) => ({
  id: o.id,
  name: o.name,
  bucket_id: o.bucket_id,
  owner: o.owner,
  owner_id: o.owner_id,
  version: o.version,
  metadata: o.metadata,
  created_at: o.created_at,
  updated_at: o.updated_at,
  last_accessed_at: o.last_accessed_at,
});

/** A bucket row as Storage returns it (file_size_limit is a bigint: a number in JSON). */
const bucketJson = (b: Record<string, unknown>) => ({
  ...b,
  file_size_limit: b.file_size_limit === null || b.file_size_limit === undefined ? null : Number(b.file_size_limit),
});

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
}

export function createStorageHandler(opts: StorageOptions): StorageRequestHandler {
  const { pool } = opts;
  const tokens = createStorageTokens(opts.jwtSecret);
  const store = createObjectStore(pool, opts.root);
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  if (pool.listenerCount("error") === 0) {
    pool.on("error", (err) => log(formatLogLine("error", "database pool error", { svc: "storage", error: err.message })));
  }

  /** The bearer token's role and claims (the gateway put the apikey there when no user token was sent). */
  async function callerOf(req: IncomingMessage): Promise<Caller> {
    const m = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""));
    if (!m) throw invalidJwt("Missing authorization header");
    const claims = await tokens.verifyBearer(m[1]!);
    const role = String(claims.role ?? "");
    if (!(API_ROLES as readonly string[]).includes(role)) throw invalidJwt(`Unknown role: ${role}`);
    return { role: role as ApiRole, claims };
  }

  function sendObject(res: ServerResponse, row: ObjectRow | undefined, download: string | null) {
    const file = row && store.fileFor(row);
    if (!row || !file) throw objectNotFound();
    const meta = row.metadata ?? {};
    const headers: Record<string, string> = {
      "content-type": String(meta.mimetype ?? "application/octet-stream"),
      "content-length": String(file.size),
      "cache-control": String(meta.cacheControl ?? "no-cache"),
      etag: String(meta.eTag ?? ""),
      "last-modified": new Date(String(meta.lastModified ?? row.updated_at)).toUTCString(),
    };
    if (download !== null) {
      const filename = download || row.name.split("/").pop()!;
      headers["content-disposition"] = `attachment; filename=${encodeURIComponent(filename)}`;
    }
    res.writeHead(200, headers);
    // A file removed between the lookup and the read ends the response; it must not end the gateway.
    createReadStream(file.path).on("error", () => res.destroy()).pipe(res);
  }

  const upload = (method: "POST" | "PUT") => async ({ req, res, params }: Context) => {
    const caller = await callerOf(req);
    const bucketId = bucketName(params[0]!);
    const name = objectName(params[1]!);
    const upsert = method === "PUT" || String(req.headers["x-upsert"]) === "true";
    const file = await readFile(req);
    const { id } = await store.put(caller, bucketId, name, file, { upsert });
    sendJson(res, 200, { Id: id, Key: `${bucketId}/${name}` });
  };

  const download = async ({ req, res, url, params }: Context) => {
    const caller = await callerOf(req);
    const bucketId = bucketName(params[0]!);
    sendObject(res, await store.find(caller, bucketId, objectName(params[1]!)), url.searchParams.get("download"));
  };

  const routes: { pattern: RegExp; methods: Partial<Record<string, (ctx: Context) => Promise<void>>> }[] = [
    {
      pattern: /^\/bucket\/?$/,
      methods: {
        GET: async ({ req, res }) => {
          const caller = await callerOf(req);
          const rows = await store.run(caller, async (c) => (await c.query("select * from storage.buckets order by name")).rows);
          sendJson(res, 200, rows.map(bucketJson));
        },
        POST: async ({ req, res }) => {
          const caller = await callerOf(req);
          const body = await readJson(req);
          const name = typeof body.name === "string" ? body.name : "";
          const id = typeof body.id === "string" ? body.id : name;
          if (!VALID_BUCKET.test(id) || !name) throw invalidRequest("Bucket name invalid");
          const mimes = body.allowed_mime_types;
          if (mimes !== undefined && mimes !== null && !(Array.isArray(mimes) && mimes.every((m) => typeof m === "string"))) {
            throw invalidRequest("allowed_mime_types must be a list of strings");
          }
          const owner = typeof caller.claims.sub === "string" ? caller.claims.sub : null;
          await store.run(caller, (c) =>
            c.query(
              `insert into storage.buckets (id, name, owner_id, public, file_size_limit, allowed_mime_types)
               values ($1, $2, $3, $4, $5, $6)`,
              [id, name, owner, body.public === true, parseFileSizeLimit(body.file_size_limit), mimes ?? null],
            ),
          );
          sendJson(res, 200, { name: id });
        },
      },
    },
    {
      pattern: /^\/bucket\/([^/]+)$/,
      methods: {
        GET: async ({ req, res, params }) => {
          const caller = await callerOf(req);
          const id = bucketName(params[0]!);
          const rows = await store.run(caller, async (c) => (await c.query("select * from storage.buckets where id = $1", [id])).rows);
          if (!rows[0]) throw bucketNotFound();
          sendJson(res, 200, bucketJson(rows[0]));
        },
      },
    },
    {
      pattern: /^\/object\/upload\/sign\/([^/]+)\/(.+)$/,
      methods: {
        POST: async ({ req, res, params }) => {
          const caller = await callerOf(req);
          const bucketId = bucketName(params[0]!);
          const name = objectName(params[1]!);
          const upsert = String(req.headers["x-upsert"]) === "true";
          await store.checkCanWrite(caller, bucketId, name, upsert);
          const owner = typeof caller.claims.sub === "string" ? caller.claims.sub : undefined;
          const token = await tokens.signUpload({ url: `${bucketId}/${name}`, upsert, ...(owner ? { owner } : {}) });
          sendJson(res, 200, { url: `/object/upload/sign/${bucketId}/${name}?token=${token}`, token });
        },
        PUT: async ({ req, res, url, params }) => {
          const bucketId = bucketName(params[0]!);
          const name = objectName(params[1]!);
          const claims = await tokens.verifySigned(url.searchParams.get("token"), `${bucketId}/${name}`);
          const file = await readFile(req);
          const owner = typeof claims.owner === "string" ? claims.owner : undefined;
          const { id } = await store.put(null, bucketId, name, file, { upsert: claims.upsert === true, ...(owner ? { owner } : {}) });
          sendJson(res, 200, { Id: id, Key: `${bucketId}/${name}` });
        },
      },
    },
    {
      pattern: /^\/object\/sign\/([^/]+)\/(.+)$/,
      methods: {
        POST: async ({ req, res, params }) => {
          const caller = await callerOf(req);
          const bucketId = bucketName(params[0]!);
          const name = objectName(params[1]!);
          const body = await readJson(req);
          const expiresIn = body.expiresIn;
          if (typeof expiresIn !== "number" || !Number.isInteger(expiresIn) || expiresIn < 1) {
            throw invalidRequest("expiresIn must be a positive integer (seconds)");
          }
          if (!(await store.find(caller, bucketId, name))) throw objectNotFound();
          const token = await tokens.signDownload(`${bucketId}/${name}`, expiresIn);
          sendJson(res, 200, { signedURL: `/object/sign/${bucketId}/${name}?token=${token}` });
        },
        GET: async ({ res, url, params }) => {
          const bucketId = bucketName(params[0]!);
          const name = objectName(params[1]!);
          await tokens.verifySigned(url.searchParams.get("token"), `${bucketId}/${name}`);
          sendObject(res, await store.find(null, bucketId, name), url.searchParams.get("download"));
        },
      },
    },
    {
      pattern: /^\/object\/list\/([^/]+)$/,
      methods: {
        POST: async ({ req, res, params }) => {
          const caller = await callerOf(req);
          const bucketId = bucketName(params[0]!);
          const body = await readJson(req);
          const prefix = typeof body.prefix === "string" ? body.prefix.replace(/^\/+|\/+$/g, "") : "";
          const limit = Number.isInteger(body.limit) ? Math.max(0, Number(body.limit)) : 100;
          const offset = Number.isInteger(body.offset) ? Math.max(0, Number(body.offset)) : 0;
          const search = typeof body.search === "string" ? body.search.toLowerCase() : "";
          const sortBy = (body.sortBy ?? {}) as { column?: string; order?: string };
          const base = prefix ? `${prefix}/` : "";
          // One level, as Storage's list_objects_with_delimiter: deeper names become their folder.
          const entries = new Map<string, Record<string, unknown>>();
          for (const o of await store.under(caller, bucketId, base)) {
            const rest = o.name.slice(base.length);
            const slash = rest.indexOf("/");
            const entryName = slash === -1 ? rest : rest.slice(0, slash);
            if (search && !entryName.toLowerCase().startsWith(search)) continue;
            if (slash === -1) {
              const { id, updated_at, created_at, last_accessed_at, metadata } = o;
              entries.set(entryName, { name: entryName, id, updated_at, created_at, last_accessed_at, metadata });
            } else if (!entries.has(entryName)) {
              entries.set(entryName, { name: entryName, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
            }
          }
          const column = ["name", "created_at", "updated_at", "last_accessed_at"].includes(sortBy.column ?? "") ? sortBy.column! : "name";
          const sign = sortBy.order === "desc" ? -1 : 1;
          const list = [...entries.values()].sort((a, b) => sign * String(a[column] ?? "").localeCompare(String(b[column] ?? "")));
          sendJson(res, 200, list.slice(offset, offset + limit));
        },
      },
    },
    {
      pattern: /^\/object\/public\/([^/]+)\/(.+)$/,
      methods: {
        GET: async ({ res, url, params }) => {
          const bucketId = bucketName(params[0]!);
          if (!(await store.bucket(bucketId)).public) throw bucketNotFound();
          sendObject(res, await store.find(null, bucketId, objectName(params[1]!)), url.searchParams.get("download"));
        },
      },
    },
    { pattern: /^\/object\/authenticated\/([^/]+)\/(.+)$/, methods: { GET: download } },
    {
      pattern: /^\/object\/([^/]+)$/,
      methods: {
        DELETE: async ({ req, res, params }) => {
          const caller = await callerOf(req);
          const bucketId = bucketName(params[0]!);
          const body = await readJson(req);
          const prefixes = body.prefixes;
          if (!Array.isArray(prefixes) || prefixes.length === 0 || !prefixes.every((p) => typeof p === "string")) {
            throw invalidRequest("prefixes must be a non-empty list of object names");
          }
          const removed = await store.remove(caller, bucketId, prefixes as string[]);
          sendJson(res, 200, removed.map(objectJson));
        },
      },
    },
    {
      pattern: /^\/object\/([^/]+)\/(.+)$/,
      methods: { POST: upload("POST"), PUT: upload("PUT"), GET: download },
    },
  ];

  async function dispatch(ctx: Omit<Context, "params">) {
    const method = (ctx.req.method ?? "GET").toUpperCase();
    for (const route of routes) {
      const match = route.pattern.exec(ctx.url.pathname);
      if (!match) continue;
      const handler = route.methods[method];
      if (!handler) continue;
      return handler({ ...ctx, params: match.slice(1) });
    }
    ctx.req.resume();
    throw notFoundRoute(`${method} ${ctx.url.pathname}`);
  }

  return async function handleStorageRequest(req, res, subpath) {
    const startedAt = process.hrtime.bigint();
    // Raw path kept: names are decoded per segment by objectName().
    const url = new URL(subpath.startsWith("/") ? subpath : `/${subpath}`, "http://storage.stand-in.local");
    let errorCode: string | undefined;
    res.once("close", () => {
      // Never the query string: it carries signed-URL tokens.
      log(
        formatLogLine(levelForStatus(res.statusCode), "request", {
          svc: "storage",
          request_id: req.headers["x-request-id"] ?? null,
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Number((Number(process.hrtime.bigint() - startedAt) / 1e6).toFixed(1)),
          ...(errorCode ? { error_code: errorCode } : {}),
        }),
      );
    });
    try {
      await dispatch({ req, res, url });
    } catch (err) {
      const failure = err instanceof StorageHttpError ? err : fromDatabaseError(err);
      if (!failure) {
        process.stderr.write(
          formatLogLine("error", "unexpected failure", { svc: "storage", path: url.pathname, error: err instanceof Error ? err.message : String(err) }) + "\n",
        );
      }
      const answer = failure ?? new StorageHttpError(500, "InternalError", "Internal Server Error", "internal");
      errorCode = answer.code;
      req.resume();
      sendError(res, answer);
    }
  };
}

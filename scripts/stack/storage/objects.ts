/**
 * LOCAL STORAGE STAND-IN — not Supabase Storage (production uses the real one).
 *
 * Where objects live: metadata in storage.objects / storage.buckets
 * (supabase/compat/30_storage.sql), bytes on disk under the stack's state
 * directory, one file per written version (`<root>/<bucket>/<version>`), the
 * row's `version` naming the current one. A file is written before its row
 * commits and removed if the row does not; the file an upsert replaced is
 * removed after the commit. Object names never reach the file system.
 *
 * Queries for a caller run AS the caller: `set local role` to the JWT's role
 * and `request.jwt.claims` set, so RLS on storage.objects decides, as Supabase
 * Storage does. Work authorised otherwise (a signed URL's token) runs as the
 * storage role, which owns the tables and so is not subject to RLS.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import type { JWTPayload } from "jose";
import { bucketNotFound, entityTooLarge, invalidMimeType, invalidRequest } from "./errors.ts";

export const API_ROLES = ["anon", "authenticated", "service_role"] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface Caller {
  role: ApiRole;
  claims: JWTPayload;
}

export interface Bucket {
  id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: string;
  updated_at: string;
}

export interface IncomingFile {
  bytes: Buffer;
  mimetype: string;
  cacheControl: string;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  last_accessed_at: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The MIME type without parameters (`text/plain;charset=UTF-8` → `text/plain`). */
export const bareMime = (mime: string) => mime.split(";")[0]!.trim().toLowerCase();

/** Storage's rule: an allowed type matches exactly, or `type/*` matches the type's family. */
export function mimeAllowed(mime: string, allowed: string[] | null): boolean {
  if (!allowed || allowed.length === 0) return true;
  const bare = bareMime(mime);
  return allowed.some((a) => {
    const rule = a.trim().toLowerCase();
    return rule.endsWith("/*") ? bare.startsWith(rule.slice(0, -1)) : bare === rule;
  });
}

export function createObjectStore(pool: pg.Pool, root: string) {
  const fileOf = (bucketId: string, version: string) => join(root, bucketId, version);

  /**
   * Runs `fn` in one transaction, as the caller (RLS applies) or, with
   * `caller` null, as the storage role. `rollback` always rolls back (a dry
   * run: can this caller write that row?).
   */
  async function run<T>(caller: Caller | null, fn: (c: pg.PoolClient) => Promise<T>, { rollback = false } = {}): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("begin");
      if (caller) {
        await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
          caller.role,
          JSON.stringify(caller.claims),
        ]);
      }
      const result = await fn(client);
      await client.query(rollback ? "rollback" : "commit");
      return result;
    } catch (err) {
      await client.query("rollback").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** The bucket as the storage role sees it (limits apply whoever uploads). */
  async function bucket(id: string): Promise<Bucket> {
    const { rows } = await pool.query<Bucket>("select * from storage.buckets where id = $1", [id]);
    if (!rows[0]) throw bucketNotFound();
    return { ...rows[0], file_size_limit: rows[0].file_size_limit === null ? null : Number(rows[0].file_size_limit) };
  }

  function checkLimits(b: Bucket, file: IncomingFile) {
    if (b.file_size_limit !== null && file.bytes.length > b.file_size_limit) throw entityTooLarge();
    if (!mimeAllowed(file.mimetype, b.allowed_mime_types)) throw invalidMimeType(file.mimetype);
  }

  const ownerOf = (claims: JWTPayload | undefined) => {
    const sub = typeof claims?.sub === "string" ? claims.sub : null;
    return { owner: sub && UUID.test(sub) ? sub : null, owner_id: sub };
  };

  return {
    run,
    bucket,

    /** Can `caller` write this object? (Storage checks before signing an upload URL.) */
    async checkCanWrite(caller: Caller, bucketId: string, name: string, upsert: boolean): Promise<void> {
      await bucket(bucketId);
      const { owner, owner_id } = ownerOf(caller.claims);
      await run(
        caller,
        (c) =>
          c.query(
            `insert into storage.objects (bucket_id, name, owner, owner_id, metadata) values ($1, $2, $3, $4, '{}')
             ${upsert ? "on conflict (bucket_id, name) do update set updated_at = now()" : ""}`,
            [bucketId, name, owner, owner_id],
          ),
        { rollback: true },
      );
    },

    /**
     * Stores a file: the bucket's size and type limits first, then the bytes,
     * then the row (as `caller`, or as the storage role for a signed upload
     * with the token's `owner`).
     */
    async put(
      caller: Caller | null,
      bucketId: string,
      name: string,
      file: IncomingFile,
      opts: { upsert: boolean; owner?: string },
    ): Promise<{ id: string }> {
      const b = await bucket(bucketId);
      checkLimits(b, file);
      const version = randomUUID();
      const path = fileOf(bucketId, version);
      mkdirSync(join(root, bucketId), { recursive: true });
      writeFileSync(path, file.bytes);
      const { owner, owner_id } = caller ? ownerOf(caller.claims) : ownerOf({ sub: opts.owner });
      const metadata = {
        eTag: `"${createHash("md5").update(file.bytes).digest("hex")}"`,
        size: file.bytes.length,
        mimetype: file.mimetype,
        cacheControl: file.cacheControl,
        lastModified: new Date().toISOString(),
        contentLength: file.bytes.length,
        httpStatusCode: 200,
      };
      try {
        const row = await run(caller, async (c) => {
          const { rows } = await c.query<{ id: string; previous: string | null }>(
            `with previous as (select o.version from storage.objects o where o.bucket_id = $1 and o.name = $2)
             insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
             values ($1, $2, $3, $4, $5, $6)
             ${opts.upsert ? `on conflict (bucket_id, name) do update
               set owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata,
                   version = excluded.version, updated_at = now()` : ""}
             returning id, (select p.version from previous p) as previous`,
            [bucketId, name, owner, owner_id, metadata, version],
          );
          return rows[0]!;
        });
        if (row.previous && row.previous !== version) rmSync(fileOf(bucketId, row.previous), { force: true });
        return { id: row.id };
      } catch (err) {
        rmSync(path, { force: true });
        throw err;
      }
    },

    /** The object row if `caller` may read it (null caller: the storage role). */
    async find(caller: Caller | null, bucketId: string, name: string): Promise<ObjectRow | undefined> {
      await bucket(bucketId);
      return run(caller, async (c) => {
        const { rows } = await c.query<ObjectRow>(
          "select * from storage.objects where bucket_id = $1 and name = $2",
          [bucketId, name],
        );
        return rows[0];
      });
    },

    /** Where the row's bytes are, or undefined when the file is gone. */
    fileFor(row: ObjectRow): { path: string; size: number } | undefined {
      if (!row.version) return undefined;
      const path = fileOf(row.bucket_id, row.version);
      try {
        return { path, size: statSync(path).size };
      } catch {
        return undefined;
      }
    },

    /** Deletes the named objects the caller may delete; their files go after the commit. */
    async remove(caller: Caller, bucketId: string, names: string[]): Promise<ObjectRow[]> {
      await bucket(bucketId);
      const rows = await run(caller, async (c) => {
        const r = await c.query<ObjectRow>(
          "delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning *",
          [bucketId, names],
        );
        return r.rows;
      });
      for (const row of rows) if (row.version) rmSync(fileOf(bucketId, row.version), { force: true });
      return rows;
    },

    /** Objects under a prefix visible to the caller, ordered by name. */
    async under(caller: Caller, bucketId: string, prefix: string): Promise<ObjectRow[]> {
      await bucket(bucketId);
      const like = prefix.replace(/[\\%_]/g, (m) => `\\${m}`) + "%";
      return run(caller, async (c) => {
        const { rows } = await c.query<ObjectRow>(
          "select * from storage.objects where bucket_id = $1 and name like $2 escape '\\' order by name",
          [bucketId, like],
        );
        return rows;
      });
    },
  };
}

export type ObjectStore = ReturnType<typeof createObjectStore>;

/** `5MB`, `100kb`, `1GB` or a number of bytes, as Storage accepts for file_size_limit. */
export function parseFileSizeLimit(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string") {
    const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(value.trim());
    if (m) {
      const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b"];
      return Number(m[1]) * unit;
    }
  }
  throw invalidRequest(`Invalid file_size_limit: ${String(value)}`);
}

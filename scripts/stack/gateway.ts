/**
 * The local API gateway: one origin on the API port with Supabase's paths,
 * standing where Kong stands in a Supabase project.
 *
 *   /rest/v1/*       → PostgREST            (apikey required, as Kong's key-auth does)
 *   /auth/v1/*       → local auth stand-in  (apikey required)
 *   /functions/v1/*  → Deno functions runtime (JWT verified unless verify_jwt = false)
 *   /storage/v1/*    → not in the local stack yet: 501
 *   /config.json     → the public URL and anon key for the web app
 *   /                → the built PWA (web/dist), SPA fallback to index.html
 *
 * Proxying is done by http-proxy-3 (a maintained rewrite of http-proxy).
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { createProxyServer } from "http-proxy-3";
import { jwtVerify } from "jose";
import sirv from "sirv";
import { parse as parseToml } from "smol-toml";
import { ROOT, type StackConfig } from "./config.ts";
import type { ApiKeys } from "./keys.ts";

export type AuthHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

export interface GatewayOptions {
  cfg: StackConfig;
  keys: ApiKeys;
  auth: AuthHandler;
  webDist?: string;
  /** Where one JSON line per request goes (default: stdout). */
  log?: (line: string) => void;
}

/** Largest request body forwarded to PostgREST or a function. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, content-profile, accept-profile, prefer, range, x-request-id, x-supabase-api-version, x-upsert",
  "access-control-expose-headers": "content-range, content-location, location, x-request-id, x-supabase-api-version, retry-after",
  "access-control-max-age": "3600",
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `verify_jwt` per function from config.toml ([functions.<slug>]); Supabase's default is true. */
export function functionsJwtPolicy(configPath = join(ROOT, "supabase", "config.toml")): Map<string, boolean> {
  const policy = new Map<string, boolean>();
  if (!existsSync(configPath)) return policy;
  const toml = parseToml(readFileSync(configPath, "utf8")) as { functions?: Record<string, { verify_jwt?: boolean }> };
  for (const [slug, fn] of Object.entries(toml.functions ?? {})) policy.set(slug, fn.verify_jwt !== false);
  return policy;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1];
}

function apikeyOf(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers.apikey;
  return (Array.isArray(h) ? h[0] : h) ?? url.searchParams.get("apikey") ?? undefined;
}

export function createGateway(opts: GatewayOptions): Server {
  const { cfg, keys } = opts;
  const log = opts.log ?? ((line) => process.stdout.write(line + "\n"));
  const validKeys = new Set([keys.anonKey, keys.serviceRoleKey]);
  const secret = new TextEncoder().encode(cfg.jwtSecret);
  const jwtPolicy = functionsJwtPolicy();
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000 });
  proxy.on("error", (err, _req, res) => {
    if (res && "writeHead" in res) sendJson(res as ServerResponse, 502, { message: "Upstream unavailable", hint: err.message });
  });

  const webDist = opts.webDist ?? join(ROOT, "web", "dist");
  const serveWeb = existsSync(join(webDist, "index.html"))
    ? sirv(webDist, { single: true, etag: true, dev: cfg.profile === "test" })
    : undefined;

  /** Kong's key-auth: the apikey must be one of the project's keys. */
  function checkApiKey(req: IncomingMessage, res: ServerResponse, url: URL): string | undefined {
    const key = apikeyOf(req, url);
    if (!key) {
      sendJson(res, 401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
      return undefined;
    }
    if (!validKeys.has(key)) {
      sendJson(res, 401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
      return undefined;
    }
    return key;
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse): boolean {
    const len = Number(req.headers["content-length"] ?? 0);
    if (len > MAX_BODY_BYTES) {
      // Drain what the client is still sending so it reads our answer rather than a reset.
      req.resume();
      sendJson(res, 413, { message: `Request body too large (${len} bytes; limit ${MAX_BODY_BYTES}).` });
      return true;
    }
    return false;
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: string, path: string) {
    req.url = path;
    proxy.web(req, res, { target, changeOrigin: false });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL) {
    const path = url.pathname;
    const rest = (prefix: string) => req.url!.slice(prefix.length) || "/";

    if (path.startsWith("/rest/v1/") || path === "/rest/v1") {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") return void res.writeHead(204).end();
      const key = checkApiKey(req, res, url);
      if (!key || tooLarge(req, res)) return;
      // As in Supabase: without a user token the request runs with the apikey's role.
      if (!req.headers.authorization) req.headers.authorization = `Bearer ${key}`;
      return forward(req, res, `http://127.0.0.1:${cfg.ports.rest}`, rest("/rest/v1"));
    }

    if (path.startsWith("/auth/v1/") || path === "/auth/v1") {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") return void res.writeHead(204).end();
      if (!checkApiKey(req, res, url)) return;
      return opts.auth(req, res, rest("/auth/v1"));
    }

    if (path.startsWith("/functions/v1/")) {
      // Functions answer CORS preflight themselves (Supabase forwards OPTIONS untouched).
      const slug = path.split("/")[3] ?? "";
      // The runtime's own readiness endpoint is for the supervisor, not the world.
      if (slug.startsWith("_")) return sendJson(res, 404, { code: "NOT_FOUND", message: "Requested function was not found" });
      if (req.method !== "OPTIONS" && jwtPolicy.get(slug) !== false) {
        const token = bearer(req);
        if (!token) return sendJson(res, 401, { code: 401, message: "Missing authorization header" });
        try {
          await jwtVerify(token, secret, { algorithms: ["HS256"] });
        } catch {
          return sendJson(res, 401, { code: 401, message: "Invalid JWT" });
        }
      }
      if (tooLarge(req, res)) return;
      return forward(req, res, `http://127.0.0.1:${cfg.ports.functions}`, rest("/functions/v1"));
    }

    if (path.startsWith("/storage/v1")) {
      return sendJson(res, 501, { statusCode: "501", error: "Not Implemented", message: "Storage is not part of the local stack yet." });
    }

    if (path === "/config.json") {
      // Public values only: what any browser of the app may know.
      return sendJson(res, 200, { supabaseUrl: cfg.apiUrl, anonKey: keys.anonKey }, { "cache-control": "no-store" });
    }

    if (serveWeb && (req.method === "GET" || req.method === "HEAD")) {
      return serveWeb(req, res, () => void sendJson(res, 404, { message: "Not found" }));
    }
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("Terrain API gateway. The web app is not built: npm run build -w web\n");
    }
    return sendJson(res, 404, { message: "Not found" });
  }

  return createServer((req, res) => {
    const started = performance.now();
    const originalPath = (req.url ?? "").split("?")[0];
    const requestId = (req.headers["x-request-id"] as string | undefined) || randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    res.once("finish", () => {
      log(
        JSON.stringify({
          ts: new Date().toISOString(),
          svc: "gateway",
          request_id: requestId,
          method: req.method,
          path: originalPath,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        }),
      );
    });
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://gateway.local");
    } catch {
      return sendJson(res, 400, { message: "Malformed request URL" });
    }
    route(req, res, url).catch((err: unknown) => {
      log(JSON.stringify({ ts: new Date().toISOString(), svc: "gateway", level: "error", request_id: requestId, error: String(err) }));
      sendJson(res, 500, { message: "Gateway error", request_id: requestId });
    });
  });
}

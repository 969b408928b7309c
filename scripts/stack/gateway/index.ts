/**
 * The local API gateway: one origin on the API port with Supabase's paths,
 * standing where Kong stands in a Supabase project.
 *
 *   /rest/v1/*       → PostgREST            (apikey required, as Kong's key-auth does)
 *   /auth/v1/*       → local auth stand-in  (apikey required)
 *   /functions/v1/*  → Deno functions runtime (JWT verified unless verify_jwt = false)
 *   /storage/v1/*    → not in the local stack yet: 501
 *   /config.json     → the public URL and anon key for the web app
 *   /                → the built PWA (web/dist), SPA fallback to index.html;
 *                      brotli/gzip by Accept-Encoding, hashed assets cached
 *                      immutable (see serveBuiltApp)
 *
 * Proxying is done by http-proxy-3 (a maintained rewrite of http-proxy).
 *
 * Rate limiting (docs/rate-limiting.md), when a limiter is given: PostgREST
 * reads (GET/HEAD, bucket READ, counted in batches: ratelimit.ts) and
 * /auth/v1/token (bucket TOKEN, per client IP) are counted here, through the same SQL functions the db-pre-request
 * hook uses for writes; a refused request is answered 429 with Retry-After.
 * Writes that fail are counted after their response (their transaction rolled
 * the hook's count back). X-Forwarded-For is rewritten to the one client
 * address the gateway determined (see ratelimit.ts clientIp), so PostgREST,
 * the functions and the auth stand-in all see the same client.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Agent, type ClientRequest, createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { type JWTPayload, jwtVerify } from "jose";
import sirv from "sirv";
import { parse as parseToml } from "smol-toml";
import { sendJson as sendAuthJson, wantsApiVersion20240101 } from "../auth/errors.ts";
import { ROOT, type StackConfig } from "../config.ts";
import { CORS_HEADERS, MAX_BODY_BYTES } from "../http.ts";
import type { ApiKeys } from "../keys.ts";
import { formatLogLine, levelForStatus } from "../log.ts";
import { precompressDir } from "./precompress.ts";
import { clientIp, rateLimitMessage, type RateLimiter } from "./ratelimit.ts";

/** The routes with a request body, each with its own error shape. */
type Route = "rest" | "auth" | "functions" | "storage";

export type AuthHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

export interface GatewayOptions {
  cfg: StackConfig;
  keys: ApiKeys;
  auth: AuthHandler;
  webDist?: string;
  /** Where one JSON line per request goes (default: stdout). */
  log?: (line: string) => void;
  /** Counts reads, token requests and failed writes (state in the database); none: no rate limiting. */
  rateLimiter?: RateLimiter;
}

/** Set by private.api_pre_request on read-only RPC POSTs it could check but not count. */
const DEFERRED_HEADER = "x-terrain-rate-limit";

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Hashed by Vite (`/assets/index-B9a9O69I.js`): a new build gets new names, so these never change. */
const IMMUTABLE_ASSETS = /^\/assets\//;

/**
 * The built PWA (web/dist). Compression: the brotli/gzip twins written by
 * precompressDir, chosen by Accept-Encoding (sirv adds Content-Encoding and
 * Vary). Caching: hashed assets for a year, immutable; everything else —
 * index.html and the SPA routes it answers, sw.js, registerSW.js, the
 * manifest, icons — `no-cache`, i.e. revalidated by ETag on every use, so a
 * new build (and a new service worker) is picked up at once.
 *
 * sirv indexes the directory once, here: rebuilding the app while the gateway
 * runs needs a restart (npm start rebuilds a stale app before starting).
 */
export function serveBuiltApp(webDist: string) {
  precompressDir(webDist);
  return sirv(webDist, {
    single: true,
    etag: true,
    brotli: true,
    gzip: true,
    setHeaders(res, pathname) {
      res.setHeader("cache-control", IMMUTABLE_ASSETS.test(pathname) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
}

/** `verify_jwt` per function from config.toml ([functions.<slug>]); Supabase's default is true. */
export function functionsJwtPolicy(configPath = join(ROOT, "supabase", "config.toml")): Map<string, boolean> {
  const policy = new Map<string, boolean>();
  if (!existsSync(configPath)) return policy;
  const toml = parseToml(readFileSync(configPath, "utf8")) as { functions?: Record<string, { verify_jwt?: boolean }> };
  for (const [slug, fn] of Object.entries(toml.functions ?? {})) policy.set(slug, fn.verify_jwt !== false);
  return policy;
}

/**
 * A log of one line per call, written in batches: every `intervalMs`, or at
 * once past 64 KiB. The gateway logs every request; one file write each was a
 * measurable share of its work. Lines keep their order; `flush` writes what
 * is pending (call it before closing the destination).
 */
export function bufferedLog(write: (chunk: string) => void, intervalMs = 50) {
  let pending: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const chunk = pending.join("\n") + "\n";
    pending = [];
    size = 0;
    write(chunk);
  };
  const log = (line: string) => {
    pending.push(line);
    size += line.length + 1;
    if (size >= 64 * 1024) return flush();
    if (!timer) {
      timer = setTimeout(flush, intervalMs);
      timer.unref();
    }
  };
  return Object.assign(log, { flush });
}

/** Verified tokens kept (each until its own expiry); the cache starts over past this many. */
const MAX_CACHED_TOKENS = 10_000;

/**
 * HS256 verification with a memory: a client sends the same token on every
 * request until it refreshes it, and verifying it again each time (an HMAC
 * and the claims checks) was a measurable share of the gateway's work. A
 * token is cached only once verified, with its `exp` and `nbf`, and checked
 * against the clock on every use: an expired token is refused exactly when
 * it would have been without the cache. Tokens that fail are not cached (a
 * flood of bad tokens cannot grow the cache, and costs what it did).
 */
export function createJwtVerifier(jwtSecret: string) {
  const secret = new TextEncoder().encode(jwtSecret);
  const verified = new Map<string, { payload: JWTPayload; exp: number; nbf: number }>();
  return async function verify(token: string): Promise<JWTPayload> {
    const now = Date.now() / 1000;
    const hit = verified.get(token);
    if (hit && now < hit.exp && now >= hit.nbf) return hit.payload;
    if (hit) verified.delete(token);
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
    if (verified.size >= MAX_CACHED_TOKENS) verified.clear();
    // jose allows no clock tolerance by default: the same bounds here.
    verified.set(token, { payload, exp: typeof payload.exp === "number" ? payload.exp : Infinity, nbf: typeof payload.nbf === "number" ? payload.nbf : -Infinity });
    return payload;
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1];
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

function apikeyOf(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers.apikey;
  return (Array.isArray(h) ? h[0] : h) ?? url.searchParams.get("apikey") ?? undefined;
}

export function createGateway(opts: GatewayOptions): Server {
  const { cfg, keys } = opts;
  const log = opts.log ?? ((line) => process.stdout.write(line + "\n"));
  const validKeys = new Set([keys.anonKey, keys.serviceRoleKey]);
  const verifyJwt = createJwtVerifier(cfg.jwtSecret);
  const jwtPolicy = functionsJwtPolicy();
  // Persistent connections to PostgREST and the functions runtime: without an
  // agent, http-proxy opens (and the upstream accepts) a new TCP connection
  // per request, with `Connection: close`.
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 32, scheduling: "lifo" });
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000, agent: upstreamAgent });
  const restTarget = new URL(`http://127.0.0.1:${cfg.ports.rest}`);
  const functionsTarget = new URL(`http://127.0.0.1:${cfg.ports.functions}`);
  /** Writes whose count the gateway may owe (see limitRest): request → marked "deferred" by the hook. */
  const pendingWrites = new WeakMap<IncomingMessage, { deferred: boolean }>();
  proxy.on("proxyRes", (proxyRes, req) => {
    // Internal signal of the db-pre-request hook; never shown to clients.
    const deferred = proxyRes.headers[DEFERRED_HEADER] === "deferred";
    delete proxyRes.headers[DEFERRED_HEADER];
    const pending = pendingWrites.get(req);
    if (pending && deferred) pending.deferred = true;
  });
  /** Upstream requests in flight, so an oversized body can abort its own (see forward). */
  const upstreamRequests = new WeakMap<IncomingMessage, ClientRequest>();
  /** Requests refused mid-body: the abort of their upstream request is ours, not an upstream failure. */
  const oversized = new WeakSet<IncomingMessage>();
  proxy.on("proxyReq", (proxyReq, req) => {
    if (oversized.has(req)) return void proxyReq.destroy();
    upstreamRequests.set(req, proxyReq);
  });
  proxy.on("error", (err, req, res) => {
    if (oversized.has(req)) return;
    if (res && "writeHead" in res) sendJson(res as ServerResponse, 502, { message: "Upstream unavailable", hint: err.message });
  });

  const webDist = opts.webDist ?? join(ROOT, "web", "dist");
  const serveWeb = existsSync(join(webDist, "index.html")) ? serveBuiltApp(webDist) : undefined;

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

  /**
   * 413 in the shape the route's clients already read: PostgREST's for
   * /rest/v1 (as the 429 above), GoTrue's for /auth/v1, the functions'
   * `{error:{code,message}}` for /functions/v1, storage-api's for /storage/v1.
   * The connection stays open and the rest of the body is drained (and
   * dropped): closing it would make many clients report a broken pipe
   * instead of reading the 413.
   */
  function payloadTooLarge(req: IncomingMessage, res: ServerResponse, route: Route) {
    const message = `Request body too large (limit ${MAX_BODY_BYTES} bytes)`;
    if (res.headersSent) return void res.end();
    // Drain what the client is still sending so it reads our answer rather than a reset.
    req.resume();
    if (route === "auth") {
      const body = wantsApiVersion20240101(req)
        ? { code: "request_entity_too_large", message }
        : { code: 413, error_code: "request_entity_too_large", msg: message };
      return sendAuthJson(req, res, 413, body);
    }
    if (route === "rest") return sendJson(res, 413, { code: "payload_too_large", details: null, hint: null, message });
    if (route === "storage") return sendJson(res, 413, { statusCode: "413", error: "Payload too large", message });
    return sendJson(res, 413, { error: { code: "payload_too_large", message } });
  }

  /** A body that announces more than the limit is refused before any of it is read. */
  function declaresTooMuch(req: IncomingMessage, res: ServerResponse, route: Route): boolean {
    if (Number(req.headers["content-length"] ?? 0) <= MAX_BODY_BYTES) return false;
    payloadTooLarge(req, res, route);
    return true;
  }

  /** The verified JWT's role and sub ({} when absent or invalid: PostgREST will refuse it anyway). */
  async function verifiedClaims(req: IncomingMessage): Promise<Record<string, unknown>> {
    const token = bearer(req);
    if (!token) return {};
    try {
      const payload = await verifyJwt(token);
      return { role: payload.role, sub: payload.sub };
    } catch {
      return {};
    }
  }

  /**
   * PostgREST requests. Reads are counted (and refused past READ) here. Writes
   * are counted by the db-pre-request hook inside their transaction; the
   * gateway counts, once the response is out, the writes the hook could not:
   * a write that failed (its transaction, count included, rolled back) and a
   * POST to a read-only (STABLE) function, which the hook checked but could
   * not count and marked "deferred". True when the request was answered (429).
   */
  async function limitRest(limiter: RateLimiter, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    const claims = await verifiedClaims(req);
    if (claims.role === "service_role") return false; // trusted server code: not limited
    const restPath = url.pathname.slice("/rest/v1".length) || "/";
    const headers: Record<string, string> = { "x-forwarded-for": headerOf(req, "x-forwarded-for") ?? "" };
    for (const name of ["x-api-key", "apikey"]) {
      const v = headerOf(req, name);
      if (v?.startsWith("trn_")) headers[name] = v;
    }
    if (method === "GET" || method === "HEAD") {
      const verdict = await limiter.checkRead(claims, headers, method, restPath);
      if (verdict && !verdict.allowed) {
        // PostgREST's error shape, as the hook's refusals of writes have it.
        const body = { code: "rate_limited", details: null, hint: null, message: rateLimitMessage(verdict) };
        sendJson(res, 429, body, { "retry-after": String(verdict.retryAfterSeconds) });
        return true;
      }
      return false;
    }
    const pending = { deferred: false };
    pendingWrites.set(req, pending);
    res.once("finish", () => {
      // 429: refused by the hook, nothing to count. Other 2xx/3xx: the hook's count was committed.
      const failed = res.statusCode >= 400 && res.statusCode !== 429;
      if (failed || pending.deferred) void limiter.checkApiRequest(claims, headers, method, restPath);
    });
    return false;
  }

  /** /auth/v1/token: TOKEN per client IP, refused in GoTrue's error shape (auth-js reads it as an AuthApiError). */
  async function limitToken(limiter: RateLimiter, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const verdict = await limiter.consume(`ip:${headerOf(req, "x-forwarded-for") ?? "unknown"}`, "TOKEN");
    if (!verdict || verdict.allowed) return false;
    const message = `Request rate limit reached (TOKEN): retry in ${verdict.retryAfterSeconds} seconds`;
    const body = wantsApiVersion20240101(req)
      ? { code: "over_request_rate_limit", message }
      : { code: 429, error_code: "over_request_rate_limit", msg: message };
    sendAuthJson(req, res, 429, body, { "retry-after": String(verdict.retryAfterSeconds) });
    return true;
  }

  /**
   * Proxies the request with its body streamed through a byte counter.
   * Content-Length is only a claim (and chunked bodies make none): the limit
   * applies to the bytes actually received. The moment it is passed, the
   * upstream request is destroyed — the upstream sees a truncated body and
   * acts on nothing — and the client gets 413. Nothing is buffered beyond the
   * stream's own backpressure window.
   */
  /**
   * GET and HEAD without a body, the bulk of the traffic: proxied without
   * http-proxy, whose per-request machinery (option merging, passes, events)
   * was a visible share of the gateway's work. The same request and response
   * as http-proxy makes them with this gateway's options (xfwd, no
   * changeOrigin, the keep-alive agent, proxyTimeout): X-Forwarded-For/-Port/
   * -Proto appended, X-Forwarded-Host set, Trailer dropped; the status, its
   * message and the headers passed back, Transfer-Encoding and hop-by-hop
   * Connection/Keep-Alive left to this server; 502 when the upstream fails.
   */
  function proxyRead(req: IncomingMessage, res: ServerResponse, target: URL) {
    const h = req.headers;
    const remote = req.socket.remoteAddress ?? "";
    const port = /:(\d+)/.exec(h.host ?? "")?.[1] ?? "80";
    h["x-forwarded-for"] = h["x-forwarded-for"] ? `${h["x-forwarded-for"]},${remote}` : remote;
    h["x-forwarded-port"] = h["x-forwarded-port"] ? `${h["x-forwarded-port"]},${port}` : port;
    h["x-forwarded-proto"] = h["x-forwarded-proto"] ? `${h["x-forwarded-proto"]},http` : "http";
    h["x-forwarded-host"] = h["x-forwarded-host"] || h.host || "";
    const headers: Record<string, string | string[] | undefined> = { ...h };
    delete headers.trailer;
    delete headers.connection;
    delete headers["keep-alive"];
    const path = req.url!.startsWith("/") ? req.url! : `/${req.url}`;
    const upstream = httpRequest(
      { agent: upstreamAgent, host: target.hostname, port: target.port, method: req.method, path, headers },
      (upRes) => {
        const out = upRes.headers;
        delete out[DEFERRED_HEADER];
        delete out["transfer-encoding"];
        delete out.connection;
        delete out["keep-alive"];
        res.statusCode = upRes.statusCode ?? 502;
        if (upRes.statusMessage) res.statusMessage = upRes.statusMessage;
        for (const name in out) {
          const v = out[name];
          if (v !== undefined) res.setHeader(name, v);
        }
        upRes.pipe(res);
      },
    );
    upstream.setTimeout(120_000, () => upstream.destroy());
    upstream.on("error", (err) => {
      if (res.destroyed || req.socket.destroyed) return; // the client left: nobody to answer
      if (!res.headersSent) sendJson(res, 502, { message: "Upstream unavailable", hint: err.message });
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end();
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: URL, path: string, route: Route) {
    req.url = path;
    // No body (no Content-Length, or 0, and not chunked — most GETs): nothing to count.
    if (req.headers["transfer-encoding"] === undefined && !(Number(req.headers["content-length"] ?? 0) > 0)) {
      if (req.method === "GET" || req.method === "HEAD") return proxyRead(req, res, target);
      return void proxy.web(req, res, { target, changeOrigin: false });
    }
    let received = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received <= MAX_BODY_BYTES) return done(null, chunk);
        done();
        if (oversized.has(req)) return;
        oversized.add(req);
        req.unpipe(counted);
        upstreamRequests.get(req)?.destroy();
        payloadTooLarge(req, res, route);
      },
    });
    req.pipe(counted);
    proxy.web(req, res, { target, changeOrigin: false, buffer: counted });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL) {
    const path = url.pathname;
    const rest = (prefix: string) => req.url!.slice(prefix.length) || "/";

    if (path.startsWith("/rest/v1/") || path === "/rest/v1") {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") return void res.writeHead(204).end();
      const key = checkApiKey(req, res, url);
      if (!key || declaresTooMuch(req, res, "rest")) return;
      // As in Supabase: without a user token the request runs with the apikey's role.
      if (!req.headers.authorization) req.headers.authorization = `Bearer ${key}`;
      if (opts.rateLimiter && (await limitRest(opts.rateLimiter, req, res, url))) return;
      return forward(req, res, restTarget, rest("/rest/v1"), "rest");
    }

    if (path.startsWith("/auth/v1/") || path === "/auth/v1") {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") return void res.writeHead(204).end();
      // Streamed bodies: the stand-in reads them itself with a 1 MiB cap (auth/body.ts).
      if (!checkApiKey(req, res, url) || declaresTooMuch(req, res, "auth")) return;
      if (opts.rateLimiter && path === "/auth/v1/token" && req.method === "POST" && (await limitToken(opts.rateLimiter, req, res))) return;
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
          await verifyJwt(token);
        } catch {
          return sendJson(res, 401, { code: 401, message: "Invalid JWT" });
        }
      }
      if (declaresTooMuch(req, res, "functions")) return;
      return forward(req, res, functionsTarget, rest("/functions/v1"), "functions");
    }

    if (path.startsWith("/storage/v1")) {
      if (declaresTooMuch(req, res, "storage")) return;
      // Not served yet, but the body limit holds here too: count what arrives, answer once it ends.
      let received = 0;
      req.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received <= MAX_BODY_BYTES || oversized.has(req)) return;
        oversized.add(req);
        payloadTooLarge(req, res, "storage");
      });
      req.on("end", () => {
        if (!oversized.has(req)) {
          sendJson(res, 501, { statusCode: "501", error: "Not Implemented", message: "Storage is not part of the local stack yet." });
        }
      });
      return;
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

  const server = createServer((req, res) => {
    const started = performance.now();
    const originalPath = (req.url ?? "").split("?")[0];
    // One client address for everything behind the gateway (rate-limit keys, sessions):
    // http-proxy appends the gateway's own hop after it (xfwd), so it stays the first entry.
    req.headers["x-forwarded-for"] = clientIp(req);
    const requestId = (req.headers["x-request-id"] as string | undefined) || randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    res.once("finish", () => {
      log(
        formatLogLine(levelForStatus(res.statusCode), "request", {
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
      log(formatLogLine("error", "gateway error", { svc: "gateway", request_id: requestId, error: String(err) }));
      sendJson(res, 500, { message: "Gateway error", request_id: requestId });
    });
  });
  server.on("close", () => upstreamAgent.destroy());
  return server;
}

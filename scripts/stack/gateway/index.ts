/**
 * The local API gateway: one origin on the API port with Supabase's paths,
 * standing where Kong stands in a Supabase project.
 *
 *   /rest/v1/*       → PostgREST            (apikey required, as Kong's key-auth does)
 *   /auth/v1/*       → local auth stand-in  (apikey required)
 *   /functions/v1/*  → Deno functions runtime (JWT verified unless verify_jwt = false)
 *   /storage/v1/*    → not in the local stack yet: 501
 *   /config.json     → the public URL, anon key and Web Push (VAPID) public key for the web app
 *   /                → the built PWA (web/dist), SPA fallback to index.html;
 *                      brotli/gzip by Accept-Encoding, hashed assets cached
 *                      immutable (static.ts)
 *
 * Each route is a chain of small middlewares (exchange.ts), composed here:
 * access-log.ts (request id, client address, one line per request),
 * api-key.ts (CORS, Kong's key-auth), jwt.ts (functions' verify_jwt),
 * body-limit.ts, limits.ts (rate limits), upstream.ts (proxying), static.ts.
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
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { ROOT, type StackConfig } from "../config.ts";
import type { ApiKeys } from "../keys.ts";
import { withRequestLog } from "./access-log.ts";
import { cors, requireApiKey } from "./api-key.ts";
import { declaredBodyLimit, storageNotImplemented } from "./body-limit.ts";
import { chain, type Exchange, type Middleware } from "./exchange.ts";
import { createJwtVerifier, functionJwt, functionsJwtPolicy } from "./jwt.ts";
import { restRateLimit, tokenRateLimit } from "./limits.ts";
import type { RateLimiter } from "./ratelimit.ts";
import { builtApp, publicConfig, serveBuiltApp } from "./static.ts";
import { createUpstreams } from "./upstream.ts";

export { bufferedLog } from "./access-log.ts";
export { createJwtVerifier, functionsJwtPolicy } from "./jwt.ts";
export { serveBuiltApp } from "./static.ts";

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
  /** The VAPID public key browsers subscribe to Web Push with (functions/vapid.ts). */
  vapidPublicKey?: string;
}

/** `/p` itself and everything under `/p/`. */
const under = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}/`);

export function createGateway(opts: GatewayOptions): Server {
  const { cfg, keys, rateLimiter } = opts;
  const log = opts.log ?? ((line) => process.stdout.write(line + "\n"));
  const verifyJwt = createJwtVerifier(cfg.jwtSecret);
  const upstreams = createUpstreams();
  const webDist = opts.webDist ?? join(ROOT, "web", "dist");
  const serveWeb = existsSync(join(webDist, "index.html")) ? serveBuiltApp(webDist) : undefined;
  const limitedBy = (make: (limiter: RateLimiter) => Middleware): Middleware[] => (rateLimiter ? [make(rateLimiter)] : []);

  const routes: [matches: (path: string) => boolean, handle: (ex: Exchange) => Promise<void>][] = [
    [
      under("/rest/v1"),
      chain(
        cors,
        requireApiKey(keys, { asBearer: true }),
        declaredBodyLimit("rest"),
        ...limitedBy((limiter) => restRateLimit(limiter, verifyJwt, upstreams.pendingWrites)),
        upstreams.proxyTo(cfg.ports.rest, "/rest/v1", "rest"),
      ),
    ],
    [
      under("/auth/v1"),
      chain(
        cors,
        requireApiKey(keys),
        // Streamed bodies: the stand-in reads them itself with a 1 MiB cap (auth/body.ts).
        declaredBodyLimit("auth"),
        ...limitedBy(tokenRateLimit),
        ({ req, res }) => opts.auth(req, res, req.url!.slice("/auth/v1".length) || "/"),
      ),
    ],
    [
      (path) => path.startsWith("/functions/v1/"),
      chain(
        functionJwt(functionsJwtPolicy(), verifyJwt),
        declaredBodyLimit("functions"),
        upstreams.proxyTo(cfg.ports.functions, "/functions/v1", "functions"),
      ),
    ],
    [(path) => path.startsWith("/storage/v1"), chain(declaredBodyLimit("storage"), storageNotImplemented(upstreams.oversized))],
    [(path) => path === "/config.json", chain(publicConfig(cfg, keys, opts.vapidPublicKey))],
  ];
  const otherwise = chain(builtApp(serveWeb));

  const server = createServer(
    withRequestLog(log, (ex) => (routes.find(([matches]) => matches(ex.url.pathname))?.[1] ?? otherwise)(ex)),
  );
  server.on("close", () => upstreams.close());
  return server;
}

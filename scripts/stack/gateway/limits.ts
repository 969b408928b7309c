/**
 * Rate limiting at the gateway (docs/rate-limiting.md): PostgREST reads and
 * the writes the db-pre-request hook could not count, and /auth/v1/token per
 * client IP. A refused request is answered 429 with Retry-After, in the error
 * shape its clients read.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson as sendAuthJson, wantsApiVersion20240101 } from "../auth/errors.ts";
import { type Middleware, headerOf, sendJson } from "./exchange.ts";
import { type JwtVerifier, verifiedClaims } from "./jwt.ts";
import { rateLimitMessage, type RateLimiter } from "./ratelimit.ts";

/** Writes whose count the gateway may owe: request → marked "deferred" by the hook (upstream.ts). */
export type PendingWrites = WeakMap<IncomingMessage, { deferred: boolean }>;

/**
 * PostgREST requests. Reads are counted (and refused past READ) here. Writes
 * are counted by the db-pre-request hook inside their transaction; the
 * gateway counts, once the response is out, the writes the hook could not:
 * a write that failed (its transaction, count included, rolled back) and a
 * POST to a read-only (STABLE) function, which the hook checked but could
 * not count and marked "deferred". True when the request was answered (429).
 */
async function limitRest(limiter: RateLimiter, verifyJwt: JwtVerifier, pendingWrites: PendingWrites, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const method = (req.method ?? "GET").toUpperCase();
  const claims = await verifiedClaims(req, verifyJwt);
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

export function restRateLimit(limiter: RateLimiter, verifyJwt: JwtVerifier, pendingWrites: PendingWrites): Middleware {
  return async ({ req, res, url }, next) => {
    if (!(await limitRest(limiter, verifyJwt, pendingWrites, req, res, url))) return next();
  };
}

export function tokenRateLimit(limiter: RateLimiter): Middleware {
  return async ({ req, res, url }, next) => {
    if (url.pathname === "/auth/v1/token" && req.method === "POST" && (await limitToken(limiter, req, res))) return;
    return next();
  };
}

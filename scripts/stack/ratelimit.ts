/**
 * The gateway's side of rate limiting (design: docs/rate-limiting.md).
 *
 * The limiter's state and rules live in the database (private.rate_limit_*).
 * PostgREST counts writes itself in its db-pre-request hook; what it cannot
 * count — GET/HEAD run in READ ONLY transactions — the gateway counts by
 * calling the same SQL (private.check_api_request → private.consume_rate_limit)
 * through a small pool of its own, logged in as `terrain_gateway`, a role that
 * may execute those two functions and nothing else.
 *
 * The gateway also counts:
 *   - /auth/v1/token per client IP (bucket TOKEN): the auth stand-in is in-process;
 *   - writes that failed: PostgREST rolls the hook's count back with the failed
 *     transaction, so the gateway records it after the response (every write
 *     counts once, whatever its outcome).
 *
 * If the database cannot answer within QUERY_TIMEOUT_MS the request goes
 * through (fail open) and the failure is logged: the limiter protects the API,
 * it must not become the reason it is down.
 */
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import pg from "pg";

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number | null;
  retryAfterSeconds: number;
  maxHits: number | null;
  windowSeconds: number | null;
  bucket: string;
  /** null: not limited (service role). */
  key: string | null;
}

export interface RateLimiter {
  /** One PostgREST request (claims already verified by the gateway); undefined when the limiter is unavailable. */
  checkApiRequest(claims: Record<string, unknown>, headers: Record<string, string>, method: string, path: string): Promise<RateLimitVerdict | undefined>;
  /** One hit of `key` in `bucket` (e.g. 'ip:203.0.113.7', 'TOKEN'); undefined when the limiter is unavailable. */
  consume(key: string, bucket: string): Promise<RateLimitVerdict | undefined>;
  close(): Promise<void>;
}

const QUERY_TIMEOUT_MS = 2_000;

export function createRateLimiter(opts: { connectionString: string; log: (line: string) => void; max?: number }): RateLimiter {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 4,
    application_name: "terrain-gateway-ratelimit",
    connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection killed by a database restart (db reset) must not crash the supervisor.
  pool.on("error", (err) => opts.log(JSON.stringify({ ts: new Date().toISOString(), svc: "gateway", level: "warn", ratelimit_pool: err.message })));

  const failOpen = (err: unknown): undefined => {
    opts.log(JSON.stringify({ ts: new Date().toISOString(), svc: "gateway", level: "error", ratelimit: "unavailable, request allowed", error: String(err) }));
    return undefined;
  };

  return {
    async checkApiRequest(claims, headers, method, path) {
      try {
        const { rows } = await pool.query(
          `select allowed, remaining, retry_after_seconds, max_hits, window_seconds, bucket, key
             from private.check_api_request($1::jsonb, $2::jsonb, $3, $4)`,
          [JSON.stringify(claims), JSON.stringify(headers), method, path],
        );
        const r = rows[0];
        return {
          allowed: r.allowed,
          remaining: r.remaining,
          retryAfterSeconds: r.retry_after_seconds,
          maxHits: r.max_hits,
          windowSeconds: r.window_seconds,
          bucket: r.bucket,
          key: r.key,
        };
      } catch (err) {
        return failOpen(err);
      }
    },
    async consume(key, bucket) {
      try {
        const { rows } = await pool.query(
          `select c.allowed, c.remaining, c.retry_after_seconds from private.consume_rate_limit($1, $2) c`,
          [key, bucket],
        );
        const r = rows[0];
        return { allowed: r.allowed, remaining: r.remaining, retryAfterSeconds: r.retry_after_seconds, maxHits: null, windowSeconds: null, bucket, key };
      } catch (err) {
        return failOpen(err);
      }
    },
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
}

/** 'Rate limit exceeded: 20 requests per minute (WRITE)', worded as private.rate_limit_message does. */
export function rateLimitMessage(v: RateLimitVerdict): string {
  if (v.maxHits === null) return `Rate limit exceeded (${v.bucket})`;
  const per = v.windowSeconds === null || v.windowSeconds === 60 ? "minute" : v.windowSeconds === 1 ? "second" : `${v.windowSeconds} seconds`;
  return `Rate limit exceeded: ${v.maxHits} requests per ${per} (${v.bucket})`;
}

const stripMapped = (a: string) => (a.toLowerCase().startsWith("::ffff:") && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

export function isLoopback(addr: string): boolean {
  const a = stripMapped(addr);
  return a === "::1" || (isIP(a) === 4 && a.startsWith("127."));
}

/**
 * The client's IP address. The peer of the socket, unless that peer is on this
 * machine (a reverse proxy in front of the gateway, or a test acting as one):
 * then the X-Forwarded-For chain is read from the right, skipping loopback
 * hops, and the first other address is the client — Express's
 * `trust proxy = 'loopback'`. A hop that is not an IP address stops the walk.
 */
export function clientIp(req: IncomingMessage): string {
  const peer = stripMapped(req.socket.remoteAddress ?? "");
  if (!isLoopback(peer)) return peer || "unknown";
  const raw = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",").map((s) => stripMapped(s.trim())).filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (!isIP(hop)) break;
    if (!isLoopback(hop)) return hop;
  }
  return peer;
}

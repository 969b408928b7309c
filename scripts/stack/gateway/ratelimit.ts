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
import { formatLogLine } from "../log.ts";

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
  /**
   * One PostgREST read (GET/HEAD), counted in this process and added to the
   * shared counter in batches (see "Reads: counted in batches" below). Same
   * verdict as checkApiRequest; undefined when the limiter is unavailable.
   */
  checkRead(claims: Record<string, unknown>, headers: Record<string, string>, method: string, path: string): Promise<RateLimitVerdict | undefined>;
  /** One hit of `key` in `bucket` (e.g. 'ip:203.0.113.7', 'TOKEN'); undefined when the limiter is unavailable. */
  consume(key: string, bucket: string): Promise<RateLimitVerdict | undefined>;
  close(): Promise<void>;
}

const QUERY_TIMEOUT_MS = 2_000;

/*
 * Reads: counted in batches (docs/rate-limiting.md).
 *
 * A round trip to the database per read cost more than the read itself. The
 * gateway counts reads of the current window in memory, per rate-limit key,
 * and adds them to the shared counter (private.rate_limit_buckets) with
 * private.record_rate_limit_hits: every READ_FLUSH_INTERVAL_MS, and at once
 * when a key has READ_FLUSH_AT hits not yet added. Each answer brings the
 * shared total back (hits counted by anyone else: another gateway, an edge
 * function), so the verdict is always
 *
 *   allowed  ⇔  last shared total + this gateway's hits since < limit
 *
 * and a key never has more hits that the shared counter has not acknowledged
 * than unconfirmedBound(): READ_MAX_UNCONFIRMED (32), or an eighth of what the
 * last total leaves under the limit when that is more (a partner key allowed
 * 100,000 reads a minute need not wait for the database every 32 reads). The
 * request that would pass the bound waits for the batch in flight.
 * Consequences:
 *   - with one gateway (the local stack) the count is exact: a read over the
 *     limit gets 429 exactly as before;
 *   - with several, each can accept at most max(32, limit / 8) reads of a key
 *     beyond its limit in a window before it learns the others' count;
 *   - every read is counted once, refused ones included, as before — only
 *     up to READ_FLUSH_INTERVAL_MS later.
 *
 * The key of a request (user:<sub>, ip:<address>; the database decides, see
 * private.rate_limit_key) comes from the database on the first read of an
 * identity, which is counted synchronously as before, and is then cached.
 * A request that carries a Terrain API key (trn_…) is never batched: whether
 * the key is still valid is the database's answer, every time.
 */
export const READ_FLUSH_INTERVAL_MS = 100;
export const READ_FLUSH_AT = 16;
export const READ_MAX_UNCONFIRMED = 32;

/** How many of a key's hits may be unacknowledged by the database (see above). */
export function unconfirmedBound(maxHits: number, sharedTotal: number): number {
  return Math.max(READ_MAX_UNCONFIRMED, Math.floor((maxHits - sharedTotal) / 8));
}
/** Identities (role, sub, client address) whose rate-limit key is cached; the cache starts over past this. */
const MAX_CACHED_IDENTITIES = 10_000;
/** date_bin's origin in private.rate_limit_hit. */
const WINDOW_ORIGIN_MS = Date.UTC(2000, 0, 1);

const windowStartOf = (nowMs: number, windowSeconds: number) =>
  WINDOW_ORIGIN_MS + Math.floor((nowMs - WINDOW_ORIGIN_MS) / (windowSeconds * 1000)) * windowSeconds * 1000;

/** This gateway's count of one key in one window. */
interface ReadCounter {
  key: string;
  bucket: string;
  windowStart: number;
  windowSeconds: number;
  maxHits: number;
  /** The shared counter's total at its last answer. */
  shared: number;
  /** Hits sent in the batch in flight, not yet acknowledged. */
  sending: number;
  /** Hits counted here since, not yet sent. */
  pending: number;
}

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
  pool.on("error", (err) => opts.log(formatLogLine("warn", "rate limiter database pool error", { svc: "gateway", error: err.message })));

  const failOpen = (err: unknown): undefined => {
    opts.log(formatLogLine("error", "rate limiter unavailable, request allowed", { svc: "gateway", error: String(err) }));
    return undefined;
  };

  async function checkApiRequest(claims: Record<string, unknown>, headers: Record<string, string>, method: string, path: string) {
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
  }

  /** identity (role, sub, client address) → rate-limit key, as the database answered it. */
  const keyOfIdentity = new Map<string, string>();
  /** `${key} ${bucket} ${windowStart}` → counter. */
  const counters = new Map<string, ReadCounter>();
  let batchInFlight: Promise<void> | undefined;
  let lastFlushError = "";

  /** Sends every pending hit in one statement; one batch at a time. */
  function flush(): Promise<void> {
    if (batchInFlight) return batchInFlight;
    const now = Date.now();
    const batch: ReadCounter[] = [];
    for (const [id, c] of counters) {
      if (c.pending > 0) {
        // The database takes the current and the previous window only: older hits are dropped.
        if (c.windowStart + 2 * c.windowSeconds * 1000 <= now) c.pending = 0;
        else batch.push(c);
      }
      if (c.pending === 0 && c.sending === 0 && c.windowStart + c.windowSeconds * 1000 <= now) counters.delete(id);
    }
    if (batch.length === 0) return Promise.resolve();
    const sent = batch.map((c) => c.pending);
    batch.forEach((c, i) => {
      c.sending = sent[i]!;
      c.pending = 0;
    });
    const run = pool
      .query(
        `select key, bucket, window_start, hits, max_hits, window_seconds
           from private.record_rate_limit_hits($1::text[], $2::text[], $3::timestamptz[], $4::integer[])`,
        [batch.map((c) => c.key), batch.map((c) => c.bucket), batch.map((c) => new Date(c.windowStart).toISOString()), sent],
      )
      .then(
        ({ rows }) => {
          const byId = new Map(rows.map((r) => [`${r.key} ${r.bucket} ${(r.window_start as Date).getTime()}`, r]));
          batch.forEach((c) => {
            const r = byId.get(`${c.key} ${c.bucket} ${c.windowStart}`);
            // The total includes what this batch sent (and anything counted elsewhere).
            c.shared = r ? Math.max(c.shared, Number(r.hits)) : c.shared + c.sending;
            if (r) c.maxHits = Number(r.max_hits);
            c.sending = 0;
          });
          lastFlushError = "";
        },
        (err: unknown) => {
          // Kept for the next batch; the verdicts meanwhile use this gateway's own count.
          batch.forEach((c) => {
            c.pending += c.sending;
            c.sending = 0;
          });
          const message = String(err);
          if (message !== lastFlushError) failOpen(err);
          lastFlushError = message;
        },
      )
      .finally(() => {
        batchInFlight = undefined;
      });
    batchInFlight = run;
    return run;
  }

  const timer = setInterval(() => void flush(), READ_FLUSH_INTERVAL_MS);
  timer.unref();

  function counterFor(key: string, bucket: string, windowSeconds: number, maxHits: number, now: number): ReadCounter {
    const windowStart = windowStartOf(now, windowSeconds);
    const id = `${key} ${bucket} ${windowStart}`;
    let c = counters.get(id);
    if (!c) counters.set(id, (c = { key, bucket, windowStart, windowSeconds, maxHits, shared: 0, sending: 0, pending: 0 }));
    return c;
  }

  /** Last known limit of a key (from the database's answers), for the counters of later windows. */
  const limitOf = new Map<string, { maxHits: number; windowSeconds: number }>();

  async function checkRead(claims: Record<string, unknown>, headers: Record<string, string>, method: string, path: string) {
    if (headers["x-api-key"] !== undefined || headers["apikey"] !== undefined) return checkApiRequest(claims, headers, method, path);
    const identity = `${String(claims.role ?? "")} ${String(claims.sub ?? "")} ${headers["x-forwarded-for"] ?? ""}`;
    const key = keyOfIdentity.get(identity);
    const limit = key === undefined ? undefined : limitOf.get(key);
    if (key === undefined || limit === undefined) {
      // First read of this identity: counted by the database, which names its key.
      const before = Date.now();
      const verdict = await checkApiRequest(claims, headers, method, path);
      if (!verdict || verdict.key === null || verdict.maxHits === null || verdict.windowSeconds === null) return verdict;
      if (keyOfIdentity.size >= MAX_CACHED_IDENTITIES) keyOfIdentity.clear();
      if (limitOf.size >= MAX_CACHED_IDENTITIES) limitOf.clear();
      keyOfIdentity.set(identity, verdict.key);
      limitOf.set(verdict.key, { maxHits: verdict.maxHits, windowSeconds: verdict.windowSeconds });
      // The hit was counted in the database's current window; seed this window's counter with the
      // total it reported, unless the window turned meanwhile.
      const after = Date.now();
      if (windowStartOf(before, verdict.windowSeconds) === windowStartOf(after, verdict.windowSeconds)) {
        const c = counterFor(verdict.key, verdict.bucket, verdict.windowSeconds, verdict.maxHits, after);
        // (Should a batch of this key be in flight, its hits may be in this total and are then
        // counted twice here until the window ends: conservative, and at most READ_MAX_UNCONFIRMED.)
        c.shared = Math.max(c.shared, verdict.allowed ? verdict.maxHits - (verdict.remaining ?? 0) : verdict.maxHits + 1);
      }
      return verdict;
    }
    let c = counterFor(key, "READ", limit.windowSeconds, limit.maxHits, Date.now());
    if (c.sending + c.pending >= unconfirmedBound(c.maxHits, c.shared)) {
      // The bound on what the shared counter has not seen: wait for the batch (once more if one
      // was already in flight; if the database does not answer, the verdict is this gateway's own count).
      await flush();
      if (c.sending + c.pending >= unconfirmedBound(c.maxHits, c.shared)) await flush();
      c = counterFor(key, "READ", limit.windowSeconds, limit.maxHits, Date.now());
    }
    const counted = c.shared + c.sending + c.pending;
    c.pending++;
    limit.maxHits = c.maxHits;
    if (c.pending >= READ_FLUSH_AT && !batchInFlight) void flush();
    const allowed = counted < c.maxHits;
    const windowEnd = c.windowStart + c.windowSeconds * 1000;
    return {
      allowed,
      remaining: Math.max(c.maxHits - counted - 1, 0),
      retryAfterSeconds: allowed ? 0 : Math.min(Math.max(Math.ceil((windowEnd - Date.now()) / 1000), 1), c.windowSeconds),
      maxHits: c.maxHits,
      windowSeconds: c.windowSeconds,
      bucket: c.bucket,
      key: c.key,
    };
  }

  return {
    checkApiRequest,
    checkRead,
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
      clearInterval(timer);
      await flush().catch(() => undefined);
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

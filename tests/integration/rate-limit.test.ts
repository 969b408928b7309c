/**
 * Rate limiting through the real stack (docs/rate-limiting.md): the
 * db-pre-request hook counts writes, the gateway counts reads, token requests
 * and the writes the hook could not count; a refused request gets 429 with
 * Retry-After and a JSON error; limits are per user (or API key, or client IP).
 *
 * Every limited identity here is fresh (new users, a new organization, a
 * random client address), so the real presets apply whatever the stack's
 * mode: the test profile relaxes the limits only for the demo users and
 * 127.0.0.1, which the other suites use (scripts/stack/stack.ts rateLimitMode).
 *
 * Windows are fixed minutes: a burst that must land in one window first waits
 * out the end of the current minute when too little of it is left.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_FLUSH_INTERVAL_MS, READ_MAX_UNCONFIRMED, unconfirmedBound } from "../../scripts/stack/gateway/ratelimit.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const rest = `${stack.apiUrl}/rest/v1`;
const RUN = randomUUID().slice(0, 8);
const ORG = randomUUID();
const USERS = {
  writer: randomUUID(),
  bystander: randomUUID(),
  stable: randomUUID(),
  failing: randomUUID(),
  reader: randomUUID(),
  batched: randomUUID(),
  elsewhere: randomUUID(),
  partner: randomUUID(),
  probe: randomUUID(),
};
let revokedKeyId: string;
const tokens = new Map<string, string>();

// PostgREST's error shape; the gateway answers refused reads in the same one.
const REFUSED_WRITE = { code: "rate_limited", details: null, hint: null, message: "Rate limit exceeded: 20 requests per minute (WRITE)" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomIp = () => `2001:db8:${randomBytes(2).toString("hex")}::${randomBytes(2).toString("hex")}`;

async function mintToken(user: string): Promise<string> {
  return new SignJWT({ sub: user, role: "authenticated", aud: "authenticated", email: `${user}@rate-limit.test` })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(stack.jwtSecret));
}

function asUser(user: string): Record<string, string> {
  return { apikey: stack.anonKey, authorization: `Bearer ${tokens.get(user)}`, "content-type": "application/json" };
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${rest}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

const revoke = (user: string, keyId = revokedKeyId) => call("POST", "/rpc/revoke_api_key", asUser(user), { p_key_id: keyId });

async function hits(key: string, bucket: string): Promise<number> {
  return withDb(async (c) => {
    const { rows } = await c.query(
      `select coalesce(sum(hits), 0)::int as n from private.rate_limit_buckets
        where key = $1 and bucket = $2 and window_start = date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00')`,
      [key, bucket],
    );
    return rows[0].n as number;
  });
}

/** Counts recorded after the response (by the gateway) land a moment later. */
async function waitForHits(key: string, bucket: string, n: number) {
  for (let i = 0; i < 100; i++) {
    if ((await hits(key, bucket)) >= n) return;
    await sleep(20);
  }
  throw new Error(`${key} never reached ${n} hits in ${bucket} (has ${await hits(key, bucket)})`);
}

/** Waits for the next minute when fewer than `seconds` are left in this one (database clock). */
async function clearOfWindowEdge(seconds = 20) {
  const left = await withDb(async (c) => Number((await c.query("select 60 - extract(epoch from now())::numeric % 60 as left")).rows[0].left));
  if (left < seconds) await sleep(Math.ceil((left + 0.5) * 1000));
}

beforeAll(async () => {
  await withDb(async (c) => {
    for (const [name, id] of Object.entries(USERS)) {
      await c.query(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
         values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, '', now(), '{}', '{}', now(), now())`,
        [id, `${name}-${RUN}@rate-limit.test`],
      );
    }
    await c.query("insert into public.organizations (id, name) values ($1, $2)", [ORG, `IT rate limit ${RUN}`]);
    for (const id of Object.values(USERS)) {
      await c.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'admin')", [ORG, id]);
    }
    // A revoked key: revoking it again is an idempotent, volatile RPC that succeeds every time.
    await c.query("begin");
    await c.query("set local role service_role");
    const { rows } = await c.query("select public.create_api_key($1, 'it revoked', '{events:write}') ->> 'id' as id", [ORG]);
    revokedKeyId = rows[0].id;
    await c.query("select public.revoke_api_key($1)", [revokedKeyId]);
    await c.query("commit");

    // The hook is set (in this database) by the rate-limiting migration: make sure no other
    // suite left it switched off, so a failure here is about rate limiting, not set-up.
    const { rows: s } = await c.query(
      `select coalesce((select array_to_string(setconfig, ',') from pg_catalog.pg_db_role_setting
                         where setrole = 'authenticator'::regrole
                           and setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())), '') as s`,
    );
    expect(String(s[0].s)).toContain("pgrst.db_pre_request=private.api_pre_request");
  });
  for (const id of Object.values(USERS)) tokens.set(id, await mintToken(id));

  // Until PostgREST runs the hook: a PATCH that reaches no row commits its count only through it.
  for (let i = 0; i < 100; i++) {
    const r = await call("PATCH", `/notifications?id=eq.${randomUUID()}`, asUser(USERS.probe), { read_at: new Date().toISOString() });
    expect(r.status).toBeLessThan(300);
    if ((await hits(`user:${USERS.probe}`, "WRITE")) > 0) return;
    await sleep(100);
  }
  throw new Error("PostgREST never ran private.api_pre_request");
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query("delete from public.api_keys where org_id = $1", [ORG]);
    await c.query("delete from public.organizations where id = $1", [ORG]);
    await c.query("delete from auth.users where id = any ($1::uuid[])", [Object.values(USERS)]);
    await c.query("delete from private.rate_limit_buckets where key like any ($1::text[])", [
      [...Object.values(USERS).map((u) => `user:${u}`), `it:${RUN}:%`],
    ]);
  });
});

describe("writes (db-pre-request hook)", () => {
  it("the 21st write of a minute by one user gets 429 with Retry-After and a JSON error; another user is unaffected", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    for (let i = 1; i <= 20; i++) {
      const r = await revoke(USERS.writer);
      expect(r.status, `write ${i}`).toBe(200);
    }
    const refused = await revoke(USERS.writer);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual(REFUSED_WRITE);

    // What an app sees through supabase-js.
    const { error, status } = await supabaseClient(stack.anonKey, tokens.get(USERS.writer)).rpc("revoke_api_key", { p_key_id: revokedKeyId });
    expect(status).toBe(429);
    expect(error).toMatchObject({ code: "rate_limited", message: "Rate limit exceeded: 20 requests per minute (WRITE)" });

    // Counted once each; the refusals rolled back with their transaction.
    expect(await hits(`user:${USERS.writer}`, "WRITE")).toBe(20);
    // Another user of the same organization, same minute: untouched.
    expect((await revoke(USERS.bystander)).status).toBe(200);
    expect(await hits(`user:${USERS.bystander}`, "WRITE")).toBe(1);
  });

  it("POSTs to a read-only (STABLE) RPC are checked by the hook and counted by the gateway", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    for (let i = 1; i <= 20; i++) {
      const r = await call("POST", "/rpc/list_api_keys", asUser(USERS.stable), { p_org_id: ORG });
      expect(r.status, `call ${i}`).toBe(200);
      // The hook's signal to the gateway never reaches the client.
      expect(r.headers.get("x-terrain-rate-limit")).toBeNull();
      await waitForHits(`user:${USERS.stable}`, "WRITE", i);
    }
    const refused = await call("POST", "/rpc/list_api_keys", asUser(USERS.stable), { p_org_id: ORG });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("writes that fail count too (their transaction rolled the hook's count back; the gateway counts them)", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    for (let i = 1; i <= 20; i++) {
      const r = await revoke(USERS.failing, randomUUID()); // no such key: 42501
      expect(r.status, `failed write ${i}`).toBe(403);
      await waitForHits(`user:${USERS.failing}`, "WRITE", i);
    }
    const refused = await revoke(USERS.failing, randomUUID());
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(REFUSED_WRITE);
  });
});

describe("reads (gateway)", () => {
  it("the 61st read of a minute by one user gets 429 with Retry-After and a JSON error; another user is unaffected", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    for (let i = 1; i <= 60; i++) {
      const r = await call("GET", "/notifications?select=id", asUser(USERS.reader));
      expect(r.status, `read ${i}`).toBe(200);
    }
    const refused = await call("GET", "/notifications?select=id", asUser(USERS.reader));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(refused.body).toEqual({ code: "rate_limited", details: null, hint: null, message: "Rate limit exceeded: 60 requests per minute (READ)" });

    const { error, status } = await supabaseClient(stack.anonKey, tokens.get(USERS.reader)).from("notifications").select("id");
    expect(status).toBe(429);
    expect(error).toMatchObject({ code: "rate_limited" });

    expect((await call("GET", "/notifications?select=id", asUser(USERS.bystander))).status).toBe(200);
    // Reads and writes are separate buckets: the reader may still write.
    expect((await revoke(USERS.reader)).status).toBe(200);
  });

  it("reads counted in batches all land in the shared counter, refused ones included, each once", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    const key = `user:${USERS.batched}`;
    const read = () => call("GET", "/notifications?select=id", asUser(USERS.batched));
    // 50 reads, 10 at a time: concurrent reads of one key are counted without loss.
    for (let wave = 0; wave < 5; wave++) {
      const answers = await Promise.all(Array.from({ length: 10 }, read));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    }
    await waitForHits(key, "READ", 50);
    await sleep(3 * READ_FLUSH_INTERVAL_MS);
    expect(await hits(key, "READ")).toBe(50);
    // 15 more in one go: exactly 10 fit under the limit of 60.
    const statuses = (await Promise.all(Array.from({ length: 15 }, read))).map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    await waitForHits(key, "READ", 65);
    await sleep(3 * READ_FLUSH_INTERVAL_MS);
    expect(await hits(key, "READ")).toBe(65);
  });

  it("reads counted elsewhere (another gateway) are seen within READ_MAX_UNCONFIRMED reads: the limit still bites", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    const key = `user:${USERS.elsewhere}`;
    const read = () => call("GET", "/notifications?select=id", asUser(USERS.elsewhere));
    for (let i = 1; i <= 5; i++) expect((await read()).status, `read ${i}`).toBe(200);
    await waitForHits(key, "READ", 5);
    await sleep(3 * READ_FLUSH_INTERVAL_MS); // nothing left to send: this gateway's last total is 5
    // Another gateway adds 50 reads of the same user, with the statement a gateway sends.
    await withDb((c) =>
      c.query(
        `select private.record_rate_limit_hits(array[$1], array['READ'],
                  array[date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00')], array[50])`,
        [key],
      ),
    );
    // 55 of 60 used. This gateway learns it from its next batch, at the latest when
    // READ_MAX_UNCONFIRMED of its own reads are unacknowledged.
    const statuses: number[] = [];
    for (let i = 0; i < 2 * READ_MAX_UNCONFIRMED; i++) statuses.push((await read()).status);
    const allowed = statuses.filter((s) => s === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(5); // never fewer than the limit leaves
    expect(allowed).toBeLessThanOrEqual(5 + READ_MAX_UNCONFIRMED); // the bound on the overshoot
    // Allowed first, then refused: once it knows, every read is refused until the window ends.
    expect(statuses).toEqual([...Array(allowed).fill(200), ...Array(statuses.length - allowed).fill(429)]);
    await waitForHits(key, "READ", 55 + statuses.length);
    await sleep(3 * READ_FLUSH_INTERVAL_MS);
    expect(await hits(key, "READ")).toBe(55 + statuses.length);
  });

  it("with a large limit (override) the bound is an eighth of what is left: reads counted elsewhere still stop it there", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    const key = `user:${USERS.partner}`;
    await withDb((c) =>
      c.query(`insert into private.rate_limit_overrides (key, bucket, max_hits, reason) values ($1, 'READ', 800, 'rate-limit.test')`, [key]),
    );
    try {
      const read = () => call("GET", "/notifications?select=id", asUser(USERS.partner));
      for (let i = 1; i <= 5; i++) expect((await read()).status, `read ${i}`).toBe(200);
      await waitForHits(key, "READ", 5);
      await sleep(3 * READ_FLUSH_INTERVAL_MS);
      await withDb((c) =>
        c.query(
          `select private.record_rate_limit_hits(array[$1], array['READ'],
                    array[date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00')], array[780])`,
          [key],
        ),
      );
      // 785 of 800 used; this gateway last saw 5, so it may hold (800 - 5) / 8 = 99 unconfirmed reads.
      const bound = unconfirmedBound(800, 5);
      expect(bound).toBe(99);
      const statuses: number[] = [];
      for (let i = 0; i < bound + 30; i++) statuses.push((await read()).status);
      const allowed = statuses.filter((s) => s === 200).length;
      expect(allowed).toBeGreaterThanOrEqual(15);
      expect(allowed).toBeLessThanOrEqual(15 + bound);
      expect(statuses.at(-1)).toBe(429);
      await waitForHits(key, "READ", 785 + statuses.length);
    } finally {
      await withDb((c) => c.query("delete from private.rate_limit_overrides where key = $1", [key]));
    }
  });

  it("anonymous requests are counted per client address, a Terrain API key per key", async () => {
    const ip = randomIp();
    const anon = await call("GET", "/organizations?select=id", { apikey: stack.anonKey, "x-forwarded-for": ip });
    expect(anon.status).toBe(401); // anon may read nothing, but the request was counted
    await waitForHits(`ip:${ip}`, "READ", 1);

    const key = await withDb(async (c) => {
      await c.query("begin");
      await c.query("set local role service_role");
      const { rows } = await c.query("select public.create_api_key($1, 'it rate key', '{missions:read}') as k", [ORG]);
      await c.query("commit");
      return rows[0].k as { id: string; secret: string };
    });
    await call("GET", "/organizations?select=id", { apikey: stack.anonKey, "x-api-key": key.secret, "x-forwarded-for": ip });
    await waitForHits(`key:${key.id}`, "READ", 1);
    expect(await hits(`ip:${ip}`, "READ")).toBe(1);
  });

  it("the service role is not limited", { timeout: 60_000 }, async () => {
    const headers = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` };
    const statuses = new Set<number>();
    for (let i = 0; i < 65; i++) statuses.add((await call("GET", `/organizations?select=id&id=eq.${ORG}`, headers)).status);
    expect([...statuses]).toEqual([200]);
  });
});

describe("token endpoint (gateway, per client IP)", () => {
  const token = (ip: string, extra: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}/auth/v1/token?grant_type=refresh_token`, {
      method: "POST",
      headers: { apikey: stack.anonKey, "content-type": "application/json", "x-forwarded-for": ip, ...extra },
      body: JSON.stringify({ refresh_token: "not-a-refresh-token" }),
    });

  it("the 31st token request of a minute from one address gets 429 with Retry-After; another address is unaffected", { timeout: 60_000 }, async () => {
    await clearOfWindowEdge();
    const ip = randomIp();
    for (let i = 1; i <= 30; i++) {
      const r = await token(ip);
      expect(r.status, `token request ${i}`).toBe(400); // an unknown refresh token: counted, then refused by auth
      await r.arrayBuffer();
    }
    const refused = await token(ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 429, error_code: "over_request_rate_limit" });
    // auth-js asks for the 2024-01-01 error shape.
    const versioned = await token(ip, { "x-supabase-api-version": "2024-01-01" });
    expect(versioned.status).toBe(429);
    expect(await versioned.json()).toMatchObject({ code: "over_request_rate_limit" });

    const other = await token(randomIp());
    expect(other.status).toBe(400);
    await other.arrayBuffer();
  });
});

describe("consume_rate_limit", () => {
  it("is exact under concurrency: 40 simultaneous hits on one key, exactly 20 allowed", async () => {
    const key = `it:${RUN}:concurrency`;
    const clients = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const c = new pg.Client({ connectionString: stack.dbUrl });
        await c.connect();
        return c;
      }),
    );
    try {
      await clearOfWindowEdge(5);
      const results = await Promise.all(
        clients.map(async (c) => (await c.query("select allowed, remaining from private.consume_rate_limit($1, 'WRITE')", [key])).rows[0]),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
      expect(results.map((r) => r.remaining).sort((a, b) => b - a).slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
      expect(await hits(key, "WRITE")).toBe(40);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

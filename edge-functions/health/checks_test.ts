import assert from "node:assert/strict";
import { closeDb, db } from "../_shared/db.ts";
import { createHandler } from "../_shared/http.ts";
import {
  collectHealth,
  createHealthHandler,
  type HealthReport,
  postgresQuery,
  type Query,
  type Row,
  runCheck,
  type RuntimeStatus,
} from "./checks.ts";

/** Answers the health queries like a healthy database, with `overrides` by query fragment. */
function fakeDatabase(
  overrides: Record<string, (signal: AbortSignal) => Promise<Row[]>> = {},
): Query {
  const healthy: Record<string, Row[]> = {
    "select 1 as one": [{ one: 1 }],
    "show server_version": [{ server_version: "15.8" }],
    "to_regclass": [{ present: true }],
    "count(*)": [{ applied: 3, latest: "20260301120000" }],
    "ops.health_checks": [
      { name: "cron_failures_24h", ok: true },
      { name: "stock_negative", ok: true },
    ],
    "pg_cron launcher": [{
      version: "1.6",
      launcher_running: true,
      can_see_workers: true,
      role: "postgres",
    }],
  };
  return (text, signal) => {
    for (const [fragment, answer] of Object.entries(overrides)) {
      if (text.includes(fragment)) return answer(signal);
    }
    for (const [fragment, rows] of Object.entries(healthy)) {
      if (text.includes(fragment)) return Promise.resolve(rows);
    }
    return Promise.reject(new Error(`unexpected query: ${text}`));
  };
}

/** A query that never answers until aborted, like a database behind a dead network. */
function hangs(record?: { aborted: boolean }) {
  return (signal: AbortSignal) =>
    new Promise<Row[]>((_, reject) => {
      signal.addEventListener("abort", () => {
        if (record) record.aborted = true;
        reject(new Error("cancelled"));
      });
    });
}

const silently = async <T>(body: () => Promise<T>): Promise<T> => {
  const original = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = () => {};
  try {
    return await body();
  } finally {
    Object.assign(console, original);
  }
};

function healthFunction(
  query: Query,
  timeoutMs = 200,
  runtimeStatus?: () => Promise<RuntimeStatus>,
) {
  const handler = createHandler(
    "health",
    createHealthHandler({ query, version: "1.2.3", timeoutMs, runtimeStatus }),
  );
  // Details are for the service role: these tests call as it unless they say otherwise.
  return (req: Request) => {
    if (!req.headers.has("authorization")) req.headers.set("authorization", SERVICE_ROLE);
    return handler(req);
  };
}

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
/** Bearer tokens as the gateway passes them on (signature verified before the function). */
const bearerOf = (role: string) =>
  `Bearer ${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ role })}.sig`;
const SERVICE_ROLE = bearerOf("service_role");
const ANON = bearerOf("anon");

Deno.test("all checks pass: 200, status ok, details of each check", async () => {
  const res = await silently(() => healthFunction(fakeDatabase())(new Request("http://x/health")));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.ok(res.headers.get("x-request-id"));
  const body: HealthReport = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.version, "1.2.3");
  assert.ok(!Number.isNaN(Date.parse(body.time)));
  assert.equal(body.checks.database.ok, true);
  assert.equal(body.checks.database.server_version, "15.8");
  assert.equal(typeof body.checks.database.latency_ms, "number");
  assert.deepEqual(
    {
      ok: body.checks.migrations.ok,
      applied: body.checks.migrations.applied,
      latest: body.checks.migrations.latest,
    },
    { ok: true, applied: 3, latest: "20260301120000" },
  );
  assert.equal(body.checks.pg_cron.ok, true);
  assert.equal(body.checks.pg_cron.launcher_running, true);
});

Deno.test("ops summary: counts and failing names of the daily checks", async () => {
  const healthy = await collectHealth(fakeDatabase(), "v", 200);
  assert.deepEqual(
    {
      ok: healthy.summary.ops.ok,
      passed: healthy.summary.ops.passed,
      failed: healthy.summary.ops.failed,
      failing: healthy.summary.ops.failing,
    },
    { ok: true, passed: 2, failed: 0, failing: [] },
  );

  const failing = fakeDatabase({
    "ops.health_checks": () =>
      Promise.resolve([
        { name: "cron_failures_24h", ok: false },
        { name: "invoice_chain", ok: false },
        { name: "stock_negative", ok: true },
      ]),
  });
  const res = await silently(() => healthFunction(failing)(new Request("http://x/health")));
  // A data anomaly is for operators: the deployment still serves.
  assert.equal(res.status, 200);
  const body: HealthReport = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.summary.ops.ok, false);
  assert.equal(body.summary.ops.passed, 1);
  assert.equal(body.summary.ops.failed, 2);
  assert.deepEqual(body.summary.ops.failing, ["cron_failures_24h", "invoice_chain"]);
  assert.ok(!JSON.stringify(body.summary).includes("details"), "no ids leave the database");
});

Deno.test("ops summary: checks that cannot run say why, status unaffected", async () => {
  const report = await collectHealth(
    fakeDatabase({
      "ops.health_checks": () =>
        Promise.reject(new Error("function ops.health_checks(unknown) does not exist")),
    }),
    "v",
    200,
  );
  assert.equal(report.status, "ok");
  assert.equal(report.summary.ops.ok, false);
  assert.match(String(report.summary.ops.error), /does not exist/);
});

Deno.test("anon key (or no role): liveness only, no check details", async () => {
  let opsQueried = false;
  const query = fakeDatabase({
    "ops.health_checks": () => {
      opsQueried = true;
      return Promise.resolve([]);
    },
  });
  for (const authorization of [ANON, bearerOf("authenticated"), "Bearer not-a-jwt"]) {
    const res = await silently(() =>
      healthFunction(query)(new Request("http://x/health", { headers: { authorization } }))
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(await res.json(), { status: "ok" });
  }
  assert.equal(opsQueried, false, "the operator checks are not run for a liveness probe");

  const down = fakeDatabase({
    "select 1 as one": () => Promise.reject(new Error("down at db:5432")),
  });
  const degraded = await silently(() =>
    healthFunction(down)(new Request("http://x/health", { headers: { authorization: ANON } }))
  );
  assert.equal(degraded.status, 503);
  assert.deepEqual(await degraded.json(), { status: "degraded" });
});

Deno.test("runtime boot failures: listed for the service role, status degraded", async () => {
  const runtime = () =>
    Promise.resolve({
      ok: true,
      functions: ["events", "health", "metrics"],
      failed: ["metrics"],
      boot_errors: { metrics: "npm package not cached: zod" },
    });
  const res = await silently(() =>
    healthFunction(fakeDatabase(), 200, runtime)(new Request("http://x/health"))
  );
  assert.equal(res.status, 503);
  const body: HealthReport = await res.json();
  assert.equal(body.status, "degraded");
  assert.equal(body.checks.functions?.ok, false);
  assert.deepEqual(body.checks.functions?.loaded, ["events", "health"]);
  assert.deepEqual(body.checks.functions?.failed, [
    { name: "metrics", error: "npm package not cached: zod" },
  ]);

  const anon = await silently(() =>
    healthFunction(fakeDatabase(), 200, runtime)(
      new Request("http://x/health", { headers: { authorization: ANON } }),
    )
  );
  assert.equal(anon.status, 503);
  assert.deepEqual(await anon.json(), { status: "degraded" }, "no function names for anon");

  const allUp = () =>
    Promise.resolve({ ok: true, functions: ["health"], failed: [], boot_errors: {} });
  const ok = await silently(() =>
    healthFunction(fakeDatabase(), 200, allUp)(new Request("http://x/health"))
  );
  assert.equal(ok.status, 200);
  assert.deepEqual((await ok.json()).checks.functions.failed, []);

  // Where the runtime says nothing (hosted Supabase), there is no functions check.
  const hosted = await silently(() =>
    healthFunction(fakeDatabase())(new Request("http://x/health"))
  );
  assert.equal((await hosted.json()).checks.functions, undefined);
});

Deno.test("no migration history table: 503, migrations check explains", async () => {
  const query = fakeDatabase({ "to_regclass": () => Promise.resolve([{ present: false }]) });
  const res = await silently(() => healthFunction(query)(new Request("http://x/health")));
  assert.equal(res.status, 503);
  const body: HealthReport = await res.json();
  assert.equal(body.status, "degraded");
  assert.equal(body.checks.migrations.ok, false);
  assert.match(String(body.checks.migrations.error), /schema_migrations does not exist/);
  assert.equal(body.checks.database.ok, true);
});

Deno.test("an empty migration history is not healthy", async () => {
  const report = await collectHealth(
    fakeDatabase({ "count(*)": () => Promise.resolve([{ applied: 0, latest: null }]) }),
    "v",
    200,
  );
  assert.equal(report.status, "degraded");
  assert.equal(report.checks.migrations.error, "no migration applied");
});

Deno.test("pg_cron: missing extension, stopped launcher and an unprivileged role are told apart", async () => {
  const cron = (row: Row) => fakeDatabase({ "pg_cron launcher": () => Promise.resolve([row]) });

  const missing = await collectHealth(
    cron({ version: null, launcher_running: true, can_see_workers: true, role: "postgres" }),
    "v",
  );
  assert.equal(missing.checks.pg_cron.ok, false);
  assert.match(String(missing.checks.pg_cron.error), /not installed/);

  const stopped = await collectHealth(
    cron({ version: "1.6", launcher_running: false, can_see_workers: true, role: "postgres" }),
    "v",
  );
  assert.equal(stopped.checks.pg_cron.ok, false);
  assert.match(String(stopped.checks.pg_cron.error), /launcher background worker is not running/);

  const unprivileged = await collectHealth(
    cron({ version: "1.6", launcher_running: false, can_see_workers: false, role: "app" }),
    "v",
  );
  assert.match(String(unprivileged.checks.pg_cron.error), /role app needs pg_read_all_stats/);
});

Deno.test("a hung database gives 503 within the check timeout and cancels the query", async () => {
  const cancelled = { aborted: false };
  const query = fakeDatabase({
    "select 1 as one": hangs(cancelled),
    "to_regclass": hangs(),
    "pg_cron launcher": hangs(),
  });
  const startedAt = performance.now();
  const res = await silently(() => healthFunction(query, 150)(new Request("http://x/health")));
  const elapsed = performance.now() - startedAt;
  assert.equal(res.status, 503);
  assert.ok(elapsed < 2000, `answered in ${elapsed} ms`);
  const body: HealthReport = await res.json();
  assert.equal(body.checks.database.ok, false);
  assert.equal(body.checks.database.error, "timed out after 150 ms");
  assert.equal(cancelled.aborted, true, "the pending query was cancelled");
});

Deno.test("a failing query reports its message, scrubbed, without a stack", async () => {
  const query = fakeDatabase({
    "select 1 as one": () =>
      Promise.reject(new Error("connection refused postgresql://postgres:pw@db:5432/postgres")),
  });
  const report = await collectHealth(query, "v");
  assert.equal(
    report.checks.database.error,
    "connection refused postgresql://postgres:***@db:5432/postgres",
  );
  assert.ok(!JSON.stringify(report).includes("    at "));
});

Deno.test("HEAD gives the status without a body; other methods get 405", async () => {
  const handler = healthFunction(fakeDatabase());
  const head = await silently(() => handler(new Request("http://x/health", { method: "HEAD" })));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");

  const headDegraded = await silently(() =>
    healthFunction(fakeDatabase({ "select 1 as one": () => Promise.reject(new Error("down")) }))(
      new Request("http://x/health", { method: "HEAD" }),
    )
  );
  assert.equal(headDegraded.status, 503);

  const post = await silently(() =>
    handler(new Request("http://x/health", { method: "POST", body: "{}" }))
  );
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  assert.deepEqual((await post.json()).error.code, "method_not_allowed");
});

// ---------------------------------------------------------------------------
// Against a real PostgreSQL with pg_cron: set TERRAIN_TEST_DB_URL to run these
// (the stack's test profile, or any throw-away cluster).
// ---------------------------------------------------------------------------
const realDbUrl = Deno.env.get("TERRAIN_TEST_DB_URL");

Deno.test({
  name: "real database: every check runs its SQL successfully",
  ignore: !realDbUrl,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const report = await collectHealth(postgresQuery(() => db({ url: realDbUrl })), "v", 5000);
      assert.equal(report.checks.database.ok, true, report.checks.database.error);
      assert.match(String(report.checks.database.server_version), /^\d+/);
      // Whether migrations and pg_cron are ok depends on the database; the SQL must at least run.
      for (const check of [report.checks.migrations, report.checks.pg_cron, report.summary.ops]) {
        assert.ok(
          check.ok || !/syntax error|does not exist: (column|function)/.test(String(check.error)),
          check.error,
        );
      }
    } finally {
      await closeDb();
    }
  },
});

Deno.test({
  name: "real database: a query past its deadline is cancelled on the server",
  ignore: !realDbUrl,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const query = postgresQuery(() => db({ url: realDbUrl }));
      const slow = (run: (text: string) => Promise<Row[]>) =>
        run("select pg_sleep(30) /* terrain-health-test */");
      const result = await runCheck(
        async (run) => {
          await slow(run);
          return { ok: true };
        },
        query,
        300,
      );
      assert.equal(result.ok, false);
      assert.equal(result.error, "timed out after 300 ms");
      // Give the cancel request a moment, then make sure the sleep is gone.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [row] = await db().unsafe(
        "select count(*)::int as running from pg_stat_activity where query like '%terrain-health-test%' and pid <> pg_backend_pid()",
      );
      assert.equal(row?.running, 0);
    } finally {
      await closeDb();
    }
  },
});

/**
 * The checks behind GET /functions/v1/health, kept apart from index.ts so tests
 * can run them against a fake database (hangs, errors) or a real one.
 *
 * Each check has its own deadline: a hung database makes the check fail (and
 * the endpoint answer 503) instead of hanging the caller. On timeout the query
 * is cancelled on the server too, so it does not keep a pool connection busy.
 */
import { isServiceRole } from "../_shared/auth.ts";
import type { Sql } from "../_shared/db.ts";
import { type FunctionHandler, json, methodNotAllowed } from "../_shared/http.ts";
import { safeErrorMessage } from "../_shared/log.ts";

export type Row = Record<string, unknown>;

/** Runs one SQL statement; must stop (and reject) when `signal` aborts. */
export type Query = (text: string, signal: AbortSignal) => Promise<Row[]>;

export interface CheckResult {
  ok: boolean;
  latency_ms: number;
  /** Why the check failed: a message, never a stack trace. */
  error?: string;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: "ok" | "degraded";
  version: string;
  time: string;
  checks: {
    database: CheckResult;
    migrations: CheckResult;
    pg_cron: CheckResult;
    /** Only where the runtime reports its boot failures (the local stack). */
    functions?: FunctionsCheck;
  };
  /**
   * Informational, never part of `status`: a data anomaly (an overdue
   * emergency, a failed cron run) is for operators, not a reason for a load
   * balancer to take the deployment out of service.
   */
  summary: { ops: OpsSummary };
}

/** The daily operator checks (ops.health_checks('daily')): counts and failing names, no ids. */
export interface OpsSummary extends CheckResult {
  passed?: number;
  failed?: number;
  failing?: string[];
}

/**
 * What the local functions runtime says about the functions it loaded (its
 * /_internal/health). Hosted Supabase has no such endpoint: there, a function
 * that fails to boot is reported by the platform's own logs.
 */
export interface RuntimeStatus {
  functions: string[];
  failed: string[];
  boot_errors: Record<string, string>;
}

export interface FunctionsCheck extends CheckResult {
  loaded?: string[];
  failed?: { name: string; error: string }[];
}

/** A check's own findings; `ok` false with `error` says why. */
type CheckOutcome = { ok: boolean; error?: string } & Record<string, unknown>;
type Check = (query: (text: string) => Promise<Row[]>) => Promise<CheckOutcome>;

export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

/** A Query over a postgres.js pool: each statement is cancelled server-side on abort. */
export function postgresQuery(sql: () => Sql): Query {
  return (text, signal) => {
    const pending = sql().unsafe(text);
    const cancel = () => void pending.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    return Promise.resolve(pending)
      .then((rows) => rows as unknown as Row[])
      .finally(() => signal.removeEventListener("abort", cancel));
  };
}

/** Runs `check` with a deadline; any throw or timeout becomes `{ ok: false, error }`. */
export async function runCheck(
  check: Check,
  query: Query,
  timeoutMs: number,
): Promise<CheckResult> {
  const startedAt = performance.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timeout = new Error(`timed out after ${timeoutMs} ms`);
      controller.abort(timeout);
      reject(timeout);
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([check((text) => query(text, controller.signal)), deadline]);
    return { ...outcome, latency_ms: elapsed(startedAt) };
  } catch (error) {
    return { ok: false, latency_ms: elapsed(startedAt), error: safeErrorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

/** Reachable, answering queries; reports the server version. */
export const databaseCheck: Check = async (query) => {
  await query("select 1 as one");
  const [row] = await query("show server_version");
  return { ok: true, server_version: String(row?.server_version ?? "unknown") };
};

/**
 * Migrations applied the way the Supabase CLI records them. A database without
 * the history table, or with an empty one, has no schema to serve.
 */
export const migrationsCheck: Check = async (query) => {
  const [table] = await query(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  if (table?.present !== true) {
    return {
      ok: false,
      applied: 0,
      latest: null,
      error: "supabase_migrations.schema_migrations does not exist: no migration was ever applied",
    };
  }
  const [history] = await query(
    "select count(*)::int as applied, max(version) as latest from supabase_migrations.schema_migrations",
  );
  const applied = Number(history?.applied ?? 0);
  const latest = (history?.latest as string | null | undefined) ?? null;
  return applied >= 1
    ? { ok: true, applied, latest }
    : { ok: false, applied, latest, error: "no migration applied" };
};

/**
 * pg_cron is usable only when the extension exists in this database AND its
 * launcher background worker runs (pg_cron in shared_preload_libraries, with
 * cron.database_name naming this database). Other roles' background workers
 * appear in pg_stat_activity only to superusers and pg_read_all_stats members,
 * so an unprivileged role is told why it cannot confirm the launcher.
 */
export const pgCronCheck: Check = async (query) => {
  const [row] = await query(`
    select
      (select extversion from pg_catalog.pg_extension where extname = 'pg_cron') as version,
      exists (
        select 1 from pg_catalog.pg_stat_activity where backend_type = 'pg_cron launcher'
      ) as launcher_running,
      coalesce((select rolsuper from pg_catalog.pg_roles where rolname = current_user), false)
        or pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'member') as can_see_workers,
      current_user as role`);
  const version = (row?.version as string | null | undefined) ?? null;
  const launcherRunning = row?.launcher_running === true;
  const details = { version, launcher_running: launcherRunning };
  if (version === null) {
    return { ok: false, ...details, error: "extension pg_cron is not installed in this database" };
  }
  if (!launcherRunning) {
    const error = row?.can_see_workers === true
      ? "the pg_cron launcher background worker is not running (is pg_cron in shared_preload_libraries and cron.database_name set to this database?)"
      : `cannot see the pg_cron launcher: role ${
        String(row?.role)
      } needs pg_read_all_stats to see background workers`;
    return { ok: false, ...details, error };
  }
  return { ok: true, ...details };
};

/**
 * Counts of the daily operator checks and the names of the failing ones. Only
 * names, and only for the service role: the ids in `details` stay in
 * ops.daily_health, the CLI (npm run health) and /metrics.
 * `ok` is false when a check fails or the checks could not run.
 */
export const opsSummaryCheck: Check = async (query) => {
  const rows = await query("select name, ok from ops.health_checks('daily') order by name");
  const failing = rows.filter((row) => row.ok !== true).map((row) => String(row.name));
  return {
    ok: failing.length === 0,
    passed: rows.length - failing.length,
    failed: failing.length,
    failing,
  };
};

/** Every function booted; the failing ones are named with their error. */
export function functionsCheck(status: () => Promise<RuntimeStatus>): Check {
  return async () => {
    const { functions, failed, boot_errors } = await status();
    return {
      ok: failed.length === 0,
      loaded: functions.filter((name) => !failed.includes(name)),
      failed: failed.map((name) => ({ name, error: boot_errors[name] ?? "unknown boot error" })),
      ...(failed.length > 0 ? { error: `${failed.length} function(s) failed to boot` } : {}),
    };
  };
}

const notRun: OpsSummary = { ok: false, latency_ms: 0, error: "not run" };

export async function collectHealth(
  query: Query,
  version: string,
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
  opts: { runtimeStatus?: () => Promise<RuntimeStatus>; withOpsSummary?: boolean } = {},
): Promise<HealthReport> {
  const { runtimeStatus, withOpsSummary = true } = opts;
  // Independent checks run side by side: the slowest one bounds the latency.
  const [database, migrations, pg_cron, ops, functions] = await Promise.all([
    runCheck(databaseCheck, query, timeoutMs),
    runCheck(migrationsCheck, query, timeoutMs),
    runCheck(pgCronCheck, query, timeoutMs),
    withOpsSummary ? runCheck(opsSummaryCheck, query, timeoutMs) : notRun,
    runtimeStatus ? runCheck(functionsCheck(runtimeStatus), query, timeoutMs) : undefined,
  ]);
  const checks = { database, migrations, pg_cron, ...(functions ? { functions } : {}) };
  const allOk = Object.values(checks).every((check) => check.ok);
  return {
    status: allOk ? "ok" : "degraded",
    version,
    time: new Date().toISOString(),
    checks,
    summary: { ops },
  };
}

export interface HealthDeps {
  query: Query;
  version: string;
  timeoutMs?: number;
  /** The local runtime's report of its functions; absent on hosted Supabase. */
  runtimeStatus?: () => Promise<RuntimeStatus>;
}

const ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

/**
 * GET/HEAD → 200 when every check passes, 503 otherwise. The body depends on
 * the caller: the anon key is public (it ships in every browser), so anyone
 * gets liveness only, `{"status": "ok" | "degraded"}`; the checks, the
 * operator summary and the functions' boot failures (database version, table
 * names, error messages) need the service role.
 */
export function createHealthHandler(deps: HealthDeps): FunctionHandler {
  return async (req, ctx) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw methodNotAllowed(req.method, ALLOWED_METHODS);
    }
    const details = isServiceRole(req);
    const report = await collectHealth(deps.query, deps.version, deps.timeoutMs, {
      runtimeStatus: deps.runtimeStatus,
      withOpsSummary: details,
    });
    const status = report.status === "ok" ? 200 : 503;
    if (status !== 200) {
      const failing = Object.entries(report.checks)
        .filter(([, check]) => !check.ok)
        .map(([name, check]) => ({ check: name, error: check.error }));
      ctx.log.warn("health degraded", { failing });
    }
    // A probe must never be answered from a cache.
    const res = json(details ? report : { status: report.status }, status, {
      "cache-control": "no-store",
    });
    return req.method === "HEAD" ? new Response(null, { status, headers: res.headers }) : res;
  };
}

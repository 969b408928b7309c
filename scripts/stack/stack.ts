/**
 * Bringing the whole local stack up and down, in dependency order:
 * PostgreSQL → compat → migrations (+ seed when empty) → PostgREST →
 * functions runtime → gateway (auth stand-in and rate limiter inside it).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ensureDir, LOCAL_DEV_DB_PASSWORD, type StackConfig } from "./config.ts";
import { createAuthHandler } from "./auth/index.ts";
import { startFunctions } from "./functions/supervisor.ts";
import { ensureVapidKeys } from "./functions/vapid.ts";
import { bufferedLog, createGateway } from "./gateway/index.ts";
import { apiKeys, type ApiKeys } from "./keys.ts";
import { ensureDatabase } from "./db/ensure.ts";
import { clusterState, stopCluster } from "./db/postgres.ts";
import { startPostgrest } from "./db/postgrest.ts";
import { isPidAlive, stopChild } from "./proc.ts";
import { createRateLimiter, type RateLimiter } from "./gateway/ratelimit.ts";

export interface RunningStack {
  cfg: StackConfig;
  keys: ApiKeys;
  postgrest: ChildProcess;
  functions: ChildProcess;
  gateway: Server;
  authPool: pg.Pool;
  /** Absent when the database has no rate limiting (role terrain_gateway missing). */
  rateLimiter?: RateLimiter;
  startedCluster: boolean;
  stop(opts?: { keepDatabase?: boolean }): Promise<void>;
}

export interface Lock {
  pid: number;
  apiUrl: string;
  startedAt: string;
}

const lockPath = (cfg: StackConfig) => join(cfg.stateDir, "stack.json");

/** The supervisor already running for this profile, if any. */
export function runningSupervisor(cfg: StackConfig): Lock | undefined {
  const p = lockPath(cfg);
  if (!existsSync(p)) return undefined;
  try {
    const lock = JSON.parse(readFileSync(p, "utf8")) as Lock;
    return isPidAlive(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

type Say = (msg: string) => void;

export type RateLimitMode = "strict" | "relaxed";

/**
 * `strict`: the presets apply to everyone. `relaxed` (default of the test
 * profile; TERRAIN_RATE_LIMITS=relaxed|strict overrides either profile): the
 * demo users and loopback clients without X-Forwarded-For get a limit of
 * 1,000,000 per window (rows in private.rate_limit_overrides), because the
 * integration suites sign in and call the API many times as the demo users
 * from 127.0.0.1. Fresh users and other client addresses keep the presets: the
 * rate-limit tests use those.
 */
export function rateLimitMode(cfg: StackConfig): RateLimitMode {
  const env = process.env.TERRAIN_RATE_LIMITS;
  if (env === "strict" || env === "relaxed") return env;
  if (env) throw new Error(`TERRAIN_RATE_LIMITS must be strict or relaxed (got ${env})`);
  return cfg.profile === "test" ? "relaxed" : "strict";
}

const RELAXED_REASON = "local test profile (TERRAIN_RATE_LIMITS=relaxed): integration suites reuse the demo users and 127.0.0.1";

/** Connection of the gateway's limiter: the terrain_gateway role (migration), LOCAL DEFAULT password. */
export function gatewayDbUrl(cfg: StackConfig): string {
  const url = new URL(cfg.dbUrl);
  url.username = "terrain_gateway";
  url.password = LOCAL_DEV_DB_PASSWORD;
  return url.toString();
}

/**
 * Local-only setup of rate limiting: gives the migration's NOLOGIN role
 * terrain_gateway the LOCAL DEVELOPMENT password (production: whoever runs a
 * gateway gives it a secret of its own), and applies the mode's overrides.
 * False when the database has no rate limiting yet.
 */
async function prepareRateLimiting(cfg: StackConfig, mode: RateLimitMode): Promise<boolean> {
  const client = new pg.Client({ connectionString: cfg.dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select exists (select from pg_catalog.pg_roles where rolname = 'terrain_gateway')
              and to_regclass('private.rate_limit_overrides') is not null as ready`,
    );
    if (!rows[0].ready) return false;
    await client.query(`alter role terrain_gateway login password '${LOCAL_DEV_DB_PASSWORD}'`);
    await client.query("delete from private.rate_limit_overrides where reason = $1", [RELAXED_REASON]);
    if (mode === "relaxed") {
      await client.query(
        `insert into private.rate_limit_overrides (key, bucket, max_hits, reason)
         select k.key, '*', 1000000, $1
         from (select unnest(array['ip:127.0.0.1', 'ip:::1']) as key
               union all
               select 'user:' || u.id from auth.users u where u.raw_user_meta_data ? 'demo_label') as k
         on conflict (key, bucket) do update set max_hits = excluded.max_hits, reason = excluded.reason`,
        [RELAXED_REASON],
      );
    }
    return true;
  } finally {
    await client.end();
  }
}

export async function bringUp(cfg: StackConfig, say: Say = console.log): Promise<RunningStack> {
  ensureDir(cfg.stateDir);
  const keys = await apiKeys(cfg.jwtSecret);
  const children: ChildProcess[] = [];
  let gateway: Server | undefined;
  let authPool: pg.Pool | undefined;
  let rateLimiter: RateLimiter | undefined;
  let accessLog: ReturnType<typeof bufferedLog> | undefined;
  let startedCluster = false;

  const stop = async ({ keepDatabase = false } = {}) => {
    if (gateway) await new Promise<void>((r) => gateway!.close(() => r()));
    gateway?.closeAllConnections?.();
    await Promise.all(children.map((c) => stopChild(c)));
    await authPool?.end().catch(() => undefined);
    await rateLimiter?.close();
    accessLog?.flush();
    if (!keepDatabase) stopCluster(cfg);
    rmSync(lockPath(cfg), { force: true });
  };

  try {
    const db = await ensureDatabase(cfg);
    startedCluster = db.startedCluster;
    if (db.createdCluster) say(`• PostgreSQL cluster created in ${cfg.pgData}`);
    say(`• PostgreSQL ${startedCluster ? "started" : "already running"} on 127.0.0.1:${cfg.ports.db}`);
    say(
      db.fresh
        ? `• Database created: ${db.applied.length} migrations, seed ${db.seeded.join(", ") || "(none)"}`
        : `• Migrations: ${db.applied.length} applied now, ${db.alreadyApplied} already applied`,
    );

    children.push(await startPostgrest(cfg));
    say(`• PostgREST ready`);
    const vapid = ensureVapidKeys(cfg.stateDir);
    const functions = await startFunctions(cfg, keys, { vapid });
    children.push(functions.child);
    const booted = functions.status.functions.length - functions.status.failed.length;
    say(
      functions.status.failed.length === 0
        ? `• Edge functions runtime ready (${booted} functions)`
        : `✖ Edge functions runtime up with ${functions.status.failed.length} function(s) that failed to boot: ${functions.status.failed.join(", ")} (${booted} serving)`,
    );

    authPool = new pg.Pool({ connectionString: cfg.authAdminDbUrl, max: 5, application_name: "terrain-auth-stand-in" });
    // An idle connection killed by a database restart (db reset) must not crash the supervisor.
    authPool.on("error", (err) => say(`auth pool: ${err.message}`));
    const accessLogFile = createWriteStream(join(ensureDir(cfg.logDir), "gateway.log"), { flags: "a" });
    // One line per request, written in batches (see bufferedLog).
    accessLog = bufferedLog((chunk) => accessLogFile.write(chunk));
    const authLog = createWriteStream(join(cfg.logDir, "auth.log"), { flags: "a" });
    const auth = createAuthHandler({
      pool: authPool,
      jwtSecret: cfg.jwtSecret,
      issuer: `${cfg.apiUrl}/auth/v1`,
      log: (line) => authLog.write(line + "\n"),
    });
    const mode = rateLimitMode(cfg);
    if (await prepareRateLimiting(cfg, mode)) {
      rateLimiter = createRateLimiter({ connectionString: gatewayDbUrl(cfg), log: accessLog });
      say(`• Rate limiting on (${mode})`);
    }
    gateway = createGateway({ cfg, keys, auth, rateLimiter, log: accessLog, vapidPublicKey: vapid.publicKey });
    await new Promise<void>((resolve, reject) => {
      gateway!.once("error", reject);
      gateway!.listen(cfg.ports.api, "127.0.0.1", () => resolve());
    });
    writeFileSync(
      lockPath(cfg),
      JSON.stringify({ pid: process.pid, apiUrl: cfg.apiUrl, startedAt: new Date().toISOString() } satisfies Lock),
    );
    say(`• Gateway listening on ${cfg.apiUrl}`);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    cfg,
    keys,
    postgrest: children[0]!,
    functions: children[1]!,
    gateway: gateway!,
    authPool: authPool!,
    ...(rateLimiter ? { rateLimiter } : {}),
    startedCluster,
    stop,
  };
}

export function clusterRunning(cfg: StackConfig): boolean {
  return clusterState(cfg).running;
}

/**
 * Bringing the whole local stack up and down, in dependency order:
 * PostgreSQL → compat → migrations (+ seed when empty) → PostgREST →
 * functions runtime → gateway (auth stand-in inside it).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ensureDir, type StackConfig } from "./config.ts";
import { createAuthHandler } from "./auth/index.ts";
import { startFunctions } from "./functions.ts";
import { createGateway } from "./gateway.ts";
import { apiKeys, type ApiKeys } from "./keys.ts";
import { applyCompat, isEmpty, migrate, resetDatabase } from "./migrate.ts";
import { clusterState, initCluster, startCluster, stopCluster } from "./postgres.ts";
import { startPostgrest } from "./postgrest.ts";
import { isPidAlive, stopChild } from "./proc.ts";

export interface RunningStack {
  cfg: StackConfig;
  keys: ApiKeys;
  postgrest: ChildProcess;
  functions: ChildProcess;
  gateway: Server;
  authPool: pg.Pool;
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

export async function bringUp(cfg: StackConfig, say: Say = console.log): Promise<RunningStack> {
  ensureDir(cfg.stateDir);
  const keys = await apiKeys(cfg.jwtSecret);
  const children: ChildProcess[] = [];
  let gateway: Server | undefined;
  let authPool: pg.Pool | undefined;
  let startedCluster = false;

  const stop = async ({ keepDatabase = false } = {}) => {
    if (gateway) await new Promise<void>((r) => gateway!.close(() => r()));
    gateway?.closeAllConnections?.();
    await Promise.all(children.map((c) => stopChild(c)));
    await authPool?.end().catch(() => undefined);
    if (!keepDatabase) stopCluster(cfg);
    rmSync(lockPath(cfg), { force: true });
  };

  try {
    if (initCluster(cfg)) say(`• PostgreSQL cluster created in ${cfg.pgData}`);
    startedCluster = await startCluster(cfg);
    say(`• PostgreSQL ${startedCluster ? "started" : "already running"} on 127.0.0.1:${cfg.ports.db}`);

    await applyCompat(cfg);
    if (await isEmpty(cfg)) {
      const r = await resetDatabase(cfg);
      say(`• Database created: ${r.applied.length} migrations, seed ${r.seeded.join(", ") || "(none)"}`);
    } else {
      const r = await migrate(cfg);
      say(`• Migrations: ${r.applied.length} applied now, ${r.alreadyApplied} already applied`);
    }

    children.push(await startPostgrest(cfg));
    say(`• PostgREST ready`);
    children.push(await startFunctions(cfg, keys));
    say(`• Edge functions runtime ready`);

    authPool = new pg.Pool({ connectionString: cfg.authAdminDbUrl, max: 5, application_name: "terrain-auth-stand-in" });
    // An idle connection killed by a database restart (db reset) must not crash the supervisor.
    authPool.on("error", (err) => say(`auth pool: ${err.message}`));
    const accessLog = createWriteStream(join(ensureDir(cfg.logDir), "gateway.log"), { flags: "a" });
    const authLog = createWriteStream(join(cfg.logDir, "auth.log"), { flags: "a" });
    const auth = createAuthHandler({
      pool: authPool,
      jwtSecret: cfg.jwtSecret,
      issuer: `${cfg.apiUrl}/auth/v1`,
      log: (line) => authLog.write(line + "\n"),
    });
    gateway = createGateway({ cfg, keys, auth, log: (line) => accessLog.write(line + "\n") });
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
    startedCluster,
    stop,
  };
}

export function clusterRunning(cfg: StackConfig): boolean {
  return clusterState(cfg).running;
}

/**
 * The cluster scripts on a real, private PostgreSQL cluster (its own state
 * directory and ports): init, start twice, crash recovery, stop.
 */
import { mkdtempSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type StackConfig } from "../config.ts";
import { clusterState, initCluster, startCluster, stopCluster } from "./postgres.ts";
import { sleep } from "../proc.ts";

let cfg: StackConfig;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "terrain-pgtest-"));
  chmodSync(dir, 0o755); // the postgres user must reach it when we run as root
  cfg = loadConfig("test", { stateDir: dir, portBase: 57321 + (process.pid % 200) * 20 });
});

afterAll(() => {
  try {
    stopCluster(cfg, "immediate");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function query(sql: string) {
  const c = new pg.Client({ connectionString: cfg.dbUrl });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("project-owned PostgreSQL cluster", () => {
  it("initialises once, with the Supabase CLI's superuser password and pg_cron preloaded", async () => {
    expect(initCluster(cfg)).toBe(true);
    expect(initCluster(cfg)).toBe(false);
    expect(await startCluster(cfg)).toBe(true);
    const [row] = await query("select current_setting('shared_preload_libraries') as libs, current_setting('cron.database_name') as db, current_setting('port') as port");
    expect(row).toEqual({ libs: "pg_cron", db: "postgres", port: String(cfg.ports.db) });
  }, 60_000);

  it("a second start is a no-op", async () => {
    const before = clusterState(cfg);
    expect(await startCluster(cfg)).toBe(false);
    expect(clusterState(cfg)).toEqual(before);
  });

  it("refuses a wrong password", async () => {
    const c = new pg.Client({ connectionString: cfg.dbUrl.replace(":postgres@", ":wrong@") });
    await expect(c.connect()).rejects.toThrow(/password authentication failed/);
  });

  it("recovers from a crash that left a stale postmaster.pid", async () => {
    const state = clusterState(cfg);
    if (!state.running) throw new Error("cluster should be running");
    process.kill(state.pid, "SIGKILL");
    // Backends notice their postmaster died and exit; the pid file stays behind.
    for (let i = 0; i < 100 && clusterState(cfg).running; i++) await sleep(50);
    const crashed = clusterState(cfg);
    expect(crashed.running).toBe(false);
    expect(crashed).toHaveProperty("stalePid", state.pid);
    expect(readFileSync(join(cfg.pgData, "postmaster.pid"), "utf8")).toContain(String(state.pid));
    await sleep(500);
    expect(await startCluster(cfg)).toBe(true);
    expect(await query("select 1 as ok")).toEqual([{ ok: 1 }]);
  }, 60_000);

  it("stops, and stopping again reports nothing to stop", () => {
    expect(stopCluster(cfg)).toBe(true);
    expect(clusterState(cfg).running).toBe(false);
    expect(stopCluster(cfg)).toBe(false);
  });
});

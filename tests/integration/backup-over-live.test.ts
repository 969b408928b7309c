/**
 * npm run restore -- <backup> --target-db postgres --force-over-live, on a
 * cluster of its own (dedicated-cluster.ts): the live database is replaced by
 * exactly the backed-up state, and pg_cron — whose scheduler is bound to that
 * database — runs its restored jobs again (the server is restarted by the
 * restore). Without --force-over-live the same call is refused.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureDatabase } from "../../scripts/stack/db/ensure.ts";
import { sleep } from "../../scripts/stack/proc.ts";
import { withDb } from "./harness.ts";
import { backupDirOf, opsScript, tableFingerprints } from "./backup-tools.ts";
import { dedicatedConfig, dedicatedEnv, removeCluster } from "./dedicated-cluster.ts";

const cfg = dedicatedConfig("backup-over-live", 50);

beforeAll(async () => {
  removeCluster(cfg); // whatever an interrupted run left
  await ensureDatabase(cfg);
}, 180_000);

afterAll(() => removeCluster(cfg));

it("replaces the live database with the backed-up state only with --force-over-live, and pg_cron runs its jobs again", async () => {
  // pg_cron starts its jobs on minute boundaries and they write (alerts, run
  // details). A sequence a job ran in is done again: the next run is a minute away.
  for (let attempt = 1; ; attempt++) {
    const started = await withDb(async (c) => (await c.query("select clock_timestamp() as t")).rows[0].t as Date, cfg.dbUrl);
    const before = await withDb(tableFingerprints, cfg.dbUrl);
    const dir = backupDirOf(await opsScript("backup", ["--out", join(cfg.stateDir, "backups")], cfg.dbUrl));
    await withDb(async (c) => {
      await c.query("update public.clients set name = name || ' (after the backup)'");
      await c.query("select cron.unschedule('purge-notifications')");
    }, cfg.dbUrl);

    const refused = await opsScript("restore", [dir, "--target-db", "postgres"], cfg.dbUrl, dedicatedEnv(cfg));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Refusing to restore over postgres: it is the live database (pg_cron's cron.database_name)");

    const r = await opsScript("restore", [dir, "--target-db", "postgres", "--force-over-live"], cfg.dbUrl, dedicatedEnv(cfg));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Restarting the server so that pg_cron's scheduler runs in the restored database");
    const after = await withDb(tableFingerprints, cfg.dbUrl);
    const { rows } = await withDb((c) => c.query("select count(*)::int as n from cron.job_run_details where start_time >= $1", [started]), cfg.dbUrl);
    if (rows[0].n > 0 && attempt < 3) continue;
    expect(after).toEqual(before);
    break;
  }

  await withDb(async (c) => {
    const { rows: jobs } = await c.query("select jobname, active, database from cron.job order by jobname");
    expect(jobs.map((j) => j.jobname)).toContain("purge-notifications");
    expect(jobs.every((j) => j.active && j.database === "postgres")).toBe(true);
    // The scheduler is attached to the restored database.
    let launcher = 0;
    for (let i = 0; i < 50 && launcher === 0; i++) {
      const { rows } = await c.query("select count(*)::int as n from pg_stat_activity where backend_type = 'pg_cron launcher' and datname = 'postgres'");
      launcher = rows[0].n;
      if (launcher === 0) await sleep(200);
    }
    expect(launcher).toBe(1);
  }, cfg.dbUrl);
}, 180_000);

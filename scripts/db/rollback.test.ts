/**
 * Reversible migrations (docs/conventions.md § Reversible migrations), proved
 * on a PostgreSQL cluster of this test's own: pg_cron can only be created in
 * the one database its server names (cron.database_name), so a scratch
 * database on the shared test cluster could not hold the first migration.
 * The cluster sits beside the test stack's (its ports + 40, its state
 * directory/rollbacks) and is removed afterwards.
 *
 *   1. every migration has its down file;
 *   2. up one migration at a time, snapshot after each (scripts/db/catalog-state.ts);
 *      then down one at a time: after each down file the snapshot equals the
 *      one taken before that migration was applied; at zero, up again: the
 *      snapshot equals the one after the first up. The cluster's pg_cron jobs
 *      are paused after every step (scripts/stack/db/cron.ts): the migrations
 *      schedule per-minute jobs on this cluster, and a job running while a
 *      down file drops what it touches could deadlock with it (40P01) — a
 *      test of the down files must not depend on the minute it runs in;
 *   3. a rollback that would drop rows refuses, naming tables, columns and
 *      counts, and changes nothing; --force drops them; several down files
 *      are all or nothing; a deadlock with a concurrent transaction (what a
 *      pg_cron job does on a live database) is retried, once.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type StackConfig } from "../stack/config.ts";
import { pauseCronJobs } from "../stack/db/cron.ts";
import { applyCompat, listMigrations, migrate, type MigrationFile } from "../stack/db/migrate.ts";
import { initCluster, startCluster, stopCluster } from "../stack/db/postgres.ts";
import { catalogSnapshot } from "./catalog-state.ts";
import { ROLLBACKS_DIR, RollbackRefusedError, downFileName, parseArgs, rollback } from "./rollback.ts";

const testStack = loadConfig("test");
const cfg: StackConfig = loadConfig("test", { portBase: testStack.ports.api + 40, stateDir: join(testStack.stateDir, "rollbacks") });

async function sql<T extends pg.QueryResultRow>(text: string, url = cfg.dbUrl): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** Switches off the cluster's active pg_cron jobs and waits out a run in progress; returns how many were active. */
async function pauseCron(): Promise<number> {
  const c = new pg.Client({ connectionString: cfg.dbUrl });
  await c.connect();
  try {
    return (await pauseCronJobs(c)).length;
  } finally {
    await c.end();
  }
}

/** Applies the migrations one at a time, pausing the jobs each one schedules before the next runs. */
async function migrateOneByOne(files: MigrationFile[], onEach?: () => Promise<void>): Promise<number> {
  let applied = 0;
  for (let i = 0; i < files.length; i++) {
    applied += (await migrate(cfg, files.slice(0, i + 1))).applied.length;
    await pauseCron();
    await onEach?.();
  }
  return applied;
}

const activeCronJobs = async () =>
  (await sql<{ n: number }>("select case when to_regclass('cron.job') is null then 0 else (select count(*)::int from cron.job where active) end as n"))[0]!.n;

/** A new empty database on this test's cluster (dropped first if a killed run left it); its URL. */
async function freshScratchDatabase(name: string): Promise<string> {
  await sql(`drop database if exists ${name} with (force)`);
  await sql(`create database ${name}`);
  const url = new URL(cfg.dbUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Plays a pg_cron job deadlocking with `start` (a rollback or a migration, whose connection is named
 * `application`): the job reads public.jobs, waits until `start` is blocked on a lock, then reads
 * public.job_tags, closing the cycle. The job's deadlock_timeout is longer than the other session's,
 * so PostgreSQL aborts `start`'s transaction. Returns `start`'s outcome.
 */
async function deadlockedOnce<T>(dbUrl: string, application: string, start: () => Promise<T>) {
  const dbName = new URL(dbUrl).pathname.slice(1);
  const job = new pg.Client({ connectionString: dbUrl, application_name: "deadlocking-job" });
  await job.connect();
  try {
    await job.query("set deadlock_timeout = '30s'");
    await job.query("begin");
    await job.query("select count(*) from public.jobs");
    const attempt = start();
    attempt.catch(() => undefined);
    for (let i = 0; ; i++) {
      const waiting = await sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = '${dbName}' and application_name = '${application}' and wait_event_type = 'Lock'`,
      );
      if (waiting[0]!.n > 0) break;
      if (i > 200) throw new Error(`${application} never waited for the job's lock`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Blocks until PostgreSQL aborts the other transaction (its deadlock_timeout, 1 s).
    expect(await job.query("select count(*)::int as n from public.job_tags")).toMatchObject({ rows: [{ n: 0 }] });
    await job.query("commit");
    return await attempt.then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
  } finally {
    await job.end();
  }
}

beforeAll(async () => {
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
  initCluster(cfg);
  await startCluster(cfg);
  await applyCompat(cfg);
  await migrate(cfg, []); // the history tables only
}, 120_000);

afterAll(() => {
  stopCluster(cfg, "immediate");
  rmSync(cfg.stateDir, { recursive: true, force: true });
});

describe("down files", () => {
  it("exist for every migration, named <migration>.down.sql, and for nothing else", () => {
    const migrations = listMigrations().map((m) => `${m.version}_${m.name}.sql`);
    const missing = migrations.filter((f) => !existsSync(join(ROLLBACKS_DIR, downFileName(f))));
    expect(missing, "migrations without supabase/rollbacks/<name>.down.sql").toEqual([]);
    const orphans = readdirSync(ROLLBACKS_DIR).filter((f) => !migrations.map(downFileName).includes(f));
    expect(orphans, "down files without their migration").toEqual([]);
  });

  it(
    "undo each migration exactly: up one by one, down one by one back to zero, up again",
    async () => {
      const files = listMigrations();
      const started = performance.now();
      const snapshots = [await catalogSnapshot(cfg.dbUrl)];
      await migrateOneByOne(files, async () => {
        snapshots.push(await catalogSnapshot(cfg.dbUrl));
      });
      for (let i = files.length; i >= 1; i--) {
        expect(await activeCronJobs(), "no pg_cron job active during the round trip").toBe(0);
        const r = await rollback(cfg.dbUrl, { count: 1 });
        const name = `${files[i - 1]!.version}_${files[i - 1]!.name}.sql`;
        expect(r.rolledBack).toEqual([name]);
        // On failure vitest shows the diff: what this down file left or took too much.
        expect(await catalogSnapshot(cfg.dbUrl), `catalog after ${downFileName(name)} = before ${name}`).toBe(snapshots[i - 1]);
      }
      const applied = await sql<{ n: number }>("select count(*)::int as n from supabase_migrations.schema_migrations");
      expect(applied[0]!.n).toBe(0);
      expect(await migrateOneByOne(files)).toBe(files.length);
      expect(await catalogSnapshot(cfg.dbUrl), "catalog after up → down → up = after up").toBe(snapshots[files.length]);
      console.log(`up → down → up of ${files.length} migrations, a catalog snapshot after each step: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
    900_000,
  );
});

describe("db:rollback refuses to lose data unless forced", () => {
  const scratchDb = "rollback_refusals";
  let scratchUrl: string;
  let dir: string;
  const migrationsDir = () => join(dir, "migrations");
  const rollbacksDir = () => join(dir, "rollbacks");
  const write = (sub: string, file: string, text: string) => writeFileSync(join(dir, sub, file), text);
  const opts = (extra: { count?: number; force?: boolean; deadlockAttempts?: number } = {}) => ({ ...extra, migrationsDir: migrationsDir(), rollbacksDir: rollbacksDir() });
  const history = async () => (await sql<{ version: string }>("select version from supabase_migrations.schema_migrations order by version", scratchUrl)).map((r) => r.version);

  beforeAll(async () => {
    scratchUrl = await freshScratchDatabase(scratchDb);
    dir = mkdtempSync(join(tmpdir(), "terrain-rollbacks-"));
    mkdirSync(migrationsDir());
    mkdirSync(rollbacksDir());
    write("migrations", "20260101000000_jobs.sql", "create table public.jobs (id int primary key);");
    write("rollbacks", "20260101000000_jobs.down.sql", "drop table public.jobs;");
    write("migrations", "20260102000000_job_notes.sql", "alter table public.jobs add column note text;\ncreate table public.job_tags (job_id int, tag text);");
    write("rollbacks", "20260102000000_job_notes.down.sql", "drop table public.job_tags;\nalter table public.jobs drop column note;");
    await migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(migrationsDir()));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sql(`drop database if exists ${scratchDb} with (force)`);
  });

  it("rolls back what holds no rows without asking", async () => {
    const r = await rollback(scratchUrl, opts());
    expect(r).toEqual({ rolledBack: ["20260102000000_job_notes.sql"], losses: [] });
    expect(await history()).toEqual(["20260101000000"]);
    await migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(migrationsDir()));
  });

  it("refuses, naming each table and column with its row count, and changes nothing", async () => {
    await sql("insert into public.jobs (id, note) values (1, 'boiler'), (2, null), (3, 'pump'); insert into public.job_tags values (1, 'urgent')", scratchUrl);
    const attempt = rollback(scratchUrl, opts({ count: 2 }));
    await expect(attempt).rejects.toBeInstanceOf(RollbackRefusedError);
    await expect(attempt).rejects.toThrow(
      "Rolling back would drop data:\n" +
        "  20260102000000_job_notes.sql: drops table public.job_tags (1 row)\n" +
        "  20260102000000_job_notes.sql: drops column public.jobs.note (2 rows with a value)\n" +
        "  20260101000000_jobs.sql: drops table public.jobs (3 rows)\n" +
        "Nothing was changed. Run again with --force to drop it.",
    );
    expect(await history()).toEqual(["20260101000000", "20260102000000"]);
    expect(await sql("select id, note from public.jobs order by id", scratchUrl)).toEqual([
      { id: 1, note: "boiler" },
      { id: 2, note: null },
      { id: 3, note: "pump" },
    ]);
    expect(await sql("select count(*)::int as n from public.job_tags", scratchUrl)).toEqual([{ n: 1 }]);
  });

  it("with --force drops them and removes the history rows", async () => {
    const r = await rollback(scratchUrl, opts({ count: 1, force: true }));
    expect(r.rolledBack).toEqual(["20260102000000_job_notes.sql"]);
    expect(r.losses.map((l) => [l.object, l.rows])).toEqual([
      ["public.job_tags", 1],
      ["public.jobs.note", 2],
    ]);
    expect(await history()).toEqual(["20260101000000"]);
    const left = await sql<{ t: string | null; note: string | null }>(
      "select to_regclass('public.job_tags')::text as t, (select attname::text from pg_attribute where attrelid = 'public.jobs'::regclass and attname = 'note') as note",
      scratchUrl,
    );
    expect(left).toEqual([{ t: null, note: null }]);
    const checksums = await sql<{ n: number }>("select count(*)::int as n from supabase_migrations.local_migration_checksums where version = '20260102000000'", scratchUrl);
    expect(checksums).toEqual([{ n: 0 }]);
  });

  it("refuses, changing nothing, when a down file is missing or more is asked than is applied", async () => {
    rmSync(join(rollbacksDir(), "20260101000000_jobs.down.sql"));
    await expect(rollback(scratchUrl, opts({ force: true }))).rejects.toThrow(
      "20260101000000_jobs.sql has no down file (expected supabase/rollbacks/20260101000000_jobs.down.sql).\nNothing was changed.",
    );
    await expect(rollback(scratchUrl, opts({ count: 2 }))).rejects.toThrow("Asked to roll back 2 migrations, but only 1 is applied. Nothing was changed.");
    await expect(rollback(scratchUrl, opts({ count: 0 }))).rejects.toThrow(/whole number ≥ 1/);
    expect(await history()).toEqual(["20260101000000"]);
    expect(await sql("select count(*)::int as n from public.jobs", scratchUrl)).toEqual([{ n: 3 }]);
  });

  it("rolls a failing down file back whole, history included", async () => {
    write("rollbacks", "20260101000000_jobs.down.sql", "drop table public.jobs;\nselect 1/0;");
    await expect(rollback(scratchUrl, opts({ force: true }))).rejects.toThrow(/20260101000000_jobs\.down\.sql.*division by zero/s);
    expect(await history()).toEqual(["20260101000000"]);
    expect(await sql("select count(*)::int as n from public.jobs", scratchUrl)).toEqual([{ n: 3 }]);
  });

  it("undoes several migrations all or nothing: a down file failing after another ran leaves both applied", async () => {
    // Fails only in the real run, where the newer migration's history row is
    // already deleted in the same transaction (the dry run keeps history).
    write(
      "rollbacks",
      "20260101000000_jobs.down.sql",
      "do $$ begin if not exists (select from supabase_migrations.schema_migrations where version = '20260102000000') then raise exception 'jobs are still needed'; end if; end $$;\ndrop table public.jobs;",
    );
    await migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(migrationsDir()));
    expect(await history()).toEqual(["20260101000000", "20260102000000"]);
    await expect(rollback(scratchUrl, opts({ count: 2, force: true }))).rejects.toThrow(/20260101000000_jobs\.down\.sql.*jobs are still needed/s);
    expect(await history()).toEqual(["20260101000000", "20260102000000"]);
    const left = await sql<{ t: string | null }>("select to_regclass('public.job_tags')::text as t", scratchUrl);
    expect(left, "the first down file's drop was undone with the second's failure").toEqual([{ t: "job_tags" }]);
  });

  /**
   * Makes the rollback deadlock with a concurrent transaction, the part a
   * pg_cron job plays on a live database: it reads public.jobs, then
   * public.job_tags. The down file of job_notes drops job_tags, then alters
   * jobs: once it holds job_tags and waits for jobs, reading job_tags closes
   * the cycle. This session's deadlock_timeout is longer than the rollback's,
   * so the rollback is the one PostgreSQL aborts. Returns the rollback's outcome.
   */
  async function rollbackDeadlockedOnce(deadlockAttempts?: number) {
    write("rollbacks", "20260101000000_jobs.down.sql", "drop table public.jobs;");
    await migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(migrationsDir()));
    expect(await history()).toEqual(["20260101000000", "20260102000000"]);
    return deadlockedOnce(scratchUrl, "terrain-rollback", () => rollback(scratchUrl, opts({ count: 1, force: true, deadlockAttempts })));
  }

  it("refuses, changing nothing, when deadlocks use up its attempts", async () => {
    const { result, error } = await rollbackDeadlockedOnce(1);
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(RollbackRefusedError);
    expect((error as Error).message).toMatch(
      /^The rollback deadlocked with concurrent transactions \(pg_cron jobs\?\) once: nothing was changed\. Pause the jobs .*\n  20260102000000_job_notes\.down\.sql: deadlock detected \[SQLSTATE 40P01\]/,
    );
    expect(await history()).toEqual(["20260101000000", "20260102000000"]);
    expect(await sql("select to_regclass('public.job_tags')::text as t", scratchUrl)).toEqual([{ t: "job_tags" }]);
  }, 30_000);

  it("runs the whole plan again when a concurrent transaction deadlocks it (as a pg_cron job can), and then succeeds", async () => {
    const { result, error } = await rollbackDeadlockedOnce();
    expect(error).toBeUndefined();
    expect(result!.rolledBack).toEqual(["20260102000000_job_notes.sql"]);
    expect(await history()).toEqual(["20260101000000"]);
  }, 30_000);

  it("reads [n] and --force from the command line, and nothing else", () => {
    expect(parseArgs([])).toEqual({ count: 1, force: false });
    expect(parseArgs(["3", "--force"])).toEqual({ count: 3, force: true });
    expect(() => parseArgs(["0"])).toThrow(/usage: npm run db:rollback -- \[n ≥ 1\] \[--force\]/);
    expect(() => parseArgs(["--forse"])).toThrow(/unexpected argument "--forse"/);
  });
});

describe("db:migrate runs a migration again when a concurrent transaction deadlocks it", () => {
  const scratchDb = "migrate_deadlock";
  let scratchUrl: string;
  let dir: string;
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
  const columns = async () =>
    (await sql<{ c: string }>("select table_name || '.' || column_name as c from information_schema.columns where table_schema = 'public' order by 1", scratchUrl)).map((r) => r.c);

  beforeAll(async () => {
    scratchUrl = await freshScratchDatabase(scratchDb);
    dir = mkdtempSync(join(tmpdir(), "terrain-migrate-deadlock-"));
    write("20260101000000_jobs.sql", "create table public.jobs (id int primary key);\ncreate table public.job_tags (job_id int, tag text);");
    // Locks job_tags, then jobs: the reverse of the order the "job" below reads them in.
    write("20260102000000_job_flags.sql", "alter table public.job_tags add column flag boolean;\nalter table public.jobs add column flag boolean;");
    await migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(dir).slice(0, 1));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sql(`drop database if exists ${scratchDb} with (force)`);
  });

  /** The second migration, deadlocked by a pg_cron job reading jobs then job_tags. */
  const migrateDeadlockedOnce = (deadlockAttempts?: number) =>
    deadlockedOnce(scratchUrl, "terrain-migrate", () => migrate({ ...cfg, dbUrl: scratchUrl }, listMigrations(dir), { deadlockAttempts }));

  it("with one attempt only: fails naming the file and SQLSTATE 40P01, and applied nothing", async () => {
    const { result, error } = await migrateDeadlockedOnce(1);
    expect(result).toBeUndefined();
    expect((error as Error).message).toMatch(/^20260102000000_job_flags\.sql.*deadlock detected \[SQLSTATE 40P01\]/);
    expect(await columns()).toEqual(["job_tags.job_id", "job_tags.tag", "jobs.id"]);
  }, 30_000);

  it("by default: the aborted file runs again and is applied once", async () => {
    const { result, error } = await migrateDeadlockedOnce();
    expect(error).toBeUndefined();
    expect(result).toEqual({ applied: ["20260102000000_job_flags.sql"], alreadyApplied: 1 });
    expect(await columns()).toEqual(["job_tags.flag", "job_tags.job_id", "job_tags.tag", "jobs.flag", "jobs.id"]);
  }, 30_000);
});

/**
 * npm run backup / restore / verify-backup against the test stack's database:
 *  - backup, then change data, then restore into another database: every
 *    table of the restored copy is row for row the backed-up state (digests
 *    computed by this test, not by the tools), the changed live rows are not;
 *  - verify-backup says VERIFIED (exit 0) and drops its scratch database, and
 *    says NOT VERIFIED (exit 1) when the manifest disagrees with the dump;
 *  - restore refuses (exit 2, nothing created): a dump with a flipped byte, a
 *    manifest whose hash was edited, a truncated dump whose manifest was
 *    rewritten to match, the live database without --force-over-live, an
 *    existing database without --replace, no --target-db.
 * pg_cron's jobs are paused while the state is fingerprinted, so that nothing
 * writes between the fingerprint and the backup's snapshot.
 * The restore over the live database is in backup-over-live.test.ts (its own cluster).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, openSync, readSync, writeSync, closeSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";
import { backupDirOf, opsScript, tableFingerprints } from "./backup-tools.ts";

const TARGET = "terrain_backup_test";
const work = mkdtempSync(join(tmpdir(), "terrain-backup-test-"));
const targetUrl = (() => {
  const u = new URL(stack.dbUrl);
  u.pathname = `/${TARGET}`;
  return u.toString();
})();

let pausedJobs: number[] = [];
let backupDir = "";
let before: Awaited<ReturnType<typeof tableFingerprints>> = {};
const CLIENT_SUFFIX = " (changed after the backup)";

async function databaseExists(name: string): Promise<boolean> {
  return withDb(async (c) => (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1);
}

/** A copy of the backup to damage. */
function copyOfBackup(label: string): string {
  const dir = join(work, label);
  cpSync(backupDir, dir, { recursive: true });
  return dir;
}

function rewriteManifest(dir: string, edit: (m: Record<string, any>) => void) {
  const path = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(path, "utf8"));
  edit(m);
  writeFileSync(path, JSON.stringify(m, null, 2));
}

beforeAll(async () => {
  await withDb(async (c) => {
    const { rows } = await c.query<{ jobid: number }>("update cron.job set active = false where active returning jobid");
    pausedJobs = rows.map((r) => Number(r.jobid));
    // A run that started before the pause finishes first.
    for (let i = 0; i < 100; i++) {
      const { rows: running } = await c.query("select 1 from cron.job_run_details where status in ('starting', 'running')");
      if (running.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    before = await tableFingerprints(c);
  });
  backupDir = backupDirOf(await opsScript("backup", ["--out", join(work, "backups")], stack.dbUrl));
  // Changes after the backup, which the restore must not bring back.
  await withDb(async (c) => {
    await c.query("update public.clients set name = name || $1", [CLIENT_SUFFIX]);
    await c.query("update auth.users set raw_user_meta_data = raw_user_meta_data || '{\"changed_after_backup\": true}'");
  });
}, 120_000);

afterAll(async () => {
  await withDb(async (c) => {
    await c.query("update public.clients set name = left(name, length(name) - length($1)) where name like '%' || $1", [CLIENT_SUFFIX]);
    await c.query("update auth.users set raw_user_meta_data = raw_user_meta_data - 'changed_after_backup'");
    await c.query("update cron.job set active = true where jobid = any($1::bigint[])", [pausedJobs]);
    await c.query(`drop database if exists ${TARGET} with (force)`);
  });
  rmSync(work, { recursive: true, force: true });
});

describe("npm run backup", () => {
  it("writes a custom-format dump and a manifest with its SHA-256, row counts, migrations and the server version", async () => {
    const manifest = JSON.parse(readFileSync(join(backupDir, "manifest.json"), "utf8"));
    const dump = readFileSync(join(backupDir, manifest.dump.file));
    expect(dump.subarray(0, 5).toString()).toBe("PGDMP"); // pg_dump's custom format
    expect(manifest.dump.sha256).toBe(createHash("sha256").update(dump).digest("hex"));
    expect(manifest.dump.bytes).toBe(dump.length);
    expect(manifest.postgres.server).toMatch(/^15\./);
    expect(manifest.schemas).toEqual(expect.arrayContaining(["public", "private", "audit", "ops", "auth", "supabase_migrations"]));
    const migrations = await withDb(async (c) => (await c.query("select version from supabase_migrations.schema_migrations order by 1")).rows.map((r) => r.version));
    expect(manifest.state.migrations.map((m: { version: string }) => m.version)).toEqual(migrations);
    for (const [table, { rows }] of Object.entries(before)) expect(manifest.state.tables[table]?.rows, table).toBe(rows);
    expect(manifest.state.cronJobs.length).toBe(pausedJobs.length);
  });
});

describe("npm run restore", () => {
  it("restores into a named database exactly the backed-up state, not the changes made since", async () => {
    const r = await opsScript("restore", [backupDir, "--target-db", TARGET, "--replace"], stack.dbUrl);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const restored = await withDb(tableFingerprints, targetUrl);
    expect(restored).toEqual(before);
    const live = await withDb(tableFingerprints);
    expect(live["public.clients"]!.digest).not.toBe(before["public.clients"]!.digest);
    expect(live["auth.users"]!.digest).not.toBe(before["auth.users"]!.digest);
  });

  it("leaves the restored copy usable: compat roles, PostgREST's hook setting, invoice chains, migrations up to date", async () => {
    await withDb(async (c) => {
      const { rows: hook } = await c.query(
        `select s.setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase
          where d.datname = $1 and s.setrole = 'authenticator'::regrole`,
        [TARGET],
      );
      expect(hook[0]?.setconfig).toContain("pgrst.db_pre_request=private.api_pre_request");
      const { rows: chains } = await c.query(
        "select bool_and(v.ok) as ok, count(*)::int as orgs from public.organizations o cross join lateral public.verify_invoice_chain(o.id) v",
      );
      expect(chains[0]).toEqual({ ok: true, orgs: expect.any(Number) });
      expect(chains[0].orgs).toBeGreaterThan(0);
      // As an API role would call it.
      await c.query("begin; set local role authenticated; select auth.uid(); rollback");
      const { rows: owner } = await c.query("select pg_get_userbyid(relowner) as owner from pg_class where oid = 'auth.users'::regclass");
      expect(owner[0].owner).toBe("supabase_auth_admin");
    }, targetUrl);
  });

  it("refuses a dump whose bytes no longer match the manifest's SHA-256, and creates nothing", async () => {
    const dir = copyOfBackup("flipped");
    const dump = join(dir, "database.dump");
    const fd = openSync(dump, "r+");
    const pos = Math.floor(statSync(dump).size / 2);
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, pos);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, pos);
    closeSync(fd);
    const r = await opsScript("restore", [dir, "--target-db", "terrain_backup_refused"], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing .*database\.dump: its SHA-256 is [0-9a-f]{64} .* but the manifest says/);
    expect(await databaseExists("terrain_backup_refused")).toBe(false);
  });

  it("refuses a manifest whose hash was edited", async () => {
    const dir = copyOfBackup("edited-hash");
    rewriteManifest(dir, (m) => {
      m.dump.sha256 = "0".repeat(64);
    });
    const r = await opsScript("restore", [dir, "--target-db", "terrain_backup_refused"], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("but the manifest says " + "0".repeat(64));
    expect(await databaseExists("terrain_backup_refused")).toBe(false);
  });

  it("refuses a truncated dump even when its manifest was rewritten to match", async () => {
    const dir = copyOfBackup("truncated");
    const dump = join(dir, "database.dump");
    truncateSync(dump, Math.floor(statSync(dump).size / 2));
    const bytes = readFileSync(dump);
    rewriteManifest(dir, (m) => {
      m.dump.sha256 = createHash("sha256").update(bytes).digest("hex");
      m.dump.bytes = bytes.length;
    });
    const r = await opsScript("restore", [dir, "--target-db", "terrain_backup_refused"], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pg_restore cannot read it/);
    expect(await databaseExists("terrain_backup_refused")).toBe(false);
  });

  it("refuses a directory without a manifest, and a call without --target-db", async () => {
    const empty = join(work, "not-a-backup");
    cpSync(backupDir, empty, { recursive: true });
    rmSync(join(empty, "manifest.json"));
    const a = await opsScript("restore", [empty, "--target-db", "terrain_backup_refused"], stack.dbUrl);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("manifest.json is missing");
    const b = await opsScript("restore", [backupDir], stack.dbUrl);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--target-db");
  });

  it("refuses the live database without --force-over-live, and changes nothing in it", async () => {
    const live = new URL(stack.dbUrl).pathname.slice(1);
    const r = await opsScript("restore", [backupDir, "--target-db", live], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Refusing to restore over ${live}: it is the live database`);
    const { rows } = await withDb((c) => c.query("select count(*)::int as n from public.clients where name like '%' || $1", [CLIENT_SUFFIX]));
    expect(rows[0].n).toBe(before["public.clients"]!.rows);
  });

  it("refuses an existing database without --replace", async () => {
    const r = await opsScript("restore", [backupDir, "--target-db", TARGET], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Database ${TARGET} already exists: pass --replace`);
    expect(await withDb(tableFingerprints, targetUrl)).toEqual(before);
  });
});

describe("npm run verify-backup", () => {
  async function scratchDatabases(): Promise<string[]> {
    return withDb(async (c) => (await c.query("select datname from pg_database where datname like 'terrain_verify_%'")).rows.map((r) => r.datname));
  }

  // A backup taken just before: health checks with a time window (an emergency
  // pending for more than 5 minutes) may change verdict as minutes pass.
  const freshBackup = async () => backupDirOf(await opsScript("backup", ["--out", join(work, "fresh")], stack.dbUrl));

  it("restores into a scratch database, finds it identical, says VERIFIED and drops it", async () => {
    const r = await opsScript("verify-backup", [await freshBackup()], stack.dbUrl);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("VERIFIED: the backup restores to the backed-up state");
    expect(await scratchDatabases()).toEqual([]);
  });

  it("says NOT VERIFIED (exit 1) when the restored rows differ from the manifest's counts and chains", async () => {
    const dir = await freshBackup();
    rewriteManifest(dir, (m) => {
      m.state.tables["public.missions"].rows += 1;
      const org = Object.keys(m.state.invoiceChains)[0]!;
      m.state.invoiceChains[org].checked += 1;
    });
    const r = await opsScript("verify-backup", [dir], stack.dbUrl);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ table public\.missions: \d+ rows, backup has \d+/);
    expect(r.stdout).toMatch(/✖ invoice chain of [0-9a-f-]{36}: \d+ documents, backup has \d+/);
    expect(r.stdout).toContain("NOT VERIFIED: 2 difference(s)");
    expect(await scratchDatabases()).toEqual([]);
  });

  it("refuses (exit 2) a damaged dump without leaving a scratch database", async () => {
    const dir = copyOfBackup("verify-edited-hash");
    rewriteManifest(dir, (m) => {
      m.dump.sha256 = "f".repeat(64);
    });
    const r = await opsScript("verify-backup", [dir], stack.dbUrl);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Refusing");
    expect(await scratchDatabases()).toEqual([]);
  });
});

/**
 * npm run restore — a backup into a named database.
 *
 *   npm run restore -- <backup dir> --target-db terrain_restored
 *   npm run restore -- <backup dir> --target-db terrain_restored --replace   drop that database first
 *   npm run restore -- <backup dir> --target-db postgres --force-over-live   replace the live database
 *   TERRAIN_DB_URL=postgresql://…/postgres npm run restore -- …              another server
 *
 * Refused before anything is touched: a dump whose SHA-256 or size is not
 * the manifest's, a dump pg_restore cannot read, a server of another major
 * version, the live database (the one in the URL, or pg_cron's
 * cron.database_name) without --force-over-live, an existing database
 * without --replace.
 *
 * Order (docs/operations.md):
 *   1. create the database from template0
 *   2. the compat layer's roles and `extensions` schema (supabase/compat),
 *      except files that create a schema the archive holds (the auth
 *      stand-in: its tables come back from the archive, rows included)
 *   3. outside the cron database: the pg_cron stand-in tables
 *      (cron-stand-in.sql) instead of the extension, which cannot exist there
 *   4. pg_restore in one transaction, stopping at the first error
 *   5. the whole compat layer again (idempotent: converges what the archive
 *      does not carry, e.g. role passwords on a new cluster)
 *   6. the source database's own settings (`alter database … set`,
 *      `alter role … in database … set`, e.g. PostgREST's pre-request hook)
 *   7. rows (and row checksums) compared with the manifest
 *   8. into the cron database: the server is restarted so that pg_cron's
 *      scheduler attaches to the new database and runs the restored jobs.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { loadConfig, type Profile } from "../stack/config.ts";
import { SUPABASE_DIR } from "../stack/db/migrate.ts";
import { clusterState, restartCluster } from "../stack/db/postgres.ts";
import { databaseUrl } from "../docs/generated-file.ts";
import { captureState, compareStates } from "./database-state.ts";
import { BackupRefusedError, checkBackup, type Manifest } from "./manifest.ts";
import { assertSameMajor, databaseNameOf, databaseUrlFor, every, ident, pgTool, withDatabase } from "./postgres-tools.ts";

const CRON_STAND_IN = join(import.meta.dirname, "cron-stand-in.sql");

export interface RestoreOptions {
  backupDir: string;
  /** A connection to the server (its database is the live one). */
  dbUrl: string;
  targetDb: string;
  forceOverLive?: boolean;
  /** Drop an existing (not live) target database first. */
  replace?: boolean;
  /**
   * Restarts the server; called after the cron database was recreated. Without
   * it the restore says that a restart is needed for the jobs to run again.
   */
  restartServer?: () => Promise<void>;
  /** Compare the restored rows with the manifest (default true; verify-backup compares everything itself). */
  compare?: boolean;
  say?: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  targetDb: string;
  /** True when restored into pg_cron's database: the jobs run again. */
  cronScheduled: boolean;
  differences: string[];
  seconds: number;
}

/** Settings whose value is a list written unquoted (as pg_dump's makeAlterConfigCommand treats them). */
const LIST_SETTINGS = new Set(["search_path", "temp_tablespaces", "session_preload_libraries", "shared_preload_libraries", "local_preload_libraries"]);

export function alterDatabaseSetting(database: string, role: string | null, setting: string): string {
  const eq = setting.indexOf("=");
  const name = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`Unexpected setting name in the manifest: ${name}`);
  const literal = LIST_SETTINGS.has(name) ? value : `'${value.replace(/'/g, "''")}'`;
  return role === null
    ? `alter database ${ident(database)} set ${name} = ${literal}`
    : `alter role ${ident(role)} in database ${ident(database)} set ${name} = ${literal}`;
}

/** Schemas a compat file creates (`create schema [if not exists] x`). */
function schemasCreatedBy(sql: string): string[] {
  return [...sql.matchAll(/create\s+schema\s+(?:if\s+not\s+exists\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?/gi)].map((m) => m[1]!);
}

async function applySqlFiles(url: string, files: string[]): Promise<void> {
  await withDatabase(url, async (c) => {
    for (const f of files) {
      await c.query("begin");
      try {
        await c.query(readFileSync(f, "utf8"));
        await c.query("commit");
      } catch (err) {
        await c.query("rollback");
        throw new Error(`${f}: ${(err as Error).message}`);
      }
    }
  });
}

function compatFiles(): string[] {
  const dir = join(SUPABASE_DIR, "compat");
  return readdirSync(dir).filter((f) => f.endsWith(".sql")).sort().map((f) => join(dir, f));
}

/** `pg_restore --list` lines: a schema's creation … */
const SCHEMA_TOC_ENTRY = /^\d+; \d+ \d+ SCHEMA - (\S+) \S+$/;
/** … and pg_cron's own entries, which cannot be restored outside its database (the stand-in takes the rest). */
const PG_CRON_TOC_ENTRY = /^\d+; \d+ \d+ (EXTENSION - pg_cron |COMMENT - EXTENSION pg_cron |ACL cron FUNCTION )/;

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = performance.now();
  const say = opts.say ?? (() => {});
  const { targetDb } = opts;
  if (!targetDb) throw new BackupRefusedError("Name the database to restore into: --target-db <name>.");
  const checked = await checkBackup(opts.backupDir, opts.dbUrl);
  const { manifest } = checked;
  say(`• ${opts.backupDir}: dump matches its manifest (SHA-256 ${manifest.dump.sha256.slice(0, 16)}…, taken ${manifest.createdAt})`);

  const liveDb = databaseNameOf(opts.dbUrl);
  const adminUrl = databaseUrlFor(opts.dbUrl, targetDb === "template1" ? "postgres" : "template1");
  const targetUrl = databaseUrlFor(opts.dbUrl, targetDb);
  const cronDb = await withDatabase(adminUrl, async (c) => {
    await assertSameMajor(c);
    const { rows } = await c.query<{ cron: string | null; exists: boolean }>(
      `select current_setting('cron.database_name', true) as cron,
              exists (select from pg_catalog.pg_database where datname = $1) as exists`,
      [targetDb],
    );
    const cron = rows[0]!.cron;
    const live = targetDb === liveDb || targetDb === cron;
    if (live && !opts.forceOverLive) {
      throw new BackupRefusedError(
        `Refusing to restore over ${targetDb}: it is the live database${targetDb === cron ? " (pg_cron's cron.database_name)" : ""}. ` +
          `Restore into another --target-db, or pass --force-over-live to replace it.`,
      );
    }
    if (rows[0]!.exists && !live && !opts.replace) {
      throw new BackupRefusedError(`Database ${targetDb} already exists: pass --replace to drop it first, or choose another --target-db.`);
    }
    if (rows[0]!.exists) {
      say(`• Dropping ${targetDb}${live ? " (live, --force-over-live)" : " (--replace)"}`);
      await c.query(`drop database ${ident(targetDb)} with (force)`);
    }
    await c.query(`create database ${ident(targetDb)} template template0`);
    return cron;
  });
  const intoCronDb = targetDb === cronDb;
  const isLive = targetDb === liveDb || intoCronDb;

  const work = mkdtempSync(join(tmpdir(), "terrain-restore-"));
  try {
    const compat = compatFiles();
    const before = compat.filter((f) => !schemasCreatedBy(readFileSync(f, "utf8")).some((s) => manifest.schemas.includes(s)));
    await applySqlFiles(targetUrl, before);
    say(`• Compat layer before the restore: ${before.map((f) => f.split("/").pop()).join(", ")}`);

    // A schema the new database already has (public, from template0) is not created twice.
    const existing = await withDatabase(targetUrl, async (c) =>
      (await c.query<{ nspname: string }>("select nspname from pg_catalog.pg_namespace")).rows.map((r) => r.nspname),
    );
    let toc = checked.toc
      .split("\n")
      .filter((line) => !existing.includes(SCHEMA_TOC_ENTRY.exec(line)?.[1] ?? ""))
      .join("\n");
    if (!intoCronDb && manifest.extensions.some((e) => e.name === "pg_cron")) {
      await applySqlFiles(targetUrl, [CRON_STAND_IN]);
      toc = toc.split("\n").filter((line) => !PG_CRON_TOC_ENTRY.test(line)).join("\n");
      say(`• ${targetDb} is not pg_cron's database (${cronDb ?? "none"}): cron jobs restored as rows of a stand-in, not scheduled`);
    }
    const list = join(work, "restore.list");
    writeFileSync(list, toc);
    const tRestore = performance.now();
    say(`• pg_restore into ${targetDb}…`);
    const stopReporting = every(5000, async () => {
      const size = await withDatabase(adminUrl, (c) => c.query<{ b: string }>("select pg_catalog.pg_database_size($1) as b", [targetDb]));
      say(`  ${targetDb}: ${(Number(size.rows[0]!.b) / 1024 / 1024).toFixed(0)} MiB (${((performance.now() - tRestore) / 1000).toFixed(0)}s)`);
    });
    try {
      await pgTool(
        "pg_restore",
        ["--exit-on-error", "--single-transaction", "--no-password", `--dbname=${targetDb}`, `--use-list=${list}`, checked.dumpPath],
        targetUrl,
      );
    } finally {
      stopReporting();
    }
    say(`  restored in ${((performance.now() - tRestore) / 1000).toFixed(1)}s`);

    await applySqlFiles(targetUrl, compat);
    await withDatabase(targetUrl, async (c) => {
      for (const { role, settings } of manifest.databaseSettings) {
        for (const s of settings) await c.query(alterDatabaseSetting(targetDb, role, s));
      }
      // PostgREST (when it serves this database) reloads its schema cache and in-database config.
      await c.query("notify pgrst, 'reload schema'");
      await c.query("notify pgrst, 'reload config'");
    });
    say(`• Compat layer re-applied; ${manifest.databaseSettings.reduce((n, s) => n + s.settings.length, 0)} database settings restored`);

    let differences: string[] = [];
    if (opts.compare ?? true) {
      const tables = Object.keys(manifest.state.tables);
      const checksums = Object.values(manifest.state.tables).some((t) => t.checksum !== undefined);
      const actual = await withDatabase(targetUrl, (c) => captureState(c, { tables, checksums }));
      differences = compareStates({ ...manifest.state, healthChecks: [], invoiceChains: {} }, actual);
      for (const d of differences) say(`✖ ${d}`);
      if (differences.length === 0) say(`• ${tables.length} tables match the manifest (rows${checksums ? " and row checksums" : ""})`);
    }

    if (intoCronDb) {
      if (opts.restartServer) {
        say("• Restarting the server so that pg_cron's scheduler runs in the restored database");
        await opts.restartServer();
      } else {
        say("! Restart the PostgreSQL server: pg_cron's scheduler attaches to its database only at server start.");
      }
    }
    return { manifest, targetDb, cronScheduled: intoCronDb, differences, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    // A half-restored copy must not pass for a restored one. The live database
    // is left as it is (empty or partial): restore it again from a good backup.
    if (!isLive) {
      await withDatabase(adminUrl, (c) => c.query(`drop database if exists ${ident(targetDb)} with (force)`)).catch(() => undefined);
    }
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * When `dbUrl` is this checkout's local cluster (the profile's port on
 * 127.0.0.1 and its cluster running), the restore may restart it.
 */
export function localRestart(dbUrl: string): (() => Promise<void>) | undefined {
  const profile = (process.env.TERRAIN_PROFILE as Profile | undefined) ?? "dev";
  const cfg = loadConfig(profile);
  const u = new URL(dbUrl);
  if (u.hostname !== "127.0.0.1" || Number(u.port) !== cfg.ports.db || !clusterState(cfg).running) return undefined;
  return () => restartCluster(cfg);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "target-db": { type: "string" },
      "force-over-live": { type: "boolean", default: false },
      replace: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new BackupRefusedError("Usage: npm run restore -- <backup dir> --target-db <name> [--replace] [--force-over-live]");
  const dbUrl = databaseUrl();
  const result = await restoreBackup({
    backupDir: resolve(positionals[0]!),
    dbUrl,
    targetDb: values["target-db"] ?? "",
    forceOverLive: values["force-over-live"],
    replace: values.replace,
    restartServer: localRestart(dbUrl),
    say: console.log,
  });
  if (result.differences.length) {
    console.log(`✖ Restored into ${result.targetDb} with ${result.differences.length} difference(s) from the manifest.`);
    return 1;
  }
  console.log(`✔ Restored into ${result.targetDb} in ${result.seconds.toFixed(1)}s${result.cronScheduled ? "; cron jobs scheduled" : ""}.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`restore: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(err instanceof BackupRefusedError ? 2 : 1);
    },
  );
}

/**
 * npm run backup — a verified, portable dump of the database.
 *
 *   npm run backup                                  the dev stack's database into <state dir>/backups
 *   npm run backup -- --out /srv/backups            another backup directory
 *   npm run backup -- --keep-daily 7 --keep-weekly 4   retention (these are the defaults)
 *   npm run backup -- --no-checksums                row counts only (faster on a large database)
 *   TERRAIN_DB_URL=postgresql://… npm run backup    another database
 *
 * Writes <out>/terrain-<database>-<UTC time>/ with database.dump (pg_dump,
 * custom format: every schema but the catalogs and the platform's
 * `extensions`, the extensions to recreate, pg_cron's jobs) and
 * manifest.json (see manifest.ts). The facts in the manifest are read in
 * the very snapshot pg_dump dumps (pg_export_snapshot), so writes that land
 * during the backup are in neither. The directory is written as
 * `<name>.partial` and renamed when complete: a backup cut short never looks
 * like a backup. Then older backups beyond the retention are deleted.
 * docs/operations.md says how to schedule it and what it adds to Supabase's own backups.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { loadConfig } from "../stack/config.ts";
import { databaseUrl } from "../docs/generated-file.ts";
import { backedUpSchemas, backedUpTables, captureState, installedExtensions } from "./database-state.ts";
import { DUMP_FILE, MANIFEST_FILE, MANIFEST_FORMAT, readManifest, sha256File, type Manifest } from "./manifest.ts";
import { assertSameMajor, databaseNameOf, every, pgTool, pgToolVersion, redactUrl } from "./postgres-tools.ts";
import { backupsToKeep, DEFAULT_RETENTION, type RetentionPolicy } from "./retention.ts";

export interface BackupOptions {
  dbUrl: string;
  /** Directory that holds the backups (one sub-directory each). */
  outDir: string;
  checksums?: boolean;
  retention?: RetentionPolicy;
  say?: (line: string) => void;
}

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  deleted: string[];
}

export const BACKUP_NAME = /^terrain-.+-\d{8}T\d{6}(\d{3})?Z$/;

export function defaultBackupDir(): string {
  return join(loadConfig("dev").stateDir, "backups");
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.(\d{3})Z$/, "$1Z");
}

function seconds(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)}s`;
}

export async function createBackup({ dbUrl, outDir, checksums = true, retention = DEFAULT_RETENTION, say = () => {} }: BackupOptions): Promise<BackupResult> {
  const t0 = performance.now();
  const createdAt = new Date();
  const database = databaseNameOf(dbUrl);
  const name = `terrain-${database.replace(/[^A-Za-z0-9_-]/g, "_")}-${stamp(createdAt)}`;
  mkdirSync(outDir, { recursive: true });
  const dir = join(outDir, name);
  const partial = `${dir}.partial`;
  if (existsSync(dir) || existsSync(partial)) throw new Error(`${dir} already exists.`);
  mkdirSync(partial);

  // This connection holds the snapshot open until pg_dump has read it.
  const client = new pg.Client({ connectionString: dbUrl, application_name: "terrain-backup" });
  await client.connect();
  try {
    const server = await assertSameMajor(client);
    await client.query("begin isolation level repeatable read read only");
    const { rows: snap } = await client.query<{ id: string }>("select pg_catalog.pg_export_snapshot() as id");
    const schemas = await backedUpSchemas(client);
    const extensions = await installedExtensions(client);
    const tables = await backedUpTables(client, schemas);
    const { rows: cron } = await client.query<{ db: string | null }>("select current_setting('cron.database_name', true) as db");
    const { rows: settings } = await client.query<{ role: string | null; settings: string[] }>(
      `select r.rolname as role, s.setconfig as settings
         from pg_catalog.pg_db_role_setting s
         left join pg_catalog.pg_roles r on r.oid = s.setrole
        where s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
        order by r.rolname nulls first`,
    );
    say(`• Snapshot ${snap[0]!.id} of ${redactUrl(dbUrl)} (PostgreSQL ${server})`);
    say(`• Dumping ${schemas.length} schemas (${schemas.join(", ")}) and ${extensions.length} extensions…`);

    const dumpPath = join(partial, DUMP_FILE);
    const tDump = performance.now();
    const dumping = pgTool(
      "pg_dump",
      [
        "--format=custom",
        `--snapshot=${snap[0]!.id}`,
        `--file=${dumpPath}`,
        ...schemas.map((s) => `--schema=${s}`),
        ...extensions.map((e) => `--extension=${e.name}`),
      ],
      dbUrl,
    ).then(() => say(`  dump written in ${seconds(tDump)}`));
    // Awaited below; a pg_dump that fails while the rows are counted must not be an unhandled rejection meanwhile.
    dumping.catch(() => undefined);
    const stopReporting = every(5000, () => {
      if (existsSync(dumpPath)) say(`  dump: ${(statSync(dumpPath).size / 1024 / 1024).toFixed(0)} MiB written (${seconds(tDump)})`);
    });
    void dumping.finally(stopReporting).catch(() => undefined);

    // Counted in the same snapshot while pg_dump reads it.
    const tState = performance.now();
    let lastShown = 0;
    const state = await captureState(client, {
      tables,
      checksums,
      onTable: (table, done, total) => {
        if (done === total || performance.now() - lastShown > 2000) {
          lastShown = performance.now();
          say(`  ${checksums ? "rows and checksums" : "rows"}: ${done}/${total} tables (${table})`);
        }
      },
    });
    say(`  ${Object.keys(state.tables).length} tables, ${state.migrations.length} migrations, ${state.cronJobs.length} cron jobs, ` +
      `${state.healthChecks.length} health checks, ${Object.keys(state.invoiceChains).length} invoice chains read in ${seconds(tState)}`);
    await dumping;
    await client.query("commit");

    const tHash = performance.now();
    const bytes = statSync(dumpPath).size;
    const sha256 = await sha256File(dumpPath);
    say(`• SHA-256 ${sha256} (${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${seconds(tHash)}`);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      createdAt: createdAt.toISOString(),
      durationSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
      source: { url: redactUrl(dbUrl), database, cronDatabase: cron[0]!.db },
      postgres: { server, pgDump: await pgToolVersion("pg_dump") },
      dump: { file: DUMP_FILE, format: "custom", bytes, sha256 },
      schemas,
      extensions,
      databaseSettings: settings,
      state,
    };
    writeFileSync(join(partial, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
    renameSync(partial, dir);
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
  const manifest = readManifest(dir);
  say(`• Backup complete in ${seconds(t0)}: ${dir}`);
  const deleted = pruneBackups(outDir, retention);
  for (const d of deleted) say(`• Retention (${retention.daily} daily, ${retention.weekly} weekly): deleted ${d}`);
  return { dir, manifest, deleted };
}

/**
 * Deletes the complete backups of `outDir` that the policy does not keep.
 * Only directories named like a backup and holding a readable manifest are
 * considered; anything else in the directory is left alone.
 */
export function pruneBackups(outDir: string, policy: RetentionPolicy): string[] {
  const entries = readdirSync(outDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && BACKUP_NAME.test(e.name))
    .flatMap((e) => {
      try {
        return [{ name: e.name, createdAt: new Date(readManifest(join(outDir, e.name)).createdAt) }];
      } catch {
        return [];
      }
    });
  const keep = backupsToKeep(entries, policy);
  const deleted = entries.filter((e) => !keep.has(e.name)).map((e) => join(outDir, e.name));
  for (const d of deleted) rmSync(d, { recursive: true, force: true });
  return deleted;
}

function count(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number ≥ 0 (got ${raw})`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      "keep-daily": { type: "string" },
      "keep-weekly": { type: "string" },
      "no-checksums": { type: "boolean", default: false },
    },
    strict: true,
  });
  const retention = {
    daily: count("--keep-daily", values["keep-daily"], DEFAULT_RETENTION.daily),
    weekly: count("--keep-weekly", values["keep-weekly"], DEFAULT_RETENTION.weekly),
  };
  const outDir = resolve(values.out ?? defaultBackupDir());
  const result = await createBackup({ dbUrl: databaseUrl(), outDir, checksums: !values["no-checksums"], retention, say: console.log });
  console.log(result.dir);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`backup: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

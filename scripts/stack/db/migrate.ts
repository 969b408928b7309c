/**
 * Compat layer, migrations and seed — the local equivalent of
 * `supabase db reset` / `supabase migration up`.
 *
 * Migrations are recorded exactly where and how the Supabase CLI records them
 * (`supabase_migrations.schema_migrations(version, statements, name)`), so a
 * database migrated here and one migrated by `supabase db push` agree. The
 * CLI keeps no checksum; ours live beside it in
 * `supabase_migrations.local_migration_checksums` so that an applied file
 * that was edited afterwards is refused instead of silently diverging.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import pg from "pg";
import { parse as parseToml } from "smol-toml";
import { ROOT, type StackConfig } from "../config.ts";
import { restartCluster } from "./postgres.ts";

export const SUPABASE_DIR = join(ROOT, "supabase");
export const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;

export interface MigrationFile {
  version: string;
  name: string;
  path: string;
  sql: string;
  sha256: string;
}

export function listMigrations(dir = join(SUPABASE_DIR, "migrations")): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((f) => {
      const m = MIGRATION_FILE.exec(f);
      if (!m) throw new Error(`Migration file name ${f} does not match <timestamp>_<name>.sql`);
      const sql = readFileSync(join(dir, f), "utf8");
      return { version: m[1]!, name: m[2]!, path: join(dir, f), sql, sha256: sha256(sql) };
    })
    .sort((a, b) => (a.version.length - b.version.length) || a.version.localeCompare(b.version));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Turn a Postgres error on a file into a message that names the file and line. */
export function describeSqlError(err: unknown, file: string, sql: string): Error {
  const e = err as pg.DatabaseError;
  let where = "";
  if (e.position) {
    const offset = Number(e.position) - 1;
    where = `:${sql.slice(0, offset).split("\n").length}`;
  } else if (e.where) {
    where = ` (${e.where.split("\n")[0]})`;
  }
  const detail = [e.detail && `DETAIL: ${e.detail}`, e.hint && `HINT: ${e.hint}`].filter(Boolean).join("\n");
  // The driver's error stays the cause: callers branch on its SQLSTATE (a deadlock is retried).
  return new Error(`${basename(file)}${where}: ${e.message}${e.code ? ` [SQLSTATE ${e.code}]` : ""}${detail ? "\n" + detail : ""}`, { cause: err });
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "terrain-migrate" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** PostgreSQL's deadlock_detected: the transaction was aborted whole; running it again is safe. */
export const DEADLOCK_DETECTED = "40P01";

/** The SQLSTATE of a driver error, or of the driver error a described error wraps. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Run one SQL file in its own transaction. A migration's DDL can deadlock with a
 * pg_cron job reading the same tables in another order (docs/conventions.md §
 * Reversible migrations): PostgreSQL then aborts one of the two whole, so the file
 * is run again, up to `deadlockAttempts` times in all.
 */
async function runFileInTransaction(client: pg.Client, path: string, sql: string, after?: () => Promise<void>, deadlockAttempts = 3) {
  for (let attempt = 1; ; attempt++) {
    await client.query("begin");
    try {
      await client.query(sql);
      if (after) await after();
      await client.query("commit");
      return;
    } catch (err) {
      await client.query("rollback");
      if (sqlState(err) === DEADLOCK_DETECTED && attempt < deadlockAttempts) {
        // The job that took part has finished by then, most likely.
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        continue;
      }
      throw describeSqlError(err, path, sql);
    }
  }
}

export async function applyCompat(cfg: StackConfig): Promise<string[]> {
  const dir = join(SUPABASE_DIR, "compat");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  await withClient(cfg.dbUrl, async (c) => {
    for (const f of files) await runFileInTransaction(c, join(dir, f), readFileSync(join(dir, f), "utf8"));
  });
  return files;
}

const HISTORY_DDL = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
  alter table supabase_migrations.schema_migrations add column if not exists statements text[];
  alter table supabase_migrations.schema_migrations add column if not exists name text;
  create table if not exists supabase_migrations.local_migration_checksums (
    version    text primary key references supabase_migrations.schema_migrations (version) on delete cascade,
    sha256     text not null,
    applied_at timestamptz not null default now()
  );
  comment on table supabase_migrations.local_migration_checksums is
    'SHA-256 of each migration file as applied by the local runner; an edited applied file is refused.';
`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationDriftError extends Error {}

/**
 * What to tell the developer when the database's migration history and
 * supabase/migrations disagree. An edited applied file is a mistake to undo; a
 * vanished one usually means the history was rewritten (the migrations were
 * squashed into baselines, or later ones folded into them: see
 * supabase/README.md), and a local database migrated with the old files
 * cannot move forward: it has to be reset. Files changed while others
 * vanished are part of that rewrite, not an edit to restore.
 */
export function driftMessage(changed: { file: string; applied: string; onDisk: string }[], missing: string[]): string {
  const lines = missing.length
    ? changed.length
      ? [
          `${changed.map((c) => c.file).join(" and ")} changed after ${changed.length > 1 ? "they were" : "it was"} applied, ` +
            `while applied migrations vanished: the history was rewritten.`,
        ]
      : []
    : changed.map(
        (c) =>
          `${c.file} was changed after it was applied (applied sha256 ${c.applied.slice(0, 12)}…, file ${c.onDisk.slice(0, 12)}…). ` +
          `Applied migrations are immutable: restore the file and write a new migration.`,
      );
  if (missing.length > 3) {
    const sorted = [...missing].sort();
    lines.push(
      `${missing.length} migrations applied in the database are missing from supabase/migrations (${sorted[0]} … ${sorted[sorted.length - 1]}).`,
    );
  } else {
    for (const v of missing) lines.push(`Migration ${v} is applied in the database but missing from supabase/migrations.`);
  }
  if (missing.length) {
    lines.push(
      "This database was migrated with files that no longer exist (the history was rewritten, e.g. squashed into baselines or folded into them: see supabase/README.md).",
      "It cannot be migrated forward. Run `npm run db:reset` to recreate the local database from supabase/migrations and the seed (its data is lost).",
    );
  }
  return lines.join("\n");
}

export async function migrate(cfg: StackConfig, files = listMigrations(), opts: { deadlockAttempts?: number } = {}): Promise<MigrateResult> {
  return withClient(cfg.dbUrl, async (c) => {
    // Serialise concurrent runners (two `npm start`s, a test and a start).
    await c.query("select pg_advisory_lock(hashtext('terrain:migrations'))");
    await c.query(HISTORY_DDL);
    const { rows } = await c.query<{ version: string; sha256: string | null }>(
      `select m.version, k.sha256
         from supabase_migrations.schema_migrations m
         left join supabase_migrations.local_migration_checksums k using (version)`,
    );
    const applied = new Map(rows.map((r) => [r.version, r.sha256]));
    const onDisk = new Set(files.map((f) => f.version));

    // Check everything before changing anything.
    const changed: { file: string; applied: string; onDisk: string }[] = [];
    for (const f of files) {
      const stored = applied.get(f.version);
      if (stored && stored !== f.sha256) changed.push({ file: basename(f.path), applied: stored, onDisk: f.sha256 });
    }
    const missing = [...applied.keys()].filter((v) => !onDisk.has(v));
    if (changed.length || missing.length) throw new MigrationDriftError(driftMessage(changed, missing));

    const pending = files.filter((f) => !applied.has(f.version));
    for (const f of pending) {
      await runFileInTransaction(c, f.path, f.sql, async () => {
        await c.query(
          "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
          [f.version, [f.sql], f.name],
        );
        await c.query("insert into supabase_migrations.local_migration_checksums (version, sha256) values ($1, $2)", [
          f.version,
          f.sha256,
        ]);
      }, opts.deadlockAttempts);
    }
    // PostgREST listens on this channel and reloads its schema cache and in-database config.
    await c.query("notify pgrst, 'reload schema'");
    await c.query("notify pgrst, 'reload config'");
    return { applied: pending.map((f) => basename(f.path)), alreadyApplied: files.length - pending.length };
  });
}

/** Seed files as `[db.seed] sql_paths` in config.toml says (default ./seed.sql), relative to supabase/. */
export function seedFiles(): string[] {
  const configPath = join(SUPABASE_DIR, "config.toml");
  let paths = ["./seed.sql"];
  if (existsSync(configPath)) {
    const toml = parseToml(readFileSync(configPath, "utf8")) as { db?: { seed?: { enabled?: boolean; sql_paths?: string[] } } };
    if (toml.db?.seed?.enabled === false) return [];
    if (toml.db?.seed?.sql_paths) paths = toml.db.seed.sql_paths;
  }
  // Like the CLI: each entry is a path or a glob on file names (`./seeds/*.sql`), expanded in name order.
  return paths.flatMap((p) => {
    const full = join(SUPABASE_DIR, p);
    const name = basename(full);
    if (!name.includes("*")) return existsSync(full) ? [full] : [];
    const dir = dirname(full);
    if (!existsSync(dir)) return [];
    const pattern = new RegExp("^" + name.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
    return readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => join(dir, f));
  });
}

export async function seed(cfg: StackConfig): Promise<string[]> {
  const files = seedFiles();
  await withClient(cfg.dbUrl, async (c) => {
    for (const f of files) await runFileInTransaction(c, f, readFileSync(f, "utf8"));
  });
  return files.map((f) => basename(f));
}

/** True when the database has never been migrated (fresh cluster or wiped database). */
export async function isEmpty(cfg: StackConfig): Promise<boolean> {
  return withClient(cfg.dbUrl, async (c) => {
    const { rows } = await c.query("select to_regclass('supabase_migrations.schema_migrations') is null as empty");
    return rows[0].empty as boolean;
  });
}

/**
 * Drops and recreates the database (the first step of `db reset`). The cluster
 * is restarted afterwards so that pg_cron, whose scheduler is bound to this
 * database at server start, runs against the new one.
 */
export async function recreateDatabase(cfg: StackConfig): Promise<void> {
  await withClient(cfg.maintenanceDbUrl, async (c) => {
    // WITH (FORCE) ends every session on it, PostgREST's pool included (it reconnects).
    await c.query("drop database if exists postgres with (force)");
    await c.query("create database postgres");
  });
  await restartCluster(cfg);
}

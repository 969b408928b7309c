/**
 * `npm run db:rollback -- [n] [--force]`: undo the last n applied migrations
 * (default 1), newest first, each with its down file
 * `supabase/rollbacks/<version>_<name>.down.sql` (docs/conventions.md §
 * Reversible migrations).
 *
 *   npm run db:rollback                 undo the newest applied migration (dev stack)
 *   npm run db:rollback -- 3            undo the three newest, newest first
 *   npm run db:rollback -- 3 --force    … even when that drops tables or columns holding rows
 *   TERRAIN_DB_URL=… npm run db:rollback   another database
 *
 * Each down file runs together with the runner's bookkeeping: its row in
 * supabase_migrations.schema_migrations is deleted (the local checksum row
 * goes with it, `on delete cascade`), so a later `db:migrate` applies the
 * migration again.
 *
 * How the tool knows what a down file would destroy: it does not parse SQL.
 * It runs every down file of the request first as a DRY RUN, in one
 * transaction that is rolled back: before each file it lists the tables and
 * columns of the database (by oid and attribute number, outside the system
 * schemas), runs the file, and lists them again: whatever the SQL (drop schema
 * … cascade, drop extension, alter table … drop column), the catalog says what
 * went. The rows of what went are copied aside, then the down file AND its
 * migration run again (still inside the dry run): rows the migration itself
 * seeds (a catalogue of attachment types, error codes) come back identical and
 * are not data; every other row of a dropped table, and every non-null value
 * of a dropped column, is. When any would be lost the tool refuses before
 * changing anything and prints tables and columns with their row counts;
 * `--force` proceeds.
 *
 * The down files of one request then run in ONE transaction, with the
 * history rows: a rollback of n migrations is all or nothing, never left
 * half-way. On a live database other transactions (pg_cron's jobs above all:
 * the alert checks and the notification signal run every minute) lock the
 * same tables in their own order, so a down file can meet one in a deadlock
 * (SQLSTATE 40P01); PostgreSQL then aborts one of the two transactions whole.
 * When that is the rollback's, nothing of it was committed, and the tool runs
 * the whole plan again (dry run included) after a pause of 1 s, then 2 s: the
 * job that took part has finished by then. Three deadlocks in a row are
 * reported, with nothing changed (pause the jobs, then run it again). Taking
 * every lock up front instead would need the list of relations each down file
 * touches before running it (`drop schema … cascade`, `drop extension` and
 * function bodies name none), and a LOCK of several tables can itself
 * deadlock with a job that holds one of them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { databaseUrl } from "../docs/generated-file.ts";
import { DEADLOCK_DETECTED, SUPABASE_DIR, describeSqlError, listMigrations, sqlState, type MigrationFile } from "../stack/db/migrate.ts";

export const ROLLBACKS_DIR = join(SUPABASE_DIR, "rollbacks");

/** `20261201000000_extensions_and_schemas.sql` → `20261201000000_extensions_and_schemas.down.sql`. */
export function downFileName(migrationFile: string): string {
  return migrationFile.replace(/\.sql$/, ".down.sql");
}

export interface DownFile {
  version: string;
  /** The migration's file name, e.g. `20261201000000_extensions_and_schemas.sql`. */
  migration: string;
  path: string;
  sql: string;
  /** The migration itself: the dry run re-applies it to tell seeded rows from data. */
  upPath: string;
  upSql: string;
}

/** Something a down file would drop that holds data. */
export interface DataLoss {
  migration: string;
  /** `schema.table`, or `schema.table.column` for a dropped column of a table that stays. */
  object: string;
  kind: "table" | "column";
  /** Rows of the table, or rows where the column is not null. */
  rows: number;
}

export class RollbackRefusedError extends Error {
  constructor(
    message: string,
    readonly losses: DataLoss[] = [],
  ) {
    super(message);
  }
}

export interface RollbackOptions {
  /** How many of the newest applied migrations to undo (default 1). */
  count?: number;
  /** Proceed even when tables or columns holding rows would be dropped. */
  force?: boolean;
  migrationsDir?: string;
  rollbacksDir?: string;
  /** How many times the plan runs when a concurrent transaction deadlocks it (default 3). */
  deadlockAttempts?: number;
}

export interface RollbackResult {
  /** Migration files undone, newest first. */
  rolledBack: string[];
  /** What was dropped with data in it (only non-empty with force). */
  losses: DataLoss[];
}

interface Column {
  table: string;
  relid: number;
  attnum: number;
  name: string;
}

/**
 * pg_cron's run log: it fills by itself every minute and says what ran, not
 * what the business holds; dropping pg_cron (the first migration's down file)
 * may drop it without asking. cron.job itself is checked: a job scheduled by
 * hand outside the migrations would be lost.
 */
const RUN_LOGS = ["cron.job_run_details"];

/** Every table (ordinary or partitioned) and column outside the system schemas, pg_cron's run log aside. */
async function userColumns(c: pg.Client): Promise<{ tables: Map<number, string>; columns: Column[] }> {
  const { rows } = await c.query<{ relid: number; tbl: string; attnum: number | null; attname: string | null }>(`
    select cl.oid::int as relid,
           pg_catalog.format('%I.%I', n.nspname, cl.relname) as tbl,
           a.attnum::int as attnum, pg_catalog.quote_ident(a.attname) as attname
      from pg_catalog.pg_class cl
      join pg_catalog.pg_namespace n on n.oid = cl.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = cl.oid and a.attnum > 0 and not a.attisdropped
     where cl.relkind in ('r', 'p')
       and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')
       and n.nspname not like 'pg_temp%'
       and pg_catalog.format('%I.%I', n.nspname, cl.relname) <> all ($1)`, [RUN_LOGS]);
  const tables = new Map<number, string>();
  const columns: Column[] = [];
  for (const r of rows) {
    tables.set(r.relid, r.tbl);
    if (r.attnum !== null) columns.push({ table: r.tbl, relid: r.relid, attnum: r.attnum, name: r.attname! });
  }
  return { tables, columns };
}


async function runFile(c: pg.Client, path: string, sql: string): Promise<void> {
  try {
    await c.query(sql);
  } catch (err) {
    throw describeSqlError(err, path, sql);
  }
}

/**
 * What the down file drops that holds data its migration would not put back,
 * measured on the database `c` is connected to, inside the caller's
 * transaction (the caller rolls the whole dry run back). Leaves the effects of
 * the down file in that transaction, for the next file of the plan.
 */
async function measureLosses(c: pg.Client, down: DownFile, index: number): Promise<DataLoss[]> {
  await c.query("savepoint before_down");
  const before = await userColumns(c);
  await runFile(c, down.path, down.sql);
  const after = await userColumns(c);
  const keptColumns = new Set(after.columns.map((col) => `${col.relid}:${col.attnum}`));
  const droppedTables = [...before.tables].filter(([relid]) => !after.tables.has(relid)).map(([, table]) => table);
  const droppedColumns = before.columns.filter((col) => after.tables.has(col.relid) && !keptColumns.has(`${col.relid}:${col.attnum}`));
  if (!droppedTables.length && !droppedColumns.length) return [];

  // Back to the state before the file ran: keep a copy of every row that
  // would go (whole rows, as jsonb, in temporary tables that outlive the
  // savepoints), then run the down file AND the migration again. A row the
  // migration itself seeds (a catalogue of types, an error code) comes back
  // identical and is no loss; any other row is counted.
  await c.query("rollback to savepoint before_down");
  const doomed = [
    ...droppedTables.map((table) => ({ kind: "table" as const, table, object: table, filter: "true" })),
    ...droppedColumns.map((col) => ({ kind: "column" as const, table: col.table, object: `${col.table}.${col.name}`, filter: `t.${col.name} is not null` })),
  ];
  const copies: string[] = [];
  for (const [i, d] of doomed.entries()) {
    const copy = `pg_temp.rollback_rows_${index}_${i}`;
    await c.query(`create temporary table rollback_rows_${index}_${i} on commit drop as select pg_catalog.to_jsonb(t) as r from ${d.table} t where ${d.filter}`);
    copies.push(copy);
  }
  await c.query("savepoint before_down");
  await runFile(c, down.path, down.sql);
  // The migration may not apply again over the rows that stay (a check it
  // adds that they no longer meet): then nothing is known to come back, and
  // every row counts.
  let reapplied = true;
  await c.query("savepoint before_up");
  try {
    await c.query(down.upSql);
  } catch (err) {
    // A deadlock is no verdict on the migration: the whole plan is retried.
    if (sqlState(err) === DEADLOCK_DETECTED) throw err;
    reapplied = false;
    await c.query("rollback to savepoint before_up");
  }
  const losses: DataLoss[] = [];
  for (const [i, d] of doomed.entries()) {
    const exists = reapplied && (await c.query("select pg_catalog.to_regclass($1) is not null as ok", [d.table])).rows[0].ok;
    const { rows } = await c.query<{ n: string }>(
      exists
        ? `select count(*) as n from ${copies[i]} o where not exists (select from ${d.table} t where pg_catalog.to_jsonb(t) = o.r)`
        : `select count(*) as n from ${copies[i]}`,
    );
    const n = Number(rows[0]!.n);
    if (n > 0) losses.push({ migration: down.migration, object: d.object, kind: d.kind, rows: n });
  }
  await c.query("rollback to savepoint before_down");
  await runFile(c, down.path, down.sql);
  return losses;
}

export function describeLosses(losses: DataLoss[]): string {
  return losses
    .map((l) => `  ${l.migration}: drops ${l.kind} ${l.object} (${l.rows} ${l.rows === 1 ? "row" : "rows"}${l.kind === "column" ? " with a value" : ""})`)
    .join("\n");
}

/** The newest `count` applied migrations and their down files, newest first; refuses when one is missing. */
async function plan(c: pg.Client, count: number, migrations: MigrationFile[], rollbacksDir: string): Promise<DownFile[]> {
  const { rows } = await c.query<{ version: string; sha256: string | null }>(
    `select m.version, k.sha256
       from supabase_migrations.schema_migrations m
       left join supabase_migrations.local_migration_checksums k using (version)
      order by length(m.version) desc, m.version desc
      limit $1`,
    [count],
  );
  if (rows.length < count) {
    throw new RollbackRefusedError(`Asked to roll back ${count} migrations, but only ${rows.length} ${rows.length === 1 ? "is" : "are"} applied. Nothing was changed.`);
  }
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const problems: string[] = [];
  const downs: DownFile[] = [];
  for (const r of rows) {
    const m = byVersion.get(r.version);
    if (!m) {
      problems.push(`Migration ${r.version} is applied but missing from supabase/migrations: its down file cannot be matched.`);
      continue;
    }
    const file = `${m.version}_${m.name}.sql`;
    if (r.sha256 && r.sha256 !== m.sha256) {
      problems.push(`${file} was changed after it was applied: its down file undoes the file on disk, not what was applied.`);
    }
    const path = join(rollbacksDir, downFileName(file));
    if (!existsSync(path)) {
      problems.push(`${file} has no down file (expected supabase/rollbacks/${downFileName(file)}).`);
      continue;
    }
    downs.push({ version: m.version, migration: file, path, sql: readFileSync(path, "utf8"), upPath: m.path, upSql: m.sql });
  }
  if (problems.length) throw new RollbackRefusedError(`${problems.join("\n")}\nNothing was changed.`);
  return downs;
}

export async function rollback(dbUrl: string, options: RollbackOptions = {}): Promise<RollbackResult> {
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RollbackRefusedError(`The number of migrations to roll back must be a whole number ≥ 1 (got ${count}).`);
  const migrations = listMigrations(options.migrationsDir);
  const c = new pg.Client({ connectionString: dbUrl, application_name: "terrain-rollback" });
  await c.connect();
  try {
    // The same lock as the migrations runner: never undo while another applies.
    await c.query("select pg_advisory_lock(hashtext('terrain:migrations'))");
    const hasHistory = (await c.query("select to_regclass('supabase_migrations.schema_migrations') is not null as ok")).rows[0].ok;
    if (!hasHistory) throw new RollbackRefusedError("This database has no migration history (supabase_migrations.schema_migrations): nothing to roll back.");
    const downs = await plan(c, count, migrations, options.rollbacksDir ?? ROLLBACKS_DIR);
    const attempts = options.deadlockAttempts ?? 3;
    let result: RollbackResult | undefined;
    for (let attempt = 1; !result; attempt++) {
      try {
        result = await runPlan(c, downs, options.force ?? false);
      } catch (err) {
        if (sqlState(err) !== DEADLOCK_DETECTED) throw err;
        if (attempt >= attempts) {
          throw new RollbackRefusedError(
            `The rollback deadlocked with concurrent transactions (pg_cron jobs?) ${attempts === 1 ? "once" : `${attempts} times in a row`}: nothing was changed. ` +
              `Pause the jobs (cron.alter_job(jobid, active := false)) and run it again.\n  ${errorMessage(err)}`,
          );
        }
        console.warn(`db:rollback: a concurrent transaction deadlocked the rollback, which changed nothing; running it again.\n  ${errorMessage(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
    // PostgREST reloads its schema cache and in-database config, as after a migration.
    await c.query("notify pgrst, 'reload schema'");
    await c.query("notify pgrst, 'reload config'");
    return result;
  } finally {
    await c.end();
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

/**
 * The dry run, then the down files and their history rows in one transaction.
 * Throws a deadlock (40P01) as it came, with nothing committed.
 */
async function runPlan(c: pg.Client, downs: DownFile[], force: boolean): Promise<RollbackResult> {
  // Dry run of the whole request in one transaction, rolled back.
  const losses: DataLoss[] = [];
  await c.query("begin");
  try {
    for (const [index, down] of downs.entries()) {
      losses.push(...(await measureLosses(c, down, index)));
    }
  } finally {
    await c.query("rollback");
  }
  if (losses.length && !force) {
    throw new RollbackRefusedError(
      `Rolling back would drop data:\n${describeLosses(losses)}\nNothing was changed. Run again with --force to drop it.`,
      losses,
    );
  }

  await c.query("begin");
  try {
    for (const down of downs) {
      await runFile(c, down.path, down.sql);
      await c.query("delete from supabase_migrations.schema_migrations where version = $1", [down.version]);
    }
    await c.query("commit");
  } catch (err) {
    await c.query("rollback");
    throw err;
  }
  return { rolledBack: downs.map((d) => d.migration), losses };
}

export function parseArgs(argv: string[]): { count: number; force: boolean } {
  let count = 1;
  let force = false;
  for (const arg of argv) {
    if (arg === "--force") force = true;
    else if (/^[0-9]+$/.test(arg) && Number(arg) >= 1) count = Number(arg);
    else throw new RollbackRefusedError(`usage: npm run db:rollback -- [n ≥ 1] [--force] (unexpected argument ${JSON.stringify(arg)})`);
  }
  return { count, force };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = await rollback(databaseUrl(), parseArgs(process.argv.slice(2)));
    for (const l of result.losses) console.log(`Dropped ${l.kind} ${l.object} (${l.rows} rows), as forced.`);
    console.log(`Rolled back: ${result.rolledBack.join(", ")}`);
  } catch (e) {
    console.error(`✖ ${e instanceof Error ? e.message : String(e)}`);
    process.exit(e instanceof RollbackRefusedError ? 1 : 2);
  }
}

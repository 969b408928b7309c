/**
 * The facts a backup records about its database, and the comparison that
 * tells whether a restored database is the one that was backed up:
 *
 *   tables         rows per table and, unless skipped, a checksum of the rows:
 *                  md5 over the sorted md5 of every row's text, so two tables
 *                  with the same rows in any physical order agree, and one
 *                  changed value anywhere does not
 *   migrations     supabase_migrations.schema_migrations (version, name)
 *   cronJobs       pg_cron's jobs (name, schedule, command, database, user, active)
 *   healthChecks   ops.health_checks('daily' | 'weekly'): name, ok, count
 *   invoiceChains  public.verify_invoice_chain(org) for every organization
 *
 * Backups read all of it inside the snapshot pg_dump dumps (see backup.ts),
 * so the numbers describe exactly the rows in the archive.
 */
import type pg from "pg";

export interface TableState {
  rows: number;
  checksum?: string;
}

export interface HealthCheckState {
  name: string;
  period: string;
  ok: boolean;
  count: number;
}

export interface CronJobState {
  jobname: string | null;
  schedule: string;
  command: string;
  database: string;
  username: string;
  active: boolean;
}

export interface DatabaseState {
  tables: Record<string, TableState>;
  migrations: { version: string; name: string | null }[];
  cronJobs: CronJobState[];
  healthChecks: HealthCheckState[];
  invoiceChains: Record<string, { ok: boolean; checked: number; reason: string | null }>;
}

/**
 * The schemas a backup holds: every schema of the database except the
 * catalogs, schemas an extension creates (`cron`: it comes back with its
 * extension) and `extensions`, which belongs to the platform as on Supabase
 * (the compat layer creates it locally; the archive still names the
 * extensions to create in it).
 */
export async function backedUpSchemas(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `select n.nspname
       from pg_catalog.pg_namespace n
      where n.nspname !~ '^pg_' and n.nspname not in ('information_schema', 'extensions')
        and not exists (select from pg_catalog.pg_depend d
                         where d.classid = 'pg_catalog.pg_namespace'::regclass and d.objid = n.oid and d.deptype = 'e')
      order by 1`,
  );
  return rows.map((r) => r.nspname);
}

/** Extensions to recreate (plpgsql is in every database). */
export async function installedExtensions(client: pg.Client): Promise<{ name: string; schema: string; version: string }[]> {
  const { rows } = await client.query<{ name: string; schema: string; version: string }>(
    `select e.extname as name, n.nspname as schema, e.extversion as version
       from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
      where e.extname <> 'plpgsql' order by 1`,
  );
  return rows;
}

/**
 * Tables whose rows the archive holds: ordinary tables of the backed-up
 * schemas, plus the configuration tables extensions ask pg_dump to keep
 * (pg_cron's cron.job and cron.job_run_details).
 */
export async function backedUpTables(client: pg.Client, schemas: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select pg_catalog.format('%I.%I', n.nspname, c.relname) as name
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r'
        and (n.nspname = any ($1::text[])
             or c.oid in (select unnest(e.extconfig) from pg_catalog.pg_extension e))
      order by n.nspname, c.relname`,
    [schemas],
  );
  return rows.map((r) => r.name);
}

async function exists(client: pg.Client, regclassOrProc: string, kind: "regclass" | "regprocedure"): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(`select pg_catalog.to_${kind}($1) is not null as found`, [regclassOrProc]);
  return rows[0]!.found;
}

export interface CaptureOptions {
  tables: string[];
  checksums: boolean;
  /** Called after each table, for progress on screen. */
  onTable?: (name: string, done: number, total: number) => void;
}

export async function captureState(client: pg.Client, { tables, checksums, onTable }: CaptureOptions): Promise<DatabaseState> {
  const state: DatabaseState = { tables: {}, migrations: [], cronJobs: [], healthChecks: [], invoiceChains: {} };
  let done = 0;
  for (const table of tables) {
    // `table` comes from the catalog (format('%I.%I')) or a manifest written from it; to_regclass refuses anything else.
    if (!(await exists(client, table, "regclass"))) {
      done++;
      continue;
    }
    const { rows } = await client.query<{ rows: string; checksum: string | null }>(
      checksums
        ? `select count(*) as rows,
                  md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) as checksum
             from only ${table} as t`
        : `select count(*) as rows, null as checksum from only ${table}`,
    );
    state.tables[table] = { rows: Number(rows[0]!.rows), ...(checksums ? { checksum: rows[0]!.checksum! } : {}) };
    onTable?.(table, ++done, tables.length);
  }
  if (await exists(client, "supabase_migrations.schema_migrations", "regclass")) {
    const { rows } = await client.query<{ version: string; name: string | null }>(
      "select version, name from supabase_migrations.schema_migrations order by version",
    );
    state.migrations = rows;
  }
  if (await exists(client, "cron.job", "regclass")) {
    const { rows } = await client.query<CronJobState>(
      "select jobname, schedule, command, database, username, active from cron.job order by jobname, schedule, command",
    );
    state.cronJobs = rows;
  }
  if (await exists(client, "ops.health_checks(text)", "regprocedure")) {
    for (const period of ["daily", "weekly"]) {
      const { rows } = await client.query<{ name: string; period: string; ok: boolean; count: string }>(
        "select name, period, ok, count from ops.health_checks($1)",
        [period],
      );
      state.healthChecks.push(...rows.map((r) => ({ ...r, count: Number(r.count) })));
    }
  }
  if (await exists(client, "public.verify_invoice_chain(uuid)", "regprocedure")) {
    const { rows } = await client.query<{ org_id: string; ok: boolean; checked: string; reason: string | null }>(
      `select o.id as org_id, v.ok, v.checked, v.reason
         from public.organizations o cross join lateral public.verify_invoice_chain(o.id) v
        order by o.id`,
    );
    for (const r of rows) state.invoiceChains[r.org_id] = { ok: r.ok, checked: Number(r.checked), reason: r.reason };
  }
  return state;
}

/**
 * Every way `actual` differs from `expected`, one line each (empty: identical).
 * A broken invoice chain in `actual` is a difference even when it was already
 * broken in `expected`: a verified backup must hold a verifiable ledger.
 */
export function compareStates(expected: DatabaseState, actual: DatabaseState): string[] {
  const diffs: string[] = [];
  for (const [table, want] of Object.entries(expected.tables)) {
    const got = actual.tables[table];
    if (!got) diffs.push(`table ${table}: missing`);
    else if (got.rows !== want.rows) diffs.push(`table ${table}: ${got.rows} rows, backup has ${want.rows}`);
    else if (want.checksum !== undefined && got.checksum !== want.checksum) diffs.push(`table ${table}: same row count, different rows (checksum)`);
  }
  const versions = (s: DatabaseState) => s.migrations.map((m) => m.version).join(",");
  if (versions(expected) !== versions(actual)) {
    diffs.push(`migrations: ${actual.migrations.length} applied, backup has ${expected.migrations.length}`);
  }
  const jobs = (s: DatabaseState) => s.cronJobs.map((j) => JSON.stringify(j)).sort();
  const wantJobs = jobs(expected);
  const gotJobs = new Set(jobs(actual));
  for (const j of wantJobs) if (!gotJobs.has(j)) diffs.push(`cron job missing or changed: ${j}`);
  if (gotJobs.size !== wantJobs.length) diffs.push(`cron jobs: ${gotJobs.size}, backup has ${wantJobs.length}`);
  for (const want of expected.healthChecks) {
    const got = actual.healthChecks.find((c) => c.name === want.name && c.period === want.period);
    if (!got) diffs.push(`health check ${want.name}: missing`);
    else if (got.ok !== want.ok || got.count !== want.count) {
      diffs.push(`health check ${want.name}: ${got.ok ? "OK" : "FAIL"} (${got.count}), backup had ${want.ok ? "OK" : "FAIL"} (${want.count})`);
    }
  }
  for (const [org, want] of Object.entries(expected.invoiceChains)) {
    const got = actual.invoiceChains[org];
    if (!got) diffs.push(`invoice chain of ${org}: organization missing`);
    else if (!got.ok) diffs.push(`invoice chain of ${org}: broken (${got.reason ?? "no reason given"})`);
    else if (got.checked !== want.checked) diffs.push(`invoice chain of ${org}: ${got.checked} documents, backup has ${want.checked}`);
  }
  return diffs;
}

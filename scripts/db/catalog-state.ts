/**
 * The state of a database as the reversible-migrations tooling compares it.
 *
 * `catalogSnapshot` is the NORMALISED text two databases must share to be the
 * same schema: `pg_dump --schema-only` of the whole database (every schema,
 * extensions, grants, policies, triggers, comments), the data of every table
 * (COPY rows sorted, so a row deleted and re-inserted compares equal;
 * timestamps masked, see maskTimestamps), and the
 * pg_cron jobs by name. Left out: the runner's own bookkeeping
 * (supabase_migrations) and pg_cron's tables (job ids and run history are
 * counters, not schema). The rollback test compares these snapshots before a
 * migration and after its down file (scripts/db/rollback.test.ts).
 */
import { pgBin } from "../stack/db/postgres.ts";
import { runAsync } from "../stack/proc.ts";
import pg from "pg";
import { cronJobs, normaliseDump } from "./schema.ts";

/**
 * Seeded rows carry the time they were written (`default now()`): two applies
 * of the same migration differ there and nowhere else. Timestamps with a time
 * zone in the data are compared as `<timestamptz>`.
 */
export function maskTimestamps(dump: string): string {
  return dump.replace(/\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+00\b/g, "<timestamptz>");
}

/** Sorts the rows inside every COPY block of a pg_dump data dump. */
export function sortCopyBlocks(dump: string): string {
  const out: string[] = [];
  let block: string[] | null = null;
  for (const line of dump.split("\n")) {
    if (block) {
      if (line === "\\.") {
        out.push(...block.sort(), line);
        block = null;
      } else {
        block.push(line);
      }
    } else {
      out.push(line);
      if (/^COPY .* FROM stdin;$/.test(line)) block = [];
    }
  }
  return out.join("\n");
}

async function pgDump(dbUrl: string, args: string[]): Promise<string> {
  const r = await runAsync(pgBin("pg_dump"), [...args, dbUrl]);
  if (r.code !== 0) throw new Error(`pg_dump failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export async function catalogSnapshot(dbUrl: string): Promise<string> {
  const schema = await pgDump(dbUrl, ["--schema-only", "--exclude-schema=supabase_migrations"]);
  const data = await pgDump(dbUrl, [
    "--data-only",
    "--exclude-schema=supabase_migrations",
    "--exclude-table-data=cron.*",
  ]);
  return [
    "-- schema",
    normaliseDump(schema),
    "-- data",
    normaliseDump(sortCopyBlocks(maskTimestamps(data))),
    "-- pg_cron jobs",
    (await hasCron(dbUrl)) ? await cronJobs(dbUrl) : "(no pg_cron)",
  ].join("\n\n");
}

/** pg_cron is created by the first migration: before it (or after its down file) there is no cron.job. */
async function hasCron(dbUrl: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query("select to_regclass('cron.job') is not null as ok")).rows[0].ok as boolean;
  } finally {
    await c.end();
  }
}

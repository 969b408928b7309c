/**
 * What the backup commands need from PostgreSQL's client side: the client
 * binaries of the server's major version (a pg_dump older than the server
 * refuses to dump it; a newer one writes archives an older pg_restore cannot
 * read), connection strings for another database of the same server, and the
 * environment that hands the password to pg_dump / pg_restore without putting
 * it on a command line.
 */
import pg from "pg";
import { PG_MAJOR, pgBin } from "../stack/db/postgres.ts";
import { runAsync, type RunResult } from "../stack/proc.ts";

export { withDatabase } from "../docs/generated-file.ts";

/** The same server, another database. */
export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

/** The URL without its password, for messages and the manifest. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

/** libpq environment for a URL: the password never appears in `ps`. */
export function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username || "postgres"),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: databaseNameOf(url),
  };
}

/** The server's major version must be the client binaries' (PG_MAJOR). */
export async function assertSameMajor(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ num: string; version: string }>(
    "select current_setting('server_version_num') as num, current_setting('server_version') as version",
  );
  const major = Math.floor(Number(rows[0]!.num) / 10_000);
  if (major !== PG_MAJOR) {
    throw new Error(
      `The server runs PostgreSQL ${rows[0]!.version} but the client tools here are PostgreSQL ${PG_MAJOR}: ` +
        `use pg_dump/pg_restore of major ${major}.`,
    );
  }
  return rows[0]!.version;
}

/** Run pg_dump / pg_restore / … of PG_MAJOR against `url`; throws with stderr on failure. */
export async function pgTool(name: "pg_dump" | "pg_restore", args: string[], url: string): Promise<RunResult> {
  const r = await runAsync(pgBin(name), args, { env: libpqEnv(url) });
  if (r.code !== 0) throw new Error(`${name} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`);
  return r;
}

export function pgToolVersion(name: "pg_dump" | "pg_restore"): Promise<string> {
  return runAsync(pgBin(name), ["--version"]).then((r) => r.stdout.trim());
}

/** Quote an identifier for SQL built in TypeScript (database names only). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Calls `report` every `ms` until the returned function is called: progress of a long step. */
export function every(ms: number, report: () => void | Promise<void>): () => void {
  const timer = setInterval(() => void Promise.resolve(report()).catch(() => undefined), ms);
  return () => clearInterval(timer);
}

/**
 * npm run health — the operator health checks (ops.health_checks) from a shell.
 *
 *   TERRAIN_DB_URL=postgresql://… npm run health
 *
 * Connects to TERRAIN_DB_URL, or the dev stack's database by default, prints
 * the daily then the weekly checks as one aligned table (name, period,
 * OK/FAIL, count, details shortened) and exits:
 *   0  every check passes
 *   1  at least one check fails
 *   2  the database cannot be reached (or the checks cannot run)
 */
import { pathToFileURL } from "node:url";
import pg from "pg";
import { loadConfig } from "./stack/config.ts";

export interface HealthRow {
  name: string;
  period: string;
  ok: boolean;
  count: number | string;
  details: unknown;
}

export const DETAILS_WIDTH = 80;

/** One line of text, at most `width` characters (an ellipsis marks the cut). */
export function shorten(text: string, width = DETAILS_WIDTH): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/** The details column: compact JSON, shortened; empty for `{}`/null. */
export function formatDetails(details: unknown): string {
  if (details === null || details === undefined) return "";
  const text = typeof details === "string" ? details : JSON.stringify(details);
  return text === "{}" ? "" : shorten(text);
}

/** Rows as an aligned table with a header; daily checks first, then weekly, each in the given order. */
export function formatTable(rows: readonly HealthRow[]): string {
  const order = (period: string) => (period === "daily" ? 0 : period === "weekly" ? 1 : 2);
  const sorted = [...rows].sort((a, b) => order(a.period) - order(b.period));
  const header = ["CHECK", "PERIOD", "STATUS", "COUNT", "DETAILS"];
  const cells = sorted.map((r) => [
    r.name,
    r.period,
    r.ok ? "OK" : "FAIL",
    String(r.count),
    formatDetails(r.details),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 3 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/** 0 when every check passes, 1 otherwise. */
export function exitCodeFor(rows: readonly HealthRow[]): 0 | 1 {
  return rows.every((r) => r.ok) ? 0 : 1;
}

/** "3 of 11 checks fail: a, b, c" or "all 11 checks pass". */
export function summaryLine(rows: readonly HealthRow[]): string {
  const failing = rows.filter((r) => !r.ok).map((r) => r.name);
  return failing.length === 0
    ? `all ${rows.length} checks pass`
    : `${failing.length} of ${rows.length} checks fail: ${failing.join(", ")}`;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

async function main(): Promise<number> {
  const url = process.env.TERRAIN_DB_URL || loadConfig("dev").dbUrl;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    console.error(
      `health: cannot reach the database at ${redactUrl(url)}: ${(error as Error).message}\n` +
        "Start the stack (npm run start) or set TERRAIN_DB_URL.",
    );
    return 2;
  }
  try {
    const rows: HealthRow[] = [];
    for (const period of ["daily", "weekly"]) {
      const res = await client.query<HealthRow>(
        "select name, period, ok, count, details from ops.health_checks($1)",
        [period],
      );
      rows.push(...res.rows);
    }
    console.log(formatTable(rows));
    console.log(`\n${summaryLine(rows)}`);
    return exitCodeFor(rows);
  } catch (error) {
    console.error(`health: the checks could not run: ${(error as Error).message}`);
    return 2;
  } finally {
    await client.end().catch(() => {});
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}

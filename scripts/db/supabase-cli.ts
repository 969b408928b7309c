/**
 * The real Supabase CLI (npm `supabase`, pinned) against a database by URL —
 * the commands that need no Docker: `db lint`, `inspect db …`, `migration list`,
 * `db push`. Points them at the dev stack's database unless TERRAIN_DB_URL
 * names another one (a hosted project's connection string, say).
 *
 *   npm run db:lint                       supabase db lint (plpgsql_check), fails on errors
 *   npm run db:inspect -- outliers        supabase inspect db outliers (also: locks, bloat,
 *                                         index-usage, long-running-queries, table-stats, …)
 *   npm run supabase -- migration list    any command that takes --db-url
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../stack/config.ts";
import { databaseUrl } from "../docs/generated-file.ts";

export const SUPABASE_CLI = join(ROOT, "node_modules", ".bin", "supabase");

/** The schemas this project owns (those of supabase/schema.sql). */
export const PROJECT_SCHEMAS = "public,private,audit,ops";

/**
 * The CLI treats any URL but its own local port (54322) as a remote database
 * and insists on TLS, which a loopback cluster does not offer: say so in the URL
 * for loopback hosts (a hosted project's URL is left as given).
 */
export function cliDbUrl(dbUrl: string): string {
  const url = new URL(dbUrl);
  if (["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) && !url.searchParams.has("sslmode")) {
    url.searchParams.set("sslmode", "disable");
  }
  return url.toString();
}

/** The argument list for one CLI call: the command words, then --db-url, then the caller's flags. */
export function cliArgs(command: string[], dbUrl: string, extra: string[] = []): string[] {
  return [...command, "--db-url", cliDbUrl(dbUrl), ...extra];
}

const PRESETS: Record<string, string[]> = {
  // The project's schemas (as supabase/schema.sql): extensions' own functions (pgTAP's,
  // installed by the test runner) are not ours to lint and do not pass plpgsql_check.
  lint: ["db", "lint", "--schema", PROJECT_SCHEMAS, "--level", "warning", "--fail-on", "error"],
  inspect: ["inspect", "db"],
};

function main() {
  const [preset, ...rest] = process.argv.slice(2);
  if (!preset) {
    console.error("usage: tsx scripts/db/supabase-cli.ts lint|inspect <report>|run <command words…>");
    process.exit(2);
  }
  const command = preset === "run" ? rest : [...(PRESETS[preset] ?? []), ...rest];
  if (preset !== "run" && !PRESETS[preset]) {
    console.error(`unknown preset ${preset}: lint, inspect or run`);
    process.exit(2);
  }
  const r = spawnSync(SUPABASE_CLI, cliArgs(command, databaseUrl()), { cwd: ROOT, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

if (import.meta.url === `file://${process.argv[1]}`) main();

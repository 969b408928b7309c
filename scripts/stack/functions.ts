/**
 * Supervises the local edge-functions runtime: one Deno process
 * (scripts/stack/functions-main.ts) serving every edge-functions/<slug>.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT, type StackConfig } from "./config.ts";
import type { ApiKeys } from "./keys.ts";
import { run, spawnLogged, waitFor } from "./proc.ts";

export function denoBinary(): string {
  // The npm package `deno` ships the real binary next to its package.json.
  const require = createRequire(import.meta.url);
  return join(require.resolve("deno/package.json"), "..", "deno");
}

export function denoVersion(): string {
  return run(denoBinary(), ["--version"]).stdout.split("\n")[0]!.trim();
}

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * Permissions of the runtime: network (database, outside services), env
 * (postgres.js reads PG*; .env values are set), and reading the functions'
 * code only — packages in Deno's cache need no read permission. --no-prompt
 * turns a missing permission into an error instead of a hung prompt.
 */
export const denoPermissions = () => ["--no-prompt", "--allow-net", "--allow-env", `--allow-read=${join(ROOT, "edge-functions")}`];

export async function startFunctions(cfg: StackConfig, keys: ApiKeys): Promise<ChildProcess> {
  const log = join(cfg.logDir, "functions.log");
  const child = spawnLogged(
    denoBinary(),
    // --config: the functions are their own Deno project (their import map, npm packages in
    // Deno's cache), not the Node workspace around them.
    ["run", "--config", join(ROOT, "edge-functions", "deno.json"), ...denoPermissions(), join(ROOT, "scripts/stack/functions-main.ts")],
    log,
    {
      cwd: ROOT,
      // A minimal environment, as functions get in production — not the developer's shell.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
        DENO_NO_UPDATE_CHECK: "1",
        FUNCTIONS_PORT: String(cfg.ports.functions),
        FUNCTIONS_DIR: join(ROOT, "edge-functions"),
        SUPABASE_URL: cfg.apiUrl,
        SUPABASE_ANON_KEY: keys.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
        SUPABASE_DB_URL: cfg.dbUrl,
        TERRAIN_VERSION: appVersion(),
        NO_COLOR: "1",
      },
    },
  );
  await waitFor(
    "Edge functions runtime",
    async () => (await fetch(`http://127.0.0.1:${cfg.ports.functions}/_internal/health`)).ok,
    // The first start downloads the functions' npm dependencies into Deno's cache.
    { timeoutMs: 120_000, logFile: log, child },
  );
  return child;
}

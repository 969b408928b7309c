/**
 * Install step for the Deno side: resolves and caches, in Deno's cache
 * (DENO_DIR), every dependency of the edge functions, of the local functions
 * runtime and of their Deno tests — with the user's certificate and proxy
 * settings (deno-env.ts). Run by scripts/ensure-system.sh, i.e. by `npm start`
 * and `npm test`, before anything is served.
 *
 * The runtime then starts with `--cached-only` (supervisor.ts): like a deployed
 * function, it never downloads at boot, and a missing package is a boot error
 * that names the function, not a silent download that may fail behind a proxy.
 *
 * `--frozen`: edge-functions/deno.lock is the record of what the functions run;
 * installing must not rewrite it (a changed import map fails here, loudly).
 *
 *   npx tsx scripts/stack/functions/deno-deps.ts      (a no-op when everything is cached)
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../config.ts";
import { denoNetworkEnv } from "./deno-env.ts";
import { denoBinary } from "./supervisor.ts";
import { run } from "../proc.ts";

export const FUNCTIONS_DIR = join(ROOT, "edge-functions");
export const DENO_CONFIG = join(FUNCTIONS_DIR, "deno.json");

/** Every module Deno will load: functions, shared code, the runtime (_main) and their tests. */
export function denoEntryPoints(dir = FUNCTIONS_DIR): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const folder = join(dir, entry);
    if (!statSync(folder).isDirectory()) continue;
    for (const file of readdirSync(folder).sort()) {
      if (file.endsWith(".ts")) files.push(join(folder, file));
    }
  }
  return files;
}

export function cacheDenoDependencies(): { seconds: number } {
  const started = performance.now();
  const r = run(
    denoBinary(),
    ["install", "--frozen", "--config", DENO_CONFIG, "--entrypoint", ...denoEntryPoints().map((f) => relative(ROOT, f))],
    { cwd: ROOT, env: { ...process.env, ...denoNetworkEnv(process.env), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } },
  );
  if (r.code !== 0) {
    const hint = /certificate|UnknownIssuer/i.test(r.stderr)
      ? "\n  HTTPS seems to go through a proxy with its own CA: set DENO_CERT=<CA bundle> (or NODE_EXTRA_CA_CERTS, which is passed to Deno as DENO_CERT)."
      : "";
    throw new Error(`Could not cache the edge functions' dependencies (deno install):\n${(r.stderr || r.stdout).trim()}${hint}`);
  }
  return { seconds: (performance.now() - started) / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    cacheDenoDependencies();
  } catch (err) {
    console.error(`✖ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

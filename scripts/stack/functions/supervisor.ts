/**
 * Supervises the local edge-functions runtime: one Deno process
 * (edge-functions/_main/index.ts) serving every edge-functions/<slug>.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, type StackConfig } from "../config.ts";
import { MAX_BODY_BYTES } from "../http.ts";
import type { ApiKeys } from "../keys.ts";
import { denoNetworkEnv } from "./deno-env.ts";
import { localSecrets } from "./local-secrets.ts";
import { smtpUrl } from "../mail/maildev.ts";
import { run, spawnLogged, stopChild, waitFor } from "../proc.ts";
import type { VapidKeys } from "./vapid.ts";

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
 * code — packages in Deno's cache need no read permission — and the temporary
 * directory, which hosted functions may use too (their ephemeral /tmp):
 * invoice-pdf's Factur-X library resolves it when it loads. --no-prompt
 * turns a missing permission into an error instead of a hung prompt.
 */
export const denoPermissions = () => [
  "--no-prompt",
  "--allow-net",
  "--allow-env",
  `--allow-read=${join(ROOT, "edge-functions")},${tmpdir()}`,
];

/** What the runtime's /_internal/health reports about the functions it loaded. */
export interface RuntimeStatus {
  ok: boolean;
  functions: string[];
  failed: string[];
  /** Function name → why it could not boot. */
  boot_errors: Record<string, string>;
}

/** The runtime's own status endpoint (never exposed by the gateway). */
export const runtimeStatusUrl = (cfg: StackConfig) => `http://127.0.0.1:${cfg.ports.functions}/_internal/health`;

/**
 * The runtime's command line. --cached-only: every package was cached by the
 * install step (deno-deps.ts); the runtime never downloads, as deployed
 * functions never do, so a missing package is a clear boot error.
 * --config: the functions are their own Deno project (their import map, npm
 * packages in Deno's cache), not the Node workspace around them.
 */
export function functionsRuntimeArgs(): string[] {
  return [
    "run",
    "--cached-only",
    "--config",
    join(ROOT, "edge-functions", "deno.json"),
    ...denoPermissions(),
    join(ROOT, "edge-functions", "_main", "index.ts"),
  ];
}

/**
 * A minimal environment, as functions get in production — not the developer's
 * shell — plus what Deno needs to reach the network as the user does
 * (certificate authorities, proxies: deno-env.ts), since functions call
 * outside services.
 */
export function functionsRuntimeEnv(
  cfg: StackConfig,
  keys: ApiKeys,
  parent: NodeJS.ProcessEnv = process.env,
  vapid?: VapidKeys,
): Record<string, string> {
  return {
    PATH: parent.PATH ?? "/usr/bin:/bin",
    HOME: parent.HOME ?? "/tmp",
    ...(parent.DENO_DIR ? { DENO_DIR: parent.DENO_DIR } : {}),
    ...denoNetworkEnv(parent),
    DENO_NO_UPDATE_CHECK: "1",
    FUNCTIONS_PORT: String(cfg.ports.functions),
    FUNCTIONS_DIR: join(ROOT, "edge-functions"),
    FUNCTIONS_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    SUPABASE_URL: cfg.apiUrl,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_DB_URL: cfg.dbUrl,
    TERRAIN_VERSION: appVersion(),
    // Local only: lets the health function report functions that failed to boot.
    TERRAIN_RUNTIME_STATUS_URL: runtimeStatusUrl(cfg),
    // Local only: send-email delivers to the stack's mail catcher unless
    // edge-functions/.env sets RESEND_API_KEY; the webhook secret is generated
    // into the state directory (local-secrets.ts).
    SMTP_URL: smtpUrl(cfg),
    ...localSecrets(cfg),
    // The push function's secrets (vapid.ts); without them only `push` fails to boot.
    ...(vapid ? { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: vapid.subject } : {}),
    NO_COLOR: "1",
  };
}

/** One line per function that failed to boot, naming it and its error. */
export function describeBootFailures(status: RuntimeStatus): string[] {
  return status.failed.map((name) => `edge function "${name}" failed to boot: ${status.boot_errors[name] ?? "(no error reported)"}`);
}

export interface StartFunctionsOptions {
  /** Where the user's environment comes from (default: this process's). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Where the boot failures are announced (default: stderr). */
  warn?: (line: string) => void;
  /** The Web Push key pair handed to the `push` function. */
  vapid?: VapidKeys;
}

/**
 * Starts the runtime and waits until it listens. Functions that failed to boot
 * are announced loudly; when none boots, the runtime is stopped and this
 * throws (with every function's error), so `npm start` does not say "ready".
 */
export async function startFunctions(cfg: StackConfig, keys: ApiKeys, opts: StartFunctionsOptions = {}): Promise<{ child: ChildProcess; status: RuntimeStatus }> {
  const log = join(cfg.logDir, "functions.log");
  const warn = opts.warn ?? ((line: string) => console.error(line));
  const child = spawnLogged(denoBinary(), functionsRuntimeArgs(), log, {
    cwd: ROOT,
    env: functionsRuntimeEnv(cfg, keys, opts.parentEnv ?? process.env, opts.vapid),
  });
  let status: RuntimeStatus | undefined;
  await waitFor(
    "Edge functions runtime",
    async () => {
      const res = await fetch(runtimeStatusUrl(cfg));
      if (res.ok) status = (await res.json()) as RuntimeStatus;
      return res.ok;
    },
    { timeoutMs: 60_000, logFile: log, child },
  );
  const failures = describeBootFailures(status!);
  if (failures.length > 0 && failures.length === status!.functions.length) {
    await stopChild(child);
    throw new Error(`No edge function could boot (log: ${log}):\n  ${failures.join("\n  ")}`);
  }
  for (const line of failures) warn(`✖ ${line}`);
  return { child, status: status! };
}

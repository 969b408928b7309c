/**
 * `npm start`, `npm run stop|status|db:*` — the local stack's command line.
 *
 *   start            bring everything up in the foreground; Ctrl+C stops it all
 *   stop             stop a running stack (or a cluster left running)
 *   status           what is running, on which ports
 *   db start|stop|status|reset|migrate
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { LOCAL_DEV_DEMO_PASSWORD, ROOT, loadConfig, type StackConfig } from "./config.ts";
import { denoVersion } from "./functions/supervisor.ts";
import { apiKeys } from "./keys.ts";
import { ensureDatabase } from "./db/ensure.ts";
import { applyCompat } from "./db/migrate.ts";
import { clusterExists, clusterState, initCluster, serverVersion, startCluster, stopCluster } from "./db/postgres.ts";
import { postgrestVersion } from "./db/postgrest.ts";
import { isPidAlive, portInUse, run, sleep } from "./proc.ts";
import { bringUp, runningSupervisor } from "./stack.ts";
import { precompressDir } from "./gateway/precompress.ts";
import { maildevUrl } from "./mail/maildev.ts";
import { staleWebBuildInputs } from "./web-build.ts";

/** Build the PWA when web/dist is missing or older than anything it is built from (web-build.ts). */
function buildWebIfStale() {
  const web = join(ROOT, "web");
  if (!existsSync(join(web, "src"))) return;
  const stale = staleWebBuildInputs(ROOT);
  if (stale.length === 0) return;
  console.log(`• Building the web app (web/dist; changed: ${stale.join(", ")})…`);
  const r = run("npm", ["run", "build", "-w", "web"], { cwd: ROOT, stdio: "inherit" });
  if (r.code !== 0) throw new Error("The web app failed to build (npm run build -w web).");
  // Part of the build: the brotli/gzip twins the gateway serves (see precompress.ts).
  precompressDir(join(web, "dist"));
}

async function demoLogins(cfg: StackConfig): Promise<string[]> {
  const client = new pg.Client({ connectionString: cfg.dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string; label: string | null }>(
      `select email, raw_user_meta_data ->> 'demo_label' as label
         from auth.users
        where raw_user_meta_data ? 'demo_label'
        order by raw_user_meta_data ->> 'demo_label'`,
    );
    return rows.map((r) => `    ${r.email.padEnd(36)} ${r.label ?? ""}`);
  } finally {
    await client.end();
  }
}

async function start() {
  const cfg = loadConfig("dev");
  const running = runningSupervisor(cfg);
  if (running) {
    console.log(`Terrain is already running (supervisor pid ${running.pid}, since ${running.startedAt}) at ${running.apiUrl}.`);
    console.log("Nothing was changed. Stop it with Ctrl+C in its terminal or `npm run stop`.");
    return;
  }
  const t0 = performance.now();
  buildWebIfStale();
  const stack = await bringUp(cfg);
  const logins = await demoLogins(cfg);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`
Terrain local stack is up (${seconds}s) — LOCAL DEVELOPMENT DEFAULTS, not for production.

  App            ${cfg.apiUrl}/
  API (SUPABASE_URL)  ${cfg.apiUrl}        REST ${cfg.apiUrl}/rest/v1   Auth ${cfg.apiUrl}/auth/v1   Functions ${cfg.apiUrl}/functions/v1
  Database       ${cfg.dbUrl}
  Mail catcher   ${maildevUrl(cfg)}   (every email sent locally lands here; SMTP 127.0.0.1:${cfg.ports.mailSmtp})
  JWT secret     ${cfg.jwtSecret}
  anon key       ${stack.keys.anonKey}
  service_role   ${stack.keys.serviceRoleKey}
  Logs           ${cfg.logDir}

  Demo logins (password for all: ${LOCAL_DEV_DEMO_PASSWORD})
${logins.join("\n")}

Press Ctrl+C to stop everything.`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the stack…`);
    await stack.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));
  // The gateway runs in this process: an error nobody caught must still stop PostgREST and
  // the functions runtime, not leave them running on the stack's ports without a supervisor.
  process.on("uncaughtException", (error) => {
    console.error("The stack supervisor failed; stopping the stack.", error);
    if (stopping) return process.exit(1);
    stopping = true;
    void stack.stop().finally(() => process.exit(1));
  });
  for (const child of [stack.postgrest, stack.functions]) {
    child.once("exit", (code, signal) => {
      if (stopping) return;
      console.error(`A stack process exited unexpectedly (${code ?? signal}); see ${cfg.logDir}. Stopping.`);
      void stack.stop().then(() => process.exit(1));
    });
  }
}

async function stop(cfg: StackConfig) {
  const running = runningSupervisor(cfg);
  if (running) {
    process.kill(running.pid, "SIGTERM");
    for (let i = 0; i < 300 && isPidAlive(running.pid); i++) await sleep(100);
    console.log(`Stopped the stack (pid ${running.pid}).`);
    return;
  }
  console.log(stopCluster(cfg) ? "Stopped a PostgreSQL cluster that was left running." : "Nothing is running.");
}

/**
 * This checkout's stack only: a port counts as ours when this state directory's
 * supervisor (or cluster) is alive; a port held by anything else — another
 * checkout's stack, another program — is reported as such, never as ours.
 */
async function status(cfg: StackConfig) {
  const sup = runningSupervisor(cfg);
  const pgState = clusterState(cfg);
  const piece = async (port: number, ours: boolean) =>
    ours ? ((await portInUse(port)) ? `running (port ${port})` : `down (port ${port})`)
      : (await portInUse(port)) ? `not running — port ${port} is used by another program or checkout` : `not running (port ${port})`;
  console.log(`checkout    ${ROOT}`);
  console.log(`profile     ${cfg.profile}   state ${cfg.stateDir}`);
  console.log(`supervisor  ${sup ? `running, pid ${sup.pid}` : "not running"}`);
  const pgLine = !clusterExists(cfg) ? "no cluster" : pgState.running ? `running, pid ${pgState.pid} (port ${cfg.ports.db})` : await piece(cfg.ports.db, false);
  console.log(`postgres    ${pgLine}`);
  console.log(`gateway     ${await piece(cfg.ports.api, Boolean(sup))}`);
  console.log(`postgrest   ${await piece(cfg.ports.rest, Boolean(sup))}`);
  console.log(`functions   ${await piece(cfg.ports.functions, Boolean(sup))}`);
  console.log(`maildev     ${await piece(cfg.ports.mailWeb, Boolean(sup))}   ${maildevUrl(cfg)}`);
  console.log(`versions    ${serverVersion()} · ${postgrestVersion()} · ${denoVersion()}`);
}

async function db(cmd: string | undefined, cfg: StackConfig) {
  switch (cmd) {
    case "start":
      initCluster(cfg);
      console.log((await startCluster(cfg)) ? "PostgreSQL started." : "PostgreSQL is already running.");
      await applyCompat(cfg);
      return;
    case "stop":
      console.log(stopCluster(cfg) ? "PostgreSQL stopped." : "PostgreSQL was not running.");
      return;
    case "status": {
      const s = clusterState(cfg);
      console.log(s.running ? `running (pid ${s.pid}, port ${cfg.ports.db})` : "stopped");
      process.exitCode = s.running ? 0 : 3;
      return;
    }
    case "reset": {
      const r = await ensureDatabase(cfg, { reset: true });
      console.log(`Database reset: ${r.applied.length} migrations applied, seeded from ${r.seeded.join(", ") || "nothing"}.`);
      return;
    }
    case "migrate": {
      const r = await ensureDatabase(cfg);
      console.log(r.applied.length ? `Applied: ${r.applied.join(", ")}` : `Up to date (${r.alreadyApplied} applied).`);
      return;
    }
    default:
      throw new Error("usage: db start|stop|status|reset|migrate");
  }
}

async function main() {
  const [cmd, sub] = process.argv.slice(2);
  const cfg = loadConfig();
  switch (cmd) {
    case "start":
      return start();
    case "stop":
      return stop(cfg);
    case "status":
      return status(cfg);
    case "db":
      return db(sub, cfg);
    case "keys": {
      const k = await apiKeys(cfg.jwtSecret);
      console.log(JSON.stringify(k, null, 2));
      return;
    }
    default:
      console.error("usage: tsx scripts/stack/cli.ts start|stop|status|keys|db <start|stop|status|reset|migrate>");
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  console.error(`\n✖ ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

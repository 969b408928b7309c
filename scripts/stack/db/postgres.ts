/**
 * The project-owned PostgreSQL 15 cluster: initdb into the stack's data
 * directory, start/stop/status with pg_ctl, recovery from a stale pid file.
 *
 * Debian's PostgreSQL refuses to run as root, so when we are root every
 * server binary runs as the `postgres` system user (created by the package).
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LOCAL_DEV_DB_PASSWORD, PROFILE_ENV, type StackConfig } from "../config.ts";
import { isPidAlive, isRoot, portInUse, run, runOrThrow } from "../proc.ts";

export const PG_MAJOR = 15;
const PG_BIN = `/usr/lib/postgresql/${PG_MAJOR}/bin`;

export function pgBin(name: string): string {
  const p = join(PG_BIN, name);
  if (!existsSync(p)) {
    throw new Error(
      `PostgreSQL ${PG_MAJOR} is not installed (${p} missing). Run \`npm start\` as root (it installs ` +
        `postgresql-15, postgresql-15-cron, postgresql-15-pgtap, postgresql-15-plpgsql-check), or install them with apt.`,
    );
  }
  return p;
}

function postgresUid(): { uid: number; gid: number } {
  const r = runOrThrow("id", ["-u", "postgres"]);
  const g = runOrThrow("id", ["-g", "postgres"]);
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Run a PostgreSQL server binary, as the `postgres` user when we are root. */
function asServerUser(bin: string, args: string[]) {
  const cmd = pgBin(bin);
  return isRoot() ? run("runuser", ["-u", "postgres", "--", cmd, ...args]) : run(cmd, args);
}

/**
 * Make a directory the server user owns. Its missing parents are created
 * world-searchable (0755) so the server user can walk down to it — a
 * recursive 0700 mkdir would lock it out of the fallback /var/tmp/terrain-<hash>.
 */
function ownedDir(dir: string) {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const { uid, gid } = postgresUid();
    chownSync(dir, uid, gid);
  }
}

/** Settings we own; rewritten on every start so a port change takes effect. */
function serverSettings(cfg: StackConfig): string {
  const lines = [
    "# Written by scripts/stack/db/postgres.ts on every start — edit there, not here.",
    `port = ${cfg.ports.db}`,
    "listen_addresses = '127.0.0.1'",
    // TCP only: no socket file whose path length or permissions could bite.
    "unix_socket_directories = ''",
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    // Jobs run in background workers, not over a libpq connection that would
    // need a password in pg_hba; hence the larger worker budget.
    "cron.use_background_workers = on",
    "max_worker_processes = 32",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "max_connections = 100",
    "shared_buffers = '128MB'",
    "log_min_duration_statement = 1000",
    "log_line_prefix = '%m [%p] %q%u@%d '",
  ];
  if (cfg.profile === "test") {
    // A throw-away cluster: durability buys nothing, speed does.
    lines.push("fsync = off", "synchronous_commit = off", "full_page_writes = off");
  }
  return lines.join("\n") + "\n";
}

export function clusterExists(cfg: StackConfig): boolean {
  return existsSync(join(cfg.pgData, "PG_VERSION"));
}

export function initCluster(cfg: StackConfig): boolean {
  if (clusterExists(cfg)) return false;
  ownedDir(cfg.stateDir);
  ownedDir(cfg.logDir);
  // The superuser password goes through a file readable only by the server user.
  const pwFile = join(cfg.stateDir, ".pwfile");
  writeFileSync(pwFile, LOCAL_DEV_DB_PASSWORD + "\n", { mode: 0o600 });
  if (isRoot()) {
    const { uid, gid } = postgresUid();
    chownSync(pwFile, uid, gid);
  }
  try {
    const r = asServerUser("initdb", [
      "-D", cfg.pgData,
      "-U", "postgres",
      `--pwfile=${pwFile}`,
      "--auth-host=scram-sha-256",
      "--auth-local=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C.UTF-8",
    ]);
    if (r.code !== 0) throw new Error(`initdb failed:\n${r.stderr || r.stdout}`);
  } finally {
    rmSync(pwFile, { force: true });
  }
  const conf = join(cfg.pgData, "postgresql.conf");
  writeFileSync(conf, readFileSync(conf, "utf8") + "\ninclude_if_exists = 'terrain.conf'\n");
  return true;
}

export type ClusterState = { running: true; pid: number } | { running: false; stalePid?: number };

export function clusterState(cfg: StackConfig): ClusterState {
  const pidFile = join(cfg.pgData, "postmaster.pid");
  if (!existsSync(pidFile)) return { running: false };
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isPidAlive(pid)) return { running: true, pid };
  return { running: false, stalePid: pid };
}

/** Start the cluster. Returns false when it was already running (a no-op). */
export async function startCluster(cfg: StackConfig): Promise<boolean> {
  if (!clusterExists(cfg)) throw new Error(`No cluster in ${cfg.pgData}: initialise it first.`);
  const state = clusterState(cfg);
  if (state.running) return false;
  if (state.stalePid !== undefined) {
    // A crash left postmaster.pid behind and that pid is gone: the file is stale.
    // (If the pid had been reused by another process postgres itself would refuse.)
    rmSync(join(cfg.pgData, "postmaster.pid"), { force: true });
  }
  if (await portInUse(cfg.ports.db)) {
    throw new Error(`Port ${cfg.ports.db} is already used by another program; stop it or set ${PROFILE_ENV[cfg.profile].portBase} to move the ${cfg.profile} stack.`);
  }
  ownedDir(cfg.logDir);
  const settings = join(cfg.pgData, "terrain.conf");
  writeFileSync(settings, serverSettings(cfg));
  if (isRoot()) {
    const { uid, gid } = postgresUid();
    chownSync(settings, uid, gid);
  }
  const r = asServerUser("pg_ctl", ["-D", cfg.pgData, "-l", join(cfg.logDir, "postgres.log"), "-w", "-t", "60", "start"]);
  if (r.code !== 0) {
    const log = join(cfg.logDir, "postgres.log");
    const tailText = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : "";
    throw new Error(`pg_ctl start failed:\n${r.stderr || r.stdout}\n${tailText}`);
  }
  return true;
}

export function stopCluster(cfg: StackConfig, mode: "fast" | "immediate" = "fast"): boolean {
  if (!clusterExists(cfg) || !clusterState(cfg).running) return false;
  const r = asServerUser("pg_ctl", ["-D", cfg.pgData, "-m", mode, "-w", "-t", "60", "stop"]);
  if (r.code !== 0) throw new Error(`pg_ctl stop failed:\n${r.stderr || r.stdout}`);
  return true;
}

/**
 * Restart the server. Needed after the `postgres` database is dropped and
 * recreated: pg_cron's scheduler exits with its database and is only started
 * again by the postmaster.
 */
export async function restartCluster(cfg: StackConfig): Promise<void> {
  stopCluster(cfg);
  await startCluster(cfg);
}

export function serverVersion(): string {
  return run(pgBin("postgres"), ["--version"]).stdout.trim();
}

/**
 * One place that says where every piece of the local stack lives: ports,
 * directories, connection strings and the LOCAL DEVELOPMENT secrets.
 *
 * Two profiles exist so `npm test` can run while `npm start` is up:
 *   dev  — the Supabase CLI's ports (API 54321, DB 54322), data kept between runs
 *   test — ports +1000 (API 55321, DB 55322), a throw-away cluster per run
 * Each profile has its own overrides, so moving one never moves the other:
 *   dev:  TERRAIN_PORT_BASE       TERRAIN_STATE_DIR
 *   test: TERRAIN_TEST_PORT_BASE  TERRAIN_TEST_STATE_DIR
 * (the API port; the others follow it — and the state directory).
 */
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// ---------------------------------------------------------------------------
// LOCAL DEVELOPMENT DEFAULTS — the same values the Supabase CLI uses for
// `supabase start`. They protect nothing; never use them outside a laptop/CI.
// ---------------------------------------------------------------------------
export const LOCAL_DEV_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
export const LOCAL_DEV_DB_PASSWORD = "postgres";
/** Password of every demo user created by supabase/seed.sql (local only). */
export const LOCAL_DEV_DEMO_PASSWORD = "terrain-demo";

export type Profile = "dev" | "test";

export interface StackConfig {
  profile: Profile;
  /** Directory holding this profile's state (pid file, logs, generated configs). */
  stateDir: string;
  /** PostgreSQL data directory (owned by the `postgres` system user when we run as root). */
  pgData: string;
  logDir: string;
  ports: { api: number; db: number; rest: number; functions: number; mailSmtp: number; mailWeb: number };
  jwtSecret: string;
  /** Public URL of the gateway: what supabase-js is pointed at (SUPABASE_URL). */
  apiUrl: string;
  /** Superuser connection string (SUPABASE_DB_URL). */
  dbUrl: string;
  /** Connection string for a database other than `postgres` (used to drop/recreate it). */
  maintenanceDbUrl: string;
  /** Connection used by PostgREST: the `authenticator` role, as in Supabase. */
  authenticatorDbUrl: string;
  /** Connection used by the local auth stand-in: `supabase_auth_admin`, as GoTrue does. */
  authAdminDbUrl: string;
  /** Connection used by the local storage stand-in: `supabase_storage_admin`, as Supabase Storage does. */
  storageAdminDbUrl: string;
  /** Where the storage stand-in keeps the objects' bytes. */
  storageDir: string;
}

/** The environment variables that move one profile (and only that one). */
export const PROFILE_ENV = {
  dev: { portBase: "TERRAIN_PORT_BASE", stateDir: "TERRAIN_STATE_DIR" },
  test: { portBase: "TERRAIN_TEST_PORT_BASE", stateDir: "TERRAIN_TEST_STATE_DIR" },
} as const satisfies Record<Profile, { portBase: string; stateDir: string }>;

const DEFAULT_API_PORT: Record<Profile, number> = { dev: 54321, test: 55321 };

/** Explicit placement of a stack (benchmarks, private test clusters); wins over the environment. */
export interface Placement {
  portBase?: number;
  stateDir?: string;
}

function portsFor(profile: Profile, placement: Placement) {
  const raw = process.env[PROFILE_ENV[profile].portBase];
  const fromEnv = raw === undefined || raw === "" ? undefined : Number(raw);
  if (fromEnv !== undefined && !(Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65_525)) {
    throw new Error(`${PROFILE_ENV[profile].portBase} must be a port number (got ${raw})`);
  }
  const api = placement.portBase ?? fromEnv ?? DEFAULT_API_PORT[profile];
  // mailSmtp / mailWeb: the local mail catcher (maildev), SMTP in, web UI and REST API out.
  return { api, db: api + 1, rest: api + 9, functions: api + 10, mailSmtp: api + 24, mailWeb: api + 25 };
}

/**
 * Where the cluster lives. Preferably inside the project (`.terrain/<profile>`),
 * but when we run as root and the `postgres` user cannot reach the project
 * directory (a clone under /root, mode 700), fall back to /var/tmp.
 */
function stateDirFor(profile: Profile, placement: Placement): string {
  if (placement.stateDir) return resolve(placement.stateDir);
  const fromEnv = process.env[PROFILE_ENV[profile].stateDir];
  if (fromEnv) return resolve(fromEnv);
  const inProject = join(ROOT, ".terrain", profile);
  if (process.getuid?.() !== 0 || postgresUserCanReach(ROOT)) return inProject;
  const tag = createHash("sha1").update(ROOT).digest("hex").slice(0, 10);
  return join("/var/tmp", `terrain-${tag}`, profile);
}

/** True when every ancestor of `dir` is world-searchable (the postgres user can walk to it). */
function postgresUserCanReach(dir: string): boolean {
  let d = dir;
  for (;;) {
    try {
      accessSync(d, constants.F_OK);
    } catch {
      return false;
    }
    // "others" need the search (x) bit on every ancestor.
    if ((statSync(d).mode & 0o001) === 0) return false;
    const up = dirname(d);
    if (up === d) return true;
    d = up;
  }
}

export function loadConfig(
  profile: Profile = (process.env.TERRAIN_PROFILE as Profile) || "dev",
  placement: Placement = {},
): StackConfig {
  const ports = portsFor(profile, placement);
  const stateDir = stateDirFor(profile, placement);
  const pw = LOCAL_DEV_DB_PASSWORD;
  const host = "127.0.0.1";
  return {
    profile,
    stateDir,
    pgData: join(stateDir, "pgdata"),
    logDir: join(stateDir, "logs"),
    ports,
    jwtSecret: process.env.TERRAIN_JWT_SECRET || LOCAL_DEV_JWT_SECRET,
    apiUrl: `http://${host}:${ports.api}`,
    dbUrl: `postgresql://postgres:${pw}@${host}:${ports.db}/postgres`,
    maintenanceDbUrl: `postgresql://postgres:${pw}@${host}:${ports.db}/template1`,
    authenticatorDbUrl: `postgresql://authenticator:${pw}@${host}:${ports.db}/postgres`,
    authAdminDbUrl: `postgresql://supabase_auth_admin:${pw}@${host}:${ports.db}/postgres`,
    storageAdminDbUrl: `postgresql://supabase_storage_admin:${pw}@${host}:${ports.db}/postgres`,
    storageDir: join(stateDir, "storage"),
  };
}

export function ensureDir(dir: string): string {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}

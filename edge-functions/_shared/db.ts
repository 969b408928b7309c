/**
 * The database client of a function: one `postgres` (porsager) pool per isolate,
 * created on first use so a function that never touches the database never
 * opens a connection, and so a cold start does not pay for it.
 *
 * Edge isolates are many and short-lived while Postgres connections are few:
 * the pool is small, idle connections are closed quickly, and connecting gives
 * up after a few seconds instead of hanging a request.
 *
 * In the local runtime every function shares one isolate, hence this one pool.
 */
import postgres from "postgres";
import { postgresUrl, readEnv } from "./env.ts";

export type Sql = postgres.Sql;

export interface DbOptions {
  /** Defaults to SUPABASE_DB_URL. */
  url?: string;
  /** Shown in pg_stat_activity.application_name, to tell functions' sessions apart. */
  applicationName?: string;
}

/** Few connections per isolate: Supabase runs many isolates against one database. */
const POOL_MAX = 3;
const CONNECT_TIMEOUT_SECONDS = 5;
/** Release idle connections so a quiet isolate does not hold connection slots. */
const IDLE_TIMEOUT_SECONDS = 20;

let pool: Sql | undefined;

/**
 * The isolate's pool, created on first call. Options only matter on that first
 * call: later calls return the same pool.
 */
export function db(options: DbOptions = {}): Sql {
  if (pool) return pool;
  const url = options.url ?? readEnv({ SUPABASE_DB_URL: postgresUrl }).SUPABASE_DB_URL;
  pool = postgres(url, {
    max: POOL_MAX,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    idle_timeout: IDLE_TIMEOUT_SECONDS,
    // Supavisor in transaction mode (port 6543) cannot keep prepared statements
    // across transactions; unnamed statements work with every pooler and direct.
    prepare: false,
    // NOTICEs are not errors; postgres.js would print each one to the console.
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "terrain-edge-functions" },
  });
  return pool;
}

/** Closes the pool (tests, shutdown). The next db() call opens a new one. */
export async function closeDb(timeoutSeconds = 5): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.end({ timeout: timeoutSeconds });
}

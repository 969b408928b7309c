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
import { HttpError } from "./http.ts";

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

export interface OwnConnectionOptions extends DbOptions {
  /**
   * Called when the connection closes: the server ended the session (an
   * idle-in-transaction or statement limit, a restart, pg_terminate_backend),
   * or end() was called. The client is ended at once after a close it did
   * not ask for, so no later query of it runs anywhere.
   */
  onclose: () => void;
}

/**
 * A client of its own with one connection, for a transaction that stays open
 * across waits the function does not decide (a streamed download, paced by
 * its reader). Not a connection reserved from the pool (db().reserve()):
 * postgres.js 3.4 writes a reserved connection's next query to the socket of
 * a session the server has ended (an uncaught TypeError, fatal to the
 * isolate), and releasing it hands the dead connection back to the pool. The
 * client's own connection goes through postgres.js's close handling instead,
 * and `onclose` says it happened. A closed client would silently open a new
 * session for the next query, outside the transaction: so it is ended as
 * soon as it closes, and every later query is refused (CONNECTION_ENDED).
 * No idle or lifetime limit of the driver: either would end the connection,
 * and the transaction, between two reads. The caller ends it (end()) when done.
 */
export function ownConnection(options: OwnConnectionOptions): Sql {
  const url = options.url ?? readEnv({ SUPABASE_DB_URL: postgresUrl }).SUPABASE_DB_URL;
  const client: Sql = postgres(url, {
    max: 1,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    idle_timeout: 0,
    max_lifetime: null,
    prepare: false,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "terrain-edge-functions" },
    onclose: () => {
      // timeout 0: a query the closed session was running never completes,
      // and a plain end() would wait for it for ever.
      void client.end({ timeout: 0 });
      options.onclose();
    },
  });
  return client;
}

/** Closes the pool (tests, shutdown). The next db() call opens a new one. */
export async function closeDb(timeoutSeconds = 5): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.end({ timeout: timeoutSeconds });
}

/** What a function may ask of a caller's token when it talks to Postgres itself. */
const API_ROLES = new Set(["anon", "authenticated", "service_role"]);

/**
 * Makes the current transaction act as the caller, as PostgREST does for a
 * request: `role` from the token's `role` claim, `request.jwt.claims` (what
 * auth.uid() and the policies read), `request.method` (so the catalogue's
 * errors come back as PostgREST would answer them: see httpErrorOfPostgres)
 * and the request id in `request.headers` (read by the audit trail).
 *
 * The claims are the gateway-verified token's (auth.ts: verify_jwt must stay
 * on for the function). A token naming another role is refused (401): a
 * function never lends the connection's own superuser rights to a caller.
 */
export async function actAsCaller(
  tx: Sql,
  claims: Record<string, unknown> | null,
  method: string,
  requestId: string,
): Promise<void> {
  const role = claims?.role;
  if (typeof role !== "string" || !API_ROLES.has(role)) {
    throw new HttpError(401, "unauthorized", "A valid bearer token is required");
  }
  await tx`select pg_catalog.set_config('role', ${role}, true),
                  pg_catalog.set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                  pg_catalog.set_config('request.method', ${method}, true),
                  pg_catalog.set_config('request.headers', ${
    JSON.stringify({ "x-request-id": requestId })
  }, true)`;
}

/** The fields of a postgres.js error this module reads. */
interface PostgresErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

/**
 * The standard HttpError for a database refusal, as PostgREST would have
 * answered it: inside a transaction set up by actAsCaller, the catalogue's
 * errors (private.raise_api_error) arrive as SQLSTATE PGRST with the body in
 * the message and the status in the detail, so status and code are the
 * catalogue's (docs/errors.md). Insufficient privilege (42501) is 403, as for
 * a signed-in caller through PostgREST. Anything else — a bug, a lost
 * connection, a 5xx — is null: rethrow it for the wrapper's 500.
 */
export function httpErrorOfPostgres(error: unknown): HttpError | null {
  const pg = (error ?? {}) as PostgresErrorLike;
  if (pg.code === "PGRST" && typeof pg.message === "string" && typeof pg.detail === "string") {
    try {
      const body = JSON.parse(pg.message) as {
        code?: unknown;
        message?: unknown;
        details?: unknown;
      };
      const detail = JSON.parse(pg.detail) as {
        status?: unknown;
        headers?: Record<string, string>;
      };
      const status = Number(detail.status);
      if (
        Number.isInteger(status) && status >= 400 && status < 500 && typeof body.code === "string"
      ) {
        return new HttpError(
          status,
          body.code,
          String(body.message ?? body.code),
          body.details ?? undefined,
          detail.headers && Object.keys(detail.headers).length > 0 ? detail.headers : undefined,
        );
      }
    } catch {
      // not a catalogue error after all: left to the 500 path
    }
    return null;
  }
  if (pg.code === "42501" && typeof pg.message === "string") {
    return new HttpError(403, "forbidden", pg.message);
  }
  return null;
}

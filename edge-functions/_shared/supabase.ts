/**
 * The two supabase-js clients a function may hold, created the way Supabase's
 * own examples do, so the same code runs locally and on hosted Supabase:
 *
 *   - serviceClient(): the service role. RLS does not apply; use it only for
 *     work the function does on the system's behalf (draining a queue,
 *     storing a rendered PDF), never to act for a caller.
 *   - callerClient(req): the caller's own bearer token on the anon key, so
 *     PostgREST and Storage apply RLS and grants exactly as for the app.
 *
 * Either client's errors become the function's standard error body through
 * `httpErrorOf`, keeping the status and the stable `code` of the database's
 * error catalogue (docs/errors.md): a function never invents its own mapping.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { readSupabaseEnv } from "./env.ts";
import { HttpError } from "./http.ts";

/** Functions hold no browser session: nothing to persist or refresh. */
const serverAuth = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };

let service: SupabaseClient | undefined;

/** One service-role client per isolate. */
export function serviceClient(): SupabaseClient {
  if (service) return service;
  const env = readSupabaseEnv();
  service = createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, { auth: serverAuth });
  return service;
}

/**
 * A client acting as the caller: their `Authorization` header on the anon key.
 * Without a bearer token the caller is anon, and RLS treats them so.
 */
export function callerClient(req: Request): SupabaseClient {
  const env = readSupabaseEnv();
  const authorization = req.headers.get("authorization");
  return createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    auth: serverAuth,
    global: { headers: authorization ? { Authorization: authorization } : {} },
  });
}

/** The shape PostgREST and Storage errors take in supabase-js. */
export interface ClientError {
  code?: string;
  message: string;
  details?: unknown;
  hint?: unknown;
  status?: number;
  statusCode?: string | number;
}

/**
 * The standard HttpError for an error answered by PostgREST or Storage:
 * the upstream status (4xx passes through; a 5xx or a network failure is
 * re-thrown so the wrapper answers 500 and logs it) and its catalogue code.
 */
export function httpErrorOf(error: ClientError, status?: number): HttpError {
  const upstream = status ?? error.status ?? Number(error.statusCode);
  if (!Number.isInteger(upstream) || upstream < 400 || upstream >= 500) {
    throw new Error(
      `upstream error ${upstream || "(no status)"}: ${error.code ?? ""} ${error.message}`,
    );
  }
  const code = error.code && /^[a-z][a-z0-9_]*$/.test(error.code)
    ? error.code
    : statusCode(upstream);
  if (upstream === 429) return rateLimited(error);
  return new HttpError(upstream, code, error.message, error.details ?? undefined);
}

/** The rate limiter's window when its answer names none. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * A 429 from the database's rate limiter (private.raise_rate_limited) carries
 * its seconds in `details` — supabase-js exposes no response header — and
 * they become the function's Retry-After again.
 */
function rateLimited(error: ClientError): HttpError {
  let seconds = DEFAULT_RETRY_AFTER_SECONDS;
  try {
    const parsed = JSON.parse(String(error.details ?? "{}"));
    if (Number.isInteger(parsed?.retry_after_seconds)) seconds = parsed.retry_after_seconds;
  } catch {
    // keep the default window
  }
  return new HttpError(429, "rate_limited", error.message, { retry_after_seconds: seconds }, {
    "Retry-After": String(seconds),
  });
}

/** A readable code for statuses whose upstream code is a raw SQLSTATE or PGRST code. */
function statusCode(status: number): string {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    default:
      return "invalid_request";
  }
}

/**
 * Calls an RPC and returns its data, or throws the standard HttpError.
 * `client` decides whose rights apply (serviceClient or callerClient).
 */
export async function rpc<T>(
  client: SupabaseClient,
  fn: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const { data, error, status } = await client.rpc(fn, args);
  if (error) throw httpErrorOf(error, status);
  return data as T;
}

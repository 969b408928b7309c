/**
 * The LOCAL Edge Functions runtime: one Deno process serving every function of
 * edge-functions/ the way Supabase's edge runtime does, without Docker.
 *
 * Run by Deno, not Node (the supervisor spawns it; `deno task serve` in
 * edge-functions/ does the same by hand):
 *
 *   FUNCTIONS_PORT=54331 deno run --cached-only --config edge-functions/deno.json --no-prompt \
 *     --allow-net --allow-env --allow-read=edge-functions edge-functions/_main/index.ts
 *
 * (--cached-only: the install step, scripts/stack/functions/deno-deps.ts, cached every
 * package; a missing one is a boot error of the function that imports it.)
 *
 * Permissions, and why no more:
 *   --allow-net              listen on 127.0.0.1, and let functions reach the database
 *                            and outside services (email, push), as hosted ones can
 *   --allow-env              functions read their env; postgres.js reads PG* defaults;
 *                            this file writes the secrets of edge-functions/.env
 *   --allow-read=<fn dir>    list the function folders, read .env, and dynamically import
 *                            each index.ts (dynamic imports need read permission; npm
 *                            packages in Deno's cache do not); and the temporary
 *                            directory, as hosted functions have /tmp (invoice-pdf's
 *                            Factur-X library resolves it when it loads)
 *   no --allow-sys           postgres.js needs it (userInfo) only for a URL without a user
 *   no write, run, ffi       functions never need them; --no-prompt turns a missing
 *                            permission into an error rather than a hung prompt
 *
 * Contract with the gateway: it strips `/functions/v1`, so `/functions/v1/health/x?y=1`
 * arrives as `/health/x?y=1`, and the function sees that Request unchanged: its
 * pathname starts with the function's name, as on hosted Supabase.
 *
 * Environment:
 *   FUNCTIONS_PORT            required; 0 picks a free port (printed in the "listening" line)
 *   FUNCTIONS_HOST            default 127.0.0.1
 *   FUNCTIONS_DIR             default <repo>/edge-functions
 *   FUNCTIONS_MAX_BODY_BYTES  default 10 MiB; larger bodies get 413 (the supervisor passes
 *                            the stack's limit, scripts/stack/http.ts MAX_BODY_BYTES)
 *   SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_DB_URL,
 *   TERRAIN_VERSION           passed through to the functions
 *   + the variables of <FUNCTIONS_DIR>/.env (see loadDotenv)
 *
 * How functions are loaded: Deno.serve is replaced by a recorder, then each
 * function's index.ts is imported in turn; the handler it registers while being
 * imported belongs to that function. Imports run one at a time so a handler is
 * never credited to the wrong function.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { readBodyWithin } from "../_shared/body.ts";
import { corsHeaders, REQUEST_ID_HEADER } from "../_shared/cors.ts";
import { createLogger, safeErrorMessage } from "../_shared/log.ts";

/** Supabase's slug rule: a folder whose name does not match (`_shared`) is not a function. */
const FUNCTION_SLUG = /^[A-Za-z][A-Za-z0-9_-]*$/;
/**
 * Supabase reserves SUPABASE_* for the variables it injects; its CLI skips them
 * in a secrets file, and so do we.
 */
const RESERVED_ENV_PREFIX = "SUPABASE_";
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const INTERNAL_HEALTH_PATH = "/_internal/health";
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** In-flight requests get this long to finish on SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 10_000;

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;
type ErrorHandler = (error: unknown) => Response | Promise<Response>;

interface LoadedFunction {
  name: string;
  handler?: Handler;
  /** The `onError` a function passed to Deno.serve, honoured as Deno would. */
  onError?: ErrorHandler;
  /** Why the function could not start (its import threw, or it registered nothing). */
  bootError?: string;
}

interface RuntimeConfig {
  functionsDir: string;
  hostname: string;
  port: number;
  maxBodyBytes: number;
}

// ---------------------------------------------------------------------------
// Logging: the functions' own format (_shared/log.ts), under svc "functions-runtime".
// ---------------------------------------------------------------------------

const log = createLogger({ svc: "functions-runtime" });

// ---------------------------------------------------------------------------
// Configuration and .env
// ---------------------------------------------------------------------------

function readConfig(): RuntimeConfig {
  const port = Number(Deno.env.get("FUNCTIONS_PORT"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error("FUNCTIONS_PORT must be set to a port number (0 picks a free one)");
  }
  const maxBody = Number(Deno.env.get("FUNCTIONS_MAX_BODY_BYTES") ?? DEFAULT_MAX_BODY_BYTES);
  if (!Number.isInteger(maxBody) || maxBody <= 0) {
    throw new Error("FUNCTIONS_MAX_BODY_BYTES must be a positive integer");
  }
  return {
    functionsDir: resolve(
      Deno.env.get("FUNCTIONS_DIR") ?? join(import.meta.dirname!, ".."),
    ),
    hostname: Deno.env.get("FUNCTIONS_HOST") ?? "127.0.0.1",
    port,
    maxBodyBytes: maxBody,
  };
}

/**
 * Loads `<dir>/.env` — the local twin of `supabase secrets set` (the Supabase
 * CLI reads `supabase/functions/.env`). Parsed by Node's parser (`util.parseEnv`,
 * the one behind `--env-file`). Rules:
 *   - SUPABASE_* keys are skipped: the runtime's own values must win;
 *   - a variable already in the process env wins (a run can override a secret);
 *   - only names are logged, never values.
 */
export function loadDotenv(dir: string): { loaded: string[]; skipped: string[] } {
  const file = join(dir, ".env");
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { loaded: [], skipped: [] };
    throw error;
  }
  const loaded: string[] = [];
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (value === undefined) continue;
    if (key.startsWith(RESERVED_ENV_PREFIX)) {
      log.warn("skipping reserved variable in .env", { file, key });
      skipped.push(key);
    } else if (Deno.env.get(key) !== undefined) {
      skipped.push(key);
    } else {
      Deno.env.set(key, value);
      loaded.push(key);
    }
  }
  return { loaded, skipped };
}

// ---------------------------------------------------------------------------
// Discovering and loading functions
// ---------------------------------------------------------------------------

/** Every folder whose name is a valid slug and that holds an index.ts, sorted. */
export function discoverFunctions(dir: string): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!FUNCTION_SLUG.test(entry.name)) continue;
    const folder = join(dir, entry.name);
    // Deno.statSync follows symlinks, so a linked function folder counts too.
    if (!Deno.statSync(folder).isDirectory) continue;
    if (existsSync(join(folder, "index.ts"))) names.push(entry.name);
  }
  return names.sort();
}

/** The handler a function registers while its module is being imported. */
interface Registration {
  handler?: Handler;
  onError?: ErrorHandler;
}

let registering: { name: string; registration: Registration } | null = null;

/** Resolved at shutdown: what `server.finished` of every recorded Deno.serve awaits. */
let resolveFinished: () => void = () => {};
const runtimeFinished = new Promise<void>((resolve) => (resolveFinished = resolve));

/** Normalises the Deno.serve signatures: (handler), (options, handler), ({ handler, ...options }). */
function parseServeArgs(args: unknown[]): Registration {
  const [first, second] = args;
  if (typeof first === "function") return { handler: first as Handler };
  if (first !== null && typeof first === "object") {
    const options = first as { handler?: unknown; onError?: unknown };
    const handler = typeof second === "function" ? second : options.handler;
    if (typeof handler !== "function") throw new TypeError("Deno.serve: no handler given");
    return {
      handler: handler as Handler,
      onError: typeof options.onError === "function"
        ? (options.onError as ErrorHandler)
        : undefined,
    };
  }
  throw new TypeError("Deno.serve: expected a handler or an options object");
}

/**
 * Stands in for Deno.serve while functions load: records the handler instead of
 * listening, and returns something shaped like Deno.HttpServer so code that
 * awaits `server.finished` or calls `shutdown()` keeps working.
 */
function recordingServe(address: Deno.NetAddr) {
  return (...args: unknown[]): Deno.HttpServer<Deno.NetAddr> => {
    const registration = parseServeArgs(args);
    if (registering === null) {
      log.error(
        "Deno.serve called after its module finished loading; ignored (call it at module top level)",
      );
    } else if (registering.registration.handler) {
      log.warn("Deno.serve called more than once; keeping the first handler", {
        function: registering.name,
      });
    } else {
      registering.registration = registration;
    }
    const server = {
      addr: address,
      finished: runtimeFinished,
      shutdown: () => Promise.resolve(),
      ref: () => {},
      unref: () => {},
      [Symbol.asyncDispose]: () => Promise.resolve(),
    };
    return server as unknown as Deno.HttpServer<Deno.NetAddr>;
  };
}

/** Imports one function; a throw or a module that registers nothing becomes a boot error. */
async function loadFunction(dir: string, name: string): Promise<LoadedFunction> {
  registering = { name, registration: {} };
  try {
    const module = await import(pathToFileURL(join(dir, name, "index.ts")).href);
    const { handler, onError } = registering.registration;
    if (handler) return { name, handler, onError };
    // `export default { fetch }` is the other way Deno serves a module (`deno serve`).
    const fetchExport = (module as { default?: { fetch?: unknown } }).default?.fetch;
    if (typeof fetchExport === "function") {
      const target = (module as { default: object }).default;
      return { name, handler: (req, info) => (fetchExport as Handler).call(target, req, info) };
    }
    return {
      name,
      bootError: "index.ts neither calls Deno.serve(...) nor default-exports { fetch }",
    };
  } catch (error) {
    log.error("function failed to boot", {
      function: name,
      error: safeErrorMessage(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return { name, bootError: safeErrorMessage(error) };
  } finally {
    registering = null;
  }
}

// ---------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------

function jsonResponse(
  body: unknown,
  status: number,
  requestId: string,
  extra: HeadersInit = {},
): Response {
  const headers = new Headers(corsHeaders);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set(REQUEST_ID_HEADER, requestId);
  new Headers(extra).forEach((value, key) => headers.set(key, value));
  return new Response(JSON.stringify(body), { status, headers });
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

function withRequestId(res: Response, requestId: string): Response {
  if (res.status === 101 || res.headers.has(REQUEST_ID_HEADER)) return res;
  try {
    res.headers.set(REQUEST_ID_HEADER, requestId);
    return res;
  } catch {
    // fetch() responses have immutable headers: copy into a new Response.
    const headers = new Headers(res.headers);
    headers.set(REQUEST_ID_HEADER, requestId);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}

export function createRouter(functions: Map<string, LoadedFunction>, maxBodyBytes: number) {
  return async (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const url = new URL(req.url);
    const incomingId = req.headers.get(REQUEST_ID_HEADER);
    const requestId = incomingId !== null && SANE_REQUEST_ID.test(incomingId)
      ? incomingId
      : crypto.randomUUID();

    if (url.pathname === INTERNAL_HEALTH_PATH) {
      const names = [...functions.keys()];
      const failed = names.filter((name) => functions.get(name)?.bootError !== undefined);
      // Why each one failed: the supervisor prints it, the health function reports it.
      const bootErrors = Object.fromEntries(
        failed.map((name) => [name, functions.get(name)?.bootError ?? ""]),
      );
      return jsonResponse(
        { ok: true, functions: names, failed, boot_errors: bootErrors },
        200,
        requestId,
      );
    }

    const name = url.pathname.split("/")[1] ?? "";
    const fn = functions.get(name);
    if (!fn) {
      // Supabase's own 404 body for an unknown function.
      return jsonResponse(
        { code: "NOT_FOUND", message: "Requested function was not found" },
        404,
        requestId,
      );
    }
    if (fn.bootError !== undefined || !fn.handler) {
      return jsonResponse(
        errorBody("function_boot_error", `Function "${name}" failed to start: ${fn.bootError}`),
        500,
        requestId,
      );
    }

    const tooLarge = () =>
      jsonResponse(
        errorBody("payload_too_large", `The request body exceeds the ${maxBodyBytes}-byte limit`),
        413,
        requestId,
      );
    const declaredLength = req.headers.get("content-length");
    if (declaredLength !== null && Number(declaredLength) > maxBodyBytes) return tooLarge();

    // The function gets the very Request that came in (its signal, its body
    // stream), except when a chunked body had to be read up front to enforce
    // the limit: that copy has no abort signal, because reading `req.signal`
    // here would make Deno print its legacy-abort deprecation warning on every
    // start. The request id we generated is not injected either: a function
    // using _shared/http.ts makes its own, and the gateway should set one.
    let forwarded = req;
    if (req.body !== null && declaredLength === null) {
      const bytes = await readBodyWithin(req.body, maxBodyBytes);
      if (bytes === null) return tooLarge();
      forwarded = new Request(req.url, { method: req.method, headers: req.headers, body: bytes });
    }

    try {
      const res = await fn.handler(forwarded, info);
      if (!(res instanceof Response)) throw new TypeError("the handler did not return a Response");
      return withRequestId(res, requestId);
    } catch (error) {
      log.error("function handler threw", {
        function: name,
        request_id: requestId,
        error: safeErrorMessage(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      if (fn.onError) {
        try {
          return withRequestId(await fn.onError(error), requestId);
        } catch (onErrorFailure) {
          log.error("onError handler threw", {
            function: name,
            error: safeErrorMessage(onErrorFailure),
          });
        }
      }
      return jsonResponse(
        errorBody("function_error", `Function "${name}" failed: ${safeErrorMessage(error)}`),
        500,
        requestId,
      );
    }
  };
}

/**
 * Keeps one function's stray failure (a rejected promise nobody awaited, a
 * throw in a timer) from killing the process and every other function with it.
 */
function keepRunningOnStrayErrors(): void {
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled promise rejection", { error: safeErrorMessage(event.reason) });
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    log.error("uncaught exception", { error: safeErrorMessage(event.error ?? event.message) });
  });
}

/**
 * Hosted functions may hand background work to `EdgeRuntime.waitUntil(promise)`.
 * Locally the process lives on anyway; we only log failures and let shutdown
 * wait for what is still running.
 */
const backgroundTasks = new Set<Promise<unknown>>();
function provideEdgeRuntimeGlobal(): void {
  const scope = globalThis as { EdgeRuntime?: unknown };
  scope.EdgeRuntime ??= {
    waitUntil(task: Promise<unknown>): void {
      const tracked = Promise.resolve(task)
        .catch((error) => log.error("background task failed", { error: safeErrorMessage(error) }))
        .finally(() => backgroundTasks.delete(tracked));
      backgroundTasks.add(tracked);
    },
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  keepRunningOnStrayErrors();
  provideEdgeRuntimeGlobal();

  const dotenv = loadDotenv(config.functionsDir);
  if (dotenv.loaded.length > 0 || dotenv.skipped.length > 0) {
    log.info("loaded .env", {
      loaded: dotenv.loaded,
      kept_from_environment_or_reserved: dotenv.skipped,
    });
  }
  for (
    const required of [
      "SUPABASE_URL",
      "SUPABASE_ANON_KEY",
      "SUPABASE_SERVICE_ROLE_KEY",
      "SUPABASE_DB_URL",
    ]
  ) {
    if (!Deno.env.get(required)) {
      log.warn("variable Supabase gives every function is not set", { name: required });
    }
  }

  const realServe = Deno.serve;
  const placeholderAddress: Deno.NetAddr = {
    transport: "tcp",
    hostname: config.hostname,
    port: config.port,
  };
  Object.defineProperty(Deno, "serve", {
    value: recordingServe(placeholderAddress),
    configurable: true,
    writable: true,
  });

  const functions = new Map<string, LoadedFunction>();
  for (const name of discoverFunctions(config.functionsDir)) {
    functions.set(name, await loadFunction(config.functionsDir, name));
  }
  const failed = [...functions.values()].filter((fn) => fn.bootError !== undefined).map((fn) =>
    fn.name
  );

  const server = realServe({
    hostname: config.hostname,
    port: config.port,
    onListen: (addr: Deno.NetAddr) => {
      placeholderAddress.port = addr.port;
      log.info("listening", {
        url: `http://${addr.hostname}:${addr.port}`,
        port: addr.port,
        functions: [...functions.keys()],
        failed,
        max_body_bytes: config.maxBodyBytes,
      });
    },
  }, createRouter(functions, config.maxBodyBytes));

  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const forced = setTimeout(() => {
      log.warn("in-flight requests did not finish in time; exiting", {
        grace_ms: SHUTDOWN_GRACE_MS,
      });
      Deno.exit(1);
    }, SHUTDOWN_GRACE_MS);
    await server.shutdown();
    await Promise.allSettled([...backgroundTasks]);
    resolveFinished();
    clearTimeout(forced);
    log.info("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    log.error("functions runtime failed to start", { error: safeErrorMessage(error) });
    Deno.exit(1);
  }
}

/**
 * HTTP conventions shared by every function:
 *   - CORS (cors.ts: any origin; the headers supabase-js and PostgREST clients send),
 *     and preflight answered before any work is done;
 *   - a request id: the caller's `x-request-id` when it is sane, else a new UUID,
 *     echoed in the response header and carried by every log line;
 *   - one error body everywhere: `{ "error": { "code", "message", "details"? } }`,
 *     4xx for the caller's mistakes, 500 without internals for ours;
 *   - one access log line per request (see log.ts);
 *   - unhandled errors (the 500s) reported to Sentry when SENTRY_DSN is set (sentry.ts).
 *
 * A function is written the Supabase way, with this wrapper around its handler:
 *
 *   Deno.serve(createHandler("my-fn", async (req, ctx) => json({ hello: "world" })));
 */
import { z } from "zod";
import { corsHeaders, REQUEST_ID_HEADER } from "./cors.ts";
import { createLogger, logAccess, type Logger, safeErrorMessage } from "./log.ts";
import { defaultErrorReporter, type ErrorReporter } from "./sentry.ts";

export { corsHeaders, REQUEST_ID_HEADER };

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * Throw this from a handler to answer with a given status and error code; the
 * wrapper turns it into the standard error body. Anything else thrown is a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: HeadersInit,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A JSON response carrying the CORS headers; `headers` win over the defaults. */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const merged = new Headers(corsHeaders);
  merged.set("content-type", "application/json; charset=utf-8");
  new Headers(headers).forEach((value, key) => merged.set(key, value));
  return new Response(JSON.stringify(body), { status, headers: merged });
}

/** The standard error response: `{ error: { code, message, details? } }`. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: unknown,
  headers?: HeadersInit,
): Response {
  const body: ErrorBody = {
    error: details === undefined ? { code, message } : { code, message, details },
  };
  return json(body, status, headers);
}

/** 405 with the `Allow` header the HTTP spec asks for. */
export function methodNotAllowed(method: string, allowed: readonly string[]): HttpError {
  return new HttpError(
    405,
    "method_not_allowed",
    `Method ${method} is not allowed; use ${allowed.join(", ")}`,
    undefined,
    {
      Allow: allowed.join(", "),
    },
  );
}

/**
 * Answers a CORS preflight (`OPTIONS`) the way Supabase's examples do, or
 * returns null for any other request.
 */
export function handlePreflight(req: Request): Response | null {
  if (req.method !== "OPTIONS") return null;
  return new Response("ok", { status: 200, headers: corsHeaders });
}

/**
 * What we accept as an incoming request id: short and printable, so a caller
 * cannot inject log lines or oversized headers through it.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, otherwise a fresh UUID. */
export function requestIdOf(req: Request): string {
  const incoming = req.headers.get(REQUEST_ID_HEADER);
  return incoming !== null && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** Zod issues as a stable, client-friendly list (no values echoed back). */
export function describeIssues(
  error: z.ZodError,
): Array<{ path: string; message: string; code: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * Reads and validates a JSON body: 415 when it is not JSON, 400 when it does
 * not parse or does not match `schema` (with the failing fields in `details`).
 */
export async function readJson<Schema extends z.ZodTypeAny>(
  req: Request,
  schema: Schema,
): Promise<z.output<Schema>> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json");
  }
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      400,
      "validation_failed",
      "The request body is invalid",
      describeIssues(parsed.error),
    );
  }
  return parsed.data;
}

export interface RequestContext {
  /** The function's name, as in the URL (`/functions/v1/<fn>`). */
  fn: string;
  requestId: string;
  /** A logger whose lines carry `fn` and `request_id`. */
  log: Logger;
}

export type FunctionHandler = (req: Request, ctx: RequestContext) => Response | Promise<Response>;

export interface HandlerOptions {
  /**
   * Where unhandled errors (the 500s) are reported. Default: Sentry when
   * SENTRY_DSN is set, else nowhere (sentry.ts), read once per isolate.
   */
  reportError?: ErrorReporter;
}

/**
 * Adds headers the handler did not set itself. Responses built by fetch() or
 * Response.redirect() have immutable headers: those are copied into a new one.
 * A 101 (WebSocket upgrade) is returned untouched: it cannot be rebuilt.
 */
export function withDefaultHeaders(res: Response, defaults: Record<string, string>): Response {
  if (res.status === 101) return res;
  try {
    for (const [key, value] of Object.entries(defaults)) {
      if (!res.headers.has(key)) res.headers.set(key, value);
    }
    return res;
  } catch {
    const headers = new Headers(res.headers);
    for (const [key, value] of Object.entries(defaults)) {
      if (!headers.has(key)) headers.set(key, value);
    }
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}

/** A caller's mistake or a deliberate answer, as opposed to our bug or an outside failure. */
const isExpected = (error: unknown): boolean =>
  error instanceof HttpError || error instanceof z.ZodError;

/** Maps anything a handler threw to a response; only unexpected errors are logged as errors. */
function responseForError(error: unknown, log: Logger, requestId: string): Response {
  if (error instanceof HttpError) {
    return errorResponse(error.status, error.code, error.message, error.details, error.headers);
  }
  if (error instanceof z.ZodError) {
    return errorResponse(400, "validation_failed", "The request is invalid", describeIssues(error));
  }
  // Our bug or an outside failure: log what happened, tell the caller nothing internal.
  log.error("unhandled error", {
    error: safeErrorMessage(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  // The request id is all the caller gets: enough to find the logged error.
  return errorResponse(500, "internal_error", "Internal server error", { request_id: requestId });
}

/**
 * Wraps a function's handler with the shared conventions (preflight, request id,
 * error mapping, CORS on every response, error reporting, one access log line).
 * The returned function is what goes to `Deno.serve`. Called at a function's
 * top level, it reads SENTRY_DSN there: a malformed one is a boot error.
 */
export function createHandler(
  fn: string,
  handler: FunctionHandler,
  options: HandlerOptions = {},
): (req: Request) => Promise<Response> {
  const reportError = options.reportError ?? defaultErrorReporter();
  return async (req: Request): Promise<Response> => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    const log = createLogger({ fn, request_id: requestId });

    let res: Response;
    const preflight = handlePreflight(req);
    if (preflight) {
      res = preflight;
    } else {
      try {
        res = await handler(req, { fn, requestId, log });
      } catch (error) {
        res = responseForError(error, log, requestId);
        if (!isExpected(error)) await reportError({ fn, requestId, error });
      }
    }

    res = withDefaultHeaders(res, { ...corsHeaders, [REQUEST_ID_HEADER]: requestId });
    logAccess({
      fn,
      request_id: requestId,
      method: req.method,
      path: new URL(req.url).pathname,
      status: res.status,
      ms: Math.round(performance.now() - startedAt),
    });
    return res;
  };
}

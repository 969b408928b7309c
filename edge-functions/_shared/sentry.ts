/**
 * Optional error reporting to Sentry for every function: when SENTRY_DSN is
 * set, the errors createHandler answers with a 500 (our bug or an outside
 * failure, never a caller's mistake) are sent to Sentry with the function's
 * name and the request id as tags, so an event leads to the function's log
 * lines and the caller's `request_id`. When SENTRY_DSN is unset nothing is
 * initialised and nothing is sent.
 *
 * Set up as Supabase documents it for edge functions: `@sentry/deno` with
 * `defaultIntegrations: false` (isolates are shared between requests, and
 * locally between functions: no global handlers, no breadcrumbs of other
 * requests), the tags set per event in their own scope, and a flush before
 * the response so the event leaves before the isolate may be frozen.
 *
 * An event carries no request data (headers hold tokens) and its messages are
 * scrubbed like log lines (log.ts scrubSecrets).
 */
import * as Sentry from "@sentry/deno";
import { z } from "zod";
import { appVersion, readEnv } from "./env.ts";
import { createLogger, safeErrorMessage, scrubSecrets } from "./log.ts";

export interface ErrorReport {
  /** The function's name, as in the URL. */
  fn: string;
  requestId: string;
  error: unknown;
}

/** Sends one unhandled error somewhere; never throws, never changes the response. */
export type ErrorReporter = (report: ErrorReport) => Promise<void>;

/** Nothing configured: nothing sent. */
export const noErrorReporting: ErrorReporter = () => Promise.resolve();

/** How long a 500 may wait for its event to leave (Supabase's example uses 2 s). */
const FLUSH_TIMEOUT_MS = 2_000;

/**
 * A Sentry DSN: `<scheme>://<public key>@<host>[/path]/<project id>`. Anything
 * else fails the function's boot, as any malformed secret does.
 */
const sentryDsn = z.string().url("must be a URL").regex(
  /^https?:\/\/[^:@/\s]+(:[^@/\s]*)?@[^/\s]+(\/[^\s]*)?\/[0-9]+\/?$/,
  "must be a Sentry DSN: https://<public key>@<host>/<project id>",
);

export const sentryEnvShape = {
  SENTRY_DSN: sentryDsn.optional(),
  /** Sentry's environment of the events (e.g. production, staging); default "production". */
  SENTRY_ENVIRONMENT: z.string().min(1).max(64).default("production"),
  TERRAIN_VERSION: appVersion,
} as const;

const log = createLogger({ svc: "sentry" });

/** The DSN the isolate's Sentry client was initialised with (one client per isolate). */
let initialisedDsn: string | undefined;

function scrubEvent(event: Sentry.ErrorEvent): Sentry.ErrorEvent {
  delete event.request;
  if (event.message) event.message = scrubSecrets(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubSecrets(exception.value);
  }
  return event;
}

function initSentry(dsn: string, environment: string, release: string): void {
  if (initialisedDsn === dsn) return;
  Sentry.init({
    dsn,
    environment,
    release,
    defaultIntegrations: false,
    sendDefaultPii: false,
    beforeSend: scrubEvent,
  });
  initialisedDsn = dsn;
}

/**
 * The reporter of the isolate's environment: Sentry when SENTRY_DSN is set,
 * otherwise none. Throws EnvError (a boot error) for a malformed DSN.
 */
export function errorReporterFromEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): ErrorReporter {
  const env = readEnv(sentryEnvShape, source);
  const dsn = env.SENTRY_DSN;
  if (dsn === undefined) return noErrorReporting;
  initSentry(dsn, env.SENTRY_ENVIRONMENT, env.TERRAIN_VERSION);
  return async ({ fn, requestId, error }) => {
    try {
      // Another function of the isolate may have re-initialised the client with its own DSN.
      initSentry(dsn, env.SENTRY_ENVIRONMENT, env.TERRAIN_VERSION);
      Sentry.withScope((scope) => {
        scope.setTag("function", fn);
        scope.setTag("request_id", requestId);
        Sentry.captureException(error);
      });
      if (!(await Sentry.flush(FLUSH_TIMEOUT_MS))) {
        log.warn("Sentry did not accept the event in time", { fn, request_id: requestId });
      }
    } catch (failure) {
      log.warn("could not report the error to Sentry", {
        fn,
        request_id: requestId,
        error: safeErrorMessage(failure),
      });
    }
  };
}

let isolateReporter: ErrorReporter | undefined;

/** The isolate's reporter, read from the environment once. */
export function defaultErrorReporter(): ErrorReporter {
  isolateReporter ??= errorReporterFromEnv();
  return isolateReporter;
}

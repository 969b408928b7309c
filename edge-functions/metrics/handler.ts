/**
 * GET /functions/v1/metrics — Prometheus scrape endpoint.
 *
 * Who may scrape: service_role only. The gateway verifies the JWT
 * (config.toml verify_jwt = true), but any valid JWT passes that, including the
 * public anon key, and these series carry organization ids and invoice totals:
 * the handler also requires the verified token's role claim to be service_role
 * (403 otherwise). Prometheus sends it with `authorization.credentials`.
 */
import { type FunctionHandler, HttpError, methodNotAllowed } from "../_shared/http.ts";
import { corsHeaders } from "../_shared/http.ts";
import { isServiceRole } from "../_shared/auth.ts";
import { CONTENT_TYPE, formatExposition, type Sample } from "./exposition.ts";

export interface MetricsDeps {
  /** Rows of ops.metrics(). */
  load: () => Promise<Sample[]>;
}

const ALLOWED_METHODS = ["GET", "OPTIONS"] as const;

export function createMetricsHandler(deps: MetricsDeps): FunctionHandler {
  return async (req) => {
    if (req.method !== "GET") throw methodNotAllowed(req.method, ALLOWED_METHODS);
    if (!isServiceRole(req)) {
      throw new HttpError(403, "forbidden", "The metrics endpoint requires the service role key");
    }
    const body = formatExposition(await deps.load());
    const headers = new Headers(corsHeaders);
    headers.set("content-type", CONTENT_TYPE);
    headers.set("cache-control", "no-store");
    return new Response(body, { status: 200, headers });
  };
}

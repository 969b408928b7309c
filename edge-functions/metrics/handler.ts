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
import { CONTENT_TYPE, formatExposition, type Sample } from "./exposition.ts";

export interface MetricsDeps {
  /** Rows of ops.metrics(). */
  load: () => Promise<Sample[]>;
}

const ALLOWED_METHODS = ["GET", "OPTIONS"] as const;

/** The role claim of a bearer JWT, or null. The signature was checked by the gateway. */
export function bearerRole(req: Request): string | null {
  const auth = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.[^.\s]*$/i.exec(auth);
  if (!match) return null;
  try {
    const b64 = match[2]!.replace(/-/g, "+").replace(/_/g, "/");
    const payload = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    return typeof payload?.role === "string" ? payload.role : null;
  } catch {
    return null;
  }
}

export function createMetricsHandler(deps: MetricsDeps): FunctionHandler {
  return async (req) => {
    if (req.method !== "GET") throw methodNotAllowed(req.method, ALLOWED_METHODS);
    if (bearerRole(req) !== "service_role") {
      throw new HttpError(403, "forbidden", "The metrics endpoint requires the service role key");
    }
    const body = formatExposition(await deps.load());
    const headers = new Headers(corsHeaders);
    headers.set("content-type", CONTENT_TYPE);
    headers.set("cache-control", "no-store");
    return new Response(body, { status: 200, headers });
  };
}

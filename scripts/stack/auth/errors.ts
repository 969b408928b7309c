/**
 * LOCAL AUTH STAND-IN — not Supabase Auth. Production uses real Supabase Auth
 * (GoTrue); this module exists only so the local stack can answer the GoTrue
 * endpoints @supabase/auth-js calls.
 *
 * Error responses, in the two shapes GoTrue emits (supabase/auth,
 * internal/api/errors.go `HandleResponseError`):
 *
 *  - the request carries `X-Supabase-Api-Version: 2024-01-01` (or any later
 *    date; auth-js always sends it): the response echoes that header with the
 *    value `2024-01-01` and the body is `{"code": "<error_code>", "message": "…"}`;
 *  - otherwise (no header, or one that does not parse as a date): the legacy
 *    body `{"code": <http status>, "error_code": "…", "msg": "…"}` and no
 *    version header.
 *
 * auth-js (src/lib/fetch.ts `handleError`) reads `code` only when the response
 * carries the version header, `error_code` otherwise, and the message from
 * `msg` then `message` — so both shapes reach the app as the same AuthApiError.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export const API_VERSION_HEADER = "x-supabase-api-version";
const API_VERSION_2024_01_01 = "2024-01-01";

/**
 * The subset of GoTrue's error codes the stand-in can produce
 * (internal/api/apierrors/errorcode.go). `not_found` and `method_not_allowed`
 * are the stand-in's own: GoTrue's router answers those with chi's defaults.
 */
export type AuthErrorCode =
  | "unexpected_failure"
  | "validation_failed"
  | "bad_json"
  | "email_exists"
  | "phone_exists"
  | "bad_jwt"
  | "not_admin"
  | "no_authorization"
  | "user_not_found"
  | "session_not_found"
  | "session_expired"
  | "refresh_token_not_found"
  | "refresh_token_already_used"
  | "signup_disabled"
  | "user_banned"
  | "email_not_confirmed"
  | "phone_provider_disabled"
  | "invalid_credentials"
  | "weak_password"
  | "request_entity_too_large"
  | "not_found"
  | "method_not_allowed";

/** An error that becomes a GoTrue-shaped HTTP response. */
export class AuthHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: AuthErrorCode,
    message: string,
    /** Extra top-level body fields (GoTrue adds `weak_password` this way). */
    readonly extraBody: Record<string, unknown> = {},
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AuthHttpError";
  }
}

export const badRequest = (code: AuthErrorCode, message: string) => new AuthHttpError(400, code, message);
export const forbidden = (code: AuthErrorCode, message: string) => new AuthHttpError(403, code, message);
export const notFound = (code: AuthErrorCode, message: string) => new AuthHttpError(404, code, message);
export const unprocessable = (code: AuthErrorCode, message: string) => new AuthHttpError(422, code, message);

/** GoTrue's WeakPasswordError: 422 with the reasons under `weak_password`. */
export function weakPassword(message: string, reasons: string[]): AuthHttpError {
  return new AuthHttpError(422, "weak_password", message, { weak_password: { reasons } });
}

/**
 * True when the request asked for the 2024-01-01 error shape. Mirrors
 * `DetermineClosestAPIVersion`: a YYYY-MM-DD date on or after 2024-01-01
 * selects it; anything else (absent, malformed, older) selects the legacy one.
 */
export function wantsApiVersion20240101(req: IncomingMessage): boolean {
  const raw = req.headers[API_VERSION_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(parsed) && parsed >= Date.parse(`${API_VERSION_2024_01_01}T00:00:00Z`);
}

/** Headers every stand-in response carries when the client speaks 2024-01-01. */
export function versionHeaders(req: IncomingMessage): Record<string, string> {
  return wantsApiVersion20240101(req) ? { [API_VERSION_HEADER]: API_VERSION_2024_01_01 } : {};
}

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    // Tokens and user records must never be cached by a browser or a proxy.
    "cache-control": "no-store",
    ...versionHeaders(req),
    ...headers,
  });
  res.end(text);
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: AuthHttpError): void {
  const body = wantsApiVersion20240101(req)
    ? { code: err.errorCode, message: err.message, ...err.extraBody }
    : { code: err.status, error_code: err.errorCode, msg: err.message, ...err.extraBody };
  sendJson(req, res, err.status, body, err.extraHeaders);
}

/** What GoTrue answers for an error it did not anticipate (no detail leaks to the client). */
export function unexpectedFailure(): AuthHttpError {
  return new AuthHttpError(500, "unexpected_failure", "Unexpected failure, please check server logs for more information");
}

/**
 * HTTP settings of the whole local stack, defined once: the gateway applies
 * them, and passes the body limit to the functions runtime.
 *
 * edge-functions/_shared/cors.ts carries a Deno twin of CORS_HEADERS (the
 * functions answer their own preflight, as on hosted Supabase); http.test.ts
 * fails when the two differ.
 */

/** Largest request body the stack accepts (gateway, functions runtime). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * CORS for browsers on any origin: the headers supabase-js and PostgREST
 * clients send (profiles, prefer, range), and the ones they must be able to
 * read (pagination, request id, rate-limit retry).
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, content-profile, accept-profile, prefer, range, x-request-id, x-supabase-api-version, x-upsert",
  "Access-Control-Expose-Headers": "content-range, content-location, content-disposition, location, x-request-id, x-supabase-api-version, retry-after, x-audit-next-before-id",
  "Access-Control-Max-Age": "3600",
});

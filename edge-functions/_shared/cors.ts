/**
 * CORS headers and the request-id header name, without dependencies: the
 * functions runtime (_main) imports them too, and it must boot with nothing
 * from npm in Deno's cache.
 */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * The local stack's CORS headers (scripts/stack/http.ts, whose test checks
 * this twin holds the same values): Supabase's recommended list (what
 * `@supabase/supabase-js/cors` exports) widened to what PostgREST clients send
 * and read, with `x-request-id` both ways: browsers may send one, and may only
 * read ours when it is listed in Expose-Headers.
 */
export const corsHeaders: Readonly<Record<string, string>> = Object.freeze({
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
  "Access-Control-Allow-Headers":
    "authorization, x-client-info, apikey, content-type, content-profile, accept-profile, prefer, range, x-request-id, x-supabase-api-version, x-upsert",
  "Access-Control-Expose-Headers":
    "content-range, content-location, content-disposition, location, x-request-id, x-supabase-api-version, retry-after, x-audit-next-before-id",
  "Access-Control-Max-Age": "3600",
});

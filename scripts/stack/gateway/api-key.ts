/** Kong's key-auth and CORS, as Supabase's gateway applies them to /rest/v1 and /auth/v1. */
import type { IncomingMessage } from "node:http";
import { CORS_HEADERS } from "../http.ts";
import type { ApiKeys } from "../keys.ts";
import { type Middleware, sendJson } from "./exchange.ts";

/** The stack's CORS headers on every answer; a preflight is answered here (204). */
export const cors: Middleware = ({ req, res }, next) => {
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
  if (req.method === "OPTIONS") return void res.writeHead(204).end();
  return next();
};

function apikeyOf(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers.apikey;
  return (Array.isArray(h) ? h[0] : h) ?? url.searchParams.get("apikey") ?? undefined;
}

/**
 * The apikey (header or query) must be one of the project's keys. With
 * `asBearer`, a request without a user token runs with the apikey's role, as
 * in Supabase (PostgREST).
 */
export function requireApiKey(keys: ApiKeys, { asBearer = false } = {}): Middleware {
  const validKeys = new Set([keys.anonKey, keys.serviceRoleKey]);
  return ({ req, res, url }, next) => {
    const key = apikeyOf(req, url);
    if (!key) {
      return sendJson(res, 401, { message: "No API key found in request", hint: "No `apikey` request header or url param was found." });
    }
    if (!validKeys.has(key)) {
      return sendJson(res, 401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
    }
    if (asBearer && !req.headers.authorization) req.headers.authorization = `Bearer ${key}`;
    return next();
  };
}

/**
 * A request with one of the project's keys in `apikey` and no Authorization
 * runs with the key's role (what Supabase's gateway does for Storage); any
 * other request passes unchanged, its own token (or none) for the upstream to judge.
 */
export function apiKeyAsBearer(keys: ApiKeys): Middleware {
  const validKeys = new Set([keys.anonKey, keys.serviceRoleKey]);
  return ({ req, url }, next) => {
    const key = apikeyOf(req, url);
    if (key && validKeys.has(key) && !req.headers.authorization) req.headers.authorization = `Bearer ${key}`;
    return next();
  };
}

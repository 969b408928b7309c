/**
 * JWT checks of the gateway: the verifier (with its cache) and, for
 * /functions/v1, Supabase's per-function `verify_jwt`.
 */
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { type JWTPayload, jwtVerify } from "jose";
import { parse as parseToml } from "smol-toml";
import { ROOT } from "../config.ts";
import { type Middleware, sendJson } from "./exchange.ts";

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/** `verify_jwt` per function from config.toml ([functions.<slug>]); Supabase's default is true. */
export function functionsJwtPolicy(configPath = join(ROOT, "supabase", "config.toml")): Map<string, boolean> {
  const policy = new Map<string, boolean>();
  if (!existsSync(configPath)) return policy;
  const toml = parseToml(readFileSync(configPath, "utf8")) as { functions?: Record<string, { verify_jwt?: boolean }> };
  for (const [slug, fn] of Object.entries(toml.functions ?? {})) policy.set(slug, fn.verify_jwt !== false);
  return policy;
}

/** Verified tokens kept (each until its own expiry); the cache starts over past this many. */
const MAX_CACHED_TOKENS = 10_000;

/**
 * HS256 verification with a memory: a client sends the same token on every
 * request until it refreshes it, and verifying it again each time (an HMAC
 * and the claims checks) was a measurable share of the gateway's work. A
 * token is cached only once verified, with its `exp` and `nbf`, and checked
 * against the clock on every use: an expired token is refused exactly when
 * it would have been without the cache. Tokens that fail are not cached (a
 * flood of bad tokens cannot grow the cache, and costs what it did).
 */
export function createJwtVerifier(jwtSecret: string) {
  const secret = new TextEncoder().encode(jwtSecret);
  const verified = new Map<string, { payload: JWTPayload; exp: number; nbf: number }>();
  return async function verify(token: string): Promise<JWTPayload> {
    const now = Date.now() / 1000;
    const hit = verified.get(token);
    if (hit && now < hit.exp && now >= hit.nbf) return hit.payload;
    if (hit) verified.delete(token);
    const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
    if (verified.size >= MAX_CACHED_TOKENS) verified.clear();
    // jose allows no clock tolerance by default: the same bounds here.
    verified.set(token, { payload, exp: typeof payload.exp === "number" ? payload.exp : Infinity, nbf: typeof payload.nbf === "number" ? payload.nbf : -Infinity });
    return payload;
  };
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1];
}

/**
 * /functions/v1/<slug>: a valid JWT unless the function opted out
 * (verify_jwt = false). Preflight passes: functions answer CORS themselves,
 * as Supabase forwards OPTIONS untouched. `_`-prefixed paths (the runtime's
 * own readiness endpoint, for the supervisor) are not the world's.
 */
export function functionJwt(policy: Map<string, boolean>, verifyJwt: JwtVerifier): Middleware {
  return async ({ req, res, url }, next) => {
    const slug = url.pathname.split("/")[3] ?? "";
    if (slug.startsWith("_")) return sendJson(res, 404, { code: "NOT_FOUND", message: "Requested function was not found" });
    if (req.method !== "OPTIONS" && policy.get(slug) !== false) {
      const token = bearer(req);
      if (!token) return sendJson(res, 401, { code: 401, message: "Missing authorization header" });
      try {
        await verifyJwt(token);
      } catch {
        return sendJson(res, 401, { code: 401, message: "Invalid JWT" });
      }
    }
    return next();
  };
}

/** The verified JWT's role and sub ({} when absent or invalid: PostgREST will refuse it anyway). */
export async function verifiedClaims(req: IncomingMessage, verifyJwt: JwtVerifier): Promise<Record<string, unknown>> {
  const token = bearer(req);
  if (!token) return {};
  try {
    const payload = await verifyJwt(token);
    return { role: payload.role, sub: payload.sub };
  } catch {
    return {};
  }
}

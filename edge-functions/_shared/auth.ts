/**
 * Who is calling, as far as a function may tell from the bearer token.
 *
 * The signature is NOT checked here: hosted Supabase (verify_jwt = true in
 * supabase/config.toml) and the local gateway verify it before the request
 * reaches the function. Use this only in functions that keep verify_jwt on.
 */

/** The claims of the bearer JWT (its payload, signature unchecked: see above), or null. */
export function bearerClaims(req: Request): Record<string, unknown> | null {
  const auth = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.[^.\s]*$/i.exec(auth);
  if (!match) return null;
  try {
    const b64 = match[2]!.replace(/-/g, "+").replace(/_/g, "/");
    const payload = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    return payload !== null && typeof payload === "object" && !Array.isArray(payload)
      ? payload
      : null;
  } catch {
    return null;
  }
}

/** The `role` claim of the bearer JWT (`anon`, `authenticated`, `service_role`), or null. */
export function bearerRole(req: Request): string | null {
  const role = bearerClaims(req)?.role;
  return typeof role === "string" ? role : null;
}

/** The signed-in user's id (`sub` of an `authenticated` token), or null for anon, service role, no token. */
export function bearerUserId(req: Request): string | null {
  const claims = bearerClaims(req);
  return claims?.role === "authenticated" && typeof claims.sub === "string" ? claims.sub : null;
}

/** True when the (gateway-verified) bearer token carries the service role. */
export const isServiceRole = (req: Request): boolean => bearerRole(req) === "service_role";

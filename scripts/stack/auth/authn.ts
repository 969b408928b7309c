/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * Who is calling: the bearer token checks GoTrue runs before /user, /logout
 * (`requireAuthentication`) and /admin/* (`requireAdminCredentials`), with its
 * status codes and messages (internal/api/auth.go).
 */
import type { IncomingMessage } from "node:http";
import type { JWTPayload } from "jose";
import { AuthHttpError, badRequest, forbidden } from "./errors.ts";
import type { TokenSigner } from "./tokens.ts";
import { NIL_UUID, USER_COLUMNS, UUID_PATTERN, type Queryable, type UserRow } from "./users.ts";

/** JWT roles GoTrue accepts on /admin (its default GOTRUE_JWT_ADMIN_ROLES). */
const ADMIN_ROLES = new Set(["service_role", "supabase_admin"]);

export interface AuthenticatedCaller {
  claims: JWTPayload;
  user: UserRow;
  /** Undefined for a token without session_id (GoTrue then logs out by refresh tokens). */
  sessionId: string | undefined;
}

/** GoTrue's bearerRegexp: `^(?:B|b)earer (\S+$)`. */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization ?? "";
  const match = /^[Bb]earer (\S+)$/.exec(header);
  if (!match?.[1]) {
    throw new AuthHttpError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  }
  return match[1];
}

/** A user's access token: valid signature, existing user, existing session, not banned. */
export async function requireUser(req: IncomingMessage, db: Queryable, signer: TokenSigner): Promise<AuthenticatedCaller> {
  const claims = await signer.verify(bearerToken(req));

  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw forbidden("bad_jwt", "invalid claim: missing sub claim");
  }
  if (!UUID_PATTERN.test(claims.sub)) {
    throw badRequest("bad_jwt", "invalid claim: sub claim must be a UUID");
  }
  const rawSessionId = claims.session_id;
  const sessionId = typeof rawSessionId === "string" && rawSessionId !== "" && rawSessionId !== NIL_UUID ? rawSessionId : undefined;
  if (sessionId !== undefined && !UUID_PATTERN.test(sessionId)) {
    throw forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
  }

  // One round trip: the user, and whether the token's session still exists.
  const { rows } = await db.query<UserRow & { session_exists: boolean }>(
    `select ${USER_COLUMNS},
            ($2::uuid is null or exists (select from auth.sessions s where s.id = $2::uuid and s.user_id = u.id)) as session_exists
       from auth.users u
      where u.id = $1`,
    [claims.sub, sessionId ?? null],
  );
  const row = rows[0];
  if (!row) throw forbidden("user_not_found", "User from sub claim in JWT does not exist");
  if (!row.session_exists) throw forbidden("session_not_found", "Session from session_id claim in JWT does not exist");
  if (row.is_banned) throw forbidden("user_banned", "User is banned");
  const { session_exists: _sessionExists, ...user } = row;
  return { claims, user, sessionId };
}

/** The service_role key (or any JWT signed with the secret whose role is an admin role). */
export async function requireAdmin(req: IncomingMessage, signer: TokenSigner): Promise<JWTPayload> {
  const claims = await signer.verify(bearerToken(req));
  if (typeof claims.role !== "string" || !ADMIN_ROLES.has(claims.role)) {
    throw forbidden("not_admin", "User not allowed");
  }
  return claims;
}

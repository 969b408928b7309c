/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * Sessions: the password grant, the refresh-token grant (rotation with reuse
 * detection) and logout, over auth.sessions and auth.refresh_tokens.
 *
 * Refresh-token reuse is stricter than GoTrue's defaults: GoTrue tolerates a
 * revoked token for GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL (10 s) and
 * hands back the current token when the presented one is its direct parent;
 * the stand-in accepts every refresh token exactly once, and any second use
 * ends the session, as GoTrue does once the reuse interval has passed. That
 * makes "a stolen refresh token kills the session" testable deterministically.
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type pg from "pg";
import type { JsonObject } from "./body.ts";
import { stringField } from "./body.ts";
import { AuthHttpError, badRequest, unprocessable } from "./errors.ts";
import { hashRefreshToken, newRefreshToken, type TokenSigner } from "./tokens.ts";
import { findUserById, NIL_UUID, userJson, type Queryable, type UserRow } from "./users.ts";

/** Audience GoTrue gives users when none is configured (GOTRUE_JWT_AUD). */
export const DEFAULT_AUDIENCE = "authenticated";

/** GoTrue's InvalidLoginMessage: the same answer for an unknown user and a wrong password. */
const INVALID_LOGIN = "Invalid login credentials";

/** bcrypt only reads the first 72 bytes; Go's bcrypt refuses longer passwords outright. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * A bcrypt hash (of a throwaway string) that unknown users are checked
 * against, so that "no such user" costs the same bcrypt round as "wrong
 * password" and response time does not reveal which accounts exist. The
 * comparison target is '', so it can never match.
 */
const TIMING_DUMMY_BCRYPT = "$2a$10$/yKeQzk3G2qhFc4LwvClE.V.4VFr5UTCu4vThdEFCv4/ugWSGlmB2";

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export function clientInfo(req: IncomingMessage): ClientInfo {
  const forwarded = req.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  const candidate = first || req.socket.remoteAddress || "";
  const userAgent = req.headers["user-agent"];
  return { userAgent: userAgent ? userAgent.slice(0, 1024) : null, ip: isIP(candidate) ? candidate : null };
}

export interface SessionResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
}

/**
 * Thrown inside a transaction when the request fails but what the transaction
 * did must stay (ending a session on refresh-token reuse): committed, then reported.
 */
class CommitThenFail extends Error {
  constructor(readonly failure: AuthHttpError) {
    super(failure.message);
  }
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query("begin");
    open = true;
    try {
      const result = await work(client);
      await client.query("commit");
      open = false;
      return result;
    } catch (err) {
      if (!(err instanceof CommitThenFail)) throw err;
      await client.query("commit");
      open = false;
      throw err.failure;
    }
  } catch (err) {
    if (open) await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Signs the access token for `user` in `sessionId` and assembles GoTrue's session JSON. */
async function sessionResponse(
  signer: TokenSigner,
  user: UserRow,
  sessionId: string,
  signedInAt: Date,
  refreshToken: string,
): Promise<SessionResponse> {
  const { token, expiresAt } = await signer.signAccessToken({
    sub: user.id,
    aud: user.aud ?? DEFAULT_AUDIENCE,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role ?? "",
    aal: "aal1",
    // The stand-in only signs in with a password; the timestamp is when the session began.
    amr: [{ method: "password", timestamp: Math.floor(signedInAt.getTime() / 1000) }],
    session_id: sessionId,
    is_anonymous: user.is_anonymous,
  });
  return {
    access_token: token,
    token_type: "bearer",
    expires_in: signer.expirySeconds,
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: userJson(user),
  };
}

async function insertRefreshToken(
  client: pg.PoolClient,
  userId: string,
  sessionId: string,
  parentHash: string | null,
): Promise<string> {
  const token = newRefreshToken();
  await client.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ($1, $2, $3, false, now(), now(), $4, $5)`,
    [NIL_UUID, hashRefreshToken(token), userId, parentHash, sessionId],
  );
  return token;
}

/** POST /token?grant_type=password */
export async function passwordGrant(
  pool: pg.Pool,
  signer: TokenSigner,
  body: JsonObject,
  client: ClientInfo,
): Promise<SessionResponse> {
  const email = stringField(body, "email");
  const phone = stringField(body, "phone");
  const password = stringField(body, "password");

  if (email !== "" && phone !== "") {
    throw badRequest("validation_failed", "Only an email address or phone number should be provided on login.");
  }
  if (phone !== "") {
    // Phone sign-in needs an SMS provider, which the local stack does not have.
    throw unprocessable("phone_provider_disabled", "Phone logins are disabled");
  }
  if (email === "") throw badRequest("validation_failed", "missing email or phone");

  // One statement whatever happens: the bcrypt comparison always runs, against
  // the user's hash or against the dummy, so timing does not enumerate users.
  // pgcrypto knows $2a$ only; $2b$/$2y$ hashes (other bcrypt libraries) are
  // the same algorithm for passwords under 72 bytes, so they are compared
  // under the $2a$ prefix.
  const { rows } = await pool.query<{
    id: string | null;
    password_ok: boolean;
    email_confirmed: boolean | null;
    is_banned: boolean | null;
  }>(
    `with candidate as (
       select u.id, u.email_confirmed_at, u.banned_until,
              case when u.encrypted_password ~ '^\\$2[abxy]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$'
                   then '$2a$' || substr(u.encrypted_password, 5) end as bcrypt_hash
         from auth.users u
        where lower(u.email) = lower($1)
          and u.aud = $3
          and u.is_sso_user = false
        limit 1
     )
     select c.id,
            coalesce(extensions.crypt($2, coalesce(c.bcrypt_hash, $4)) = c.bcrypt_hash, false) as password_ok,
            c.email_confirmed_at is not null as email_confirmed,
            coalesce(c.banned_until > now(), false) as is_banned
       from (values (1)) as always_one_row (x)
       left join candidate c on true`,
    [email, password, DEFAULT_AUDIENCE, TIMING_DUMMY_BCRYPT],
  );
  const found = rows[0];
  const passwordTooLong = Buffer.byteLength(password, "utf8") > BCRYPT_MAX_PASSWORD_BYTES;
  if (!found?.id || !found.password_ok || passwordTooLong || password === "") {
    throw badRequest("invalid_credentials", INVALID_LOGIN);
  }
  // Checked after the password (GoTrue checks before): only someone who knows
  // the password learns that the account is banned or unconfirmed.
  if (found.is_banned) throw badRequest("user_banned", "User is banned");
  if (!found.email_confirmed) throw badRequest("email_not_confirmed", "Email not confirmed");
  const userId = found.id;

  return inTransaction(pool, async (tx) => {
    await tx.query(`update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1`, [userId]);
    const session = await tx.query<{ id: string; created_at: Date }>(
      `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
       values (gen_random_uuid(), $1, now(), now(), 'aal1', $2, $3)
       returning id, created_at`,
      [userId, client.userAgent, client.ip],
    );
    const { id: sessionId, created_at: signedInAt } = session.rows[0]!;
    const refreshToken = await insertRefreshToken(tx, userId, sessionId, null);
    const user = await findUserById(tx, userId);
    if (!user) throw badRequest("invalid_credentials", INVALID_LOGIN); // deleted meanwhile
    return sessionResponse(signer, user, sessionId, signedInAt, refreshToken);
  });
}

/**
 * POST /token?grant_type=refresh_token
 *
 * Locking: the session row first, then its tokens. Logout deletes the session
 * row (which cascades to the tokens), so it takes the same lock first; two
 * refreshes of one session, or a refresh racing a logout, queue on that lock
 * and can neither both succeed nor deadlock. The token is re-read once the
 * lock is held, so the second of two concurrent refreshes sees it revoked.
 */
export async function refreshTokenGrant(
  pool: pg.Pool,
  signer: TokenSigner,
  body: JsonObject,
  client: ClientInfo,
): Promise<SessionResponse> {
  const presented = stringField(body, "refresh_token");
  if (presented === "") {
    // GoTrue answers with an OAuth-style error here; the code is the closest GoTrue code.
    throw badRequest("validation_failed", "refresh_token required");
  }
  const presentedHash = hashRefreshToken(presented);
  const notFound = () => badRequest("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

  return inTransaction(pool, async (tx) => {
    const located = await tx.query<{ session_id: string | null }>(
      `select session_id from auth.refresh_tokens where token = $1`,
      [presentedHash],
    );
    const sessionId = located.rows[0]?.session_id;
    if (!sessionId) throw notFound();

    const session = await tx.query<{ created_at: Date; expired: boolean; user_id: string }>(
      `select created_at, coalesce(not_after < now(), false) as expired, user_id
         from auth.sessions where id = $1 for update`,
      [sessionId],
    );
    const sessionRow = session.rows[0];
    if (!sessionRow) throw notFound(); // logged out meanwhile: its tokens are gone too

    const token = await tx.query<{ id: string; revoked: boolean | null }>(
      `select id, revoked from auth.refresh_tokens where token = $1 and session_id = $2`,
      [presentedHash, sessionId],
    );
    const tokenRow = token.rows[0];
    if (!tokenRow) throw notFound();

    const user = await findUserById(tx, sessionRow.user_id);
    if (!user) throw notFound();
    if (user.is_banned) throw badRequest("user_banned", "Invalid Refresh Token: User Banned");
    if (sessionRow.expired) throw badRequest("session_expired", "Invalid Refresh Token: Session Expired");

    if (tokenRow.revoked) {
      // Replay of a used token: whoever holds this session's tokens is not to
      // be trusted any more. Ending the session also invalidates its access
      // tokens at /user (session_not_found). Committed, then reported.
      await tx.query(`delete from auth.sessions where id = $1`, [sessionId]);
      throw new CommitThenFail(badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"));
    }

    await tx.query(`update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1`, [tokenRow.id]);
    const refreshToken = await insertRefreshToken(tx, user.id, sessionId, presentedHash);
    await tx.query(
      `update auth.sessions
          set refreshed_at = (now() at time zone 'utc'), updated_at = now(), user_agent = $2, ip = $3
        where id = $1`,
      [sessionId, client.userAgent, client.ip],
    );
    return sessionResponse(signer, user, sessionId, sessionRow.created_at, refreshToken);
  });
}

export type LogoutScope = "global" | "local" | "others";

export function parseLogoutScope(raw: string | null): LogoutScope {
  if (raw === null || raw === "" || raw === "global") return "global";
  if (raw === "local" || raw === "others") return raw;
  throw badRequest("validation_failed", `Unsupported logout scope ${JSON.stringify(raw)}`);
}

/** POST /logout — sessions are deleted (their refresh tokens go with them), as GoTrue does. */
export async function logout(db: Queryable, userId: string, sessionId: string | undefined, scope: LogoutScope): Promise<void> {
  if (sessionId === undefined) {
    // A token without session_id (issued by something else than a sign-in): revoke by user.
    await db.query(`update auth.refresh_tokens set revoked = true, updated_at = now() where user_id = $1`, [userId]);
    return;
  }
  switch (scope) {
    case "local":
      await db.query(`delete from auth.sessions where id = $1`, [sessionId]);
      return;
    case "others":
      await db.query(`delete from auth.sessions where user_id = $1 and id <> $2`, [userId, sessionId]);
      return;
    case "global":
      await db.query(`delete from auth.sessions where user_id = $1`, [userId]);
      return;
  }
}

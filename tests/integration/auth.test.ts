/**
 * Integration tests of the LOCAL AUTH STAND-IN (scripts/stack/auth/), the
 * GoTrue-compatible subset the local stack serves at /auth/v1 — production
 * uses real Supabase Auth. Driven through the real @supabase/supabase-js
 * client (and raw fetch where the wire format itself is under test), against
 * the running stack whose coordinates the test harness exports:
 * TERRAIN_API_URL, TERRAIN_ANON_KEY, TERRAIN_SERVICE_ROLE_KEY,
 * TERRAIN_JWT_SECRET, TERRAIN_DB_URL.
 *
 * Destructive flows (global sign-out, refresh-token replay, deletion) run on
 * users created here with unique addresses, never on the seeded demo users
 * other test files may be using at the same time.
 */
import { randomUUID } from "node:crypto";
import {
  isAuthApiError,
  isAuthSessionMissingError,
  isAuthWeakPasswordError,
  type Session,
  type SupabaseClient,
} from "@supabase/supabase-js";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient } from "./harness.ts";

const { apiUrl: API_URL, anonKey: ANON_KEY, serviceRoleKey: SERVICE_ROLE_KEY, jwtSecret: JWT_SECRET, dbUrl: DB_URL } = stack;

const DEMO_TECHNICIAN = "tech1@chaleur-express.test";
const RUN_ID = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh client per use: no shared session, no auto-refresh, no cached refresh failure. */
const anonClient = (): SupabaseClient => supabaseClient(ANON_KEY);
const serviceClient = (): SupabaseClient => supabaseClient(SERVICE_ROLE_KEY);
/** A client whose every auth request carries a user's access token instead of a key. */
const clientActingAs = (accessToken: string): SupabaseClient => supabaseClient(ANON_KEY, accessToken);

interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/** Raw call to /auth/v1 (with the anon apikey, as every client sends), for wire-level assertions. */
async function authFetch(
  path: string,
  init: { method?: string; body?: string; bearer?: string; apiVersion?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { apikey: ANON_KEY, "content-type": "application/json" };
  if (init.apiVersion !== null) headers["x-supabase-api-version"] = init.apiVersion ?? "2024-01-01";
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  const res = await fetch(`${API_URL}/auth/v1${path}`, { method: init.method ?? "GET", headers, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

function refreshRaw(refreshToken: string): Promise<RawResponse> {
  return authFetch("/token?grant_type=refresh_token", {
    method: "POST",
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
}

async function signIn(email: string, password: string): Promise<Session> {
  const { data, error } = await anonClient().auth.signInWithPassword({ email, password });
  expect(error).toBeNull();
  expect(data.session).not.toBeNull();
  return data.session!;
}

const createdUserIds: string[] = [];
const admin = serviceClient();
let db: pg.Client;

function uniqueEmail(label: string): string {
  return `auth-${label}-${RUN_ID}@terrain.test`;
}

async function createTestUser(label: string, password = "correct-horse-battery"): Promise<{ id: string; email: string; password: string }> {
  const email = uniqueEmail(label);
  const { data, error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  expect(error).toBeNull();
  createdUserIds.push(data.user!.id);
  return { id: data.user!.id, email, password };
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
});

afterAll(async () => {
  for (const id of createdUserIds) {
    const { error } = await admin.auth.admin.deleteUser(id);
    // Already gone (a test deleted it) is fine; anything else is a real failure.
    if (error && !(isAuthApiError(error) && error.status === 404)) throw error;
  }
  await db?.end();
});

describe("password sign-in", () => {
  it("returns a GoTrue session for the seeded technician, with the claims PostgREST and RLS rely on", async () => {
    const { data, error } = await anonClient().auth.signInWithPassword({
      email: DEMO_TECHNICIAN,
      password: LOCAL_DEV_DEMO_PASSWORD,
    });
    expect(error).toBeNull();
    const session = data.session!;
    expect(session.token_type).toBe("bearer");
    expect(session.expires_in).toBe(3600);
    expect(session.refresh_token.length).toBeGreaterThanOrEqual(43); // 32 random bytes, base64url
    expect(data.user?.email).toBe(DEMO_TECHNICIAN);
    expect(data.user?.aud).toBe("authenticated");
    expect(Array.isArray(data.user?.identities)).toBe(true);

    // Signed with the project secret, HS256, and nothing else.
    const { payload, protectedHeader } = await jwtVerify(session.access_token, new TextEncoder().encode(JWT_SECRET), {
      algorithms: ["HS256"],
    });
    expect(protectedHeader).toMatchObject({ alg: "HS256", typ: "JWT" });
    expect(payload.role).toBe("authenticated");
    expect(payload.aud).toBe("authenticated");
    expect(payload.sub).toBe(data.user!.id);
    expect(payload.email).toBe(DEMO_TECHNICIAN);
    expect(payload.session_id).toMatch(UUID);
    expect(payload.aal).toBe("aal1");
    expect(payload.is_anonymous).toBe(false);
    expect(payload.amr).toEqual([{ method: "password", timestamp: expect.any(Number) }]);
    expect(String(payload.iss)).toMatch(/\/auth\/v1$/);
    const now = Math.floor(Date.now() / 1000);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(Math.abs(payload.exp! - (now + 3600))).toBeLessThan(60);
    expect(session.expires_at).toBe(payload.exp);
  });

  it("answers a wrong password and an unknown address identically (no user enumeration)", async () => {
    const wrongPassword = await anonClient().auth.signInWithPassword({ email: DEMO_TECHNICIAN, password: "not-the-password" });
    const unknownUser = await anonClient().auth.signInWithPassword({ email: uniqueEmail("nobody"), password: "whatever-123" });

    for (const result of [wrongPassword, unknownUser]) {
      expect(result.data.session).toBeNull();
      expect(isAuthApiError(result.error)).toBe(true);
      expect(result.error).toMatchObject({ status: 400, code: "invalid_credentials", message: "Invalid login credentials" });
    }

    const rawWrong = await authFetch("/token?grant_type=password", {
      method: "POST",
      body: JSON.stringify({ email: DEMO_TECHNICIAN, password: "not-the-password" }),
    });
    const rawUnknown = await authFetch("/token?grant_type=password", {
      method: "POST",
      body: JSON.stringify({ email: uniqueEmail("nobody"), password: "not-the-password" }),
    });
    expect(rawUnknown.status).toBe(rawWrong.status);
    expect(rawUnknown.body).toEqual(rawWrong.body);
  });

  it("getUser with the session returns the signed-in user", async () => {
    const client = anonClient();
    const { data: signedIn, error: signInError } = await client.auth.signInWithPassword({
      email: DEMO_TECHNICIAN,
      password: LOCAL_DEV_DEMO_PASSWORD,
    });
    expect(signInError).toBeNull();
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user?.id).toBe(signedIn.user!.id);
    expect(data.user?.email).toBe(DEMO_TECHNICIAN);
    expect(data.user?.role).toBe("authenticated");
  });
});

describe("refresh tokens", () => {
  it("rotate: the new token differs, a replay of the old one fails and ends the session", async () => {
    const user = await createTestUser("refresh");
    const first = await signIn(user.email, user.password);

    const { data, error } = await anonClient().auth.refreshSession({ refresh_token: first.refresh_token });
    expect(error).toBeNull();
    const second = data.session!;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token).session_id).toBe(decodeJwt(first.access_token).session_id);
    expect((await anonClient().auth.getUser(second.access_token)).data.user?.id).toBe(user.id);

    // Replay of the rotated-out token.
    const replay = await anonClient().auth.refreshSession({ refresh_token: first.refresh_token });
    expect(replay.data.session).toBeNull();
    expect(replay.error).toMatchObject({ status: 400, code: "refresh_token_already_used" });

    // The whole session is gone: its newest refresh token and its access token no longer work.
    const afterReplay = await refreshRaw(second.refresh_token);
    expect(afterReplay.status).toBe(400);
    expect(afterReplay.body?.code).toBe("refresh_token_not_found");
    const userAfterReplay = await authFetch("/user", { bearer: second.access_token });
    expect(userAfterReplay.status).toBe(403);
    expect(userAfterReplay.body?.code).toBe("session_not_found");
  });

  it("an unknown refresh token is refresh_token_not_found", async () => {
    const res = await refreshRaw("not-a-token-this-server-issued");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: "refresh_token_not_found", message: "Invalid Refresh Token: Refresh Token Not Found" });
  });

  it("concurrent refreshes of one token: exactly one succeeds", async () => {
    const user = await createTestUser("concurrent");
    const session = await signIn(user.email, user.password);

    const results = await Promise.all(Array.from({ length: 5 }, () => refreshRaw(session.refresh_token)));
    const succeeded = results.filter((r) => r.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    expect(succeeded).toHaveLength(1);
    for (const r of failed) {
      expect(r.status).toBe(400);
      // The first loser sees the token used and ends the session; later ones may find it gone.
      expect(["refresh_token_already_used", "refresh_token_not_found"]).toContain(r.body?.code);
    }
    expect(failed.some((r) => r.body?.code === "refresh_token_already_used")).toBe(true);
  });
});

describe("sign-out", () => {
  it("ends the session: the old access token is session_not_found and the refresh token is dead", async () => {
    const user = await createTestUser("signout");
    const client = anonClient();
    const { data, error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    expect(error).toBeNull();
    const { access_token: accessToken, refresh_token: refreshToken } = data.session!;

    expect((await client.auth.signOut()).error).toBeNull();

    // auth-js turns session_not_found into AuthSessionMissingError...
    const viaClient = await anonClient().auth.getUser(accessToken);
    expect(viaClient.data.user).toBeNull();
    expect(isAuthSessionMissingError(viaClient.error)).toBe(true);
    // ...which on the wire is GoTrue's 403 session_not_found.
    const raw = await authFetch("/user", { bearer: accessToken });
    expect(raw.status).toBe(403);
    expect(raw.body).toEqual({ code: "session_not_found", message: "Session from session_id claim in JWT does not exist" });

    const refresh = await refreshRaw(refreshToken);
    expect(refresh.status).toBe(400);
    expect(refresh.body?.code).toBe("refresh_token_not_found");
  });

  it("scope=local ends only the current session", async () => {
    const user = await createTestUser("signout-local");
    const kept = await signIn(user.email, user.password);
    const ended = await signIn(user.email, user.password);

    const res = await authFetch("/logout?scope=local", { method: "POST", bearer: ended.access_token });
    expect(res.status).toBe(204);
    expect((await authFetch("/user", { bearer: ended.access_token })).status).toBe(403);
    expect((await authFetch("/user", { bearer: kept.access_token })).status).toBe(200);
  });
});

describe("admin API", () => {
  it("creates a user with the service_role key; that user can sign in", async () => {
    const email = `Auth-Created-${RUN_ID}@Terrain.Test`;
    const { data, error } = await admin.auth.admin.createUser({
      email,
      password: "a-fine-password",
      email_confirm: true,
      user_metadata: { full_name: "Camille Martin" },
      app_metadata: { org_hint: "demo" },
    });
    expect(error).toBeNull();
    const created = data.user!;
    createdUserIds.push(created.id);
    expect(created.id).toMatch(UUID);
    expect(created.email).toBe(email.toLowerCase()); // GoTrue stores addresses lower-cased
    expect(created.email_confirmed_at).toBeTruthy();
    expect(created.role).toBe("authenticated");
    expect(created.app_metadata).toMatchObject({ provider: "email", providers: ["email"], org_hint: "demo" });
    expect(created.user_metadata).toMatchObject({ full_name: "Camille Martin", email_verified: true });
    expect(created.identities?.[0]).toMatchObject({ provider: "email", user_id: created.id });

    // Stored as a bcrypt hash, checked by pgcrypto.
    const { rows } = await db.query<{ encrypted_password: string }>(
      "select encrypted_password from auth.users where id = $1",
      [created.id],
    );
    expect(rows[0]?.encrypted_password).toMatch(/^\$2a\$10\$/);

    const session = await signIn(email, "a-fine-password");
    expect(session.user.id).toBe(created.id);

    const fetched = await admin.auth.admin.getUserById(created.id);
    expect(fetched.error).toBeNull();
    expect(fetched.data.user?.email).toBe(email.toLowerCase());
  });

  it("refuses the anon key and a user's token with 403 not_admin", async () => {
    const withAnonKey = await anonClient().auth.admin.createUser({ email: uniqueEmail("by-anon"), password: "secret-123" });
    expect(withAnonKey.error).toMatchObject({ status: 403, code: "not_admin", message: "User not allowed" });

    const session = await signIn(DEMO_TECHNICIAN, LOCAL_DEV_DEMO_PASSWORD);
    const withUserToken = await clientActingAs(session.access_token).auth.admin.createUser({
      email: uniqueEmail("by-user"),
      password: "secret-123",
    });
    expect(withUserToken.error).toMatchObject({ status: 403, code: "not_admin" });

    const { rowCount } = await db.query("select 1 from auth.users where email in ($1, $2)", [
      uniqueEmail("by-anon"),
      uniqueEmail("by-user"),
    ]);
    expect(rowCount).toBe(0);
  });

  it("refuses a duplicate address with 422 email_exists, a short password with 422 weak_password", async () => {
    const user = await createTestUser("duplicate");
    const duplicate = await admin.auth.admin.createUser({ email: user.email.toUpperCase(), password: "another-password" });
    expect(duplicate.error).toMatchObject({
      status: 422,
      code: "email_exists",
      message: "A user with this email address has already been registered",
    });

    const weak = await admin.auth.admin.createUser({ email: uniqueEmail("weak"), password: "12345" });
    expect(isAuthWeakPasswordError(weak.error)).toBe(true);
    expect(weak.error).toMatchObject({ status: 422, code: "weak_password" });

    const invalid = await admin.auth.admin.createUser({ email: "not-an-address", password: "long-enough" });
    expect(invalid.error).toMatchObject({ status: 400, code: "validation_failed" });
  });

  it("bans and unbans with ban_duration (admin update): a banned user's sign-in and refresh are 400 user_banned", async () => {
    const user = await createTestUser("banned");
    const before = await signIn(user.email, user.password);

    const banned = await admin.auth.admin.updateUserById(user.id, { ban_duration: "1h30m" });
    expect(banned.error).toBeNull();
    const bannedUntil = Date.parse(banned.data.user!.banned_until!);
    expect(bannedUntil - Date.now()).toBeGreaterThan(89 * 60_000);
    expect(bannedUntil - Date.now()).toBeLessThanOrEqual(90 * 60_000);

    const refused = await anonClient().auth.signInWithPassword({ email: user.email, password: user.password });
    expect(refused.error).toMatchObject({ status: 400, code: "user_banned", message: "User is banned" });
    expect(refused.data.session).toBeNull();
    const refresh = await refreshRaw(before.refresh_token);
    expect(refresh.status).toBe(400);
    expect(refresh.body?.code).toBe("user_banned");

    const lifted = await admin.auth.admin.updateUserById(user.id, { ban_duration: "none" });
    expect(lifted.error).toBeNull();
    expect(lifted.data.user?.banned_until).toBeUndefined();
    expect((await signIn(user.email, user.password)).user.id).toBe(user.id);
  });

  it("admin update refuses a bad ban_duration (400), an unknown user (404), a non-admin (403), and changes nothing", async () => {
    const user = await createTestUser("ban-refused");
    const badDuration = await admin.auth.admin.updateUserById(user.id, { ban_duration: "1 day" });
    expect(badDuration.error).toMatchObject({
      status: 400,
      code: "validation_failed",
      message: 'invalid format for ban duration: time: invalid duration "1 day"',
    });
    const unknown = await admin.auth.admin.updateUserById(randomUUID(), { ban_duration: "1h" });
    expect(unknown.error).toMatchObject({ status: 404, code: "user_not_found" });
    const byAnon = await anonClient().auth.admin.updateUserById(user.id, { ban_duration: "1h" });
    expect(byAnon.error).toMatchObject({ status: 403, code: "not_admin" });
    const { rows } = await db.query<{ banned_until: Date | null }>("select banned_until from auth.users where id = $1", [user.id]);
    expect(rows[0]?.banned_until).toBeNull();
    expect((await signIn(user.email, user.password)).user.id).toBe(user.id);
  });

  it("deletes a user: it can no longer be fetched nor sign in", async () => {
    const user = await createTestUser("deleted");
    const session = await signIn(user.email, user.password);

    expect((await admin.auth.admin.deleteUser(user.id)).error).toBeNull();

    const fetched = await admin.auth.admin.getUserById(user.id);
    expect(fetched.error).toMatchObject({ status: 404, code: "user_not_found" });
    const signInAgain = await anonClient().auth.signInWithPassword({ email: user.email, password: user.password });
    expect(signInAgain.error).toMatchObject({ status: 400, code: "invalid_credentials" });
    const oldToken = await authFetch("/user", { bearer: session.access_token });
    expect(oldToken.status).toBe(403);
    expect(oldToken.body?.code).toBe("user_not_found");
  });
});

describe("JWT verification at /user", () => {
  const secret = new TextEncoder().encode(JWT_SECRET);
  let genuineClaims: Record<string, unknown>;

  beforeAll(async () => {
    const session = await signIn(DEMO_TECHNICIAN, LOCAL_DEV_DEMO_PASSWORD);
    genuineClaims = decodeJwt(session.access_token);
  });

  async function expectBadJwt(token: string, messagePart: RegExp) {
    const raw = await authFetch("/user", { bearer: token });
    expect(raw.status).toBe(403);
    expect(raw.body?.code).toBe("bad_jwt");
    expect(String(raw.body?.message)).toMatch(/^invalid JWT: unable to parse or verify signature, /);
    expect(String(raw.body?.message)).toMatch(messagePart);

    const viaClient = await anonClient().auth.getUser(token);
    expect(viaClient.data.user).toBeNull();
    expect(viaClient.error).toMatchObject({ status: 403, code: "bad_jwt" });
  }

  it("refuses a token signed with another secret", async () => {
    const forged = await new SignJWT(genuineClaims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("another-secret-another-secret-another-secret"));
    await expectBadJwt(forged, /signature is invalid/);
  });

  it("refuses an expired token signed with the right secret", async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    const expired = await new SignJWT({ ...genuineClaims, iat: past - 3600, exp: past })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(secret);
    await expectBadJwt(expired, /token is expired/);
  });

  it('refuses alg "none" and algorithms other than HS256', async () => {
    const unsigned = new UnsecuredJWT(genuineClaims).encode();
    expect(decodeProtectedHeader(unsigned).alg).toBe("none");
    await expectBadJwt(unsigned, /signing method none is invalid/);

    const hs512 = await new SignJWT(genuineClaims).setProtectedHeader({ alg: "HS512", typ: "JWT" }).sign(secret);
    await expectBadJwt(hs512, /signing method HS512 is invalid/);
  });

  it("refuses garbage", async () => {
    await expectBadJwt("not.a.jwt", /token is malformed/);
  });

  it("asks for a bearer token when there is none", async () => {
    const raw = await authFetch("/user");
    expect(raw.status).toBe(401);
    expect(raw.body?.code).toBe("no_authorization");
  });
});

describe("request handling", () => {
  it("answers malformed JSON with 400 bad_json and writes nothing", async () => {
    const user = await createTestUser("badjson");
    const sessionsOf = async () =>
      Number((await db.query<{ n: string }>("select count(*) as n from auth.sessions where user_id = $1", [user.id])).rows[0]!.n);
    const before = await sessionsOf();

    const signInRes = await authFetch("/token?grant_type=password", {
      method: "POST",
      body: `{"email": "${user.email}", "password": "${user.password}"`,
    });
    expect(signInRes.status).toBe(400);
    expect(signInRes.body?.code).toBe("bad_json");
    expect(String(signInRes.body?.message)).toMatch(/^Could not parse request body as JSON: /);
    expect(await sessionsOf()).toBe(before);

    const orphanEmail = uniqueEmail("badjson-admin");
    const res = await fetch(`${API_URL}/auth/v1/admin/users`, {
      method: "POST",
      headers: {
        apikey: SERVICE_ROLE_KEY,
        authorization: `Bearer ${SERVICE_ROLE_KEY}`,
        "content-type": "application/json",
        "x-supabase-api-version": "2024-01-01",
      },
      body: `{"email": "${orphanEmail}", "password": `,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("bad_json");
    const { rowCount } = await db.query("select 1 from auth.users where email = $1", [orphanEmail]);
    expect(rowCount).toBe(0);
  });

  it("uses the legacy error shape without X-Supabase-Api-Version and the 2024-01-01 shape with it", async () => {
    const body = JSON.stringify({ email: uniqueEmail("shape"), password: "whatever-123" });
    const legacy = await authFetch("/token?grant_type=password", { method: "POST", body, apiVersion: null });
    expect(legacy.status).toBe(400);
    expect(legacy.headers.get("x-supabase-api-version")).toBeNull();
    expect(legacy.body).toEqual({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });

    const current = await authFetch("/token?grant_type=password", { method: "POST", body });
    expect(current.headers.get("x-supabase-api-version")).toBe("2024-01-01");
    expect(current.body).toEqual({ code: "invalid_credentials", message: "Invalid login credentials" });
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const res = await authFetch("/token?grant_type=password", {
      method: "POST",
      body: JSON.stringify({ email: "x@terrain.test", password: "p".repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it("refuses an unsupported grant type as GoTrue does", async () => {
    const res = await authFetch("/token?grant_type=client_credentials", { method: "POST", body: "{}" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: "invalid_credentials", message: "unsupported_grant_type" });
  });

  it("has sign-up disabled", async () => {
    const { data, error } = await anonClient().auth.signUp({ email: uniqueEmail("signup"), password: "long-enough-1" });
    expect(data.user).toBeNull();
    expect(error).toMatchObject({ status: 422, code: "signup_disabled", message: "Signups not allowed for this instance" });
  });

  it("answers 404 on an unknown path and 405 on a known path with another method", async () => {
    const unknown = await authFetch("/factors");
    expect(unknown.status).toBe(404);
    expect(unknown.body?.code).toBe("not_found");

    const wrongMethod = await authFetch("/token?grant_type=password", { method: "GET" });
    expect(wrongMethod.status).toBe(405);
  });

  it("says it is a stand-in at /health", async () => {
    const res = await authFetch("/health");
    expect(res.status).toBe(200);
    expect(String(res.body?.name)).toMatch(/stand-in/);
  });
});

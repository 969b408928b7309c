/**
 * invite-member on the real stack: SQL (add_member on the caller's token)
 * decides who may add whom; an email without an account gets one through the
 * auth admin invite (real auth-js against the local auth stand-in's /invite);
 * the membership queues the invitation email. Every refusal leaves no
 * account and no membership behind. Revoking a pending invitation
 * (invite-member/revoke) removes the account too when the invitation created
 * it (real auth-js admin delete against the stand-in), never one that
 * existed before.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTestOrganization, stack, supabaseClient, withDb } from "./harness.ts";

const url = `${stack.apiUrl}/functions/v1/invite-member`;
const org = randomUUID();
const run = randomUUID().slice(0, 8);
const password = `invite-${run}-password`;
const email = (who: string) => `${who}-${run}@invite.terrain.test`;
const users: Record<"owner" | "admin" | "dispatcher" | "existing", string> = { owner: "", admin: "", dispatcher: "", existing: "" };
const tokens: Record<"owner" | "admin" | "dispatcher", string> = { owner: "", admin: "", dispatcher: "" };
let clientId = "";

const service = supabaseClient(stack.serviceRoleKey);

function invite(token: string | null, body: unknown, apikey = stack.anonKey) {
  const headers: Record<string, string> = { apikey, "content-type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
}

async function errorOf(res: Response, status: number, code?: string) {
  const body = (await res.json()) as { error?: { code: string; message: string }; message?: string };
  expect(res.status).toBe(status);
  if (code) expect(body.error?.code).toBe(code);
  return body.error;
}

async function accountsOf(address: string): Promise<number> {
  return withDb(async (c) => Number((await c.query(`select count(*) from auth.users where lower(email) = $1`, [address])).rows[0].count));
}

async function membershipOf(address: string): Promise<{ role: string; client_id: string | null } | undefined> {
  return withDb(async (c) =>
    (await c.query(
      `select m.role::text as role, m.client_id from public.memberships m join auth.users u on u.id = m.user_id
        where m.org_id = $1 and lower(u.email) = $2`, [org, address])).rows[0]);
}

beforeAll(async () => {
  for (const who of Object.keys(users) as (keyof typeof users)[]) {
    const { data, error } = await service.auth.admin.createUser({ email: email(who), password, email_confirm: true });
    expect(error).toBeNull();
    users[who] = data.user!.id;
  }
  await withDb(async (c) => {
    await c.query(`insert into public.organizations (id, name) values ($1, 'Invitations SARL')`, [org]);
    await c.query(
      `insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'admin'), ($1, $4, 'dispatcher')`,
      [org, users.owner, users.admin, users.dispatcher]);
    clientId = (await c.query(
      `insert into public.clients (org_id, name, billing_address, billing_postal_code, billing_city)
       values ($1, 'Syndic des Invitations', '1 rue', '69001', 'Lyon') returning id`, [org])).rows[0].id;
  });
  for (const who of Object.keys(tokens) as (keyof typeof tokens)[]) {
    const { data, error } = await supabaseClient().auth.signInWithPassword({ email: email(who), password });
    expect(error).toBeNull();
    tokens[who] = data.session!.access_token;
  }
});

afterAll(async () => {
  await removeTestOrganization(org);
  await withDb((c) => c.query(`delete from auth.users where email like $1`, [`%-${run}@invite.terrain.test`]));
});

describe("invite-member refusals: nothing created", () => {
  it("401 without a token, with a forged token, and for the anon key alone", async () => {
    await errorOf(await invite(null, { org_id: org, email: email("nobody1"), role: "technician" }), 401);
    const forged = await new SignJWT({ sub: users.owner, role: "authenticated", aud: "authenticated" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime("1h")
      .sign(new TextEncoder().encode("not-the-project-secret-not-the-project-secret"));
    await errorOf(await invite(forged, { org_id: org, email: email("nobody1"), role: "technician" }), 401);
    await errorOf(await invite(stack.anonKey, { org_id: org, email: email("nobody1"), role: "technician" }), 401);
    expect(await accountsOf(email("nobody1"))).toBe(0);
  });

  it("403 for a dispatcher, and for an admin inviting an owner (SQL's words)", async () => {
    await errorOf(await invite(tokens.dispatcher, { org_id: org, email: email("nobody2"), role: "technician" }), 403, "forbidden_role");
    const ownerByAdmin = await errorOf(await invite(tokens.admin, { org_id: org, email: email("nobody2"), role: "owner" }), 403, "forbidden_role");
    expect(ownerByAdmin?.message).toBe("Only an owner can grant or remove the owner role, or change an owner's membership");
    expect(await accountsOf(email("nobody2"))).toBe(0);
  });

  it("422 for a portal member without a client, 409 for an unknown client, 400 for a bad body", async () => {
    const noClient = await errorOf(await invite(tokens.admin, { org_id: org, email: email("nobody3"), role: "client" }), 422, "validation_failed");
    expect(noClient?.message).toBe("A client-portal member needs a client, and only client-portal members have one");
    await errorOf(await invite(tokens.admin, { org_id: org, email: email("nobody3"), role: "client", client_id: randomUUID() }), 409, "unknown_reference");
    await errorOf(await invite(tokens.admin, { org_id: org, email: "not-an-email", role: "technician" }), 400, "validation_failed");
    expect(await accountsOf(email("nobody3"))).toBe(0);
  });
});

describe("invite-member", () => {
  it("creates the account of a new email through the auth admin invite, adds the membership and queues the invitation email", async () => {
    const res = await invite(tokens.admin, { org_id: org, email: email("newcomer").toUpperCase(), role: "technician" });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ email: email("newcomer"), role: "technician", client_id: null, account_created: true });
    const account = await withDb(async (c) =>
      (await c.query(`select id, invited_at is not null as invited, raw_user_meta_data as meta from auth.users where lower(email) = $1`,
        [email("newcomer")])).rows);
    expect(account).toEqual([{ id: body.user_id, invited: true, meta: { invited_to_org: org } }]);
    expect(await membershipOf(email("newcomer"))).toEqual({ role: "technician", client_id: null });
    const queued = await withDb(async (c) =>
      Number((await c.query(`select count(*) from public.notifications where user_id = $1 and type = 'invitation' and channel = 'email'`,
        [body.user_id])).rows[0].count));
    expect(queued).toBe(1);
  });

  it("adds an existing account without a second one, then refuses a second invitation (409)", async () => {
    const res = await invite(tokens.owner, { org_id: org, email: email("existing"), role: "client", client_id: clientId });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ user_id: users.existing, role: "client", client_id: clientId, account_created: false });
    expect(await accountsOf(email("existing"))).toBe(1);
    const again = await errorOf(await invite(tokens.owner, { org_id: org, email: email("existing"), role: "dispatcher" }), 409, "already_member");
    expect(again?.message).toBe(`${email("existing")} is already a member of this organization (client)`);
  });

  it("the auth stand-in's /invite answers as GoTrue for a confirmed account: 422 email_exists", async () => {
    const { error } = await service.auth.admin.inviteUserByEmail(email("owner"));
    expect(error?.status).toBe(422);
    expect(error?.code).toBe("email_exists");
  });
});

describe("pending invitations through invite-member", () => {
  const invitationOf = (address: string) =>
    withDb(async (c) =>
      (await c.query(
        `select id, invited_by, send_count, accepted_at from public.member_invitations where org_id = $1 and email = $2`,
        [org, address])).rows[0] as { id: string; invited_by: string; send_count: number; accepted_at: Date | null } | undefined);
  const revoke = (token: string, body: unknown) =>
    fetch(`${url}/revoke`, {
      method: "POST",
      headers: { apikey: stack.anonKey, Authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const resend = (token: string, body: unknown) =>
    fetch(`${url}/resend`, {
      method: "POST",
      headers: { apikey: stack.anonKey, Authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("an invited person is listed as pending for owners and admins, not for a dispatcher", async () => {
    const res = await invite(tokens.admin, { org_id: org, email: email("pending"), role: "accountant" });
    expect(res.status).toBe(201);
    const invitation = await invitationOf(email("pending"));
    expect(invitation).toMatchObject({ invited_by: users.admin, send_count: 1, accepted_at: null });
    for (const [who, expected] of [["owner", 1], ["admin", 1], ["dispatcher", 0]] as const) {
      const { data, error } = await supabaseClient(stack.anonKey, tokens[who])
        .from("member_invitations").select("email").eq("org_id", org).eq("email", email("pending")).is("accepted_at", null);
      expect(error).toBeNull();
      expect(data, who).toHaveLength(expected);
    }
  });

  it("resend: 429 within the minute, then 200 with a second email queued; 404 for a dispatcher; 400 for a bad id", async () => {
    const invitation = (await invitationOf(email("pending")))!;
    const tooSoon = await errorOf(await resend(tokens.owner, { invitation_id: invitation.id }), 429, "rate_limited");
    expect(tooSoon?.message).toBe(`The invitation to ${email("pending")} was sent less than a minute ago`);
    await errorOf(await resend(tokens.dispatcher, { invitation_id: invitation.id }), 404, "not_found");
    await errorOf(await resend(tokens.owner, { invitation_id: "not-a-uuid" }), 400, "validation_failed");
    expect((await invitationOf(email("pending")))!.send_count).toBe(1);

    await withDb((c) => c.query(`update public.member_invitations set last_sent_at = now() - interval '2 minutes' where id = $1`, [invitation.id]));
    const res = await resend(tokens.owner, { invitation_id: invitation.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ invitation_id: invitation.id, email: email("pending"), send_count: 2 });
    const emails = await withDb(async (c) =>
      Number((await c.query(`select count(*) from public.notifications n join auth.users u on u.id = n.user_id
                              where lower(u.email) = $1 and n.type = 'invitation' and n.channel = 'email'`, [email("pending")])).rows[0].count));
    expect(emails).toBe(2);
  });

  it("revoke: refused for a dispatcher (404) and for a bad id (400), nothing removed", async () => {
    const invitation = (await invitationOf(email("pending")))!;
    await errorOf(await revoke(tokens.dispatcher, { invitation_id: invitation.id }), 404, "not_found");
    await errorOf(await revoke(tokens.admin, { invitation_id: "not-a-uuid" }), 400, "validation_failed");
    expect(await membershipOf(email("pending"))).toEqual({ role: "accountant", client_id: null });
    expect(await accountsOf(email("pending"))).toBe(1);
  });

  it("revoke: an account that existed before the invitation stays, with no membership", async () => {
    const invitation = (await invitationOf(email("existing")))!;
    expect(invitation.accepted_at).toBeNull();
    const res = await revoke(tokens.owner, { invitation_id: invitation.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ invitation_id: invitation.id, org_id: org, email: email("existing"), account_removed: false });
    expect(await membershipOf(email("existing"))).toBeUndefined();
    expect(await withDb(async (c) => (await c.query(`select id from auth.users where id = $1`, [users.existing])).rowCount)).toBe(1);
  });

  it("revoke: the membership, the invitation and the account the invitation created are gone (auth-js admin delete on the auth stand-in)", async () => {
    const invitation = (await invitationOf(email("pending")))!;
    const res = await revoke(tokens.admin, { invitation_id: invitation.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ invitation_id: invitation.id, org_id: org, email: email("pending"), account_removed: true });
    expect(await membershipOf(email("pending"))).toBeUndefined();
    expect(await invitationOf(email("pending"))).toBeUndefined();
    expect(await accountsOf(email("pending"))).toBe(0);
    await errorOf(await revoke(tokens.admin, { invitation_id: invitation.id }), 404, "not_found");
  });

  it("revoke: once the person has signed in, 409 invitation_not_pending, and the account stays", async () => {
    // Invited again (a new account), they set a password and sign in: the invitation is accepted.
    const invited = await invite(tokens.admin, { org_id: org, email: email("pending"), role: "accountant" });
    expect(invited.status).toBe(201);
    expect((await invited.json()).account_created).toBe(true);
    const again = (await invitationOf(email("pending")))!;
    // (What following the invitation link does; the local auth stand-in has no link to follow.)
    await withDb((c) => c.query(
      `update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf')), email_confirmed_at = now()
        where lower(email) = $1`, [email("pending"), password]));
    const signIn = await supabaseClient().auth.signInWithPassword({ email: email("pending"), password });
    expect(signIn.error).toBeNull();
    expect((await invitationOf(email("pending")))!.accepted_at).not.toBeNull();
    await errorOf(await revoke(tokens.admin, { invitation_id: again.id }), 409, "invitation_not_pending");
    await withDb((c) => c.query(`update public.member_invitations set last_sent_at = now() - interval '2 minutes' where id = $1`, [again.id]));
    await errorOf(await resend(tokens.owner, { invitation_id: again.id }), 409, "invitation_not_pending");
    expect(await membershipOf(email("pending"))).toEqual({ role: "accountant", client_id: null });
    expect(await accountsOf(email("pending"))).toBe(1);
  });
});

describe("revoking leaves no window and no orphan account", () => {
  // Admins of their own: each user's writes are rate limited per minute, and this block writes a lot.
  const revokers: Record<"first" | "second", { id: string; token: string }> = { first: { id: "", token: "" }, second: { id: "", token: "" } };
  beforeAll(async () => {
    for (const who of Object.keys(revokers) as (keyof typeof revokers)[]) {
      const { data, error } = await service.auth.admin.createUser({ email: email(`revoker-${who}`), password, email_confirm: true });
      expect(error).toBeNull();
      revokers[who].id = data.user!.id;
      await withDb((c) => c.query(`insert into public.memberships (org_id, user_id, role) values ($1, $2, 'admin')`, [org, revokers[who].id]));
      const signedIn = await supabaseClient().auth.signInWithPassword({ email: email(`revoker-${who}`), password });
      expect(signedIn.error).toBeNull();
      revokers[who].token = signedIn.data.session!.access_token;
    }
  });
  const sweepUrl = `${url}/remove-revoked-accounts`;
  const sweep = (token: string, apikey = stack.anonKey) =>
    fetch(sweepUrl, {
      method: "POST",
      headers: { apikey, Authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
  const accountOf = (address: string) =>
    withDb(async (c) =>
      (await c.query(
        `select u.id, u.banned_until > now() as banned, u.last_sign_in_at,
                exists (select from private.invited_account_removals r where r.user_id = u.id) as queued,
                (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions
           from auth.users u where lower(u.email) = $1`, [address])).rows[0] as
        { id: string; banned: boolean | null; last_sign_in_at: Date | null; queued: boolean; sessions: number } | undefined);
  const pendingInvitationOf = (address: string) =>
    withDb(async (c) =>
      (await c.query(`select id from public.member_invitations where org_id = $1 and email = $2 and accepted_at is null`,
        [org, address])).rows[0]?.id as string | undefined);

  /** Invites a new address through invite-member (the invitation creates the account), with a password it could sign in with. */
  async function invitedWithPassword(who: string, by: string): Promise<string> {
    const res = await invite(by, { org_id: org, email: email(who), role: "technician" });
    expect(res.status).toBe(201);
    expect((await res.json()).account_created).toBe(true);
    // (What following the invitation link does up to the sign-in; the local auth stand-in has no link to follow.)
    await withDb((c) => c.query(
      `update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf')), email_confirmed_at = now()
        where lower(email) = $1`, [email(who), password]));
    return (await pendingInvitationOf(email(who)))!;
  }

  it("the revoke RPC called straight through PostgREST bans the account in its transaction: a sign-in then is refused (user_banned)", async () => {
    const invitation = await invitedWithPassword("direct", revokers.first.token);
    const { data, error } = await supabaseClient(stack.anonKey, revokers.first.token).rpc("revoke_invitation", { p_invitation_id: invitation });
    expect(error).toBeNull();
    expect(data).toMatchObject({ email: email("direct"), account_removable: true });
    expect(await accountOf(email("direct"))).toMatchObject({ banned: true, queued: true, last_sign_in_at: null });

    const signIn = await supabaseClient().auth.signInWithPassword({ email: email("direct"), password });
    expect(signIn.error?.code).toBe("user_banned");
    expect(signIn.error?.status).toBe(400);
    expect(signIn.data.session).toBeNull();
    expect(await accountOf(email("direct"))).toMatchObject({ last_sign_in_at: null, sessions: 0 });
  });

  it("an account queued for removal gets no membership: invited again, 409 account_being_removed, nothing added", async () => {
    const again = await errorOf(await invite(revokers.first.token, { org_id: org, email: email("direct"), role: "dispatcher" }), 409, "account_being_removed");
    expect(again?.message).toBe(
      `The account of ${email("direct")} is being removed after a revoked invitation: invite this address again in a few minutes`);
    expect(await membershipOf(email("direct"))).toBeUndefined();
  });

  it("the sweep (service role only) deletes the queued account through Auth; admins and anon are refused", async () => {
    await errorOf(await sweep(revokers.first.token), 403);
    await errorOf(await sweep(stack.anonKey), 401);
    expect(await accountOf(email("direct"))).toMatchObject({ queued: true });

    const res = await sweep(stack.serviceRoleKey, stack.serviceRoleKey);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.failed).toBe(0);
    expect(body.removed).toBeGreaterThanOrEqual(1);
    expect(await accountOf(email("direct"))).toBeUndefined();

    // The address is free again: invited afresh, a new account.
    const res2 = await invite(revokers.first.token, { org_id: org, email: email("direct"), role: "dispatcher" });
    expect(res2.status).toBe(201);
    expect((await res2.json()).account_created).toBe(true);
    expect(await accountOf(email("direct"))).toMatchObject({ banned: null, queued: false });
  });

  it("a sign-in in flight while the revoke runs records nothing: no session for the revoked, banned account", async () => {
    const invitation = await invitedWithPassword("inflight", revokers.second.token);
    const claims = JSON.stringify({ sub: revokers.second.id, role: "authenticated" });
    const db = new pg.Client({ connectionString: stack.dbUrl });
    await db.connect();
    try {
      // The revoke, as PostgREST runs it for the admin, held open: it has banned and locked the account.
      await db.query("begin");
      await db.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [claims]);
      const revoked = await db.query(`select public.revoke_invitation($1) as r`, [invitation]);
      expect(revoked.rows[0].r.account_removable).toBe(true);

      // The sign-in read the account before the ban was committed, and now waits on the account row to record itself.
      const signingIn = supabaseClient().auth.signInWithPassword({ email: email("inflight"), password });
      await expect.poll(() => withDb(async (c) =>
        Number((await c.query(
          `select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like 'update auth.users set last_sign_in_at%'`,
        )).rows[0].count)), { timeout: 15_000 }).toBe(1);
      await db.query("commit");

      const signIn = await signingIn;
      expect(signIn.data.session).toBeNull();
      expect(signIn.error).not.toBeNull();
    } finally {
      await db.query("rollback").catch(() => undefined);
      await db.end();
    }
    expect(await accountOf(email("inflight"))).toMatchObject({ banned: true, queued: true, last_sign_in_at: null, sessions: 0 });
    const res = await sweep(stack.serviceRoleKey, stack.serviceRoleKey);
    expect(res.status).toBe(200);
    expect(await accountOf(email("inflight"))).toBeUndefined();
  });

  it("revoke through invite-member: the account is deleted at once and leaves the queue with it", async () => {
    const invitation = await invitedWithPassword("through-function", revokers.second.token);
    const res = await fetch(`${url}/revoke`, {
      method: "POST",
      headers: { apikey: stack.anonKey, Authorization: `Bearer ${revokers.second.token}`, "content-type": "application/json" },
      body: JSON.stringify({ invitation_id: invitation }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).account_removed).toBe(true);
    expect(await accountOf(email("through-function"))).toBeUndefined();
    const queued = await withDb(async (c) =>
      Number((await c.query(`select count(*) from private.invited_account_removals where email = $1`, [email("through-function")])).rows[0].count));
    expect(queued).toBe(0);
  });
});

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

import assert from "node:assert/strict";
import { createHandler, HttpError } from "../_shared/http.ts";
import {
  type AccountToRemove,
  type AddedMember,
  createInviteMemberHandler,
  type InviteRequest,
  type ResentInvitation,
  type RevokedInvitation,
} from "./handler.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0";
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const USER = "c0000000-0000-4000-8000-000000000001";

/** What revoke_invitation reports and whether Auth's delete fails, for the revoke tests. */
interface RevokeScene {
  removable: boolean;
  /** Accounts whose deletion Auth refuses (all of them when true). */
  deleteFails?: boolean | Set<string>;
  /** What invited_accounts_to_remove lists, for the sweep tests. */
  queued?: string[];
}

/** A directory whose accounts live in a Set: add_member's account_not_found, the rest as given. */
function directoryWith(
  accounts: Set<string>,
  refuse?: HttpError,
  revoke: RevokeScene = { removable: false },
) {
  const calls: string[] = [];
  const handler = createHandler(
    "invite-member",
    createInviteMemberHandler({
      addMember(_req, request: InviteRequest): Promise<AddedMember> {
        calls.push(`add ${request.email} ${request.role}`);
        if (refuse) return Promise.reject(refuse);
        if (!accounts.has(request.email)) {
          return Promise.reject(
            new HttpError(404, "account_not_found", `No account uses ${request.email} yet`),
          );
        }
        return Promise.resolve({
          membership_id: "m1",
          user_id: USER,
          email: request.email,
          role: request.role,
          client_id: request.client_id ?? null,
        });
      },
      inviteAccount(email: string, orgId: string): Promise<void> {
        calls.push(`invite ${email} ${orgId}`);
        accounts.add(email);
        return Promise.resolve();
      },
      resendInvitation(_req, invitationId: string): Promise<ResentInvitation> {
        calls.push(`resend ${invitationId}`);
        if (refuse) return Promise.reject(refuse);
        return Promise.resolve({
          invitation_id: invitationId,
          org_id: ORG,
          email: "pending@example.test",
          send_count: 2,
          last_sent_at: "2026-12-07T13:00:00Z",
        });
      },
      revokeInvitation(_req, invitationId: string): Promise<RevokedInvitation> {
        calls.push(`revoke ${invitationId}`);
        if (refuse) return Promise.reject(refuse);
        return Promise.resolve({
          invitation_id: invitationId,
          org_id: ORG,
          email: "pending@example.test",
          user_id: USER,
          account_removable: revoke.removable,
        });
      },
      deleteAccount(userId: string): Promise<void> {
        calls.push(`delete ${userId}`);
        const fails = revoke.deleteFails instanceof Set
          ? revoke.deleteFails.has(userId)
          : revoke.deleteFails;
        return fails
          ? Promise.reject(new Error("Supabase Auth delete failed: 500 unexpected_failure"))
          : Promise.resolve();
      },
      accountsToRemove(): Promise<AccountToRemove[]> {
        calls.push("list accounts to remove");
        if (refuse) return Promise.reject(refuse);
        return Promise.resolve((revoke.queued ?? []).map((user_id) => ({
          user_id,
          email: `${user_id.slice(-2)}@example.test`,
          org_id: ORG,
          queued_at: "2026-12-08T11:00:00Z",
        })));
      },
    }),
  );
  return { handler, calls };
}

function post(
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json" },
  path = "/invite-member",
) {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

Deno.test("an existing account is added without an invite", async () => {
  const { handler, calls } = directoryWith(new Set(["known@example.test"]));
  const res = await handler(
    post({ org_id: ORG, email: " Known@Example.test ", role: "dispatcher" }),
  );
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.equal(body.account_created, false);
  assert.equal(body.email, "known@example.test");
  assert.deepEqual(calls, ["add known@example.test dispatcher"]);
});

Deno.test("an email without an account is invited through Auth, then added", async () => {
  const { handler, calls } = directoryWith(new Set());
  const res = await handler(
    post({ org_id: ORG, email: "new@example.test", role: "client", client_id: CLIENT }),
  );
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.equal(body.account_created, true);
  assert.equal(body.client_id, CLIENT);
  assert.deepEqual(calls, [
    "add new@example.test client",
    `invite new@example.test ${ORG}`,
    "add new@example.test client",
  ]);
});

for (
  const [status, code] of [[401, "authentication_required"], [403, "forbidden_role"], [
    409,
    "already_member",
  ], [422, "validation_failed"]] as const
) {
  Deno.test(`a ${status} ${code} from SQL is answered as is, and no account is created`, async () => {
    const { handler, calls } = directoryWith(
      new Set(),
      new HttpError(status, code, "refused by SQL"),
    );
    const res = await handler(post({ org_id: ORG, email: "new@example.test", role: "technician" }));
    assert.equal(res.status, status);
    assert.deepEqual((await res.json()).error, { code, message: "refused by SQL" });
    assert.deepEqual(calls, ["add new@example.test technician"]);
  });
}

for (
  const [what, body] of [
    ["an org_id that is not a UUID", { org_id: "42", email: "a@example.test", role: "technician" }],
    ["an address that is not one", { org_id: ORG, email: "not-an-email", role: "technician" }],
    ["an unknown role", { org_id: ORG, email: "a@example.test", role: "superuser" }],
    ["an unknown field", {
      org_id: ORG,
      email: "a@example.test",
      role: "technician",
      password: "x",
    }],
    ["a client_id that is not a UUID", {
      org_id: ORG,
      email: "a@example.test",
      role: "client",
      client_id: "c1",
    }],
  ] as const
) {
  Deno.test(`400 on ${what}, nothing called`, async () => {
    const { handler, calls } = directoryWith(new Set());
    const res = await handler(post(body));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "validation_failed");
    assert.deepEqual(calls, []);
  });
}

Deno.test("415 on a body that is not JSON, 405 on another method", async () => {
  const { handler, calls } = directoryWith(new Set());
  const notJson = await handler(post({ org_id: ORG }, { "content-type": "text/plain" }));
  assert.equal(notJson.status, 415);
  await notJson.body?.cancel();
  const get = await handler(new Request("http://localhost/invite-member"));
  assert.equal(get.status, 405);
  await get.body?.cancel();
  assert.deepEqual(calls, []);
});

const INVITATION = "d0000000-0000-4000-8000-000000000001";

Deno.test("resend: SQL queues the invitation email, then Auth sends its sign-up link again", async () => {
  const { handler, calls } = directoryWith(new Set());
  const res = await handler(
    post({ invitation_id: INVITATION }, undefined, "/invite-member/resend"),
  );
  assert.equal(res.status, 200);
  assert.equal((await res.json()).send_count, 2);
  assert.deepEqual(calls, [`resend ${INVITATION}`, `invite pending@example.test ${ORG}`]);
});

for (
  const [status, code] of [[404, "not_found"], [409, "invitation_not_pending"], [
    429,
    "rate_limited",
  ]] as const
) {
  Deno.test(`resend: a ${status} ${code} from SQL is answered as is, and Auth is not asked`, async () => {
    const { handler, calls } = directoryWith(
      new Set(),
      new HttpError(status, code, "refused by SQL"),
    );
    const res = await handler(
      post({ invitation_id: INVITATION }, undefined, "/invite-member/resend"),
    );
    assert.equal(res.status, status);
    assert.equal((await res.json()).error.code, code);
    assert.deepEqual(calls, [`resend ${INVITATION}`]);
  });
}

Deno.test("resend: 400 on an invitation_id that is not a UUID or an invitation body, nothing called", async () => {
  const { handler, calls } = directoryWith(new Set());
  for (
    const body of [{ invitation_id: "i1" }, {
      org_id: ORG,
      email: "a@example.test",
      role: "technician",
    }]
  ) {
    const res = await handler(post(body, undefined, "/invite-member/resend"));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "validation_failed");
  }
  assert.deepEqual(calls, []);
});

/** Runs the handler with console.error captured: the JSON lines it logged. */
async function capturingErrors(
  run: () => Promise<Response>,
): Promise<{ res: Response; logged: Record<string, unknown>[] }> {
  const logged: string[] = [];
  const consoleError = console.error;
  console.error = (line: string) => logged.push(line);
  try {
    const res = await run();
    return { res, logged: logged.map((l) => JSON.parse(l)) };
  } finally {
    console.error = consoleError;
  }
}

/** A route's refusals before any call: 400 for each bad body, 405 on GET. */
async function assertRefusedBeforeAnyCall(path: string, badBodies: unknown[], scene: RevokeScene) {
  const { handler, calls } = directoryWith(new Set(), undefined, scene);
  for (const body of badBodies) {
    const res = await handler(post(body, undefined, path));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "validation_failed");
  }
  const get = await handler(new Request(`http://localhost${path}`));
  assert.equal(get.status, 405);
  await get.body?.cancel();
  assert.deepEqual(calls, []);
}

const revokeRequest = (body: unknown = { invitation_id: INVITATION }) =>
  post(body, undefined, "/invite-member/revoke");

Deno.test("revoke: SQL revokes and reports the account removable, then Auth deletes it", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, { removable: true });
  const res = await handler(revokeRequest());
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    invitation_id: INVITATION,
    org_id: ORG,
    email: "pending@example.test",
    account_removed: true,
  });
  assert.deepEqual(calls, [`revoke ${INVITATION}`, `delete ${USER}`]);
});

Deno.test("revoke: an account SQL does not report removable is not deleted", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, { removable: false });
  const res = await handler(revokeRequest());
  assert.equal(res.status, 200);
  assert.equal((await res.json()).account_removed, false);
  assert.deepEqual(calls, [`revoke ${INVITATION}`]);
});

Deno.test("revoke: when Auth fails to delete the account, the revoke stands, the answer says the account remains banned and queued, and it is logged", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, {
    removable: true,
    deleteFails: true,
  });
  const { res, logged } = await capturingErrors(() => handler(revokeRequest()));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    invitation_id: INVITATION,
    org_id: ORG,
    email: "pending@example.test",
    account_removed: false,
  });
  assert.deepEqual(calls, [`revoke ${INVITATION}`, `delete ${USER}`]);
  const line = logged.find((l) => String(l.msg).includes("stays banned and queued"));
  assert.ok(line, "the failed deletion is logged, saying the sweep will remove the account");
  assert.equal(line.user_id, USER);
  assert.match(String(line.error), /Supabase Auth delete failed/);
});

for (
  const [status, code] of [[403, "forbidden_role"], [404, "not_found"], [
    409,
    "invitation_not_pending",
  ]] as const
) {
  Deno.test(`revoke: a ${status} ${code} from SQL is answered as is, and no account is deleted`, async () => {
    const { handler, calls } = directoryWith(
      new Set(),
      new HttpError(status, code, "refused by SQL"),
      { removable: true },
    );
    const res = await handler(revokeRequest());
    assert.equal(res.status, status);
    assert.equal((await res.json()).error.code, code);
    assert.deepEqual(calls, [`revoke ${INVITATION}`]);
  });
}

Deno.test("revoke: 400 on an invitation_id that is not a UUID or an extra field, 405 on GET, nothing called", () =>
  assertRefusedBeforeAnyCall("/invite-member/revoke", [{ invitation_id: "i1" }, {
    invitation_id: INVITATION,
    user_id: USER,
  }], { removable: true }));

const QUEUED = [
  "c0000000-0000-4000-8000-0000000000a1",
  "c0000000-0000-4000-8000-0000000000a2",
  "c0000000-0000-4000-8000-0000000000a3",
];
const sweepRequest = (body: unknown = {}) =>
  post(body, undefined, "/invite-member/remove-revoked-accounts");

Deno.test("sweep: every account SQL lists as banned and queued is deleted through Auth", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, {
    removable: false,
    queued: QUEUED,
  });
  const res = await handler(sweepRequest());
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { removed: 3, failed: 0 });
  assert.deepEqual(calls, ["list accounts to remove", ...QUEUED.map((u) => `delete ${u}`)]);
});

Deno.test("sweep: an account Auth fails to delete is counted and logged, and the others are still deleted", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, {
    removable: false,
    queued: QUEUED,
    deleteFails: new Set([QUEUED[0]!]),
  });
  const { res, logged } = await capturingErrors(() => handler(sweepRequest()));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { removed: 2, failed: 1 });
  assert.deepEqual(calls, ["list accounts to remove", ...QUEUED.map((u) => `delete ${u}`)]);
  const line = logged.find((l) => String(l.msg).includes("stays banned and queued"));
  assert.ok(line, "the failed deletion is logged");
  assert.equal(line.user_id, QUEUED[0]);
});

Deno.test("sweep: nothing queued, nothing deleted", async () => {
  const { handler, calls } = directoryWith(new Set(), undefined, { removable: false, queued: [] });
  const res = await handler(sweepRequest());
  assert.deepEqual(await res.json(), { removed: 0, failed: 0 });
  assert.deepEqual(calls, ["list accounts to remove"]);
});

Deno.test("sweep: SQL's refusal of a caller that is not the service role is answered as is, nothing deleted", async () => {
  const { handler, calls } = directoryWith(
    new Set(),
    new HttpError(403, "forbidden", "permission denied for function invited_accounts_to_remove"),
    { removable: false, queued: QUEUED },
  );
  const res = await handler(sweepRequest());
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, "forbidden");
  assert.deepEqual(calls, ["list accounts to remove"]);
});

Deno.test("sweep: 400 on a body with fields, 405 on GET, nothing called", () =>
  assertRefusedBeforeAnyCall("/invite-member/remove-revoked-accounts", [{ user_id: QUEUED[0] }], {
    removable: false,
    queued: QUEUED,
  }));

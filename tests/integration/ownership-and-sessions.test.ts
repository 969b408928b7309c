/**
 * Ownership under concurrency, and sensitive RPCs after sign-out, against the
 * running stack (real PostgreSQL, PostgREST, the local auth stand-in).
 *
 * Everything runs in an organization and with users created here, never the
 * seeded demo data other files use.
 */
import { randomUUID } from "node:crypto";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { decodeJwt } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, supabaseClient, withDb } from "./harness.ts";

const RUN = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const ORG = randomUUID();
const PASSWORD = `it-ownership-${RUN}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const users: Record<"owner1" | "owner2" | "sessionOwner", { id: string; email: string }> = {
  owner1: { id: "", email: `owner1-${RUN}@ownership.test` },
  owner2: { id: "", email: `owner2-${RUN}@ownership.test` },
  sessionOwner: { id: "", email: `session-${RUN}@ownership.test` },
};

async function ownersOf(c: pg.Client): Promise<string[]> {
  const { rows } = await c.query<{ user_id: string }>(
    "select user_id from public.memberships where org_id = $1 and role = 'owner' order by user_id",
    [ORG],
  );
  return rows.map((r) => r.user_id);
}

async function resetOwners(c: pg.Client): Promise<void> {
  await c.query("update public.memberships set role = 'owner' where org_id = $1 and user_id = any ($2::uuid[])", [
    ORG,
    [users.owner1.id, users.owner2.id],
  ]);
}

/** A connection acting as a signed-in user, the way PostgREST does it (role + claims, transaction-local). */
async function userTransaction(userId: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: stack.dbUrl });
  await c.connect();
  await c.query("begin");
  await c.query("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)", [
    JSON.stringify({ sub: userId, role: "authenticated" }),
  ]);
  return c;
}

function demote(c: pg.Client, target: string): Promise<pg.QueryResult> {
  return c.query("update public.memberships set role = 'admin' where org_id = $1 and user_id = $2", [ORG, target]);
}

async function signIn(email: string): Promise<{ client: TerrainClient; accessToken: string }> {
  const client = supabaseClient();
  const { data, error } = await client.auth.signInWithPassword({ email, password: PASSWORD });
  expect(error).toBeNull();
  return { client, accessToken: data.session!.access_token };
}

beforeAll(async () => {
  const admin = supabaseClient(stack.serviceRoleKey);
  for (const user of Object.values(users)) {
    const { data, error } = await admin.auth.admin.createUser({ email: user.email, password: PASSWORD, email_confirm: true });
    expect(error).toBeNull();
    user.id = data.user!.id;
  }
  await withDb(async (c) => {
    await c.query("insert into public.organizations (id, name) values ($1, $2)", [ORG, `IT ownership ${RUN}`]);
    await c.query(
      `insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'owner'), ($1, $4, 'owner')`,
      [ORG, users.owner1.id, users.owner2.id, users.sessionOwner.id],
    );
  });
});

afterAll(async () => {
  await withDb(async (c) => {
    // The organization first: its memberships go with it (the last-owner rule
    // does not hold an organization hostage), then the users.
    await c.query("delete from public.organizations where id = $1", [ORG]);
    await c.query("delete from auth.users where id = any ($1::uuid[])", [Object.values(users).map((u) => u.id)]);
  });
});

describe("an organization keeps at least one owner, under concurrency", () => {
  /**
   * Two transactions on two connections: `first` changes a membership and
   * holds its transaction open; `second` starts its change, which must wait
   * on a lock (without the organization row lock it would not wait, and both
   * would commit); then `first` commits and `second` gets its answer.
   */
  async function overlap(
    firstActor: string,
    firstTarget: string,
    secondActor: string,
    secondTarget: string,
  ): Promise<{ waited: boolean; error: pg.DatabaseError | null; owners: string[] }> {
    return withDb(async (db) => {
      await resetOwners(db);
      const first = await userTransaction(firstActor);
      const second = await userTransaction(secondActor);
      try {
        await demote(first, firstTarget);
        const pending = demote(second, secondTarget).then(
          () => null,
          (e: pg.DatabaseError) => e,
        );
        let waited = false;
        for (let i = 0; i < 100 && !waited; i++) {
          const { rows } = await db.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'",
            [(second as unknown as { processID: number }).processID],
          );
          waited = rows[0]!.n === 1;
          if (!waited) await new Promise((r) => setTimeout(r, 20));
        }
        await first.query("commit");
        const error = await pending;
        await second.query(error ? "rollback" : "commit");
        return { waited, error, owners: await ownersOf(db) };
      } finally {
        await first.end();
        await second.end();
      }
    });
  }

  beforeAll(async () => {
    // Only owner1 and owner2 own the organization in these tests.
    await withDb((c) =>
      c.query("update public.memberships set role = 'admin' where org_id = $1 and user_id = $2", [ORG, users.sessionOwner.id]),
    );
  });

  it("two owners stepping down at the same time: the second waits for the first, then is refused (no owner left)", async () => {
    const { waited, error, owners } = await overlap(users.owner1.id, users.owner1.id, users.owner2.id, users.owner2.id);
    expect(waited).toBe(true);
    expect(error?.code).toBe("23514");
    expect(error?.message).toBe(`An organization keeps at least one owner: ${users.owner2.id} is its only owner`);
    expect(owners).toEqual([users.owner2.id]);
  });

  it("two owners demoting each other at the same time: the second waits, then is refused (no longer an owner)", async () => {
    const { waited, error, owners } = await overlap(users.owner1.id, users.owner2.id, users.owner2.id, users.owner1.id);
    expect(waited).toBe(true);
    expect(error?.code).toBe("42501");
    expect(error?.message).toContain("Only an owner can grant or remove the owner role");
    expect(owners).toEqual([users.owner1.id]);
  });

  it("the same races through PostgREST with two signed-in clients, many times: one wins, one is refused, never zero owners", async () => {
    const one = await signIn(users.owner1.email);
    const two = await signIn(users.owner2.email);
    for (let round = 0; round < 10; round++) {
      await withDb(resetOwners);
      // Even rounds: each owner steps down; odd rounds: each demotes the other.
      const [targetOfOne, targetOfTwo] =
        round % 2 === 0 ? [users.owner1.id, users.owner2.id] : [users.owner2.id, users.owner1.id];
      const [a, b] = await Promise.all([
        one.client.from("memberships").update({ role: "admin" }).eq("org_id", ORG).eq("user_id", targetOfOne).select("id"),
        two.client.from("memberships").update({ role: "admin" }).eq("org_id", ORG).eq("user_id", targetOfTwo).select("id"),
      ]);
      const outcomes = [a, b].map((r) => (r.error ? r.error.code : `ok:${r.data?.length}`));
      expect(outcomes.filter((o) => o === "ok:1"), `round ${round}: ${outcomes}`).toHaveLength(1);
      expect(outcomes.filter((o) => o === "last_owner" || o === "forbidden_role"), `round ${round}: ${outcomes}`).toHaveLength(1);
      expect((await withDb(ownersOf)).length, `round ${round}`).toBe(1);
    }
  });
});

describe("sensitive RPCs need a live session; reads do not (documented)", () => {
  const createKey = (client: TerrainClient, name: string) =>
    client.rpc("create_api_key", { p_org_id: ORG, p_name: name, p_scopes: ["events:write"] });

  it("the stand-in's access tokens name their session", async () => {
    const { accessToken } = await signIn(users.sessionOwner.email);
    const claims = decodeJwt(accessToken);
    expect(claims.session_id).toMatch(UUID);
    const { rows } = await withDb((c) => c.query("select user_id from auth.sessions where id = $1", [claims.session_id]));
    expect(rows).toEqual([{ user_id: users.sessionOwner.id }]);
  });

  it("after sign-out (local, then global) the old access token is refused by create_api_key but still reads", async () => {
    await withDb((c) => c.query("update public.memberships set role = 'owner' where org_id = $1 and user_id = $2", [ORG, users.sessionOwner.id]));
    const phone = await signIn(users.sessionOwner.email);
    const laptop = await signIn(users.sessionOwner.email);
    const phoneAfterLogout = supabaseClient(stack.anonKey, phone.accessToken);
    const laptopAfterLogout = supabaseClient(stack.anonKey, laptop.accessToken);

    const before = await createKey(phone.client, `before logout ${RUN}`);
    expect(before.error).toBeNull();

    expect((await phone.client.auth.signOut({ scope: "local" })).error).toBeNull();
    const refused = await createKey(phoneAfterLogout, `after local logout ${RUN}`);
    expect(refused.status).toBe(401);
    expect(refused.error?.code).toBe("sign_in_required");
    expect(refused.error?.message).toBe("Session has ended; sign in again");
    // The other session of the same user is untouched by a local sign-out.
    expect((await createKey(laptopAfterLogout, `laptop ${RUN}`)).error).toBeNull();

    expect((await laptop.client.auth.signOut({ scope: "global" })).error).toBeNull();
    const refusedToo = await createKey(laptopAfterLogout, `after global logout ${RUN}`);
    expect(refusedToo.error?.code).toBe("sign_in_required");
    const transfer = await laptopAfterLogout.rpc("transfer_ownership", { p_org_id: ORG, p_to_user_id: users.owner1.id });
    expect(transfer.error?.code).toBe("sign_in_required");

    // Documented behaviour: a plain read with the old token works until the token expires.
    const read = await phoneAfterLogout.from("memberships").select("user_id, role").eq("user_id", users.sessionOwner.id);
    expect(read.error).toBeNull();
    expect(read.data).toEqual([{ user_id: users.sessionOwner.id, role: "owner" }]);

    const { rows } = await withDb((c) =>
      c.query("select name from public.api_keys where org_id = $1 order by name", [ORG]),
    );
    expect(rows.map((r) => r.name)).toEqual([`before logout ${RUN}`, `laptop ${RUN}`]);
  });
});

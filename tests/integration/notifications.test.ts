/**
 * The notification queue under concurrency: public.claim_pending_notifications
 * (FOR UPDATE SKIP LOCKED + a 5-minute lease) hands every pending row to
 * exactly one sender. 200 pending email rows, 8 connections (as service_role,
 * what the email edge function runs as) claiming 10 at a time in parallel
 * until the queue is empty: every row is claimed exactly once. Also: the RPC
 * is reachable by the service role through PostgREST and refused to users.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const TECH_1 = "a0000000-0000-4000-8000-000000000003";
const RUN = randomUUID().slice(0, 8);
const ROWS = 200;
const SENDERS = 8;

let mine: string[] = [];
// Pending email rows of other tests: put back as they were afterwards.
let others: { id: string; attempts: number; next_attempt_at: Date }[] = [];

beforeAll(async () => {
  await withDb(async (c) => {
    others = (
      await c.query(
        `select id, attempts, next_attempt_at from public.notifications where channel = 'email' and delivery_status = 'pending'`,
      )
    ).rows;
    mine = (
      await c.query(
        `select private.create_notification($1, $2, 'email', 'mission_blocked', null, null, $3 || ':' || g, '{}') as id
           from generate_series(1, $4::int) g`,
        [ORG_A, TECH_1, `claim-test-${RUN}`, ROWS],
      )
    ).rows.map((r) => r.id as string);
  });
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query(`delete from public.notifications where id = any($1::uuid[])`, [mine]);
    for (const o of others) {
      await c.query(`update public.notifications set attempts = $2, next_attempt_at = $3 where id = $1`, [
        o.id,
        o.attempts,
        o.next_attempt_at,
      ]);
    }
  });
});

async function sender(): Promise<string[]> {
  const client = new pg.Client({ connectionString: stack.dbUrl });
  await client.connect();
  try {
    await client.query("set role service_role");
    const claimed: string[] = [];
    for (;;) {
      const { rows } = await client.query(`select id from public.claim_pending_notifications('email', 10)`);
      if (rows.length === 0) return claimed;
      claimed.push(...rows.map((r) => r.id as string));
    }
  } finally {
    await client.end();
  }
}

describe("claim_pending_notifications", () => {
  it("hands each of 200 pending rows to exactly one of 8 parallel senders", async () => {
    expect(mine).toHaveLength(ROWS);
    expect(new Set(mine).size).toBe(ROWS);

    const perSender = await Promise.all(Array.from({ length: SENDERS }, () => sender()));
    const all = perSender.flat();
    const claimedMine = all.filter((id) => mine.includes(id));

    // No duplicates across senders, none missing.
    expect(new Set(all).size).toBe(all.length);
    expect(claimedMine).toHaveLength(ROWS);
    expect(new Set(claimedMine)).toEqual(new Set(mine));
    // The work was actually shared (not one sender draining everything).
    expect(perSender.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);

    // Each row counted one attempt and is leased (not due) now.
    const { rows } = await withDb((c) =>
      c.query(
        `select attempts, count(*)::int as n, bool_and(next_attempt_at > now()) as leased
           from public.notifications where id = any($1::uuid[]) group by attempts`,
        [mine],
      ),
    );
    expect(rows).toEqual([{ attempts: 1, n: ROWS, leased: true }]);
  });

  it("is an RPC of the service role only", async () => {
    const service = supabaseClient(stack.serviceRoleKey);
    const { data, error } = await service.rpc("claim_pending_notifications", { p_channel: "email", p_limit: 1 });
    expect(error).toBeNull();
    expect(Array.isArray(data)).toBe(true);

    const { data: session, error: signInError } = await supabaseClient().auth.signInWithPassword({
      email: "tech1@chaleur-express.test",
      password: LOCAL_DEV_DEMO_PASSWORD,
    });
    expect(signInError).toBeNull();
    const user = supabaseClient(stack.anonKey, session.session!.access_token);
    const refused = await user.rpc("claim_pending_notifications", { p_channel: "email" });
    expect(refused.error?.code).toBe("42501");
  });
});

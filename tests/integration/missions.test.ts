/**
 * Missions under concurrency, with several real connections (docs/design.md
 * invariants 1 and 9):
 *  - concurrent moves of one mission are serialized by its row lock: exactly
 *    one wins, the others see its result (a no-op when they asked for the same
 *    status, a clear error otherwise);
 *  - concurrent calls carrying one idempotency key apply once and all get the
 *    first result; the same key with another payload is refused;
 *  - two bulk transitions over the same missions in opposite orders do not
 *    deadlock (missions are locked in id order).
 *
 * To make the calls really overlap, a "blocker" connection holds the lock they
 * all need, the test waits until every caller is waiting on a lock
 * (pg_stat_activity), then lets go.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const DISPATCHER = "a0000000-0000-4000-8000-000000000002";
const KARIM = "a0000000-0000-4000-8000-000000000003"; // technician
const SOPHIE = "a0000000-0000-4000-8000-000000000004"; // technician
const CALLERS = 8;
const RUN = randomUUID().slice(0, 8); // keeps this run's keys and titles apart

type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string };

/** The result of a call that must have succeeded. */
function resultOf<T = Record<string, unknown>>(o: Outcome | undefined): T {
  if (!o?.ok) throw new Error(`expected a result, got ${JSON.stringify(o)}`);
  return o.result as T;
}

let admin: pg.Client;
const created: string[] = [];

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: stack.dbUrl });
  await c.connect();
  return c;
}

/** Runs one API call in its own transaction as a signed-in user, through the real `authenticated` role. */
async function callAs(c: pg.Client, user: string, sql: string, params: unknown[]): Promise<Outcome> {
  await c.query("begin");
  try {
    await c.query("select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [
      JSON.stringify({ sub: user, role: "authenticated" }),
    ]);
    const { rows } = await c.query(sql, params);
    await c.query("commit");
    return { ok: true, result: rows[0].result };
  } catch (e) {
    await c.query("rollback");
    const err = e as { code: string; message: string };
    return { ok: false, code: err.code, message: err.message };
  }
}

/** A mission of org A brought to `status` by the system actor (postgres, no user). */
async function missionAt(status: "published" | "assigned" | "in_progress", technician = KARIM): Promise<string> {
  const id = randomUUID();
  created.push(id);
  const path = { published: ["published"], assigned: ["published", "assigned"], in_progress: ["published", "assigned", "in_progress"] }[status];
  await admin.query("begin");
  try {
    await admin.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, $5)", [
      id, ORG_A, CLIENT, SITE, `Concurrency ${RUN} ${status}`,
    ]);
    for (const step of path) {
      await admin.query(
        `update public.missions
            set status = $2::public.mission_status,
                technician_id = case when $2::public.mission_status = 'assigned' then $3::uuid else technician_id end
          where id = $1`,
        [id, step, technician],
      );
    }
    await admin.query("commit");
  } catch (e) {
    await admin.query("rollback");
    throw e;
  }
  return id;
}

/** Holds `lockSql` in an open transaction; resolves `release()` to commit it. */
async function holdLock(lockSql: string, params: unknown[]) {
  const blocker = await connect();
  await blocker.query("begin");
  await blocker.query(lockSql, params);
  return {
    async release() {
      await blocker.query("commit");
      await blocker.end();
    },
  };
}

/** Waits until every given backend is waiting on a lock, so the calls really overlap. */
async function allWaiting(pids: number[]) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await admin.query(
      "select count(*)::int as n from pg_stat_activity where pid = any($1::int[]) and wait_event_type = 'Lock'",
      [pids],
    );
    if (rows[0].n === pids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${pids.length} callers waiting on a lock`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the calls on their own connections, all at once, behind a lock held by a blocker. */
async function race(
  lock: { sql: string; params: unknown[] } | null,
  calls: { user: string; sql: string; params: unknown[] }[],
): Promise<Outcome[]> {
  const clients = await Promise.all(calls.map(() => connect()));
  try {
    const pids = await Promise.all(clients.map(async (c) => (await c.query("select pg_backend_pid() as pid")).rows[0].pid as number));
    const blocker = lock ? await holdLock(lock.sql, lock.params) : null;
    const pending = calls.map((call, i) => callAs(clients[i]!, call.user, call.sql, call.params));
    if (blocker) {
      await allWaiting(pids);
      await blocker.release();
    }
    return await Promise.all(pending);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

const lockMission = (id: string) => ({ sql: "select 1 from public.missions where id = $1 for update", params: [id] });
const transition = "select public.transition_mission($1, $2, $3, $4, $5) as result";
const addNote = "select public.add_mission_note($1, $2, $3, $4) as result";

async function historyRows(missionId: string): Promise<{ from_status: string | null; to_status: string; changed_by: string | null }[]> {
  const { rows } = await admin.query(
    "select from_status, to_status, changed_by from public.mission_status_history where mission_id = $1 order by id",
    [missionId],
  );
  return rows;
}

beforeAll(async () => {
  admin = await connect();
});

afterAll(async () => {
  // History and notes go with their missions (on delete cascade).
  await admin.query("delete from public.missions where id = any($1::uuid[])", [created]);
  await admin.query("delete from public.idempotency_keys where key like $1", [`it-${RUN}-%`]);
  await admin.end();
});

describe("concurrent moves of one mission", () => {
  it("finish vs block from 8 connections: exactly one wins, the others see its result", async () => {
    const id = await missionAt("in_progress");
    const calls = Array.from({ length: CALLERS }, (_, i) =>
      i % 2 === 0
        ? { user: KARIM, sql: transition, params: [id, "done", `it-${RUN}-done-${i}`, null, null] }
        : { user: DISPATCHER, sql: transition, params: [id, "blocked", `it-${RUN}-block-${i}`, "Coupure de gaz", null] },
    );
    const outcomes = await race(lockMission(id), calls);

    const winners = outcomes.filter((o) => o.ok && o.result.changed === true);
    expect(winners).toHaveLength(1);
    const won = resultOf<{ status: string }>(winners[0]).status;
    const lost = won === "done" ? "blocked" : "done";
    outcomes.forEach((o, i) => {
      const wanted = calls[i]!.params[1];
      if (o === winners[0]) return;
      if (wanted === won) {
        // Asked for what is already there: a no-op, reported as such.
        expect(o).toMatchObject({ ok: true, result: { status: won, changed: false } });
      } else {
        expect(o).toMatchObject({ ok: false, code: "P0001", message: `Invalid transition: ${won} → ${lost}` });
      }
    });

    const { rows } = await admin.query("select status from public.missions where id = $1", [id]);
    expect(rows[0].status).toBe(won);
    const history = await historyRows(id);
    expect(history.map((h) => h.to_status)).toEqual(["new", "published", "assigned", "in_progress", won]);
  });

  it("two technicians accepting one mission at once: one gets it, the other is told it is taken", async () => {
    const id = await missionAt("published");
    const calls = Array.from({ length: CALLERS }, (_, i) => ({
      user: i % 2 === 0 ? KARIM : SOPHIE,
      sql: transition,
      params: [id, "assigned", `it-${RUN}-accept-${i}`, null, null],
    }));
    const outcomes = await race(lockMission(id), calls);

    const winners = outcomes.filter((o) => o.ok && o.result.changed === true);
    expect(winners).toHaveLength(1);
    const holder = resultOf<{ technician_id: string }>(winners[0]).technician_id;
    expect([KARIM, SOPHIE]).toContain(holder);
    outcomes.forEach((o, i) => {
      if (o === winners[0]) return;
      if (calls[i]!.user === holder) {
        expect(o).toMatchObject({ ok: true, result: { status: "assigned", changed: false, technician_id: holder } });
      } else {
        expect(o).toMatchObject({ ok: false, code: "P0001", message: `Mission ${id} is already assigned to another technician` });
      }
    });
    const history = await historyRows(id);
    expect(history.filter((h) => h.to_status === "assigned")).toEqual([{ from_status: "published", to_status: "assigned", changed_by: holder }]);
  });

  it("two bulk transitions over the same 20 missions in opposite orders: no deadlock, each mission moved once", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await missionAt("in_progress"));
    const bulk = "select public.bulk_transition_missions($1::uuid[], $2, $3) as result";
    const outcomes = await race(lockMission(ids[10]!), [
      { user: DISPATCHER, sql: bulk, params: [ids, "blocked", "Coupure de gaz"] },
      { user: DISPATCHER, sql: bulk, params: [[...ids].reverse(), "blocked", "Coupure de gaz"] },
    ]);
    for (const o of outcomes) {
      expect(o).toMatchObject({ ok: true, result: { summary: { requested: 20, succeeded: 20, failed: 0 } } });
    }
    // Every mission was moved by exactly one of the two calls.
    const changed = outcomes.flatMap((o) =>
      resultOf<{ results: { id: string; changed: boolean }[] }>(o).results.filter((r) => r.changed).map((r) => r.id),
    );
    expect(changed.sort()).toEqual([...ids].sort());
    const { rows } = await admin.query(
      "select count(*)::int as n from public.mission_status_history where mission_id = any($1::uuid[]) and to_status = 'blocked'",
      [ids],
    );
    expect(rows[0].n).toBe(20);
  });
});

describe("concurrent replays of one idempotency key", () => {
  it("8 connections starting a mission with one key: applied once, the same result for all", async () => {
    const id = await missionAt("assigned");
    const key = `it-${RUN}-start`;
    const outcomes = await race(
      lockMission(id),
      Array.from({ length: CALLERS }, () => ({ user: KARIM, sql: transition, params: [id, "in_progress", key, null, null] })),
    );
    for (const o of outcomes) expect(o.ok).toBe(true);
    const results = outcomes.map((o) => resultOf(o));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]).toMatchObject({ status: "in_progress", previous_status: "assigned", changed: true });

    const history = await historyRows(id);
    expect(history.filter((h) => h.to_status === "in_progress")).toHaveLength(1);
    const { rows } = await admin.query("select count(*)::int as n, min(result::text) as result from public.idempotency_keys where key = $1", [key]);
    expect(rows[0].n).toBe(1);
    expect(JSON.parse(rows[0].result)).toEqual(results[0]);
  });

  it("8 connections adding one note with one key (held on its idempotency lock): one note", async () => {
    const id = await missionAt("in_progress");
    const key = `it-${RUN}-note`;
    const outcomes = await race(
      // The blocker holds the key's own lock, as a slow first call would.
      { sql: "select private.idempotency_lock($1, $2)", params: [ORG_A, key] },
      Array.from({ length: CALLERS }, () => ({ user: KARIM, sql: addNote, params: [id, "Joint remplacé, pas de fuite à 2 bar.", key, null] })),
    );
    for (const o of outcomes) expect(o.ok).toBe(true);
    const results = outcomes.map((o) => resultOf(o));
    for (const r of results) expect(r).toEqual(results[0]);
    const { rows } = await admin.query("select id::text from public.mission_notes where mission_id = $1", [id]);
    expect(rows).toEqual([{ id: results[0]!.note_id }]);
  });

  it("one key sent with two different payloads at once: one applies, the other payload is refused", async () => {
    const id = await missionAt("in_progress");
    const key = `it-${RUN}-conflict`;
    const bodies = ["Compteur relevé : 12 345 kWh", "Compteur relevé : 12 354 kWh"];
    const calls = Array.from({ length: CALLERS }, (_, i) => ({ user: KARIM, sql: addNote, params: [id, bodies[i % 2], key, null] }));
    const outcomes = await race({ sql: "select private.idempotency_lock($1, $2)", params: [ORG_A, key] }, calls);

    const { rows } = await admin.query("select body from public.mission_notes where mission_id = $1", [id]);
    expect(rows).toHaveLength(1);
    const applied = rows[0].body as string;
    outcomes.forEach((o, i) => {
      if (calls[i]!.params[1] === applied) {
        expect(o.ok).toBe(true);
      } else {
        expect(o).toMatchObject({ ok: false, code: "P0001", message: `Idempotency key ${key} was already used for a different request` });
      }
    });
  });
});

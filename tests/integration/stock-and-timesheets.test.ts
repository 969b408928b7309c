/**
 * Stock and timesheet rules under real concurrency (several PostgreSQL
 * connections at once), where pgTAP's single transaction cannot reach:
 *  - 20 writers taking the same item never drive it negative, and on_hand is
 *    exactly what the successful movements left (invariant 6);
 *  - concurrent log_hours for one technician-day never exceed 24 h;
 *  - concurrent replays of one offline action apply it once (invariant 9);
 *  - approve vs edit of one timesheet: one wins, nothing half-applied (invariant 7).
 *
 * Everything happens in an organization created for this file, so the demo
 * organizations' data (and other files' counts) are untouched. Stock movements
 * are append-only, so what this file creates stays in the throw-away test
 * database.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";

const run = randomUUID().slice(0, 8);
const org = randomUUID();
const technician = randomUUID();
const dispatcher = randomUUID();
const client = randomUUID();
const site = randomUUID();
const mission = randomUUID();
let workDate = ""; // yesterday in Europe/Paris, computed by the database

const open: pg.Client[] = [];

/** A new connection, signed in as `user` through the API role (null: the system actor, as postgres). */
async function connect(user: string | null): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: stack.dbUrl });
  await c.connect();
  open.push(c);
  if (user) {
    await c.query("select set_config('request.jwt.claims', $1, false)", [JSON.stringify({ sub: user, role: "authenticated" })]);
    await c.query("set role authenticated");
  }
  return c;
}

async function connectMany(n: number, user: (i: number) => string | null) {
  return Promise.all(Array.from({ length: n }, (_, i) => connect(user(i))));
}

/** Runs fn in a transaction that stays open a little after its work, so writers really overlap. */
async function inTx<T>(c: pg.Client, fn: () => Promise<T>, holdMs = 20): Promise<T> {
  await c.query("begin");
  try {
    const result = await fn();
    await c.query("select pg_sleep($1)", [holdMs / 1000]);
    await c.query("commit");
    return result;
  } catch (e) {
    await c.query("rollback");
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await withDb(async (c) => {
    await c.query("begin");
    await c.query("insert into public.organizations (id, name) values ($1, $2)", [org, `IT concurrence ${run}`]);
    await c.query(
      `insert into auth.users (id, aud, role, email) values
         ($1, 'authenticated', 'authenticated', $3), ($2, 'authenticated', 'authenticated', $4)`,
      [technician, dispatcher, `tech-${run}@it.test`, `dispatch-${run}@it.test`],
    );
    await c.query(
      `insert into public.memberships (org_id, user_id, role) values ($1, $2, 'technician'), ($1, $3, 'dispatcher')`,
      [org, technician, dispatcher],
    );
    await c.query("insert into public.clients (id, org_id, name) values ($1, $2, 'Client IT')", [client, org]);
    await c.query("insert into public.sites (id, org_id, client_id, name, address) values ($1, $2, $3, 'Chaufferie IT', '1 rue du Test')", [
      site,
      org,
      client,
    ]);
    // Moved along the state machine by the system actor (postgres, no JWT).
    await c.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, 'Mission IT')", [
      mission,
      org,
      client,
      site,
    ]);
    await c.query("update public.missions set status = 'published' where id = $1", [mission]);
    await c.query("update public.missions set status = 'assigned', technician_id = $2 where id = $1", [mission, technician]);
    await c.query("update public.missions set status = 'in_progress' where id = $1", [mission]);
    await c.query("commit");
    workDate = (await c.query("select to_char((now() at time zone 'Europe/Paris')::date - 1, 'YYYY-MM-DD') as d")).rows[0].d;
  });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.end().catch(() => undefined)));
});

async function newItem(sku: string, initial: number): Promise<string> {
  return withDb(async (c) => {
    const id = randomUUID();
    await c.query("insert into public.stock_items (id, org_id, sku, name) values ($1, $2, $3, $3)", [id, org, `${sku}-${run}`]);
    await c.query("insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values ($1, $2, 'in', $3, 'Livraison IT')", [
      org,
      id,
      initial,
    ]);
    return id;
  });
}

describe("stock under concurrent writers", () => {
  it("20 writers taking 7 each from 50 never go below zero; on_hand is what the successful ones left", async () => {
    const item = await newItem("IT-RACE", 50);
    // Even connections: the technician's RPC; odd ones: direct inserts by the system actor.
    const conns = await connectMany(20, (i) => (i % 2 === 0 ? technician : null));
    const outcomes = await Promise.allSettled(
      conns.map((c, i) =>
        inTx(c, () =>
          i % 2 === 0
            ? c.query("select public.record_stock_use($1, 7, $2, $3)", [item, mission, `it-race-${run}-${i}`])
            : c.query("insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id) values ($1, $2, 'out', 7, $3)", [
                org,
                item,
                mission,
              ]),
        ),
      ),
    );
    const succeeded = outcomes.filter((o) => o.status === "fulfilled").length;
    const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as pg.DatabaseError] : []));

    expect(succeeded).toBe(7); // 7 × 7 = 49 ≤ 50 < 8 × 7
    for (const f of failures) {
      expect(f.code).toBe("P0001");
      expect(f.message).toBe("Insufficient stock. Available: 1, Requested: 7");
    }
    await withDb(async (c) => {
      const { rows } = await c.query(
        `select i.on_hand::float8 as on_hand, i.movement_count::int as movement_count,
                (select sum(m.delta)::float8 from public.stock_movements m where m.org_id = i.org_id and m.item_id = i.id) as ledger,
                (select array_agg(m.item_seq::int order by m.item_seq) from public.stock_movements m where m.org_id = i.org_id and m.item_id = i.id) as seqs,
                (select count(*)::int from public.stock_negative) as negative
         from public.stock_items i where i.id = $1`,
        [item],
      );
      expect(rows[0]).toEqual({
        on_hand: 50 - 7 * succeeded,
        movement_count: 1 + succeeded,
        ledger: 50 - 7 * succeeded,
        seqs: Array.from({ length: 1 + succeeded }, (_, i) => i + 1),
        negative: 0,
      });
    });
  });

  it("10 concurrent replays of one record_stock_use key take the parts once and all get the first result", async () => {
    const item = await newItem("IT-REPLAY", 10);
    const key = `it-replay-${run}`;
    const conns = await connectMany(10, () => technician);
    const results = await Promise.all(
      conns.map((c) => inTx(c, async () => (await c.query("select public.record_stock_use($1, 3, $2, $3) as r", [item, mission, key])).rows[0].r)),
    );
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]).toMatchObject({ item_id: item, quantity: 3, on_hand: 7 });
    await withDb(async (c) => {
      const { rows } = await c.query(
        `select (select on_hand::float8 from public.stock_items where id = $1) as on_hand,
                (select count(*)::int from public.stock_movements where item_id = $1 and kind = 'out') as outs`,
        [item],
      );
      expect(rows[0]).toEqual({ on_hand: 7, outs: 1 });
    });
  });
});

describe("timesheets under concurrent writers", () => {
  it("10 concurrent log_hours of 5 h for one technician-day stop at 20 h (a fifth would make 25)", async () => {
    const conns = await connectMany(10, () => technician);
    const outcomes = await Promise.allSettled(
      conns.map((c, i) =>
        inTx(c, () => c.query("select public.log_hours($1, $2::date, 5, 'Chantier IT', $3)", [mission, workDate, `it-hours-${run}-${i}`])),
      ),
    );
    const succeeded = outcomes.filter((o) => o.status === "fulfilled").length;
    expect(succeeded).toBe(4);
    for (const o of outcomes) {
      if (o.status === "rejected") {
        expect((o.reason as pg.DatabaseError).message).toBe(`Daily total for ${workDate} would be 25.00 h (max 24)`);
      }
    }
    const total = await withDb(
      async (c) =>
        (await c.query("select sum(hours)::float8 as total from public.timesheets where technician_id = $1 and work_date = $2::date", [technician, workDate]))
          .rows[0].total,
    );
    expect(total).toBe(20);
  });

  it("a REPEATABLE READ transaction is refused (its snapshot would predate the day lock)", async () => {
    const c = await connect(technician);
    await c.query("begin isolation level repeatable read");
    await expect(c.query("select public.log_hours($1, $2::date, 1, null, $3)", [mission, workDate, `it-rr-${run}`])).rejects.toMatchObject({
      code: "0A000",
      message: "Timesheets cannot be written in a REPEATABLE READ transaction (the daily total needs READ COMMITTED or SERIALIZABLE)",
    });
    await c.query("rollback");
  });

  async function unapprovedTimesheet(hours: number, daysAgo: number): Promise<string> {
    return withDb(async (c) => {
      const { rows } = await c.query(
        `insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
         values ($1, $2, $3, (now() at time zone 'Europe/Paris')::date - $5::int, $4) returning id`,
        [org, technician, mission, hours, daysAgo],
      );
      return rows[0].id as string;
    });
  }

  it("edit then approve: the approval waits for the edit and approves the edited hours", async () => {
    const id = await unapprovedTimesheet(2, 3);
    const [editor, approver] = [await connect(null), await connect(dispatcher)];
    await editor.query("begin");
    await editor.query("update public.timesheets set hours = 3 where id = $1", [id]);
    const approval = approver.query("select public.bulk_approve_timesheets(array[$1]::uuid[]) as r", [id]);
    await sleep(200); // the approval is now waiting on the editor's row lock
    await editor.query("commit");
    const r = (await approval).rows[0].r;
    expect(r.summary).toEqual({ requested: 1, succeeded: 1, failed: 0 });
    const row = await withDb(async (c) => (await c.query("select hours::float8 as hours, approved_by from public.timesheets where id = $1", [id])).rows[0]);
    expect(row).toEqual({ hours: 3, approved_by: dispatcher });
  });

  it("approve then edit: the edit waits for the approval and is refused; the approved hours stand", async () => {
    const id = await unapprovedTimesheet(2, 4);
    const [editor, approver] = [await connect(null), await connect(dispatcher)];
    await approver.query("begin");
    const r = (await approver.query("select public.bulk_approve_timesheets(array[$1]::uuid[]) as r", [id])).rows[0].r;
    expect(r.summary.succeeded).toBe(1);
    const edit = editor.query("update public.timesheets set hours = 4 where id = $1", [id]);
    const editSettled = edit.then(
      () => null,
      (e: pg.DatabaseError) => e,
    );
    await sleep(200); // the edit is now waiting on the approver's row lock
    await approver.query("commit");
    const error = await editSettled;
    expect(error).toMatchObject({ code: "P0001", message: `Timesheet ${id} is approved and locked` });
    const row = await withDb(async (c) => (await c.query("select hours::float8 as hours, approved_by from public.timesheets where id = $1", [id])).rows[0]);
    expect(row).toEqual({ hours: 2, approved_by: dispatcher });
  });
});

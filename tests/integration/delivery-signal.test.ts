/**
 * Queuing an email or push row wakes the senders at commit: the
 * `terrain_deliveries` NOTIFY (the local dispatcher's signal, otherwise sent by
 * pg_cron each minute) is raised by the statement that queues, once per
 * statement, with the due count per channel — and not at all for in-app rows,
 * rows due later, or a rolled-back statement.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const TECH_1 = "a0000000-0000-4000-8000-000000000003";
const RUN = randomUUID().slice(0, 8);

let listener: pg.Client;
const received: string[] = [];

// pg_cron's per-minute signal uses the same channel: paused while this file
// listens, so every signal heard here comes from the statements under test.
const pauseCronSignal = (active: boolean) =>
  withDb((c) => c.query("select cron.alter_job(jobid, active := $1) from cron.job where jobname = 'deliver-notifications'", [active]));

beforeAll(async () => {
  await pauseCronSignal(false);
  listener = new pg.Client({ connectionString: stack.dbUrl });
  await listener.connect();
  listener.on("notification", (msg) => {
    if (msg.channel === "terrain_deliveries") received.push(msg.payload ?? "");
  });
  await listener.query("listen terrain_deliveries");
});

afterAll(async () => {
  await listener.end();
  await pauseCronSignal(true);
  await withDb((c) => c.query("delete from public.notifications where dedupe_key like $1", [`signal-${RUN}%`]));
});

/** Runs `sql` in its own transaction, then gives the listener time to hear what commit sent. */
async function signalsOf(sql: string, params: unknown[], commit = true): Promise<unknown[]> {
  received.length = 0;
  await withDb(async (c) => {
    await c.query("begin");
    await c.query(sql, params);
    await c.query(commit ? "commit" : "rollback");
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return received.map((p) => JSON.parse(p));
}

const queue = (channel: string, count: number, key: string) => [
  `select private.create_notification($1, $2, $3, 'mission_blocked', null, null, $4 || ':' || g, '{}')
     from generate_series(1, $5::int) g`,
  [ORG_A, TECH_1, channel, `signal-${RUN}-${key}`, count],
] as const;

describe("a queued delivery signals the senders at commit", () => {
  it("one NOTIFY per statement with the due count of each channel", async () => {
    const signals = await signalsOf(
      `insert into public.notifications (org_id, user_id, channel, type, title, dedupe_key, next_attempt_at)
       select $1, $2, ch, 'mission_blocked', 'now', $3 || ch || g, now()
       from unnest(array['email', 'email', 'email', 'push']) with ordinality as t(ch, g)`,
      [ORG_A, TECH_1, `signal-${RUN}-multi-`],
    );
    expect(signals).toEqual([{ email: 3, push: 1 }]);
  });

  it("rows queued one by one in a transaction wake the sender once (NOTIFY folds equal signals)", async () => {
    const [sql, params] = queue("email", 3, "email");
    expect(await signalsOf(sql, [...params])).toEqual([{ email: 1 }]);
  });

  it("nothing for in-app rows, nothing for a rolled-back statement", async () => {
    const [inApp, inAppParams] = queue("in_app", 2, "in-app");
    expect(await signalsOf(inApp, [...inAppParams])).toEqual([]);
    const [sql, params] = queue("email", 1, "rolled-back");
    expect(await signalsOf(sql, [...params], false)).toEqual([]);
  });

  it("nothing for rows due later (a retry scheduled by the backoff)", async () => {
    const signals = await signalsOf(
      `insert into public.notifications (org_id, user_id, channel, type, title, dedupe_key, next_attempt_at)
       values ($1, $2, 'email', 'mission_blocked', 'later', $3, now() + interval '5 minutes')`,
      [ORG_A, TECH_1, `signal-${RUN}-later`],
    );
    expect(signals).toEqual([]);
  });
});

/**
 * run_all_alert_checks() under concurrency (issue 5, item 4): two runs that
 * overlap (two connections, the first one's transaction still open) — the
 * second returns at once with skipped = true instead of waiting or
 * double-notifying; once the first commits, a new run proceeds. A pgTAP file
 * cannot show this: an advisory lock is re-entrant within one session.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: stack.dbUrl });
  await client.connect();
  return client;
}

describe("run_all_alert_checks concurrency", () => {
  it("skips a run while another one holds the lock, and runs again afterwards", async () => {
    const first = await connect();
    const second = await connect();
    try {
      await first.query("begin");
      const a = await first.query("select public.run_all_alert_checks() as s");
      expect(a.rows[0].s.skipped).toBe(false);

      const started = Date.now();
      const b = await second.query("select public.run_all_alert_checks() as s");
      expect(b.rows[0].s).toEqual({ checked: 0, fired: 0, resolved: 0, notified: 0, escalated: 0, notifications: 0, skipped: true });
      expect(Date.now() - started).toBeLessThan(2000); // it did not wait for the lock

      await first.query("commit");
      const c = await second.query("select public.run_all_alert_checks() as s");
      expect(c.rows[0].s.skipped).toBe(false);
      // Nothing fired twice: the first run's alerts are still the only open ones per fingerprint.
      expect(c.rows[0].s.fired).toBe(0);
    } finally {
      await first.query("rollback").catch(() => undefined);
      await first.end();
      await second.end();
    }
  });

  it("is not callable by API users", async () => {
    const c = await connect();
    try {
      const r = await c.query(
        "select has_function_privilege('authenticated', 'public.run_all_alert_checks()', 'execute') as auth, " +
          "has_function_privilege('anon', 'public.run_all_alert_checks()', 'execute') as anon",
      );
      expect(r.rows[0]).toEqual({ auth: false, anon: false });
    } finally {
      await c.end();
    }
  });
});

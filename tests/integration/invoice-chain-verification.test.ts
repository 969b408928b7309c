/**
 * The full verification of an organization's invoice chain and log asked for
 * through the API (public.run_invoice_chain_verification): a POST that
 * PostgREST runs read-write, so the result is recorded and the health page
 * (a read-only call) shows it; refused to the accountant with 403. A call
 * does one bounded step and says how far it got: called again until done; a
 * pass another transaction is advancing is skipped, not waited for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoUserTokens, stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const USERS = { owner: "admin@chaleur-express.test", accountant: "compta@chaleur-express.test" };
let tokens: Record<keyof typeof USERS, string>;
const as = (who: keyof typeof USERS) => supabaseClient(stack.anonKey, tokens[who]);
let before = 0;

beforeAll(async () => {
  tokens = await demoUserTokens(USERS);
  before = await withDb(async (c) => Number((await c.query("select coalesce(max(id), 0) as id from private.invoice_chain_verifications")).rows[0].id));
});

afterAll(async () => {
  await withDb((c) => c.query("delete from private.invoice_chain_verifications where id > $1 and requested_by is not null", [before]));
});

describe("run_invoice_chain_verification through PostgREST", () => {
  it("the owner runs it: both kinds pass, recorded as asked by them, and the health page reads it", async () => {
    const { data, error, status } = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A });
    expect(error, JSON.stringify(error)).toBeNull();
    expect(status).toBe(200);
    expect(data!.map((r) => [r.kind, r.ok, r.reason])).toEqual([
      ["chain", true, null],
      ["log", true, null],
    ]);
    const recorded = await withDb(async (c) =>
      (await c.query(
        `select v.kind, p.email from private.invoice_chain_verifications v join auth.users p on p.id = v.requested_by
          where v.id > $1 and v.org_id = $2 order by v.kind`,
        [before, ORG_A],
      )).rows,
    );
    expect(recorded).toEqual([{ kind: "chain", email: USERS.owner }, { kind: "log", email: USERS.owner }]);

    const health = await as("owner").rpc("organization_health_checks", { p_org: ORG_A });
    expect(health.error).toBeNull();
    expect(health.data!.find((h) => h.name === "invoice_chain")).toMatchObject({ ok: true, count: 0 });
  });

  it("refuses the accountant: 403 forbidden_role, nothing recorded", async () => {
    const count = () => withDb(async (c) => Number((await c.query("select count(*) as n from private.invoice_chain_verifications")).rows[0].n));
    const n = await count();
    const { error, status } = await as("accountant").rpc("run_invoice_chain_verification", { p_org_id: ORG_A });
    expect(status).toBe(403);
    expect(error?.code).toBe("forbidden_role");
    expect(await count()).toBe(n);
  });

  it("verifies in steps: each call checks at most max_rows rows and says how far it got, until both kinds are done", async () => {
    const steps: Array<Array<[string, boolean, number, number]>> = [];
    for (let call = 0; call < 50; call++) {
      const { data, error } = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 4 });
      expect(error, JSON.stringify(error)).toBeNull();
      steps.push(data!.map((r) => [r.kind, r.done, r.rows_checked, r.rows_total]));
      if (data!.every((r) => r.done)) break;
    }
    const checked = steps.map((s) => s[0]![2] + s[1]![2]);
    // Four rows a call at most, every call but the last a full one.
    expect(checked.slice(0, -1)).toEqual(checked.slice(0, -1).map((_, i) => 4 * (i + 1)));
    const last = steps[steps.length - 1]!;
    expect(last.map(([kind, done, rows, total]) => [kind, done, rows === total])).toEqual([["chain", true, true], ["log", true, true]]);
  });

  it("skips a pass another transaction is advancing: its progress comes back unchanged, at once", async () => {
    const first = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 1 });
    expect(first.error).toBeNull();
    expect(first.data!.find((r) => r.kind === "chain")).toMatchObject({ done: false, rows_checked: 1 });
    await withDb(async (c) => {
      await c.query("begin");
      // As the nightly job does while it advances the pass.
      await c.query("select id from private.invoice_chain_verifications where org_id = $1 and kind = 'chain' and finished_at is null for update", [ORG_A]);
      const busy = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 1 });
      await c.query("rollback");
      expect(busy.error).toBeNull();
      expect(busy.data!.find((r) => r.kind === "chain")).toMatchObject({ done: false, rows_checked: 1 });
      expect(busy.data!.find((r) => r.kind === "log")).toMatchObject({ done: false, rows_checked: 1 });
    });
    const resumed = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 1 });
    expect(resumed.data!.find((r) => r.kind === "chain")).toMatchObject({ rows_checked: 2 });
    // Finished, so the next test starts from nothing running.
    for (let call = 0; call < 20; call++) {
      const { data } = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 5000 });
      if (data!.every((r) => r.done)) break;
    }
  });

  it("refuses a step too large for the API's statement timeout: 400 invalid_parameter, nothing recorded", async () => {
    const count = () => withDb(async (c) => Number((await c.query("select count(*) as n from private.invoice_chain_verifications")).rows[0].n));
    const n = await count();
    const { error, status } = await as("owner").rpc("run_invoice_chain_verification", { p_org_id: ORG_A, p_max_rows: 5001 });
    expect(status).toBe(400);
    expect(error?.code).toBe("invalid_parameter");
    expect(await count()).toBe(n);
  });
});

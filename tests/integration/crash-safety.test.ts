/**
 * Crash safety: PostgreSQL is killed (`pg_ctl stop -m immediate`: no
 * checkpoint, no clean shutdown; restart = crash recovery from the WAL) in the
 * middle of a burst of writes sent through the API (supabase-js → gateway →
 * PostgREST) as the admin of Chaleur Express: invoices created, given a line
 * and issued, and stock movements. After the restart:
 *  - every write the API acknowledged is there, as acknowledged (invoice
 *    issued under the number it was given; every movement);
 *  - the invariants hold: the invoice hash chain verifies, numbering is
 *    gapless per series and year, stock on hand = sum of the movements, and
 *    the ops health checks for both pass;
 *  - the API serves again and the next invoice takes the next number.
 * Runs on a stack of its own (dedicated-cluster.ts) with production
 * durability settings. What it proves is the process crash (the kernel keeps
 * what was written); a power loss additionally depends on the disk honouring fsync.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import pg from "pg";
import { startCluster, stopCluster } from "../../scripts/stack/db/postgres.ts";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { sleep } from "../../scripts/stack/proc.ts";
import { bringUp, type RunningStack } from "../../scripts/stack/stack.ts";
import { createNodeClient, type TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { withDb } from "./harness.ts";
import { dedicatedConfig, removeCluster } from "./dedicated-cluster.ts";

const cfg = dedicatedConfig("crash-safety", 60);
let running: RunningStack | undefined;
let api: TerrainClient;
let orgId = "";
let clientId = "";
let itemIds: string[] = [];

beforeAll(async () => {
  removeCluster(cfg); // whatever an interrupted run left
  // The burst comes from 127.0.0.1 as a demo user: the test profile's relaxed limits.
  process.env.TERRAIN_RATE_LIMITS = "relaxed";
  running = await bringUp(cfg, () => undefined);
  const anon = createNodeClient(cfg.apiUrl, running.keys.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await anon.auth.signInWithPassword({ email: "admin@chaleur-express.test", password: LOCAL_DEV_DEMO_PASSWORD });
  if (error || !data.session) throw new Error(`sign-in failed: ${error?.message}`);
  api = createNodeClient(cfg.apiUrl, running.keys.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${data.session.access_token}` } },
  });
  await withDb(async (c) => {
    const { rows } = await c.query(
      `select m.org_id, (select i.client_id from public.invoices i where i.org_id = m.org_id and i.status <> 'draft' limit 1) as client_id
         from public.memberships m where m.user_id = $1 and m.role in ('owner', 'admin') limit 1`,
      [data.user!.id],
    );
    orgId = rows[0].org_id;
    clientId = rows[0].client_id;
    itemIds = (await c.query("select id from public.stock_items where org_id = $1 order by sku limit 2", [orgId])).rows.map((r) => r.id);
  }, cfg.dbUrl);
}, 240_000);

afterAll(async () => {
  await running?.stop();
  removeCluster(cfg);
});

interface Acknowledged {
  invoices: { id: string; number: string }[];
  movements: string[];
  failures: number;
}

/** One writer: draft → line → issue, again and again, until told to stop. */
async function issuingLoop(ack: Acknowledged, stop: { now: boolean }) {
  while (!stop.now) {
    const draft = await api.from("invoices").insert({ org_id: orgId, client_id: clientId, service_date: new Date().toISOString().slice(0, 10) }).select("id").single();
    if (draft.error) {
      ack.failures++;
      await sleep(50);
      continue;
    }
    const line = await api.from("invoice_lines").insert({
      org_id: orgId, invoice_id: draft.data.id, description: "Entretien chaudière", quantity: 1, unit_price_cents: 12_000, vat_rate: 20,
    });
    if (line.error) {
      ack.failures++;
      continue;
    }
    const issued = await api.rpc("issue_invoice", { p_invoice_id: draft.data.id });
    if (issued.error) {
      ack.failures++;
      continue;
    }
    ack.invoices.push({ id: draft.data.id, number: (issued.data as { number: string }).number });
  }
}

async function stockLoop(ack: Acknowledged, stop: { now: boolean }, itemId: string) {
  while (!stop.now) {
    const r = await api.from("stock_movements").insert({ org_id: orgId, item_id: itemId, kind: "in", quantity: 2, reason: "crash test" }).select("id").single();
    if (r.error) {
      ack.failures++;
      await sleep(50);
      continue;
    }
    ack.movements.push(r.data.id);
  }
}

it("keeps every acknowledged write and every invariant when PostgreSQL is killed during a burst of API writes", async () => {
  const ack: Acknowledged = { invoices: [], movements: [], failures: 0 };
  const stop = { now: false };
  const writers = [
    ...Array.from({ length: 4 }, () => issuingLoop(ack, stop)),
    ...itemIds.map((id) => stockLoop(ack, stop, id)),
  ];
  // Kill once the burst is well under way: writes are in flight at that moment.
  for (let i = 0; i < 300 && (ack.invoices.length < 10 || ack.movements.length < 20); i++) await sleep(100);
  const beforeKill = { invoices: ack.invoices.length, movements: ack.movements.length };
  expect(beforeKill.invoices).toBeGreaterThanOrEqual(10);
  stopCluster(cfg, "immediate");
  await sleep(1_000); // the writers keep trying against a dead database
  stop.now = true;
  await Promise.all(writers);
  expect(ack.failures).toBeGreaterThan(0); // the crash was felt by the API
  console.log(
    `crash: killed after ${beforeKill.invoices} invoices and ${beforeKill.movements} movements acknowledged; ` +
      `${ack.invoices.length} and ${ack.movements.length} in all, ${ack.failures} requests failed around the kill`,
  );

  await startCluster(cfg); // crash recovery
  // PostgREST reconnects by itself; wait until the API answers again.
  let back = false;
  for (let i = 0; i < 150 && !back; i++) {
    back = !(await api.from("invoices").select("id").limit(1)).error;
    if (!back) await sleep(200);
  }
  expect(back).toBe(true);

  await withDb(async (c: pg.Client) => {
    const { rows: invoices } = await c.query<{ id: string; number: string; status: string }>(
      "select id, number, status from public.invoices where id = any($1::uuid[])",
      [ack.invoices.map((i) => i.id)],
    );
    const found = new Map(invoices.map((r) => [r.id, r]));
    for (const a of ack.invoices) {
      expect(found.get(a.id), `acknowledged invoice ${a.number}`).toMatchObject({ number: a.number, status: "issued" });
    }
    const { rows: movements } = await c.query("select count(*)::int as n from public.stock_movements where id = any($1::uuid[])", [ack.movements]);
    expect(movements[0].n).toBe(ack.movements.length);

    const { rows: chain } = await c.query("select * from public.verify_invoice_chain($1)", [orgId]);
    expect(chain[0]).toMatchObject({ ok: true });
    // Gapless and unique: per series and year, the sequences are exactly 1..n.
    const { rows: gaps } = await c.query(
      `select series, fiscal_year, count(*)::int as n, count(distinct sequence)::int as distinct_n, max(sequence)::int as max
         from public.invoices where org_id = $1 and sequence is not null group by 1, 2`,
      [orgId],
    );
    for (const g of gaps) expect(g, `${g.series} ${g.fiscal_year}`).toMatchObject({ n: g.max, distinct_n: g.max });
    const { rows: ledger } = await c.query(
      `select i.sku, i.on_hand, coalesce(sum(m.delta), 0) as movements, i.movement_count, count(m.id) as n
         from public.stock_items i left join public.stock_movements m on m.org_id = i.org_id and m.item_id = i.id
        where i.org_id = $1 group by i.id
       having i.on_hand <> coalesce(sum(m.delta), 0) or i.movement_count <> count(m.id)`,
      [orgId],
    );
    expect(ledger).toEqual([]);
    const { rows: checks } = await c.query("select name, ok from ops.health_checks('daily') where name in ('invoice_chain', 'stock_negative')");
    expect(checks).toEqual(expect.arrayContaining([{ name: "invoice_chain", ok: true }, { name: "stock_negative", ok: true }]));
  }, cfg.dbUrl);

  // Writing goes on where it stopped: the next number follows the last one.
  const last = await withDb(
    async (c) => (await c.query("select max(sequence)::int as max from public.invoices where org_id = $1 and series = 'FAC' and fiscal_year = extract(year from current_date)", [orgId])).rows[0].max as number,
    cfg.dbUrl,
  );
  const ackAfter: Acknowledged = { invoices: [], movements: [], failures: 0 };
  const once = { now: false };
  const writer = issuingLoop(ackAfter, once);
  for (let i = 0; i < 100 && ackAfter.invoices.length === 0; i++) await sleep(100);
  once.now = true;
  await writer;
  expect(ackAfter.failures).toBe(0);
  expect(ackAfter.invoices[0]!.number).toMatch(new RegExp(`-${String(last + 1).padStart(5, "0")}$`));
}, 240_000);

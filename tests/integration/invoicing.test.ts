/**
 * Invoicing under real concurrency (several PostgreSQL connections at once):
 *  - 20 connections issuing invoices of one organization at the same moment get
 *    the numbers 1..20, no gap, no duplicate, in issue order (invariant 2), and
 *    the hash chain stays whole (invariant 4);
 *  - issues that roll back while others commit leave no gap;
 *  - a line written while the invoice is being issued is either in the issued
 *    invoice or refused, never slipped in after the number (invariant 3);
 *  - 16 credit notes issued at once against one invoice never exceed its total
 *    (invariant 5).
 * Each run works in its own throw-away organization, removed afterwards.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb, removeTestOrganization } from "./harness.ts";

const ORG = randomUUID();
const CLIENT = randomUUID();

/** Opens n connections (superuser: the trusted system actor, no JWT). */
async function connections(n: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: stack.dbUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}
async function closeAll(clients: pg.Client[]) {
  await Promise.all(clients.map((c) => c.end()));
}

/** Draft documents of one line each (amount excl. VAT, 20 % VAT); returns their ids. */
async function drafts(
  c: pg.Client,
  n: number,
  cents: number,
  opts: { kind?: "invoice" | "credit_note"; credited?: string } = {},
): Promise<string[]> {
  const { rows } = await c.query<{ id: string }>(
    `with ins as (
       insert into public.invoices (org_id, client_id, kind, credited_invoice_id, service_date)
       select $1, $2, $3::public.invoice_kind, $4, current_date from generate_series(1, $5)
       returning id)
     select id from ins`,
    [ORG, CLIENT, opts.kind ?? "invoice", opts.credited ?? null, n],
  );
  await c.query(
    `insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
     select $1, id, 'Prestation', 1, $2, 20 from unnest($3::uuid[]) as id`,
    [ORG, cents, rows.map((r) => r.id)],
  );
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  await withDb(async (c) => {
    await c.query(
      `insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
       values ($1, 'Concurrence Test SAS', 'SAS', '552081317', 'FR00552081317', '1 rue des Tests', '69002', 'Lyon', 10)`,
      [ORG],
    );
    await c.query(
      `insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city)
       values ($1, $2, 'Client Concurrence', '301120358', '2 rue des Tests', '69003', 'Lyon')`,
      [CLIENT, ORG],
    );
  });
});

afterAll(async () => {
  await removeTestOrganization(ORG);
});

describe("issue_invoice under concurrency", () => {
  it("20 connections issuing at once get FAC numbers 1..20: no gap, no duplicate, chronological, chained", async () => {
    const ids = await withDb((c) => drafts(c, 20, 10_000));
    const conns = await connections(20);
    try {
      const results = await Promise.all(
        conns.map((c, i) => c.query<{ r: { number: string } }>("select public.issue_invoice($1) as r", [ids[i]])),
      );
      const numbers = results.map((r) => r.rows[0]!.r.number);
      expect(new Set(numbers).size).toBe(20);

      const rows = await withDb(async (c) => {
        const { rows } = await c.query<{ sequence: string; chain_position: string; issued_at: Date; fiscal_year: number; number: string }>(
          `select sequence, chain_position, issued_at, fiscal_year, number from public.invoices
           where org_id = $1 and series = 'FAC' and sequence is not null order by sequence`,
          [ORG],
        );
        return rows;
      });
      expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const year = rows[0]!.fiscal_year;
      expect(rows.map((r) => r.number)).toEqual(rows.map((r) => `FAC-${year}-${r.sequence.padStart(5, "0")}`));
      // Chronological: the number order is the issue order (chain and clock).
      expect(rows.map((r) => Number(r.chain_position))).toEqual(rows.map((r) => Number(r.sequence)));
      for (let i = 1; i < rows.length; i++) {
        expect(rows[i]!.issued_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.issued_at.getTime());
      }
      const chain = await withDb(async (c) => (await c.query("select ok, checked from public.verify_invoice_chain($1)", [ORG])).rows[0]);
      expect(chain).toEqual({ ok: true, checked: "20" });
    } finally {
      await closeAll(conns);
    }
  });

  it("issues rolled back while others commit leave no gap", async () => {
    const ids = await withDb((c) => drafts(c, 16, 5_000));
    const conns = await connections(16);
    try {
      // Every connection issues inside a transaction; one in four rolls back.
      await Promise.all(
        conns.map(async (c, i) => {
          await c.query("begin");
          await c.query("select public.issue_invoice($1)", [ids[i]]);
          await c.query(i % 4 === 0 ? "rollback" : "commit");
        }),
      );
      const seqs = await withDb(async (c) =>
        (
          await c.query<{ sequence: string }>(
            "select sequence from public.invoices where org_id = $1 and series = 'FAC' and sequence is not null order by sequence",
            [ORG],
          )
        ).rows.map((r) => Number(r.sequence)),
      );
      // 20 from the first test, then 12 more: 1..32 with no hole.
      expect(seqs).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
      const drafts_left = await withDb(async (c) =>
        Number((await c.query("select count(*) from public.invoices where id = any($1) and status = 'draft'", [ids])).rows[0].count),
      );
      expect(drafts_left).toBe(4);
    } finally {
      await closeAll(conns);
    }
  });

  it("a line written during the issue is in the issued invoice, never added after it", async () => {
    const [id] = await withDb((c) => drafts(c, 1, 10_000));
    const [writer, issuer] = await connections(2);
    try {
      await writer!.query("begin");
      await writer!.query(
        "insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate) values ($1, $2, 'Ajout', 1, 2500, 20)",
        [ORG, id],
      );
      // The issuer queues behind the writer's lock on the invoice row…
      const issuing = issuer!.query<{ r: { total_ttc_cents: number } }>("select public.issue_invoice($1) as r", [id]);
      await waitUntilBlocked(issuer!);
      await writer!.query("commit");
      // … and, once it proceeds, sees the committed line.
      const r = await issuing;
      expect(r.rows[0]!.r.total_ttc_cents).toBe(15_000);

      // The other way round: a line arriving while the issue holds the lock is refused.
      const [id2] = await withDb((c) => drafts(c, 1, 10_000));
      await issuer!.query("begin");
      await issuer!.query("select public.issue_invoice($1)", [id2]);
      // Settled into a value right away so the rejection is never "unhandled" while we wait.
      const late = writer!
        .query(
          "insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents) values ($1, $2, 'Trop tard', 1, 100)",
          [ORG, id2],
        )
        .then(
          () => null,
          (e: Error) => e,
        );
      await waitUntilBlocked(writer!);
      await issuer!.query("commit");
      expect((await late)?.message).toMatch(/^Invoice FAC-\d{4}-\d{5} is locked \(status: issued\)$/);
      const chain = await withDb(async (c) => (await c.query("select ok from public.verify_invoice_chain($1)", [ORG])).rows[0]);
      expect(chain).toEqual({ ok: true });
    } finally {
      await closeAll([writer!, issuer!]);
    }
  });
});

describe("credit notes under concurrency", () => {
  it("16 credit notes issued at once against one invoice never exceed its total", async () => {
    // An invoice of 120.00 EUR TTC, and 16 draft credit notes of 10.00 EUR TTC each.
    const [invoice] = await withDb((c) => drafts(c, 1, 10_000));
    await withDb((c) => c.query("select public.issue_invoice($1)", [invoice]));
    const notes = await withDb((c) => drafts(c, 16, 834, { kind: "credit_note", credited: invoice! }));
    // 834 cents + 20 % VAT (166.8 → 167) = 10.01 EUR: 11 fit in 120.00, the 12th does not.
    const conns = await connections(16);
    try {
      const outcomes = await Promise.allSettled(conns.map((c, i) => c.query("select public.issue_invoice($1)", [notes[i]])));
      const ok = outcomes.filter((o) => o.status === "fulfilled").length;
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(ok).toBe(11);
      expect(refused).toHaveLength(5);
      for (const r of refused) {
        expect(String((r.reason as Error).message)).toMatch(
          /^Credit notes for invoice FAC-\d{4}-\d{5} would exceed its total: 120\.00 EUR invoiced, 110\.11 EUR already credited, 10\.01 EUR on this credit note$/,
        );
      }
      const totals = await withDb(async (c) =>
        (
          await c.query<{ credited: string; total: string; seqs: number[] }>(
            `select (select sum(total_ttc_cents) from public.invoices where credited_invoice_id = $2 and status <> 'draft') as credited,
                    (select total_ttc_cents from public.invoices where id = $2) as total,
                    (select array_agg(sequence::int order by sequence) from public.invoices
                     where org_id = $1 and series = 'AV' and status <> 'draft') as seqs`,
            [ORG, invoice],
          )
        ).rows[0]!,
      );
      expect(Number(totals.credited)).toBe(11_011);
      expect(Number(totals.credited)).toBeLessThanOrEqual(Number(totals.total));
      expect(totals.seqs).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    } finally {
      await closeAll(conns);
    }
  });
});

/** Waits until the connection's backend is waiting on a lock. */
async function waitUntilBlocked(c: pg.Client) {
  const pid = (c as unknown as { processID: number }).processID;
  for (let i = 0; i < 200; i++) {
    const waiting = await withDb(async (db) =>
      (await db.query("select wait_event_type = 'Lock' as w from pg_stat_activity where pid = $1", [pid])).rows[0]?.w,
    );
    if (waiting) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`backend ${pid} never waited on a lock`);
}

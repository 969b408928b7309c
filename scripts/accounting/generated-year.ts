/**
 * A generated fiscal year of invoicing, posted by the database itself: an
 * organization, its clients, `invoices` invoices issued with issue_invoice()
 * in date order over the year, one credit note every 100 invoices, payments
 * for most of them (some partial, two for one invoice), bank lines recorded
 * without their invoice (half of them matched later), then the year's FEC
 * as export_fec() writes it. Everything runs in ONE transaction that the
 * caller rolls back (nothing stays in the database). Used by the integration
 * suite (a small year) and by `npm run fec:bench` (200,000 invoices).
 */
import type pg from "pg";
import { FecValidator, type FecReport } from "./fec-validator.ts";
import { streamFec } from "./fec-stream.ts";

export const GENERATED_ORG = "c9990000-0000-4000-8000-0000000000f0";
export const GENERATED_SIREN = "443061841";
export const GENERATED_YEAR_END = "2025-12-31";

export interface GeneratedYear {
  invoices: number;
  creditNotes: number;
  payments: number;
  /** Bank lines recorded without their invoice: receipts on the suspense account (BQ entries of the year). */
  receipts: number;
  /** Those of them matched to their invoice afterwards (BQ entries dated the matching day, a later year). */
  matchedReceipts: number;
  /** Seconds to create and issue the invoices, credit notes and payments (postings included). */
  generateSeconds: number;
}

export interface GeneratedFec {
  fileName: string;
  report: FecReport;
  /** Ledger lines (the file's lines after the header) and the file's size in bytes, CRLF line ends. */
  ledgerLines: number;
  bytes: number;
  /** export: reading the lines from export_fec (validation excluded); validate: the validator's own time. */
  seconds: { export: number; validate: number };
}

export interface GenerateOptions {
  /**
   * ANALYZE the loaded tables inside the transaction, as a bulk load should
   * (default). `false` keeps the statistics as they were before the load, to
   * show how the posting triggers' lookups behave when nobody analyzed.
   */
  analyze?: boolean;
}

// Autovacuum never analyzes rows a transaction has not committed, so after a
// bulk load in one transaction the planner still sees the tables as they were
// before it. The per-call queries of the posting triggers (lettering reads an
// invoice's open 411 lines) then get plans that scan every ledger line of the
// organization, once per invoice and payment: quadratic. ANALYZE inside the
// transaction samples its own rows, as a bulk load should.
async function analyzeLoadedTables(client: pg.Client): Promise<void> {
  await client.query(
    "analyze public.invoices, public.invoice_lines, public.payments, public.ledger_entries, public.ledger_lines",
  );
}

/** Call inside `begin` … `rollback` on `client` (a superuser connection). */
export async function generateYear(client: pg.Client, invoices: number, options: GenerateOptions = {}): Promise<GeneratedYear> {
  const analyze = options.analyze ?? true;
  const t0 = performance.now();
  await client.query(
    `insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
     values ($1::uuid, 'Année Générée SAS', 'SAS', $2::text, 'FR40' || $2::text, '1 rue du Bilan', '69001', 'Lyon', 10.00)`,
    [GENERATED_ORG, GENERATED_SIREN],
  );
  await client.query(
    // Companies (the default kind): each needs a SIREN to be invoiced, Luhn-valid.
    `insert into public.clients (org_id, name, siren, billing_address, billing_postal_code, billing_city)
     select $1::uuid, 'Client ' || n,
            (select s from (select (20000000 + n)::text || d as s from generate_series(0, 9) d) x where private.luhn_ok(s) limit 1),
            n || ' avenue des Clients', '69003', 'Lyon' from generate_series(1, 200) n`,
    [GENERATED_ORG],
  );
  await client.query(
    `insert into public.stock_items (org_id, sku, name, price_cents, vat_rate)
     values ($1::uuid, 'PIECE', 'Pièce détachée', 2500, 20)`,
    [GENERATED_ORG],
  );
  // Drafts spread over the year, in issue order; a service line at 10 % and,
  // every third invoice, a stock item line at 20 %.
  await client.query(
    `create temp table gen_invoices on commit drop as
     select n, gen_random_uuid() as id,
            (date '2025-01-01' + ((n - 1) * 365 / $2)::integer) as issue_date,
            (select c.id from public.clients c where c.org_id = $1::uuid order by c.name offset (n % 200) limit 1) as client_id
     from generate_series(1, $2) n`,
    [GENERATED_ORG, invoices],
  );
  await client.query(
    `insert into public.invoices (id, org_id, client_id, issue_date, service_date)
     select id, $1::uuid, client_id, issue_date, issue_date from gen_invoices`,
    [GENERATED_ORG],
  );
  await client.query(
    `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate, stock_item_id)
     select $1::uuid, g.id, 1, 'Main d''œuvre', 1 + (g.n % 4) * 0.5, 'h', 6800 + (g.n % 97), 10, null from gen_invoices g
     union all
     select $1::uuid, g.id, 2, 'Pièce détachée', 1 + g.n % 3, 'u', 2500, 20, (select i.id from public.stock_items i where i.org_id = $1::uuid)
     from gen_invoices g where g.n % 3 = 0`,
    [GENERATED_ORG],
  );
  if (analyze) await analyzeLoadedTables(client);
  await client.query(`select count(public.issue_invoice(g.id)) from (select id from gen_invoices order by n) g`);
  if (analyze) await analyzeLoadedTables(client);

  // One credit note (one hour) every 100 invoices, issued at the year's end.
  const credit = await client.query(
    `with notes as (
       insert into public.invoices (org_id, client_id, kind, credited_invoice_id, issue_date)
       select $1::uuid, g.client_id, 'credit_note', g.id, date '2025-12-31' from gen_invoices g where g.n % 100 = 50
       returning id, credited_invoice_id)
     insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit, unit_price_cents, vat_rate)
     select $1::uuid, n.id, 'Heure facturée en trop', 1, 'h', 6800, 10 from notes n returning invoice_id`,
    [GENERATED_ORG],
  );
  await client.query(
    `select count(public.issue_invoice(i.id)) from (
       select i.id from public.invoices i where i.org_id = $1::uuid and i.kind = 'credit_note' and i.status = 'draft' order by i.id) i`,
    [GENERATED_ORG],
  );

  // Payments 20 days after issue, within the year: 80 % in full (net of a
  // credit note), 10 % partially, the rest unpaid; every 7th paid in two.
  const paid = await client.query(
    `insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
     select $1::uuid, i.id, part.amount, 'transfer', least(i.issue_date + 20 + part.k, date '2025-12-31'),
            'VIR-' || g.n || '-' || part.k
     from gen_invoices g
     join public.invoices i on i.id = g.id
     cross join lateral (select i.total_ttc_cents - coalesce((select sum(c.total_ttc_cents) from public.invoices c
                                                              where c.org_id = i.org_id and c.credited_invoice_id = i.id), 0) as due) d
     cross join lateral (
       select 0 as k, case when g.n % 10 = 8 then d.due / 2 when g.n % 7 = 0 then d.due - d.due / 3 else d.due end as amount
       union all
       select 1, d.due / 3 where g.n % 7 = 0 and g.n % 10 < 8
     ) part
     where g.n % 10 <> 9 and part.amount > 0
     order by i.issue_date, g.n, part.k
     returning 1`,
    [GENERATED_ORG],
  );
  // One bank line every 50 invoices (among the unpaid ones) recorded without
  // its invoice: its receipt posts on the suspense account at its date. Every
  // other one is then matched to its invoice: that entry is dated the day of
  // the matching (today, after this year), so it is in a later year's FEC.
  const receipts = await client.query(
    `insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
     select $1::uuid, null, i.total_ttc_cents, 'transfer', least(i.issue_date + 25, date '2025-12-31'), 'BANQUE-' || g.n
     from gen_invoices g
     join public.invoices i on i.id = g.id
     where g.n % 50 = 49
     order by i.issue_date, g.n
     returning 1`,
    [GENERATED_ORG],
  );
  const matched = await client.query(
    `update public.payments p set invoice_id = g.id
     from gen_invoices g
     where p.org_id = $1::uuid and p.external_ref = 'BANQUE-' || g.n and g.n % 100 = 49`,
    [GENERATED_ORG],
  );
  return {
    invoices,
    creditNotes: credit.rowCount ?? 0,
    payments: paid.rowCount ?? 0,
    receipts: receipts.rowCount ?? 0,
    matchedReceipts: matched.rowCount ?? 0,
    generateSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The generated year's FEC, streamed from export_fec() through the validator
 * (and to `onLines`, e.g. a file, when given), never whole in memory.
 */
export async function exportGeneratedFec(
  client: pg.Client,
  onLines?: (lines: string[]) => void | Promise<void>,
): Promise<GeneratedFec> {
  const t0 = performance.now();
  const fileName = (await client.query(`select public.fec_file_name($1::uuid, $2) as name`, [GENERATED_ORG, GENERATED_YEAR_END])).rows[0].name;
  const validator = new FecValidator(fileName);
  let bytes = 0;
  let validateMs = 0;
  const lines = await streamFec(client, GENERATED_ORG, GENERATED_YEAR_END, async (batch) => {
    const v0 = performance.now();
    for (const line of batch) {
      validator.line(line);
      bytes += Buffer.byteLength(line, "utf8") + 2;
    }
    validateMs += performance.now() - v0;
    await onLines?.(batch);
  });
  const v0 = performance.now();
  const report = validator.finish();
  validateMs += performance.now() - v0;
  return {
    fileName,
    report,
    ledgerLines: lines - 1,
    bytes,
    seconds: { export: (performance.now() - t0 - validateMs) / 1000, validate: validateMs / 1000 },
  };
}

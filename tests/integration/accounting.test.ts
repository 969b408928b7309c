/**
 * Accounting on the real stack: the FEC download (edge function fec, as the
 * caller) checked by the FEC validator on the demo data and on a generated
 * year; the invoice log head it carries verifies the log; gapless journal
 * numbers when invoices are issued and payments recorded from parallel
 * connections, some of which roll back; the CSV journal through PostgREST.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { validateFec } from "../../scripts/accounting/fec-validator.ts";
import { exportGeneratedFec, generateYear } from "../../scripts/accounting/generated-year.ts";
import { removeTestOrganization, stack, supabaseClient, withDb } from "./harness.ts";

const DEMO_ORG = "a0000000-0000-4000-8000-0000000000a0";
const url = `${stack.apiUrl}/functions/v1/fec`;
const tokens = { accountant: "", technician: "", stranger: "" };

async function signIn(email: string): Promise<string> {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password: LOCAL_DEV_DEMO_PASSWORD });
  expect(error).toBeNull();
  return data.session!.access_token;
}

function download(token: string | null, query: string) {
  const headers: Record<string, string> = { apikey: stack.anonKey };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`${url}?${query}`, { headers });
}

async function errorOf(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error;
}

/** The demo data's fiscal year: the one of its first sales entry. */
let demoYear = 0;

beforeAll(async () => {
  tokens.accountant = await signIn("compta@chaleur-express.test");
  tokens.technician = await signIn("tech1@chaleur-express.test");
  tokens.stranger = await signIn("compta@plomberie-rhone.test");
  demoYear = await withDb(async (c) =>
    (await c.query(`select min(fiscal_year) as y from public.ledger_entries where org_id = $1 and journal_code = 'VT'`, [DEMO_ORG])).rows[0].y);
});

describe("FEC download (edge function fec)", () => {
  it("gives the accountant the demo year's FEC, valid, with the invoice log head to keep", async () => {
    const res = await download(tokens.accountant, `org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const fileName = `732829320FEC${demoYear}1231.txt`;
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${fileName}"`);
    const content = await res.text();
    // Streamed batch by batch, the same bytes as the file SQL writes in one piece.
    const written = await withDb(async (c) =>
      (await c.query("select public.export_fec_text($1, $2) as t", [DEMO_ORG, `${demoYear}-12-31`])).rows[0].t as string);
    expect(content).toBe(written);
    const report = validateFec(fileName, content);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.journals.VT?.entries).toBeGreaterThanOrEqual(5);
    expect(report.debitCents).toBe(report.creditCents);
    console.log(`demo FEC ${fileName}: ${report.lines} lines, ${report.entries} entries — validator: valid\n` +
      content.split("\r\n").slice(0, 4).join("\n"));

    const [seq = "", head = ""] = res.headers.get("x-invoice-log-head")!.split(":");
    const { data, error } = await supabaseClient(stack.anonKey, tokens.accountant)
      .rpc("verify_invoice_log", { p_org_id: DEMO_ORG, p_expected_head: head, p_expected_seq: Number(seq) });
    expect(error).toBeNull();
    expect(data).toEqual([{ ok: true, checked: Number(seq), seq: null, reason: null }]);
  });

  it("refuses a technician (403), another organization (404), a date that ends no fiscal year (400), no token (401)", async () => {
    await errorOf(await download(tokens.technician, `org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`), 403, "forbidden_role");
    await errorOf(await download(tokens.stranger, `org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`), 404, "not_found");
    const notAnEnd = await errorOf(await download(tokens.accountant, `org_id=${DEMO_ORG}&year_end=${demoYear}-06-30`), 400, "invalid_parameter");
    expect(notAnEnd.message).toBe(`Fiscal years end on 31 December: ${demoYear}-06-30 is not a fiscal year end`);
    await errorOf(await download(tokens.accountant, `org_id=${DEMO_ORG}&year_end=soon`), 400, "invalid_parameter");
    const anonymous = await download(null, `org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });

  it("refuses a forged token even past the gateway (as if verify_jwt were off): 401, no file", async () => {
    // The function's database connection takes the role and claims from the token, so the token's
    // signature must be checked by the function itself, not only by the gateway in front of it.
    const accountantId = await withDb(async (c) =>
      (await c.query(`select id from auth.users where email = 'compta@chaleur-express.test'`)).rows[0].id as string);
    const forged = await new SignJWT({ sub: accountantId, role: "authenticated", aud: "authenticated" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("not-the-stack-secret-but-at-least-32-characters"));
    const functionsRuntime = `http://127.0.0.1:${Number(new URL(stack.apiUrl).port) + 10}`;
    const direct = (token: string) =>
      fetch(`${functionsRuntime}/fec?org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`, { headers: { apikey: stack.anonKey, Authorization: `Bearer ${token}` } });
    const refused = await direct(forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-disposition")).toBeNull();
    await refused.body?.cancel();
    // The same request with the real token: the file (so the 401 is about the signature).
    const real = await direct(tokens.accountant);
    expect(real.status).toBe(200);
    expect(real.headers.get("content-disposition")).toContain("FEC");
    await real.body?.cancel();
  });
});

describe("a cancelled FEC download (edge function fec)", () => {
  /** The download's database sessions (its own connection, named terrain-fec-download) inside a transaction that reads the FEC cursor, as "state: query". */
  const fecTransactions = () => withDb(async (c) => (await c.query(
    `select state || ': ' || query as what from pg_catalog.pg_stat_activity
     where application_name = 'terrain-fec-download' and xact_start is not null and query ilike '%fec_lines%'`)).rows.map((r) => r.what as string));

  it("ends its transaction at once, even while its first read is still running", async () => {
    // Another session holds the ledger's lines: the download's first read waits, as a long export would.
    const holder = new pg.Client({ connectionString: stack.dbUrl });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("lock table public.ledger_lines in access exclusive mode");
      const caller = new AbortController();
      const answer = fetch(`${url}?org_id=${DEMO_ORG}&year_end=${demoYear}-12-31`,
        { headers: { apikey: stack.anonKey, Authorization: `Bearer ${tokens.accountant}` }, signal: caller.signal }).catch((e: Error) => e.name);
      await expect.poll(fecTransactions, { timeout: 10_000 }).toEqual([expect.stringMatching(/^active: fetch \d+ from fec_lines$/)]);
      caller.abort();
      expect(await answer).toBe("AbortError");
      // Released while the lock is still held: nothing waits for the read to end.
      await expect.poll(fecTransactions, { timeout: 5_000 }).toEqual([]);
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
  });
});

describe("a generated fiscal year", () => {
  it("posts 500 invoices with credit notes and payments into a FEC the validator accepts, streamed", async () => {
    await withDb(async (c) => {
      await c.query("begin");
      try {
        const year = await generateYear(c, 500);
        const fec = await exportGeneratedFec(c);
        expect(fec.report.problems).toEqual([]);
        expect(fec.report.ok).toBe(true);
        expect(fec.report.journals.VT?.entries).toBe(500);
        expect(fec.report.journals.AV?.entries).toBe(year.creditNotes);
        // Payments recorded with their invoice, and receipts waiting on 471 (their
        // matching entries are dated the matching day: a later fiscal year).
        expect(year.receipts).toBeGreaterThan(0);
        expect(year.matchedReceipts).toBeGreaterThan(0);
        expect(fec.report.journals.BQ?.entries).toBe(year.payments + year.receipts);
        expect(fec.report.lines).toBe(fec.ledgerLines);
        console.log(`generated year: ${year.invoices} invoices, ${year.payments} payments, ${fec.ledgerLines} FEC lines; ` +
          `generate ${year.generateSeconds.toFixed(1)} s, export ${fec.seconds.export.toFixed(2)} s`);
      } finally {
        await c.query("rollback");
      }
    });
  }, 120_000);
});

describe("journal numbers under concurrency", () => {
  const org = randomUUID();
  const clients: string[] = [];
  const year = new Date().getFullYear();

  beforeAll(async () => {
    await withDb(async (c) => {
      await c.query(
        `insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate, timezone)
         values ($1, 'Concurrence SAS', 'SAS', '443061841', 'FR40443061841', '1 rue des Verrous', '69001', 'Lyon', 10, 'UTC')`, [org]);
      const rows = await c.query(
        `insert into public.clients (org_id, name, siren, billing_address, billing_postal_code, billing_city)
         select $1, 'Client ' || n, s.siren, n || ' rue', '69001', 'Lyon'
         from unnest(array['301120077', '301120143', '301120218', '301120283']) with ordinality as s (siren, n) returning id`, [org]);
      clients.push(...rows.rows.map((r) => r.id as string));
    });
  });
  afterAll(() => removeTestOrganization(org));

  it("hands out VT and BQ numbers 1, 2, 3… without gaps, whatever commits or rolls back in parallel", async () => {
    const workers = 6;
    const perWorker = 5;
    // Each worker, on its own connection: drafts an invoice, issues it, records
    // a payment, and commits — or, one time in three, rolls it all back.
    const results = await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const c = new pg.Client({ connectionString: stack.dbUrl });
      await c.connect();
      let committed = 0;
      try {
        for (let k = 0; k < perWorker; k++) {
          await c.query("begin");
          const id = randomUUID();
          await c.query(
            `insert into public.invoices (id, org_id, client_id, service_date) values ($1, $2, $3, current_date)`,
            [id, org, clients[(w + k) % clients.length]]);
          await c.query(
            `insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
             values ($1, $2, 'Intervention', 1, $3, 20)`, [org, id, 10000 + w * 100 + k]);
          await c.query(`select public.issue_invoice($1)`, [id]);
          await c.query(
            `insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
             select $1, $2, i.total_ttc_cents, 'transfer', current_date, $3 from public.invoices i where i.id = $2`,
            [org, id, `VIR-${w}-${k}`]);
          if ((w + k) % 3 === 0) {
            await c.query("rollback");
          } else {
            await c.query("commit");
            committed++;
          }
        }
      } finally {
        await c.end();
      }
      return committed;
    }));
    const committed = results.reduce((a, b) => a + b, 0);
    expect(committed).toBeGreaterThan(0);

    await withDb(async (c) => {
      const numbers = await c.query(
        `select journal_code, array_agg(entry_number order by entry_number) as numbers
         from public.ledger_entries where org_id = $1 group by journal_code order by journal_code`, [org]);
      const expected = Array.from({ length: committed }, (_, i) => String(i + 1));
      expect(numbers.rows).toEqual([
        { journal_code: "BQ", numbers: expected },
        { journal_code: "VT", numbers: expected },
      ]);
      const fileName = (await c.query(`select public.fec_file_name($1, $2) as n`, [org, `${year}-12-31`])).rows[0].n;
      const content = (await c.query(`select public.export_fec_text($1, $2) as t`, [org, `${year}-12-31`])).rows[0].t;
      const report = validateFec(fileName, content);
      expect(report.problems).toEqual([]);
      expect(report.journals.VT?.entries).toBe(committed);
      // Every settled invoice is lettered: as many codes as invoices.
      const letters = await c.query(
        `select count(distinct lettering_code) as n from public.ledger_lines where org_id = $1 and lettering_code is not null`, [org]);
      expect(Number(letters.rows[0].n)).toBe(committed);
    });
  }, 60_000);
});

describe("a bank receipt not yet matched to an invoice (demo data)", () => {
  it("is in the FEC, the BQ journal CSV and the closing report, bank debited and suspense account 471 credited", async () => {
    // The seed's imported bank line that no reconciliation could match.
    const receipt = await withDb(async (c) => (await c.query(
      `select p.external_ref as ref, p.amount_cents as cents, p.paid_on::text as paid_on, to_char(p.paid_on, 'DD/MM/YYYY') as day
       from public.payments p where p.org_id = $1 and p.invoice_id is null order by p.paid_on, p.id limit 1`, [DEMO_ORG])).rows[0]);
    expect(receipt?.ref).toBe("VIR-2026-0002311");
    const year = receipt.paid_on.slice(0, 4);
    const amount = (Number(receipt.cents) / 100).toFixed(2).replace(".", ",");
    const label = `Encaissement à affecter ${receipt.ref}`;
    const client = supabaseClient(stack.anonKey, tokens.accountant);

    const res = await download(tokens.accountant, `org_id=${DEMO_ORG}&year_end=${year}-12-31`);
    expect(res.status).toBe(200);
    const fileName = `732829320FEC${year}1231.txt`;
    const content = await res.text();
    const report = validateFec(fileName, content);
    expect(report.problems).toEqual([]);
    const lines = content.split("\r\n").map((l) => l.split("\t")).filter((f) => f[10] === label);
    // JournalCode, CompteNum, CompAuxNum, PieceRef, Debit, Credit, EcritureLet of both lines.
    expect(lines.map((f) => [f[0], f[4], f[6], f[8], f[11], f[12], f[13]])).toEqual([
      ["BQ", "512", "", receipt.ref, amount, "0,00", ""],
      ["BQ", "471", "", receipt.ref, "0,00", amount, ""],
    ]);

    const { data: csv, error } = await client.rpc("export_journal_csv",
      { p_org_id: DEMO_ORG, p_journal: "BQ", p_from: receipt.paid_on, p_to: receipt.paid_on });
    expect(error).toBeNull();
    const rows = (csv as string).split("\r\n");
    expect(rows).toContain(`${receipt.day};BQ;${receipt.ref};512;;${label};${amount};0,00`);
    expect(rows).toContain(`${receipt.day};BQ;${receipt.ref};471;;${label};0,00;${amount}`);

    const month = `${receipt.paid_on.slice(0, 7)}-01`;
    const { data: closing, error: closingError } = await client.rpc("closing_report", { p_org_id: DEMO_ORG, p_month: month });
    expect(closingError).toBeNull();
    const bank = (closing as { journals: { journal: string; entries: number; debit_cents: number; credit_cents: number; balanced: boolean }[] })
      .journals.find((j) => j.journal === "BQ");
    const expected = await withDb(async (c) => (await c.query(
      `select count(distinct e.id)::int as entries, sum(l.debit_cents)::bigint as debit
       from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
       where e.org_id = $1 and e.journal_code = 'BQ' and date_trunc('month', e.entry_date) = $2::date`, [DEMO_ORG, month])).rows[0]);
    const suspense = await withDb(async (c) => (await c.query(
      `select count(*)::int as n from public.ledger_entries e
       where e.org_id = $1 and e.journal_code = 'BQ' and e.label = $2 and date_trunc('month', e.entry_date) = $3::date`,
      [DEMO_ORG, label, month])).rows[0].n);
    expect(suspense).toBe(1);
    expect(bank).toMatchObject({ entries: expected.entries, debit_cents: Number(expected.debit), balanced: true });
  });
});

describe("payment corrections (demo data, rolled back)", () => {
  it("puts the reversing entries in the FEC and the BQ journal CSV, and the FEC stays valid", async () => {
    await withDb(async (c) => {
      await c.query("begin");
      try {
        // As the demo accountant, as PostgREST would run the RPCs.
        const accountant = (await c.query(`select id from auth.users where email = 'compta@chaleur-express.test'`)).rows[0].id as string;
        await c.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
          [JSON.stringify({ sub: accountant, role: "authenticated" })]);
        const unassigned = (await c.query(`select public.unassign_payment(p.id, 'Affecté à la mauvaise facture') as r
          from public.payments p where p.org_id = $1 and p.external_ref = 'VIR-2026-0001871'`, [DEMO_ORG])).rows[0].r;
        const reversed = (await c.query(`select public.reverse_payment(p.id, 'Ligne importée en double') as r
          from public.payments p where p.org_id = $1 and p.external_ref = 'VIR-2026-0002311'`, [DEMO_ORG])).rows[0].r;
        expect(unassigned).toMatchObject({ kind: "unassign", invoice_number: "FAC-2026-00001", invoice_status: "sent", journal_code: "BQ" });
        expect(reversed).toMatchObject({ kind: "reverse", invoice_id: null, journal_code: "BQ" });
        await c.query("select set_config('role', 'none', true)");

        const year = unassigned.fiscal_year as number;
        const fileName = (await c.query(`select public.fec_file_name($1, $2) as n`, [DEMO_ORG, `${year}-12-31`])).rows[0].n;
        const content = (await c.query(`select public.export_fec_text($1, $2) as t`, [DEMO_ORG, `${year}-12-31`])).rows[0].t as string;
        const report = validateFec(fileName, content);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
        const fields = content.split("\r\n").map((l) => l.split("\t"));
        // JournalCode, EcritureNum, CompteNum, CompAuxNum, PieceRef, Debit, Credit, EcritureLet of the correcting entries.
        const of = (entry: number) => fields.filter((f) => f[0] === "BQ" && f[2] === String(entry)).map((f) => [f[4], f[6] !== "", f[8], f[11], f[12], f[13]]);
        expect(of(unassigned.entry_number)).toEqual([
          ["411", true, "VIR-2026-0001871", "566,50", "0,00", ""],
          ["471", false, "VIR-2026-0001871", "0,00", "566,50", ""],
        ]);
        expect(of(reversed.entry_number)).toEqual([
          ["471", false, "VIR-2026-0002311", "217,80", "0,00", ""],
          ["512", false, "VIR-2026-0002311", "0,00", "217,80", ""],
        ]);
        // The invoice's client lines lost their lettering: none of FAC-2026-00001's is lettered any more.
        const invoiceLines = fields.filter((f) => f[4] === "411" && f[10]?.includes("FAC-2026-00001"));
        expect(invoiceLines.length).toBeGreaterThanOrEqual(3);
        expect(invoiceLines.every((f) => f[13] === "" && f[14] === "")).toBe(true);

        const csv = (await c.query(`select public.export_journal_csv($1, 'BQ', $2::date, $2::date) as t`,
          [DEMO_ORG, unassigned.entry_date])).rows[0].t as string;
        expect(csv).toContain(";BQ;VIR-2026-0002311;512;;Contre-passation encaissement VIR-2026-0002311 : Ligne importée en double;0,00;217,80");
      } finally {
        await c.query("rollback");
      }
    });
  });
});

describe("CSV journals through PostgREST", () => {
  it("gives the accountant the sales journal as ';'-separated UTF-8 with a BOM", async () => {
    const { data, error } = await supabaseClient(stack.anonKey, tokens.accountant)
      .rpc("export_journal_csv", { p_org_id: DEMO_ORG, p_journal: "VT", p_from: `${demoYear}-01-01`, p_to: `${demoYear}-12-31` });
    expect(error).toBeNull();
    const rows = (data as string).split("\r\n");
    expect(rows[0]).toBe("\uFEFFdate;journal;piece;account;auxiliary;label;debit;credit");
    expect(rows[1]).toMatch(/^\d{2}\/\d{2}\/\d{4};VT;FAC-\d{4}-\d{5};411;C\d{5};Facture FAC-\d{4}-\d{5} [^;]+;\d+,\d{2};0,00$/);
  });

  it("refuses the technician", async () => {
    const { error, status } = await supabaseClient(stack.anonKey, tokens.technician)
      .rpc("export_journal_csv", { p_org_id: DEMO_ORG, p_journal: "VT", p_from: `${demoYear}-01-01`, p_to: `${demoYear}-12-31` });
    expect(status).toBe(403);
    expect(error?.code).toBe("forbidden_role");
  });
});

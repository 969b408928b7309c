/**
 * The invoice-pdf edge function against the real stack (gateway, Deno runtime,
 * PostgREST, Postgres): the PDF it returns is the PDF the database stores, with
 * its SHA-256 on the invoice; pdftotext (poppler-utils) reads every mandatory
 * mention back from it; a second call, by another reader, returns the same
 * bytes; verify re-renders byte for byte and catches a tampered file; and each
 * refusal has its status and catalogue code.
 *
 * Works in its own organization (an accountant and a client-portal user created
 * through the auth admin API), removed afterwards; the other organization is the
 * seed's Plomberie du Rhône.
 */
import { createHash, randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { constants, inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb, issueCreditNote, removeTestOrganization } from "./harness.ts";

const ORG = randomUUID();
const CLIENT = randomUUID();
const INVOICE = randomUUID();
const CREDIT_NOTE = randomUUID();
const DRAFT = randomUUID();
const url = `${stack.apiUrl}/functions/v1/invoice-pdf`;
const createdUsers: string[] = [];
let accountantToken = "";
let portalToken = "";
let strangerToken = "";

async function createUser(label: string): Promise<{ id: string; token: string }> {
  const email = `${label}-${randomUUID().slice(0, 8)}@invoice-pdf.test`;
  const password = "invoice-pdf-test-password";
  const admin = supabaseClient(stack.serviceRoleKey);
  const { data, error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  expect(error).toBeNull();
  createdUsers.push(data.user!.id);
  return { id: data.user!.id, token: await signIn(email, password) };
}

async function signIn(email: string, password: string): Promise<string> {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password });
  expect(error).toBeNull();
  return data.session!.access_token;
}

function call(token: string, body: unknown, init: { method?: string; contentType?: string; query?: string } = {}) {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, apikey: stack.anonKey };
  if (init.contentType !== "") headers["content-type"] = init.contentType ?? "application/json";
  return fetch(`${url}${init.query ?? ""}`, {
    method: init.method ?? "POST",
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function pdfOf(res: Response): Promise<Buffer> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  return Buffer.from(await res.arrayBuffer());
}

/** The PDF's text as pdftotext prints it, whitespace runs folded into one space. */
function pdfText(pdf: Buffer): string {
  const r = spawnSync("pdftotext", ["-enc", "UTF-8", "-", "-"], { input: pdf });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout.toString("utf8").replace(/\s+/g, " ");
}

/** The ToUnicode maps of the PDF (its streams, inflated when deflated): which characters its text uses. */
function unicodeMaps(pdf: Buffer): string {
  const latin1 = pdf.toString("latin1");
  const maps: string[] = [];
  for (const m of latin1.matchAll(/>>\r?\nstream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const raw = pdf.subarray(start, latin1.indexOf("endstream", start));
    let text: string;
    try {
      text = inflateSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }).toString("latin1");
    } catch {
      text = raw.toString("latin1");
    }
    if (text.includes("begincmap")) maps.push(text);
  }
  return maps.join("\n");
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const fold = (s: string) => s.replace(/\s+/g, " ");

async function errorOf(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error;
}

beforeAll(async () => {
  const accountant = await createUser("accountant");
  const portal = await createUser("portal");
  accountantToken = accountant.token;
  portalToken = portal.token;
  strangerToken = await signIn("compta@plomberie-rhone.test", LOCAL_DEV_DEMO_PASSWORD);

  await withDb(async (c) => {
    await c.query(
      `insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                         address_line1, postal_code, city, default_payment_terms_days, late_penalty_rate)
       values ($1, 'Thermique PDF SAS', 'SAS', 1500000, '443061841', '44306184100005', 'FR40443061841', 'Lyon',
               '4 quai des Factures', '69005', 'Lyon', 30, 10.5)`,
      [ORG],
    );
    await c.query(
      `insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city)
       values ($1, $2, 'Copropriété Les Tilleuls', '552081317', '10 rue Client', '69007', 'Lyon')`,
      [CLIENT, ORG],
    );
    await c.query(
      `insert into public.memberships (org_id, user_id, role, client_id) values ($1, $2, 'accountant', null), ($1, $3, 'client', $4)`,
      [ORG, accountant.id, portal.id, CLIENT],
    );
    for (const [id, kind, credited] of [[INVOICE, "invoice", null], [DRAFT, "invoice", null]] as const) {
      await c.query(
        `insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, service_date)
         values ($1, $2, $3, $4, $5, current_date - 2)`,
        [id, ORG, CLIENT, kind, credited],
      );
    }
    // 1 234,56 € excl. VAT at 20 %, and two hours at 10 %.
    await c.query(
      `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
         ($1, $2, 1, 'Remplacement chaudière à condensation', 1, 'forfait', 123456, 20),
         ($1, $2, 2, 'Main d''œuvre', 2, 'h', 6500, 10),
         ($1, $3, 1, 'Brouillon', 1, 'u', 1000, 20)`,
      [ORG, INVOICE, DRAFT],
    );
    await c.query("select public.issue_invoice($1)", [INVOICE]);
    await issueCreditNote(c, { org: ORG, client: CLIENT, creditNote: CREDIT_NOTE, invoice: INVOICE });
  });
});

afterAll(async () => {
  await removeTestOrganization(ORG);
  await withDb((c) => c.query("delete from auth.users where id = any($1::uuid[])", [createdUsers]));
});

describe("invoice-pdf: render, store, return", () => {
  let first: Buffer;

  it("the accountant gets the PDF; its x-pdf-sha256 is the hash of the bytes, stored and recorded on the invoice", async () => {
    const res = await call(accountantToken, { invoice_id: INVOICE });
    first = await pdfOf(res);
    const header = res.headers.get("x-pdf-sha256");
    expect(header).toBe(sha256(first));
    const row = await withDb(async (c) =>
      (await c.query(
        `select p.pdf, p.sha256, i.pdf_sha256, i.status::text as status
         from public.invoice_pdfs p join public.invoices i on i.id = p.invoice_id where p.invoice_id = $1`,
        [INVOICE],
      )).rows[0]
    );
    expect(Buffer.compare(row.pdf, first)).toBe(0);
    expect(row.sha256).toBe(header);
    expect(row.pdf_sha256).toBe(header);
    expect(row.status).toBe("issued");
  });

  it("prints every mandatory mention the database holds, amounts in French format", async () => {
    const text = pdfText(first);
    const m = await withDb(async (c) =>
      (await c.query(
        `select number, legal_mentions as lm, to_char(issue_date, 'DD/MM/YYYY') as issued,
                to_char(service_date, 'DD/MM/YYYY') as served, to_char(due_date, 'DD/MM/YYYY') as due
         from public.invoices where id = $1`,
        [INVOICE],
      )).rows[0]
    );
    const expected = [
      `Facture n° ${m.number}`,
      "Thermique PDF SAS",
      `SAS au capital de ${m.lm.seller.share_capital}`,
      m.lm.seller.address,
      "SIREN 443061841",
      "SIRET 44306184100005",
      "RCS Lyon 443061841",
      "N° TVA intracommunautaire FR40443061841",
      "Copropriété Les Tilleuls",
      m.lm.buyer.address,
      "SIREN 552081317",
      `Date d'émission : ${m.issued}`,
      `Date de la prestation : ${m.served}`,
      `Date d'échéance : ${m.due}`,
      "Remplacement chaudière à condensation",
      "Main d'œuvre",
      m.lm.payment_terms,
      m.lm.early_payment_discount,
      m.lm.late_penalty,
      m.lm.recovery_indemnity,
      "Total HT",
      "Total TVA",
      "Total TTC",
    ];
    for (const mention of expected) expect(text).toContain(fold(mention));
    expect(m.lm.late_penalty).toContain("10,50 %");
    expect(m.lm.recovery_indemnity).toContain("40 €");
    // Lines, VAT per rate and totals: 1 234,56 € at 20 % (VAT 246,91 €), 130,00 € at 10 % (VAT 13,00 €).
    for (const amount of ["1 234,56 €", "65,00 €", "130,00 €", "246,91 €", "13,00 €", "1 364,56 €", "259,91 €", "1 624,47 €"]) {
      expect(text).toContain(amount);
    }
    expect(text).toMatch(/20 % 1 234,56 € 246,91 €/);
    expect(text).toMatch(/10 % 130,00 € 13,00 €/);
    // pdftotext folds every Unicode space into U+0020: the file itself maps a
    // glyph to U+202F, and Helvetica's "1/234,56" is absent.
    expect(text).not.toContain("1/234");
    expect(unicodeMaps(first)).toContain("<202f>");
  });

  it("a second call, by the client's portal user and with GET, returns the stored bytes unchanged", async () => {
    const res = await call(portalToken, undefined, { method: "GET", contentType: "", query: `?invoice_id=${INVOICE}` });
    const again = await pdfOf(res);
    expect(Buffer.compare(again, first)).toBe(0);
    expect(res.headers.get("x-pdf-sha256")).toBe(sha256(first));
    const count = await withDb(async (c) =>
      (await c.query("select count(*)::int as n from public.invoice_pdfs where invoice_id = $1", [INVOICE])).rows[0].n
    );
    expect(count).toBe(1);
  });

  it("the service role gets the same bytes", async () => {
    const res = await call(stack.serviceRoleKey, { invoice_id: INVOICE });
    expect(Buffer.compare(await pdfOf(res), first)).toBe(0);
  });

  it("verify re-renders from the database byte for byte: the verdict is ok", async () => {
    const res = await call(accountantToken, { invoice_id: INVOICE, mode: "verify" });
    expect(res.status).toBe(200);
    const verdict = await res.json();
    expect(verdict).toMatchObject({
      ok: true,
      invoice_id: INVOICE,
      recorded_sha256: sha256(first),
      stored_sha256: sha256(first),
      rendered_sha256: sha256(first),
      stored_matches_recorded: true,
      rendered_matches_recorded: true,
    });
  });

  it("a credit note cites the invoice it corrects", async () => {
    const pdf = await pdfOf(await call(accountantToken, { invoice_id: CREDIT_NOTE }));
    const { cn, inv, issued } = await withDb(async (c) =>
      (await c.query(
        `select cn.number as cn, inv.number as inv, to_char(inv.issue_date, 'DD/MM/YYYY') as issued
         from public.invoices cn join public.invoices inv on inv.id = cn.credited_invoice_id where cn.id = $1`,
        [CREDIT_NOTE],
      )).rows[0]
    );
    const text = pdfText(pdf);
    expect(text).toContain(`Avoir n° ${cn}`);
    expect(text).toContain(`Avoir sur la facture ${inv} du ${issued}`);
    expect(text).toContain("100,00 €");
  });

  it("mark_invoice_sent takes the x-pdf-sha256 of the stored PDF and nothing else", async () => {
    const accountant = supabaseClient(stack.anonKey, accountantToken);
    const wrong = await accountant.rpc("mark_invoice_sent", { p_invoice_id: INVOICE, p_pdf_sha256: "ab".repeat(32) });
    expect(wrong.status).toBe(409);
    expect(wrong.error?.code).toBe("pdf_hash_mismatch");
    const right = await accountant.rpc("mark_invoice_sent", { p_invoice_id: INVOICE, p_pdf_sha256: sha256(first) });
    expect(right.error).toBeNull();
    expect(right.data).toMatchObject({ pdf_sha256: sha256(first) });
  });

  it("a tampered stored PDF is detected by verify", async () => {
    await withDb(async (c) => {
      await c.query("begin");
      await c.query("set local session_replication_role = replica");
      await c.query(
        "update public.invoice_pdfs set pdf = overlay(pdf placing convert_to('9', 'UTF8') from 8 for 1) where invoice_id = $1",
        [INVOICE],
      );
      await c.query("commit");
    });
    const res = await call(accountantToken, { invoice_id: INVOICE, mode: "verify" });
    expect(res.status).toBe(200);
    const verdict = await res.json();
    expect(verdict).toMatchObject({
      ok: false,
      recorded_sha256: sha256(first),
      rendered_sha256: sha256(first),
      stored_matches_recorded: false,
      rendered_matches_recorded: true,
    });
    expect(verdict.stored_sha256).not.toBe(sha256(first));
  });
});

describe("invoice-pdf: refusals", () => {
  it("a draft: 409 invoice_not_issued, nothing stored", async () => {
    await errorOf(await call(accountantToken, { invoice_id: DRAFT }), 409, "invoice_not_issued");
    const count = await withDb(async (c) =>
      (await c.query("select count(*)::int as n from public.invoice_pdfs where invoice_id = $1", [DRAFT])).rows[0].n
    );
    expect(count).toBe(0);
  });

  it("another organization's invoice: 404, for render and verify alike", async () => {
    await errorOf(await call(strangerToken, { invoice_id: INVOICE }), 404, "not_found");
    await errorOf(await call(strangerToken, { invoice_id: INVOICE, mode: "verify" }), 404, "not_found");
    await errorOf(await call(accountantToken, { invoice_id: randomUUID() }), 404, "not_found");
  });

  it("a body that is not JSON: 415; malformed JSON or fields: 400", async () => {
    await errorOf(await call(accountantToken, `invoice_id=${INVOICE}`, { contentType: "text/plain" }), 415, "unsupported_media_type");
    await errorOf(await call(accountantToken, "{not json"), 400, "invalid_json");
    await errorOf(await call(accountantToken, { invoice_id: "FAC-2026-00001" }), 400, "validation_failed");
    await errorOf(await call(accountantToken, {}), 400, "validation_failed");
    await errorOf(await call(accountantToken, { invoice_id: INVOICE, mode: "print" }), 400, "validation_failed");
    await errorOf(await call(accountantToken, { invoice_id: INVOICE, extra: 1 }), 400, "validation_failed");
    await errorOf(await call(accountantToken, undefined, { method: "GET", contentType: "", query: "?invoice_id=nope" }), 400, "validation_failed");
  });

  it("other methods: 405 with Allow; no token: 401", async () => {
    const res = await call(accountantToken, { invoice_id: INVOICE }, { method: "PUT" });
    await errorOf(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, POST");
    const anonymous = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ invoice_id: INVOICE }) });
    expect(anonymous.status).toBe(401);
  });
});

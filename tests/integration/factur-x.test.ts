/**
 * Factur-X (EN 16931) with the official artefacts: every invoice and credit
 * note PDF carries factur-x.xml with the Factur-X XMP; the XML passes the
 * Factur-X 1.07.3 EN 16931 XSD (xmllint) and the CEN EN 16931 business rules
 * (Schematron, run by saxon-js); a broken total fires BR-CO-15/16, which the
 * XSD alone lets through.
 *
 * Two sources of documents:
 *  - the demo documents of the seed (invoices and a credit note), rendered by
 *    the function's own renderer in a Deno process from invoice_pdf_source
 *    (most are already "sent" with the seed's demo hash, so the function
 *    itself would refuse to store another PDF for them);
 *  - documents of a test organization, through the real invoice-pdf function
 *    (gateway, Deno runtime, PostgREST, Postgres): stored, then verified by a
 *    fresh render, which proves the Factur-X PDF is reproducible byte for byte.
 */
import { createHash, randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denoNetworkEnv } from "../../scripts/stack/functions/deno-env.ts";
import { denoBinary } from "../../scripts/stack/functions/supervisor.ts";
import {
  compiledSchematron,
  embeddedFiles,
  fatalFailures,
  validateXsd,
  xmpOf,
} from "../validation/factur-x.ts";
import { stack, withDb, issueCreditNote, removeTestOrganization } from "./harness.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const url = `${stack.apiUrl}/functions/v1/invoice-pdf`;

const ORG = randomUUID();
const CLIENT = randomUUID();
const SITE = randomUUID();
const MISSION = randomUUID();
const ITEM = randomUUID();
const INVOICE = randomUUID();
const CREDIT_NOTE = randomUUID();
const LONG_INVOICE = randomUUID();

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const squash = (s: string) => s.replace(/\s+/g, "");

function call(body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${stack.serviceRoleKey}`,
      apikey: stack.serviceRoleKey,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

async function pdfOf(invoiceId: string): Promise<Buffer> {
  const res = await call({ invoice_id: invoiceId });
  expect(res.status, await res.clone().text().catch(() => "")).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Renders sources with the function's renderer (edge-functions/invoice-pdf/render.ts) in Deno. */
function renderInDeno(sources: unknown[]): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), "facturx-render-"));
  try {
    const script = join(dir, "render.ts");
    const render = pathToFileURL(join(ROOT, "edge-functions", "invoice-pdf", "render.ts")).href;
    writeFileSync(
      script,
      `import { renderInvoicePdf } from ${JSON.stringify(render)};
       import { Buffer } from "node:buffer";
       const sources = JSON.parse(await new Response(Deno.stdin.readable).text());
       const out = [];
       for (const s of sources) out.push(Buffer.from(await renderInvoicePdf(s)).toString("base64"));
       console.log(JSON.stringify(out));`,
    );
    const r = spawnSync(
      denoBinary(),
      [
        "run",
        "--quiet",
        "--cached-only",
        "--config",
        join(ROOT, "edge-functions", "deno.json"),
        "--allow-read",
        "--allow-env",
        script,
      ],
      {
        input: JSON.stringify(sources),
        cwd: ROOT,
        env: { ...process.env, ...denoNetworkEnv(process.env), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    expect(r.status, r.stderr.toString()).toBe(0);
    return (JSON.parse(r.stdout.toString()) as string[]).map((b) => Buffer.from(b, "base64"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every check a receiving platform makes; returns the XML for further checks. */
function expectConformantFacturX(pdf: Buffer, label: string): string {
  const { names, facturX } = embeddedFiles(pdf);
  expect(names, label).toEqual(["factur-x.xml"]);
  const xmp = xmpOf(pdf);
  for (
    const expected of [
      "<pdfaid:part>3</pdfaid:part>",
      "<pdfaid:conformance>B</pdfaid:conformance>",
      "<fx:DocumentType>INVOICE</fx:DocumentType>",
      "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
      "<fx:Version>1.0</fx:Version>",
      "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
    ]
  ) expect(xmp, `${label}: XMP`).toContain(expected);
  const xsd = validateXsd(facturX);
  expect(xsd.ok, `${label}: XSD\n${xsd.messages}`).toBe(true);
  expect(fatalFailures(facturX), `${label}: EN 16931 rules`).toEqual([]);
  return facturX;
}

beforeAll(async () => {
  // The Schematron is compiled once (cached in the temporary directory).
  compiledSchematron();

  await withDb(async (c) => {
    await c.query(
      `insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                         address_line1, postal_code, city, default_payment_terms_days, late_penalty_rate,
                                         vat_on_debits)
       values ($1, 'Thermique Factur-X SAS', 'SAS', 1500000, '443061841', '44306184100005', 'FR40443061841', 'Lyon',
               '4 quai des Factures', '69005', 'Lyon', 30, 10.5, true)`,
      [ORG],
    );
    await c.query(
      `insert into public.clients (id, org_id, name, siren, vat_number, billing_address, billing_postal_code, billing_city)
       values ($1, $2, 'Copropriété Les Tilleuls', '552081317', 'FR83552081317', '10 rue Client', '69007', 'Lyon')`,
      [CLIENT, ORG],
    );
    await c.query(
      `insert into public.sites (id, org_id, client_id, name, address, postal_code, city)
       values ($1, $2, $3, 'Chaufferie bâtiment B', '5 allée des Pins', '69100', 'Villeurbanne')`,
      [SITE, ORG, CLIENT],
    );
    await c.query(
      `insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, 'Remplacement circulateur')`,
      [MISSION, ORG, CLIENT, SITE],
    );
    await c.query(
      `insert into public.stock_items (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate)
       values ($1, $2, 'CIRC-FX', 'Circulateur', 'u', 0, 18900, 29900, 20)`,
      [ITEM, ORG],
    );
    for (const id of [INVOICE, LONG_INVOICE]) {
      await c.query(
        `insert into public.invoices (id, org_id, client_id, service_date) values ($1, $2, $3, current_date - 2)`,
        [id, ORG, CLIENT],
      );
    }
    // Goods and services at a site other than the billing address, two VAT rates.
    await c.query(
      `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents,
                                         vat_rate, mission_id, stock_item_id) values
         ($1, $2, 1, 'Circulateur', 1, 'u', 29900, 20, $3, $4),
         ($1, $2, 2, 'Main d''œuvre', 2.5, 'h', 6533, 10, $3, null),
         ($1, $2, 3, 'Déplacement', 1, 'forfait', 3500, 20, null, null)`,
      [ORG, INVOICE, MISSION, ITEM],
    );
    // 50 lines at three rates, awkward quantities: what a busy month looks like.
    await c.query(
      `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate)
       select $1, $2, n, 'Intervention n° ' || n, (n % 7) + 0.25, case when n % 2 = 0 then 'h' else 'u' end,
              1999 + n * 37, (array[20, 10, 5.5])[1 + n % 3]
       from generate_series(1, 50) n`,
      [ORG, LONG_INVOICE],
    );
    await c.query("select public.issue_invoice($1)", [INVOICE]);
    await c.query("select public.issue_invoice($1)", [LONG_INVOICE]);
    await issueCreditNote(c, { org: ORG, client: CLIENT, creditNote: CREDIT_NOTE, invoice: INVOICE });
  });
}, 180_000);

afterAll(async () => {
  await removeTestOrganization(ORG);
});

describe("Factur-X: the demo documents of the seed", () => {
  it("every issued demo invoice and credit note passes the XSD and the EN 16931 rules", async () => {
    const docs = await withDb(async (c) =>
      (await c.query(
        `select i.number, i.kind::text as kind, public.invoice_pdf_source(i.id) as source
         from public.invoices i
         where i.status <> 'draft' and i.org_id <> $1
         order by i.org_id, i.kind, i.number`,
        [ORG],
      )).rows as Array<{ number: string; kind: string; source: unknown }>
    );
    expect(docs.filter((d) => d.kind === "invoice").length).toBeGreaterThanOrEqual(3);
    expect(docs.filter((d) => d.kind === "credit_note").length).toBeGreaterThanOrEqual(1);
    const pdfs = renderInDeno(docs.map((d) => d.source));
    docs.forEach((doc, i) => {
      const xml = squash(expectConformantFacturX(pdfs[i]!, doc.number));
      expect(xml).toContain(`<ram:ID>${doc.number}</ram:ID>`);
      expect(xml).toContain(`<ram:TypeCode>${doc.kind === "credit_note" ? 381 : 380}</ram:TypeCode>`);
      if (doc.kind === "credit_note") expect(xml).toContain("<ram:InvoiceReferencedDocument>");
    });
  }, 180_000);
});

describe("Factur-X: through the invoice-pdf function", () => {
  let invoicePdf: Buffer;

  it("the stored invoice PDF is conformant and says what the database says", async () => {
    invoicePdf = await pdfOf(INVOICE);
    const xml = squash(expectConformantFacturX(invoicePdf, "invoice"));
    const inv = await withDb(async (c) =>
      (await c.query(
        `select number, to_char(issue_date, 'YYYYMMDD') as issued, to_char(due_date, 'YYYYMMDD') as due,
                total_ht_cents, total_vat_cents
         from public.invoices where id = $1`,
        [INVOICE],
      )).rows[0]
    );
    for (
      const expected of [
        `<ram:ID>${inv.number}</ram:ID><ram:TypeCode>380</ram:TypeCode>`,
        `<udt:DateTimeStringformat="102">${inv.issued}</udt:DateTimeString>`,
        `<ram:DueDateDateTime><udt:DateTimeStringformat="102">${inv.due}</udt:DateTimeString>`,
        // Goods from stock and labour: mixed (M1).
        "<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>M1</ram:ID>",
        // Seller and buyer SIREN as legal registration (0002), VAT ids.
        '<ram:IDschemeID="0002">443061841</ram:ID>',
        '<ram:IDschemeID="VA">FR40443061841</ram:ID>',
        '<ram:IDschemeID="0002">552081317</ram:ID>',
        '<ram:IDschemeID="VA">FR83552081317</ram:ID>',
        // The mission's site, which is not the billing address.
        "<ram:ShipToTradeParty>",
        "<ram:PostcodeCode>69100</ram:PostcodeCode><ram:LineOne>5alléedesPins</ram:LineOne><ram:CityName>Villeurbanne</ram:CityName>",
        // The VAT-on-debits option, a line of the document's note.
        "Optionpourlepaiementdelataxed'aprèslesdébits.",
        '<ram:BilledQuantityunitCode="HUR">2.5</ram:BilledQuantity>',
        `<ram:TaxBasisTotalAmount>${(inv.total_ht_cents / 100).toFixed(2)}</ram:TaxBasisTotalAmount>`,
        `<ram:TaxTotalAmountcurrencyID="EUR">${(inv.total_vat_cents / 100).toFixed(2)}</ram:TaxTotalAmount>`,
      ]
    ) expect(xml).toContain(squash(expected));
  });

  it("the PDF prints the reform's mentions too", () => {
    const r = spawnSync("pdftotext", ["-enc", "UTF-8", "-", "-"], { input: invoicePdf });
    const text = r.stdout.toString("utf8").replace(/\s+/g, " ");
    for (
      const expected of [
        "SIREN 552081317",
        "Catégorie de l'opération : mixte (livraison de biens et prestation de services)",
        "Lieu d'intervention (adresse de livraison) : Chaufferie bâtiment B, 5 allée des Pins, 69100 Villeurbanne",
        "Option pour le paiement de la taxe d'après les débits.",
      ]
    ) expect(text).toContain(expected);
  });

  it("verify re-renders the Factur-X PDF byte for byte", async () => {
    const res = await call({ invoice_id: INVOICE, mode: "verify" });
    expect(res.status).toBe(200);
    const verdict = (await res.json()) as Record<string, unknown>;
    expect(verdict).toMatchObject({ ok: true, rendered_matches_recorded: true, stored_matches_recorded: true });
    expect(verdict.rendered_sha256).toBe(sha256(invoicePdf));
  });

  it("the credit note is type 381 and cites the invoice it corrects", async () => {
    const pdf = await pdfOf(CREDIT_NOTE);
    const xml = squash(expectConformantFacturX(pdf, "credit note"));
    const invoiceNumber = await withDb(async (c) =>
      (await c.query("select number from public.invoices where id = $1", [INVOICE])).rows[0].number as string
    );
    expect(xml).toContain("<ram:TypeCode>381</ram:TypeCode>");
    expect(xml).toContain(
      `<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>${invoiceNumber}</ram:IssuerAssignedID>`,
    );
  });

  it("a 50-line invoice at three rates is conformant (render time and size logged)", async () => {
    const started = performance.now();
    const pdf = await pdfOf(LONG_INVOICE);
    const ms = Math.round(performance.now() - started);
    const xml = expectConformantFacturX(pdf, "50 lines");
    expect(xml.match(/<ram:IncludedSupplyChainTradeLineItem>/g)?.length).toBe(50);
    console.log(`factur-x: 50-line invoice rendered and stored in ${ms} ms, ${pdf.byteLength} bytes`);
  });
});

describe("Factur-X: the business rules catch what the XSD lets through", () => {
  it("a total that does not add up fires BR-CO-15 and BR-CO-16", async () => {
    const pdf = await pdfOf(INVOICE);
    const { facturX } = embeddedFiles(pdf);
    // The grand total one cent off: BT-112 ≠ BT-109 + BT-110, and BT-115 ≠ BT-112.
    const broken = facturX.replace(
      /<ram:GrandTotalAmount>(\d+)\.(\d{2})<\/ram:GrandTotalAmount>/,
      (_m, units: string, cents: string) => {
        const total = Number(units) * 100 + Number(cents) + 1;
        return `<ram:GrandTotalAmount>${Math.trunc(total / 100)}.${String(total % 100).padStart(2, "0")}</ram:GrandTotalAmount>`;
      },
    );
    expect(broken).not.toBe(facturX);
    expect(validateXsd(broken).ok, "the XSD does not check arithmetic").toBe(true);
    const fired = fatalFailures(broken).map((f) => f.id).sort();
    expect(fired).toEqual(["BR-CO-15", "BR-CO-16"]);
  });

  it("a VAT total that disagrees with the breakdown fires BR-CO-14", async () => {
    const pdf = await pdfOf(INVOICE);
    const { facturX } = embeddedFiles(pdf);
    const broken = facturX.replace(
      /<ram:TaxTotalAmount currencyID="EUR">[^<]*<\/ram:TaxTotalAmount>/,
      '<ram:TaxTotalAmount currencyID="EUR">0.01</ram:TaxTotalAmount>',
    );
    expect(fatalFailures(broken).map((f) => f.id)).toContain("BR-CO-14");
  });
});

/**
 * Factur-X without a database: the rendered PDF carries factur-x.xml as a
 * PDF/A-3 attachment with the Factur-X XMP, the XML says what the source says
 * (identities with their schemes, codes, the credited invoice), and the
 * library's clock is pinned only while it converts. pdfdetach and pdfinfo
 * (poppler-utils) read the file as any PDF reader would. XSD and Schematron
 * validation run in tests/integration/factur-x.test.ts.
 */
import assert from "node:assert/strict";
import { amount, atInstant, FACTURX_FILENAME } from "./facturx.ts";
import { renderInvoicePdf } from "./render.ts";
import { sampleSource } from "./sample_source.ts";

async function tool(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  assert.equal(out.code, 0, `${cmd}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** Writes the PDF, lists and extracts its attachments: { names, xml, xmp }. */
async function inspect(pdf: Uint8Array) {
  const dir = await Deno.makeTempDir({ prefix: "facturx-test-" });
  try {
    const file = `${dir}/invoice.pdf`;
    await Deno.writeFile(file, pdf);
    const list = await tool("pdfdetach", ["-list", file]);
    const names = list.split("\n").slice(1).map((l) => l.replace(/^\d+:\s*/, "").trim()).filter(
      Boolean,
    );
    await tool("pdfdetach", ["-saveall", "-o", dir, file]);
    const xml = names.includes(FACTURX_FILENAME)
      ? await Deno.readTextFile(`${dir}/${FACTURX_FILENAME}`)
      : "";
    return { names, xml, xmp: await tool("pdfinfo", ["-meta", file]) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RealDate = globalThis.Date;
const squash = (s: string) => s.replace(/\s+/g, "");

Deno.test("the invoice PDF is a PDF/A-3 carrying factur-x.xml with the Factur-X XMP", async () => {
  const source = sampleSource();
  const { names, xml, xmp } = await inspect(await renderInvoicePdf(source));
  assert.deepEqual(names, [FACTURX_FILENAME]);
  assert.match(xml, /^<\?xml/);
  for (
    const expected of [
      "<pdfaid:part>3</pdfaid:part>",
      "<pdfaid:conformance>B</pdfaid:conformance>",
      "<fx:DocumentType>INVOICE</fx:DocumentType>",
      "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
      "<fx:Version>1.0</fx:Version>",
      "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
      // The issue time, never the clock: the file is a function of the invoice.
      "<xmp:CreateDate>2026-03-01T09:15:00+00:00</xmp:CreateDate>",
      "<xmp:ModifyDate>2026-03-01T09:15:00+00:00</xmp:ModifyDate>",
    ]
  ) assert.ok(xmp.includes(expected), `XMP lacks ${expected}:\n${xmp}`);
});

Deno.test("factur-x.xml says what the source says, with the EN 16931 codes", async () => {
  const source = sampleSource();
  source.legal_mentions.buyer.vat_number = "FR83552100554";
  source.e_invoice.notes = ["Catégorie de l'opération : prestation de services", "Pas d'escompte."];
  const { xml } = await inspect(await renderInvoicePdf(source));
  const flat = squash(xml);
  for (
    const expected of [
      "<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
      "<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>S1</ram:ID>",
      "<ram:ID>FAC-2026-00001</ram:ID><ram:TypeCode>380</ram:TypeCode>",
      '<udt:DateTimeStringformat="102">20260301</udt:DateTimeString>',
      // Seller: SIREN (0002) as legal registration, VAT id.
      '<ram:IDschemeID="0002">443061841</ram:ID>',
      '<ram:IDschemeID="VA">FR40443061841</ram:ID>',
      // Buyer's SIREN, the reform's first new mention, and VAT id.
      '<ram:IDschemeID="0002">552100554</ram:ID>',
      '<ram:IDschemeID="VA">FR83552100554</ram:ID>',
      // The mentions as one note, one per line.
      "<ram:IncludedNote><ram:Content>Catégoriedel'opération:prestationdeservices\nPasd'escompte.</ram:Content>",
      '<ram:BilledQuantityunitCode="HUR">2.5</ram:BilledQuantity>',
      "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>10</ram:RateApplicablePercent>",
      "<ram:LineTotalAmount>1234.56</ram:LineTotalAmount>",
      "<ram:PostcodeCode>69003</ram:PostcodeCode>",
      "<ram:Description>Paiementà30jours,échéancele31/03/2026</ram:Description>",
      '<udt:DateTimeStringformat="102">20260331</udt:DateTimeString>',
    ]
  ) assert.ok(flat.includes(squash(expected)), `XML lacks ${expected}:\n${xml}`);
  assert.ok(!flat.includes("InvoiceReferencedDocument"), "an invoice cites no preceding invoice");
});

Deno.test("a credit note is type 381 and cites the invoice it corrects", async () => {
  const base = sampleSource(1);
  const { xml } = await inspect(
    await renderInvoicePdf({
      ...base,
      kind: "credit_note",
      title: "Avoir",
      number: "AV-2026-00001",
      e_invoice: {
        ...base.e_invoice,
        type_code: "381",
        preceding_invoice: { number: "FAC-2026-00001", issue_date: "2026-03-01" },
      },
    }),
  );
  const flat = squash(xml);
  assert.ok(flat.includes("<ram:TypeCode>381</ram:TypeCode>"), xml);
  assert.ok(
    flat.includes(squash(
      `<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>FAC-2026-00001</ram:IssuerAssignedID>
       </ram:InvoiceReferencedDocument>`,
    )),
    xml,
  );
});

Deno.test("amount() writes cents as exact decimals and refuses anything else", () => {
  assert.equal(amount(123456), "1234.56");
  assert.equal(amount(5), "0.05");
  assert.equal(amount(0), "0.00");
  assert.equal(amount(-4000), "-40.00");
  assert.throws(() => amount(12.5), /integer/);
  assert.throws(() => amount(Number.NaN), /integer/);
});

Deno.test("the clock is pinned only while converting, and restored after a failure", async () => {
  const instant = new Date("2026-03-01T09:15:00.000Z");
  const seen = await atInstant(
    instant,
    () => Promise.resolve([new Date().toISOString(), Date.now()]),
  );
  assert.deepEqual(seen, [instant.toISOString(), instant.getTime()]);
  // Dates built from a value are untouched inside the window.
  assert.equal(
    await atInstant(instant, () => Promise.resolve(new Date("2020-01-02T00:00:00Z").toISOString())),
    "2020-01-02T00:00:00.000Z",
  );
  await assert.rejects(atInstant(instant, () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(globalThis.Date, RealDate, "the real Date is back");
  assert.notEqual(Date.now(), instant.getTime());
});

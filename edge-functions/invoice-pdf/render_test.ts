/**
 * The renderer on its own (no database): reproducible bytes, a font that has
 * the characters French amounts need, and pdftotext (poppler-utils) reading
 * every mention of the source back from the file.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { constants, inflateSync } from "node:zlib";
import fontkitModule from "@react-pdf/fontkit";
import { fontFiles, REQUIRED_CODE_POINTS } from "./fonts.ts";
import { formatDate, formatEuros, renderInvoicePdf } from "./render.ts";
import { sampleSource } from "./sample_source.ts";

async function pdftotext(pdf: Uint8Array): Promise<string> {
  const out = await new Deno.Command("pdftotext", {
    args: ["-enc", "UTF-8", "-", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(pdf);
  await writer.close();
  const { code, stdout, stderr } = await out.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

/** Every ToUnicode CMap of the file (deflated or not): which characters the text uses. */
function toUnicodeMaps(pdf: Uint8Array): string {
  const latin1 = new TextDecoder("latin1").decode(pdf);
  const maps: string[] = [];
  for (const m of latin1.matchAll(/>>\r?\nstream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const raw = pdf.subarray(start, latin1.indexOf("endstream", start));
    let text: string;
    try {
      text = new TextDecoder().decode(inflateSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }));
    } catch {
      text = new TextDecoder("latin1").decode(raw); // stored without compression
    }
    if (text.includes("begincmap")) maps.push(text);
  }
  return maps.join("\n");
}

interface FontkitFont {
  fullName: string;
  hasGlyphForCodePoint(codePoint: number): boolean;
}
// The CommonJS build is seen by Deno as { default: module.exports }.
const fontkit = ((fontkitModule as unknown as { default?: unknown }).default ?? fontkitModule) as {
  create(bytes: Uint8Array): FontkitFont;
};

Deno.test("formatEuros uses the narrow no-break space of fr-FR", () => {
  assert.equal(formatEuros(123456), "1\u202f234,56\u00a0€");
  assert.equal(formatEuros(-4000), "-40,00\u00a0€");
  assert.equal(formatDate("2026-03-01"), "01/03/2026");
});

Deno.test("the embedded font has a glyph for every character amounts and mentions need", () => {
  for (const file of [fontFiles.regular, fontFiles.bold]) {
    const font = fontkit.create(Buffer.from(file));
    for (const cp of REQUIRED_CODE_POINTS) {
      assert.ok(
        font.hasGlyphForCodePoint(cp),
        `U+${cp.toString(16).toUpperCase()} missing from ${font.fullName}`,
      );
    }
  }
});

Deno.test("two renders of one source are byte-identical", async () => {
  const a = await renderInvoicePdf(sampleSource());
  const b = await renderInvoicePdf(sampleSource());
  assert.equal(new TextDecoder().decode(a.subarray(0, 5)), "%PDF-");
  assert.deepEqual(a, b);
  // Another process (a restarted function): fonts are loaded and subset anew,
  // and nothing in the file may depend on the process (random subset tags did).
  const script = `
    import { renderInvoicePdf } from ${
    JSON.stringify(new URL("./render.ts", import.meta.url).href)
  };
    import { sampleSource } from ${
    JSON.stringify(new URL("./sample_source.ts", import.meta.url).href)
  };
    await Deno.stdout.write(await renderInvoicePdf(sampleSource()));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      "--allow-read",
      "--allow-env",
      "-",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const other = await child.output();
  assert.equal(other.code, 0, new TextDecoder().decode(other.stderr));
  assert.deepEqual(other.stdout, a, "a render in another process is byte-identical");
  // The issue time is the PDF's creation date (not the clock): another issue time, another file.
  const later = await renderInvoicePdf({
    ...sampleSource(),
    issued_at: "2026-03-02T09:15:00.000Z",
  });
  assert.notDeepEqual(a, later);
});

Deno.test("pdftotext reads back every mention, amounts in French format", async () => {
  const source = sampleSource();
  const pdf = await renderInvoicePdf(source);
  const text = await pdftotext(pdf);
  for (
    const expected of [
      "Facture n° FAC-2026-00001",
      "Chaleur Express",
      "SAS au capital de 10000.00 EUR",
      "12 rue de la Forge, 69003 Lyon",
      "SIREN 443061841",
      "SIRET 44306184100017",
      "RCS Lyon 443061841",
      "N° TVA intracommunautaire FR40443061841",
      "Copropriété Les Tilleuls",
      "SIREN 552100554",
      "Date d'émission : 01/03/2026",
      "Date de la prestation : 27/02/2026",
      "Date d'échéance : 31/03/2026",
      "Main d'œuvre chauffagiste",
      "Paiement à 30 jours, échéance le 31/03/2026",
      "Pas d'escompte pour paiement anticipé.",
      "pénalités au taux annuel de 10,00 %",
      "40 €",
    ]
  ) assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in:\n${text}`);
  // pdftotext turns every Unicode space into U+0020; the file itself draws U+202F
  // (its ToUnicode map names it) and Helvetica's "1/234,56" never appears.
  assert.match(text, /1 234,56 €/);
  assert.ok(!text.includes("1/234"));
  assert.match(toUnicodeMaps(pdf), /<202f>/);
});

Deno.test("a long invoice flows over several pages, every line and the totals printed", async () => {
  const source = sampleSource(500);
  const text = await pdftotext(await renderInvoicePdf(source));
  const pages = text.split("\f").filter((page) => page.trim() !== "");
  assert.ok(pages.length >= 4, `expected several pages, got ${pages.length}`);
  for (const page of pages) {
    assert.ok(
      page.includes(`Chaleur Express — Facture n° ${source.number}`),
      "footer on every page",
    );
  }
  assert.ok(text.includes("Pièce détachée n° 200"));
  assert.ok(text.includes(formatEuros(source.total_ttc_cents).replace(/\s/g, " ")));
});

Deno.test("a credit note prints the invoice it corrects", async () => {
  const source = sampleSource(1);
  source.kind = "credit_note";
  source.title = "Avoir";
  source.number = "AV-2026-00001";
  source.legal_mentions.credited_invoice = {
    number: "FAC-2026-00001",
    issue_date: "2026-03-01",
    text: "Avoir sur la facture FAC-2026-00001 du 01/03/2026",
  };
  const text = await pdftotext(await renderInvoicePdf(source));
  assert.ok(text.includes("Avoir n° AV-2026-00001"));
  assert.ok(text.includes("Avoir sur la facture FAC-2026-00001 du 01/03/2026"));
});

Deno.test("the e-invoicing mentions are printed: category, delivery address, VAT on debits", async () => {
  const source = sampleSource();
  Object.assign(source.legal_mentions, {
    operation_category: "mixed",
    operation_category_text:
      "Catégorie de l'opération : mixte (livraison de biens et prestation de services)",
    delivery_address: {
      name: "Chaufferie bâtiment B",
      address: "5 allée des Pins, 69100 Villeurbanne",
      postal_address: {
        line1: "5 allée des Pins",
        postal_code: "69100",
        city: "Villeurbanne",
        country: "FR",
      },
    },
    vat_on_debits: true,
    vat_on_debits_text: "Option pour le paiement de la taxe d'après les débits.",
  });
  const text = (await pdftotext(await renderInvoicePdf(source))).replace(/\s+/g, " ");
  for (
    const expected of [
      "SIREN 552100554", // the client's SIREN
      "Catégorie de l'opération : mixte (livraison de biens et prestation de services)",
      "Lieu d'intervention (adresse de livraison) : Chaufferie bâtiment B, 5 allée des Pins, 69100 Villeurbanne",
      "Option pour le paiement de la taxe d'après les débits.",
    ]
  ) assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in:\n${text}`);
  // Absent mentions print nothing (a snapshot without them, or no different site).
  const plain = await pdftotext(await renderInvoicePdf(sampleSource()));
  assert.ok(!plain.includes("Lieu d'intervention") && !plain.includes("débits"));
});

/**
 * The invoice / credit-note PDF, drawn with @react-pdf/renderer from what the
 * database says (public.invoice_pdf_source): no legal rule lives here. Every
 * mention is a field of the source — the legal identities and texts frozen at
 * issue (legal_mentions), the lines, the VAT per rate, the totals — and this
 * module only lays them out and formats numbers and dates the French way.
 *
 * Reproducible: the same source gives the same bytes, in any process. The
 * PDF's creation and modification dates are the issue time (never the clock),
 * the file id derives from them (pdfkit hashes the info dictionary), and the
 * font subset tags derive from the font (pdfkit 0.20, used by react-pdf 4.9;
 * react-pdf's older pdfkit fork drew them with Math.random, hence the version
 * floor in deno.json). render_test.ts proves it across two processes.
 */
import { Buffer } from "node:buffer";
import React from "react";
import { Document, Font, Page, renderToBuffer, StyleSheet, Text, View } from "@react-pdf/renderer";
import { FONT_FAMILY, fontFiles } from "./fonts.ts";
import { embedFacturX } from "./facturx.ts";

/** An address as e-invoices carry it (frozen at issue in legal_mentions). */
export interface PostalAddress {
  line1: string | null;
  line2?: string | null;
  postal_code?: string | null;
  city?: string | null;
  country: string;
}

export interface Party {
  name: string | null;
  address: string | null;
  postal_address?: PostalAddress;
  country?: string | null;
  siren?: string | null;
  vat_number?: string | null;
}

export interface Seller extends Party {
  legal_form: string | null;
  share_capital: string | null;
  siret: string | null;
  rcs: string | null;
}

export interface LegalMentions {
  seller: Seller;
  buyer: Party;
  payment_terms: string | null;
  early_payment_discount: string | null;
  late_penalty_rate: number | null;
  late_penalty: string | null;
  recovery_indemnity: string | null;
  credited_invoice: { number: string; issue_date: string; text: string } | null;
  // E-invoicing mentions (absent from snapshots taken before they existed).
  delivery_address?: { name: string; address: string; postal_address: PostalAddress } | null;
  operation_category?: "goods" | "services" | "mixed";
  operation_category_text?: string;
  vat_on_debits?: boolean;
  vat_on_debits_text?: string | null;
}

/** What the Factur-X XML says beyond the printed mentions (public.invoice_pdf_source). */
export interface EInvoiceFields {
  type_code: "380" | "381";
  currency: string;
  business_process: "B1" | "S1" | "M1";
  seller_address: PostalAddress;
  buyer_address: PostalAddress;
  delivery_address: PostalAddress | null;
  seller_legal_info: string | null;
  notes: string[];
  preceding_invoice: { number: string; issue_date: string } | null;
}

export interface InvoiceLine {
  position: number;
  description: string;
  quantity: number;
  unit: string | null;
  unit_code: string;
  unit_price_cents: number;
  vat_rate: number;
  vat_category_code: string;
  line_ht_cents: number;
  line_vat_cents: number;
}

/** The jsonb of public.invoice_pdf_source(). */
export interface InvoicePdfSource {
  id: string;
  kind: "invoice" | "credit_note";
  title: string;
  number: string;
  status: string;
  issue_date: string;
  service_date: string;
  due_date: string;
  issued_at: string;
  notes: string | null;
  legal_mentions: LegalMentions;
  total_ht_cents: number;
  total_vat_cents: number;
  total_ttc_cents: number;
  pdf_sha256: string | null;
  e_invoice: EInvoiceFields;
  lines: InvoiceLine[];
  vat_breakdown: Array<
    { vat_rate: number; category_code: string; base_ht_cents: number; vat_cents: number }
  >;
}

const h = React.createElement;

Font.register({
  family: FONT_FAMILY,
  fonts: [
    { src: dataUrl(fontFiles.regular), fontWeight: "normal" },
    { src: dataUrl(fontFiles.bold), fontWeight: "bold" },
  ],
});
// Words are never split with a hyphen: a reference or an amount must stay whole.
Font.registerHyphenationCallback((word: string) => [word]);

function dataUrl(bytes: Uint8Array): string {
  return `data:font/ttf;base64,${Buffer.from(bytes).toString("base64")}`;
}

// ---------------------------------------------------------------------------
// French formats (Intl, as a French reader expects them)
// ---------------------------------------------------------------------------

const euroFormat = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
const quantityFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 3 });
const rateFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });

/** 123456 → "1 234,56 €" (U+202F between thousands, U+00A0 before €). */
export function formatEuros(cents: number): string {
  return euroFormat.format(cents / 100);
}

/** "2026-03-01" → "01/03/2026" (a calendar date: no time zone involved). */
export function formatDate(isoDate: string): string {
  const [year, month, day] = isoDate.split("-");
  return `${day}/${month}/${year}`;
}

export function formatRate(rate: number): string {
  return `${rateFormat.format(rate)}\u00a0%`;
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

const styles = StyleSheet.create({
  page: {
    fontFamily: FONT_FAMILY,
    fontSize: 9,
    paddingTop: 36,
    paddingBottom: 64,
    paddingHorizontal: 40,
    lineHeight: 1.35,
  },
  row: { flexDirection: "row" },
  parties: { flexDirection: "row", justifyContent: "space-between", marginBottom: 18 },
  party: { width: "48%" },
  buyerBox: { width: "45%", border: "1pt solid #999", padding: 8 },
  strong: { fontWeight: "bold" },
  title: { fontSize: 16, fontWeight: "bold", marginBottom: 4 },
  meta: { marginBottom: 12 },
  credited: { marginBottom: 10, fontWeight: "bold" },
  tableHeader: {
    flexDirection: "row",
    borderBottom: "1pt solid #333",
    paddingBottom: 3,
    fontWeight: "bold",
  },
  tableRow: { flexDirection: "row", borderBottom: "0.5pt solid #ccc", paddingVertical: 3 },
  cDesc: { width: "44%" },
  cQty: { width: "10%", textAlign: "right" },
  cPrice: { width: "16%", textAlign: "right" },
  cVat: { width: "10%", textAlign: "right" },
  cTotal: { width: "20%", textAlign: "right" },
  summary: { flexDirection: "row", justifyContent: "space-between", marginTop: 14 },
  vatTable: { width: "48%" },
  totals: { width: "40%" },
  totalRow: { flexDirection: "row", justifyContent: "space-between", paddingVertical: 2 },
  grandTotal: {
    flexDirection: "row",
    justifyContent: "space-between",
    paddingVertical: 3,
    borderTop: "1pt solid #333",
    fontWeight: "bold",
    fontSize: 11,
  },
  terms: { marginTop: 18 },
  footer: {
    position: "absolute",
    bottom: 24,
    left: 40,
    right: 40,
    fontSize: 7,
    color: "#555",
    textAlign: "center",
  },
});

function text(value: string | null | undefined, style?: unknown): React.ReactElement | null {
  return value ? h(Text, style ? { style } : null, value) : null;
}

/** The seller's identity lines, from the frozen mentions (only what is present). */
function sellerLines(seller: Seller): string[] {
  const company = [
    seller.legal_form,
    seller.share_capital ? `au capital de ${seller.share_capital}` : null,
  ]
    .filter(Boolean).join(" ");
  return [
    company,
    seller.address,
    seller.siren ? `SIREN ${seller.siren}` : null,
    seller.siret ? `SIRET ${seller.siret}` : null,
    seller.rcs,
    seller.vat_number ? `N° TVA intracommunautaire ${seller.vat_number}` : null,
  ].filter((line): line is string => Boolean(line));
}

function buyerLines(buyer: Party): string[] {
  return [
    buyer.address,
    buyer.siren ? `SIREN ${buyer.siren}` : null,
    buyer.vat_number ? `N° TVA intracommunautaire ${buyer.vat_number}` : null,
  ].filter((line): line is string => Boolean(line));
}

function lineRow(line: InvoiceLine): React.ReactElement {
  const quantity = `${quantityFormat.format(line.quantity)}${line.unit ? ` ${line.unit}` : ""}`;
  return h(
    View,
    { key: String(line.position), style: styles.tableRow, wrap: false },
    h(Text, { style: styles.cDesc }, line.description),
    h(Text, { style: styles.cQty }, quantity),
    h(Text, { style: styles.cPrice }, formatEuros(line.unit_price_cents)),
    h(Text, { style: styles.cVat }, formatRate(line.vat_rate)),
    h(Text, { style: styles.cTotal }, formatEuros(line.line_ht_cents)),
  );
}

function totalRow(label: string, cents: number, style = styles.totalRow): React.ReactElement {
  return h(View, { style }, h(Text, null, label), h(Text, null, formatEuros(cents)));
}

export function invoiceDocument(source: InvoicePdfSource): React.ReactElement {
  const m = source.legal_mentions;
  const issuedAt = new Date(source.issued_at);
  const heading = `${source.title} n° ${source.number}`;
  return h(
    Document,
    {
      title: heading,
      author: m.seller.name ?? undefined,
      subject: `${heading} — ${m.buyer.name ?? ""}`,
      creator: "Terrain",
      producer: "Terrain (react-pdf)",
      creationDate: issuedAt,
      modificationDate: issuedAt,
      language: "fr-FR",
    },
    h(
      Page,
      { size: "A4", style: styles.page },
      h(
        View,
        { style: styles.parties },
        h(
          View,
          { style: styles.party },
          text(m.seller.name, styles.strong),
          ...sellerLines(m.seller).map((line, i) => h(Text, { key: `s${i}` }, line)),
        ),
        h(
          View,
          { style: styles.buyerBox },
          text("Client", styles.strong),
          text(m.buyer.name, styles.strong),
          ...buyerLines(m.buyer).map((line, i) => h(Text, { key: `b${i}` }, line)),
        ),
      ),
      h(Text, { style: styles.title }, heading),
      h(
        View,
        { style: styles.meta },
        h(Text, null, `Date d'émission : ${formatDate(source.issue_date)}`),
        h(Text, null, `Date de la prestation : ${formatDate(source.service_date)}`),
        h(Text, null, `Date d'échéance : ${formatDate(source.due_date)}`),
        text(m.operation_category_text),
        m.delivery_address
          ? h(
            Text,
            null,
            `Lieu d'intervention (adresse de livraison) : ${m.delivery_address.name}, ${m.delivery_address.address}`,
          )
          : null,
      ),
      m.credited_invoice ? h(Text, { style: styles.credited }, m.credited_invoice.text) : null,
      h(
        View,
        { style: styles.tableHeader, fixed: true },
        h(Text, { style: styles.cDesc }, "Désignation"),
        h(Text, { style: styles.cQty }, "Qté"),
        h(Text, { style: styles.cPrice }, "P.U. HT"),
        h(Text, { style: styles.cVat }, "TVA"),
        h(Text, { style: styles.cTotal }, "Total HT"),
      ),
      ...source.lines.map(lineRow),
      h(
        View,
        { style: styles.summary, wrap: false },
        h(
          View,
          { style: styles.vatTable },
          h(
            View,
            { style: styles.tableHeader },
            h(Text, { style: { width: "30%" } }, "Taux TVA"),
            h(Text, { style: { width: "35%", textAlign: "right" } }, "Base HT"),
            h(Text, { style: { width: "35%", textAlign: "right" } }, "Montant TVA"),
          ),
          ...source.vat_breakdown.map((r) =>
            h(
              View,
              { key: String(r.vat_rate), style: styles.tableRow },
              h(Text, { style: { width: "30%" } }, formatRate(r.vat_rate)),
              h(
                Text,
                { style: { width: "35%", textAlign: "right" } },
                formatEuros(r.base_ht_cents),
              ),
              h(Text, { style: { width: "35%", textAlign: "right" } }, formatEuros(r.vat_cents)),
            )
          ),
        ),
        h(
          View,
          { style: styles.totals },
          totalRow("Total HT", source.total_ht_cents),
          totalRow("Total TVA", source.total_vat_cents),
          totalRow("Total TTC", source.total_ttc_cents, styles.grandTotal),
        ),
      ),
      h(
        View,
        { style: styles.terms, wrap: false },
        text(m.payment_terms),
        text(m.vat_on_debits_text),
        text(m.early_payment_discount),
        text(m.late_penalty),
        text(m.recovery_indemnity),
        source.notes ? h(Text, { style: { marginTop: 6 } }, source.notes) : null,
      ),
      // On every page: whose document this is. Static text on purpose: react-pdf's
      // dynamic `render` (page numbers) prints nothing under Deno here and makes
      // long documents fail to render ("unsupported number").
      h(Text, { style: styles.footer, fixed: true }, `${m.seller.name ?? ""} — ${heading}`),
    ),
  );
}

/** The printed document alone, as react-pdf draws it. */
export async function renderPrintedPdf(source: InvoicePdfSource): Promise<Uint8Array> {
  const buffer = await renderToBuffer(
    invoiceDocument(source) as Parameters<typeof renderToBuffer>[0],
  );
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The PDF bytes of an issued invoice or credit note: the printed document made
 * a Factur-X PDF/A-3 carrying its CII XML (facturx.ts). The same source gives
 * the same bytes.
 */
export async function renderInvoicePdf(source: InvoicePdfSource): Promise<Uint8Array> {
  return embedFacturX(source, await renderPrintedPdf(source));
}

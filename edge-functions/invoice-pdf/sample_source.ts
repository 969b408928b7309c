/**
 * A document as public.invoice_pdf_source() returns it, for the renderer's
 * tests (render_test.ts, facturx_test.ts): no database needed.
 */
import type { InvoicePdfSource } from "./render.ts";

/** A credit-note-free invoice as public.invoice_pdf_source() returns it. */
export function sampleSource(lineCount = 3): InvoicePdfSource {
  const lines = Array.from({ length: lineCount }, (_, i) => ({
    position: i + 1,
    description: i === 0 ? "Main d'œuvre chauffagiste" : `Pièce détachée n° ${i + 1}`,
    quantity: i === 0 ? 2.5 : 1,
    unit: i === 0 ? "h" : null,
    unit_code: i === 0 ? "HUR" : "C62",
    unit_price_cents: i === 0 ? 49382 : 1990,
    vat_rate: i === 0 ? 10 : 20,
    vat_category_code: "S",
    line_ht_cents: i === 0 ? 123456 : 1990,
    line_vat_cents: i === 0 ? 12346 : 398,
  }));
  const ht = lines.reduce((s, l) => s + l.line_ht_cents, 0);
  const vat = lines.reduce((s, l) => s + l.line_vat_cents, 0);
  return {
    id: "c4000000-0000-4000-8000-0000000000a1",
    kind: "invoice",
    title: "Facture",
    number: "FAC-2026-00001",
    status: "issued",
    issue_date: "2026-03-01",
    service_date: "2026-02-27",
    due_date: "2026-03-31",
    issued_at: "2026-03-01T09:15:00.000Z",
    notes: null,
    legal_mentions: {
      seller: {
        name: "Chaleur Express",
        legal_form: "SAS",
        share_capital: "10000.00 EUR",
        address: "12 rue de la Forge, 69003 Lyon",
        country: "FR",
        siren: "443061841",
        siret: "44306184100017",
        vat_number: "FR40443061841",
        rcs: "RCS Lyon 443061841",
      },
      buyer: {
        name: "Copropriété Les Tilleuls",
        address: "10 rue Client, 69007 Lyon",
        country: "FR",
        siren: "552100554",
        vat_number: null,
      },
      payment_terms: "Paiement à 30 jours, échéance le 31/03/2026",
      early_payment_discount: "Pas d'escompte pour paiement anticipé.",
      late_penalty_rate: 10,
      late_penalty: "En cas de retard de paiement, pénalités au taux annuel de 10,00 % exigibles.",
      recovery_indemnity: "Indemnité forfaitaire pour frais de recouvrement : 40 €.",
      credited_invoice: null,
    },
    total_ht_cents: ht,
    total_vat_cents: vat,
    total_ttc_cents: ht + vat,
    pdf_sha256: null,
    e_invoice: {
      type_code: "380",
      currency: "EUR",
      business_process: "S1",
      seller_address: {
        line1: "12 rue de la Forge",
        postal_code: "69003",
        city: "Lyon",
        country: "FR",
      },
      buyer_address: { line1: "10 rue Client", postal_code: "69007", city: "Lyon", country: "FR" },
      delivery_address: null,
      seller_legal_info: "SAS au capital de 10000.00 EUR, RCS Lyon 443061841",
      notes: ["Catégorie de l'opération : prestation de services"],
      preceding_invoice: null,
    },
    lines,
    vat_breakdown: [
      { vat_rate: 10, category_code: "S", base_ht_cents: 123456, vat_cents: 12346 },
      ...(lineCount > 1
        ? [{ vat_rate: 20, category_code: "S", base_ht_cents: ht - 123456, vat_cents: vat - 12346 }]
        : []),
    ],
  };
}

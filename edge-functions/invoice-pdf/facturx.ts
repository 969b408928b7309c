/**
 * Factur-X (EN 16931 profile): the invoice's data as CII XML, embedded as
 * `factur-x.xml` in the PDF, which becomes a PDF/A-3b with the Factur-X XMP
 * extension schema (DocumentType INVOICE, DocumentFileName factur-x.xml,
 * Version 1.0, ConformanceLevel EN 16931).
 *
 * The XML and the PDF/A conversion are @e-invoice-eu/core's: this module only
 * maps the fields public.invoice_pdf_source() returns (README.md, "Invoice
 * PDFs") onto the library's input, one field onto one business term. Every
 * value — identities, category codes, unit codes, the business process type,
 * totals — comes from SQL; nothing is computed here except writing cents as
 * decimal amounts. The VAT-on-debits option travels as a note (BT-22): the
 * library copies BT-8 codes from UBL's list (3, 35, 432) into CII, whose list
 * is 5, 29, 72, so setting BT-8 through it would produce an invalid XML.
 *
 * Reproducible bytes: the library stamps the PDF, its XMP and the attachment
 * with the current time. Conversion therefore runs with the clock pinned to
 * the document's issue time (see `atInstant`), so one invoice always gives
 * the same file and the verify mode keeps working.
 */
import { type Invoice, InvoiceService } from "@e-invoice-eu/core";
import type { InvoicePdfSource, PostalAddress } from "./render.ts";

export const FACTURX_FORMAT = "Factur-X-EN16931";
export const FACTURX_FILENAME = "factur-x.xml";

/** 123456 → "1234.56": amounts in the XML are decimal strings, never floats. */
export function amount(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`amount in cents must be an integer: ${cents}`);
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** 20 → "20", 5.5 → "5.5". */
function percent(rate: number): string {
  return String(Number(rate));
}

type UblAddress = Record<string, unknown>;

function address(a: PostalAddress): UblAddress {
  const out: UblAddress = {};
  if (a.line1) out["cbc:StreetName"] = a.line1;
  if (a.line2) out["cbc:AdditionalStreetName"] = a.line2;
  if (a.city) out["cbc:CityName"] = a.city;
  if (a.postal_code) out["cbc:PostalZone"] = a.postal_code;
  out["cac:Country"] = { "cbc:IdentificationCode": a.country };
  return out;
}

/** The library's input (its "internal format", shaped like UBL) for one document. */
export function facturXInvoice(source: InvoicePdfSource): Invoice {
  const m = source.legal_mentions;
  const e = source.e_invoice;
  const currency = e.currency;

  const party = (
    p: { name: string | null; siren?: string | null; vat_number?: string | null },
    postal: PostalAddress,
    extra: Record<string, unknown> = {},
  ) => {
    const legal: Record<string, unknown> = { "cbc:RegistrationName": p.name ?? "" };
    if (p.siren) {
      // SIREN: the legal registration identifier, ISO 6523 scheme 0002.
      legal["cbc:CompanyID"] = p.siren;
      legal["cbc:CompanyID@schemeID"] = "0002";
    }
    const vat = p.vat_number
      ? { "cbc:CompanyID": p.vat_number, "cac:TaxScheme": { "cbc:ID": "VAT" } }
      : null;
    return { ...extra, "cac:PostalAddress": address(postal), vat, "cac:PartyLegalEntity": legal };
  };
  // The library's schema takes the seller's tax schemes as a list (VAT id and
  // tax registration) and the buyer's VAT id alone.
  const withTaxScheme = (p: ReturnType<typeof party>, asList: boolean) => {
    const { vat, ...rest } = p;
    return vat ? { ...rest, "cac:PartyTaxScheme": asList ? [vat] : vat } : rest;
  };

  // SIRET (BT-29) and the legal form, capital and RCS (BT-33) are given, but
  // @e-invoice-eu/core 2.3.4 does not write these two terms to CII yet; the
  // PDF prints them, and SIREN (BT-30) identifies the seller in the XML.
  const sellerExtra: Record<string, unknown> = {};
  if (m.seller.siret) {
    // SIRET: the seller's establishment, ISO 6523 scheme 0009.
    sellerExtra["cac:PartyIdentification"] = [{
      "cbc:ID": m.seller.siret,
      "cbc:ID@schemeID": "0009",
    }];
  }
  const seller = withTaxScheme(party(m.seller, e.seller_address, sellerExtra), true);
  if (e.seller_legal_info) {
    (seller["cac:PartyLegalEntity"] as Record<string, unknown>)["cbc:CompanyLegalForm"] =
      e.seller_legal_info;
  }

  const delivery: Record<string, unknown> = { "cbc:ActualDeliveryDate": source.service_date };
  if (e.delivery_address) {
    delivery["cac:DeliveryLocation"] = { "cac:Address": address(e.delivery_address) };
  }

  const invoice: Invoice["ubl:Invoice"] = {
    "cbc:CustomizationID": "urn:cen.eu:en16931:2017",
    "cbc:ProfileID": e.business_process,
    "cbc:ID": source.number,
    "cbc:IssueDate": source.issue_date,
    "cbc:DueDate": source.due_date,
    "cbc:InvoiceTypeCode": e.type_code,
    // EN 16931 allows one note per document in the library's (UBL) input: the
    // mentions, in print order, one per line.
    ...(e.notes.length ? { "cbc:Note": [e.notes.join("\n")] } : {}),
    "cbc:DocumentCurrencyCode": currency,
    ...(e.preceding_invoice
      ? {
        "cac:BillingReference": [{
          "cac:InvoiceDocumentReference": {
            "cbc:ID": e.preceding_invoice.number,
            "cbc:IssueDate": e.preceding_invoice.issue_date,
          },
        }],
      }
      : {}),
    "cac:AccountingSupplierParty": { "cac:Party": seller },
    "cac:AccountingCustomerParty": {
      "cac:Party": withTaxScheme(party(m.buyer, e.buyer_address), false),
    },
    "cac:Delivery": delivery,
    ...(m.payment_terms ? { "cac:PaymentTerms": { "cbc:Note": m.payment_terms } } : {}),
    "cac:TaxTotal": [{
      "cbc:TaxAmount": amount(source.total_vat_cents),
      "cbc:TaxAmount@currencyID": currency,
      "cac:TaxSubtotal": source.vat_breakdown.map((r) => ({
        "cbc:TaxableAmount": amount(r.base_ht_cents),
        "cbc:TaxableAmount@currencyID": currency,
        "cbc:TaxAmount": amount(r.vat_cents),
        "cbc:TaxAmount@currencyID": currency,
        "cac:TaxCategory": {
          "cbc:ID": r.category_code,
          "cbc:Percent": percent(r.vat_rate),
          "cac:TaxScheme": { "cbc:ID": "VAT" },
        },
      })),
    }],
    "cac:LegalMonetaryTotal": {
      "cbc:LineExtensionAmount": amount(source.total_ht_cents),
      "cbc:LineExtensionAmount@currencyID": currency,
      "cbc:TaxExclusiveAmount": amount(source.total_ht_cents),
      "cbc:TaxExclusiveAmount@currencyID": currency,
      "cbc:TaxInclusiveAmount": amount(source.total_ttc_cents),
      "cbc:TaxInclusiveAmount@currencyID": currency,
      "cbc:PayableAmount": amount(source.total_ttc_cents),
      "cbc:PayableAmount@currencyID": currency,
    },
    "cac:InvoiceLine": source.lines.map((l) => ({
      "cbc:ID": String(l.position),
      "cbc:InvoicedQuantity": String(l.quantity),
      "cbc:InvoicedQuantity@unitCode": l.unit_code,
      "cbc:LineExtensionAmount": amount(l.line_ht_cents),
      "cbc:LineExtensionAmount@currencyID": currency,
      "cac:Item": {
        "cbc:Name": l.description,
        "cac:ClassifiedTaxCategory": {
          "cbc:ID": l.vat_category_code,
          "cbc:Percent": percent(l.vat_rate),
          "cac:TaxScheme": { "cbc:ID": "VAT" },
        },
      },
      "cac:Price": {
        "cbc:PriceAmount": amount(l.unit_price_cents),
        "cbc:PriceAmount@currencyID": currency,
      },
    })),
  } as unknown as Invoice["ubl:Invoice"];
  return { "ubl:Invoice": invoice } as Invoice;
}

// ---------------------------------------------------------------------------
// A pinned clock for the library's time stamps
// ---------------------------------------------------------------------------

const RealDate = globalThis.Date;
let pinnedQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` with `new Date()` and `Date.now()` answering `instant` (in UTC),
 * then restores the real clock. The library offers no clock option and reads
 * the time in three places (PDF info, XMP, attachment dates); pinning it is
 * what makes the output a function of the invoice alone. Conversions are
 * serialized so two never overlap; the window is the few milliseconds of one
 * conversion, during which nothing else in this function needs the real time.
 */
export function atInstant<T>(instant: Date, work: () => Promise<T>): Promise<T> {
  const fixed = instant.getTime();
  const run = pinnedQueue.then(async () => {
    class PinnedDate extends RealDate {
      constructor(...args: unknown[]) {
        super(...((args.length === 0 ? [fixed] : args) as [number]));
      }
      static override now(): number {
        return fixed;
      }
      // The XMP writes local time with its offset: UTC, whatever TZ the process has.
      override getTimezoneOffset(): number {
        return 0;
      }
    }
    globalThis.Date = PinnedDate as DateConstructor;
    try {
      return await work();
    } finally {
      globalThis.Date = RealDate;
    }
  });
  pinnedQueue = run.catch(() => undefined);
  return run;
}

const invoiceService = new InvoiceService(console);

/**
 * @e-invoice-eu/core 2.3.4 validates the preceding invoice (BG-3) at
 * cac:BillingReference/cac:InvoiceDocumentReference (its schema, as UBL), but
 * its CII mapping reads cac:BillingReference/cbc:ID, so a credit note would
 * lose the reference to the invoice it corrects. After validation, and before
 * the mapping, the invoice number is copied where the mapping reads it. Remove when
 * the library maps it itself (the credit-note test in facturx_test.ts says so).
 */
interface Formatter {
  fillInvoiceDefaults(invoice: Invoice): void;
}
const formatFactory = (invoiceService as unknown as {
  formatFactoryService: { createFormatService(format: string, logger: unknown): Formatter };
}).formatFactoryService;
const createFormatService = formatFactory.createFormatService.bind(formatFactory);
formatFactory.createFormatService = (format, logger) => {
  const formatter = createFormatService(format, logger);
  const fillDefaults = formatter.fillInvoiceDefaults.bind(formatter);
  formatter.fillInvoiceDefaults = (invoice) => {
    fillDefaults(invoice);
    const refs = (invoice["ubl:Invoice"] as Record<string, unknown>)["cac:BillingReference"] as
      | Array<Record<string, unknown>>
      | undefined;
    for (const ref of refs ?? []) {
      const doc = ref["cac:InvoiceDocumentReference"] as Record<string, string> | undefined;
      // The number only: the same mapping writes the date (BT-26, optional)
      // unformatted in the wrong namespace, which the XSD refuses.
      if (doc) ref["cbc:ID"] = doc["cbc:ID"];
    }
  };
  return formatter;
};

/** The Factur-X PDF/A-3 of a document: the rendered PDF with factur-x.xml embedded. */
export async function embedFacturX(source: InvoicePdfSource, pdf: Uint8Array): Promise<Uint8Array> {
  const result = await atInstant(
    new RealDate(source.issued_at),
    () =>
      invoiceService.generate(facturXInvoice(source), {
        format: FACTURX_FORMAT,
        lang: "fr-fr",
        pdf: { buffer: pdf, filename: `${source.number}.pdf`, mimetype: "application/pdf" },
      }),
  );
  if (typeof result === "string") throw new Error("Factur-X conversion returned XML, not a PDF");
  return result instanceof Uint8Array ? result : new Uint8Array(result);
}

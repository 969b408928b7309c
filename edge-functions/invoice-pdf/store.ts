/**
 * The database side of invoice-pdf, through PostgREST (so every refusal keeps
 * the error catalogue's status and code, docs/errors.md):
 *
 *   source   public.invoice_pdf_source   as the CALLER (RLS: 404 when they may not read it, 409 for a draft)
 *   stored   public.invoice_pdfs         as the CALLER (RLS: the same readers as the invoice)
 *   store    public.store_invoice_pdf    as the SERVICE ROLE (stores bytes + hash in one transaction)
 *   verify   public.verify_invoice_pdf   as the CALLER
 *
 * bytea travels as PostgREST writes it: "\x" and hexadecimal digits.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { httpErrorOf, rpc } from "../_shared/supabase.ts";
import type { InvoicePdfSource } from "./render.ts";

export interface StoredPdf {
  sha256: string;
  pdf: Uint8Array;
}

export interface StoreResult {
  invoice_id: string;
  number: string;
  sha256: string;
  size_bytes: number;
  created: boolean;
}

export interface Verdict {
  invoice_id: string;
  number: string;
  recorded_sha256: string | null;
  stored_sha256: string;
  rendered_sha256: string;
  stored_matches_recorded: boolean;
  rendered_matches_recorded: boolean;
  ok: boolean;
}

export interface InvoicePdfStore {
  source(invoiceId: string): Promise<InvoicePdfSource>;
  stored(invoiceId: string): Promise<StoredPdf | null>;
  store(invoiceId: string, pdf: Uint8Array): Promise<StoreResult>;
  verify(invoiceId: string, rendered: Uint8Array): Promise<Verdict>;
}

export function byteaHex(bytes: Uint8Array): string {
  let hex = "\\x";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export function fromByteaHex(text: string): Uint8Array {
  if (!/^\\x([0-9a-f]{2})*$/i.test(text)) throw new Error("bytea is not in hex format");
  const bytes = new Uint8Array((text.length - 2) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
  return bytes;
}

/** `caller` acts for the request's user (RLS); `service` only stores the rendered bytes. */
export function postgrestStore(caller: SupabaseClient, service: SupabaseClient): InvoicePdfStore {
  return {
    source: (invoiceId) =>
      rpc<InvoicePdfSource>(caller, "invoice_pdf_source", { p_invoice_id: invoiceId }),
    async stored(invoiceId) {
      const { data, error, status } = await caller
        .from("invoice_pdfs")
        .select("sha256, pdf")
        .eq("invoice_id", invoiceId)
        .maybeSingle();
      if (error) throw httpErrorOf(error, status);
      if (!data) return null;
      return { sha256: data.sha256 as string, pdf: fromByteaHex(data.pdf as string) };
    },
    store: (invoiceId, pdf) =>
      rpc<StoreResult>(service, "store_invoice_pdf", {
        p_invoice_id: invoiceId,
        p_pdf: byteaHex(pdf),
      }),
    verify: (invoiceId, rendered) =>
      rpc<Verdict>(caller, "verify_invoice_pdf", {
        p_invoice_id: invoiceId,
        p_rendered: byteaHex(rendered),
      }),
  };
}

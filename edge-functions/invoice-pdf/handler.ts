/**
 * invoice-pdf: the PDF of an issued invoice or credit note.
 *
 *   POST {"invoice_id": "<uuid>"}                    200 application/pdf, header x-pdf-sha256
 *   POST {"invoice_id": "<uuid>", "mode": "verify"}  200 JSON verdict (ok, the three hashes)
 *   GET  ?invoice_id=<uuid>                          200 application/pdf (same as POST)
 *
 * The first request renders the document from the database and stores it with
 * its hash (store_invoice_pdf: one transaction); every later request returns
 * the stored bytes unchanged. Verify re-renders from the database and lets SQL
 * compare the hash of the stored file, recomputed, and of the fresh render with
 * the hash recorded on the invoice: a tampered file gives ok = false.
 *
 * Who: whoever may read the invoice, decided by RLS through the caller's own
 * token (the service role reads everything). Refusals: 400 bad body or id,
 * 415 not JSON, 404 not visible, 409 draft (invoice_not_issued), 405 method.
 */
import { z } from "zod";
import { type FunctionHandler, json, methodNotAllowed, readJson } from "../_shared/http.ts";
import { HttpError } from "../_shared/http.ts";
import type { InvoicePdfSource } from "./render.ts";
import type { InvoicePdfStore } from "./store.ts";

export const PDF_SHA256_HEADER = "x-pdf-sha256";

const invoiceId = z.string().uuid("invoice_id must be a UUID");
const bodySchema = z.object({
  invoice_id: invoiceId,
  mode: z.enum(["render", "verify"]).default("render"),
}).strict();

export interface InvoicePdfDeps {
  /** The database, acting for this request's caller. */
  storeFor(req: Request): InvoicePdfStore;
  render(source: InvoicePdfSource): Promise<Uint8Array>;
}

function pdfResponse(number: string, sha256: string, pdf: Uint8Array): Response {
  return new Response(pdf.slice(), {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-length": String(pdf.byteLength),
      "content-disposition": `inline; filename="${number}.pdf"`,
      [PDF_SHA256_HEADER]: sha256,
      // Immutable content, but only for those allowed to read it.
      "cache-control": "private, no-cache",
      "access-control-expose-headers": `${PDF_SHA256_HEADER}, content-disposition, x-request-id`,
    },
  });
}

export function createInvoicePdfHandler(deps: InvoicePdfDeps): FunctionHandler {
  return async (req, ctx) => {
    let request: z.output<typeof bodySchema>;
    if (req.method === "POST") {
      request = await readJson(req, bodySchema);
    } else if (req.method === "GET") {
      const id = invoiceId.safeParse(new URL(req.url).searchParams.get("invoice_id"));
      if (!id.success) {
        throw new HttpError(400, "validation_failed", "Pass ?invoice_id=<uuid>");
      }
      request = { invoice_id: id.data, mode: "render" };
    } else {
      throw methodNotAllowed(req.method, ["GET", "POST"]);
    }

    const store = deps.storeFor(req);
    // Visibility (RLS) and status first: nothing is rendered for a draft or a stranger.
    const source = await store.source(request.invoice_id);

    if (request.mode === "verify") {
      const verdict = await store.verify(request.invoice_id, await deps.render(source));
      if (!verdict.ok) ctx.log.warn("invoice PDF verification failed", { ...verdict });
      return json(verdict);
    }

    const stored = await store.stored(request.invoice_id);
    if (stored) return pdfResponse(source.number, stored.sha256, stored.pdf);

    const started = performance.now();
    const pdf = await deps.render(source);
    const result = await store.store(request.invoice_id, pdf);
    ctx.log.info("invoice PDF stored", {
      invoice_id: request.invoice_id,
      number: result.number,
      size_bytes: result.size_bytes,
      render_ms: Math.round(performance.now() - started),
      created: result.created,
    });
    if (result.created) return pdfResponse(source.number, result.sha256, pdf);
    // A concurrent request stored it first: answer with the stored bytes.
    const winner = await store.stored(request.invoice_id);
    if (!winner) {
      throw new Error(`invoice ${request.invoice_id}: stored PDF not readable after store`);
    }
    return pdfResponse(source.number, winner.sha256, winner.pdf);
  };
}

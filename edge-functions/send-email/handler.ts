/**
 * POST /functions/v1/send-email — drains the email queue once.
 *
 * Called with the service role: by the local delivery dispatcher when the
 * database signals due emails (scripts/stack/deliveries.ts), by pg_cron
 * through pg_net in production, or by hand. Body (optional JSON):
 * `{ "limit": 1..100 }` (default 20).
 *
 * For each claimed row (public.claim_email_deliveries: address, language,
 * critical; suppressed addresses never come out of it):
 *   1. render it in the reader's language (render.ts);
 *   2. non-critical emails to members get an unsubscribe link with a fresh
 *      token (List-Unsubscribe + List-Unsubscribe-Post: one click, RFC 8058);
 *   3. an invoice gets its PDF from the invoice-pdf function;
 *   4. send, the notification id as idempotency key;
 *   5. an invoice is marked sent with the PDF's SHA-256 (mark_invoice_sent),
 *      then the row (mark_notification_sent).
 * Any failure reports the row failed (mark_notification_failed: retried
 * with backoff, failed for good after 5 attempts; at once when the provider
 * refused the email itself; when the provider said, after a rate limit);
 * the next attempt starts over from 1 with the same idempotency key and the
 * same bytes (the unsubscribe token is derived from the notification), so a
 * step that already succeeded is not repeated by the provider and the SQL
 * steps are no-ops.
 */
import type { Sql } from "../_shared/db.ts";
import {
  type FunctionHandler,
  HttpError,
  json,
  methodNotAllowed,
  readJson,
} from "../_shared/http.ts";
import { isServiceRole } from "../_shared/auth.ts";
import { z } from "zod";
import { renderEmail } from "./render.ts";
import { type Attachment, type MailTransport, ProviderError } from "./transport.ts";

export interface ClaimedEmail {
  id: string;
  type: string;
  title: string;
  body: string | null;
  to_email: string;
  language: string;
  critical: boolean;
  user_id: string | null;
  client_id: string | null;
  params: Record<string, unknown>;
}

export interface InvoicePdf {
  bytes: Uint8Array;
  sha256: string;
}

export interface SendEmailDeps {
  sql: () => Sql;
  transport: MailTransport;
  from: string;
  /** The unsubscribe function's URL; the token goes in its query string. */
  unsubscribeUrl: string;
  fetchInvoicePdf: (invoiceId: string) => Promise<InvoicePdf>;
}

const Body = z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The invoice PDF from the invoice-pdf function (service role):
 * 200 application/pdf with `x-pdf-sha256`, checked against the bytes.
 */
export function invoicePdfFetcher(supabaseUrl: string, serviceRoleKey: string) {
  return async (invoiceId: string): Promise<InvoicePdf> => {
    const res = await fetch(`${supabaseUrl.replace(/\/$/, "")}/functions/v1/invoice-pdf`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${serviceRoleKey}`,
        apikey: serviceRoleKey,
        "content-type": "application/json",
      },
      body: JSON.stringify({ invoice_id: invoiceId }),
    });
    if (
      res.status !== 200 || !(res.headers.get("content-type") ?? "").startsWith("application/pdf")
    ) {
      const detail = (await res.text()).slice(0, 200);
      throw new Error(`invoice-pdf answered ${res.status}: ${detail}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    const sha256 = await sha256Hex(bytes);
    const announced = (res.headers.get("x-pdf-sha256") ?? "").toLowerCase();
    if (announced !== sha256) {
      throw new Error(
        `invoice-pdf: x-pdf-sha256 ${announced || "(missing)"} does not match the PDF (${sha256})`,
      );
    }
    return { bytes, sha256 };
  };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

export function createSendEmailHandler(deps: SendEmailDeps): FunctionHandler {
  return async (req, { log }) => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST", "OPTIONS"]);
    if (!isServiceRole(req)) {
      throw new HttpError(403, "forbidden", "send-email is called with the service role key");
    }
    // No body: the defaults. A body must be JSON (415 otherwise) and valid (400).
    const hasBody = req.body !== null && req.headers.get("content-length") !== "0";
    const { limit } = hasBody ? await readJson(req, Body) : Body.parse({});

    const sql = deps.sql();
    const claimed = await sql<ClaimedEmail[]>`
      select id, type, title, body, to_email, language, critical, user_id, client_id, params
      from public.claim_email_deliveries(${limit})`;

    let sent = 0;
    const failed: Array<{ id: string; error: string }> = [];
    for (const row of claimed) {
      try {
        let unsubscribeUrl: string | undefined;
        if (!row.critical && row.user_id) {
          const [{ token }] = await sql<[{ token: string }]>`
            select private.issue_unsubscribe_token(${row.user_id}, ${row.id}) as token`;
          unsubscribeUrl = `${deps.unsubscribeUrl}?token=${token}`;
        }
        const email = renderEmail({
          type: row.type,
          title: row.title,
          body: row.body,
          language: row.language,
          unsubscribeUrl,
        });

        const attachments: Attachment[] = [];
        let invoice: { id: string; sha256: string } | undefined;
        if (row.type === "invoice_sent" || row.type === "credit_note_sent") {
          const invoiceId = String(row.params.invoice_id ?? "");
          if (!UUID.test(invoiceId)) {
            throw new Error(`${row.type} row without an invoice_id param`);
          }
          const pdf = await deps.fetchInvoicePdf(invoiceId);
          const number = String(row.params.number ?? invoiceId).replace(/[^A-Za-z0-9._-]/g, "_");
          attachments.push({
            filename: `${number}.pdf`,
            content: pdf.bytes,
            contentType: "application/pdf",
          });
          invoice = { id: invoiceId, sha256: pdf.sha256 };
        }

        const headers: Record<string, string> = unsubscribeUrl
          ? {
            "List-Unsubscribe": `<${unsubscribeUrl}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          }
          : {};
        const { providerId } = await deps.transport.send({
          id: row.id,
          from: deps.from,
          to: row.to_email,
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers,
          attachments,
        });
        if (invoice) await sql`select public.mark_invoice_sent(${invoice.id}, ${invoice.sha256})`;
        await sql`select public.mark_notification_sent(${row.id})`;
        sent += 1;
        log.info("email sent", {
          notification_id: row.id,
          type: row.type,
          transport: deps.transport.name,
          provider_id: providerId,
        });
      } catch (error) {
        const message = messageOf(error);
        // The provider says whether trying again can help (ProviderError); anything else
        // (our PDF function down, the database) is retried with the usual backoff.
        const { permanent, retryAfterSeconds } = error instanceof ProviderError
          ? error.outcome
          : { permanent: false, retryAfterSeconds: null };
        await sql`select public.mark_notification_failed(${row.id}, ${message}, ${permanent}, ${retryAfterSeconds})`;
        failed.push({ id: row.id, error: message });
        log.warn("email not sent", { notification_id: row.id, type: row.type, error: message });
      }
    }
    return json({ claimed: claimed.length, sent, failed });
  };
}

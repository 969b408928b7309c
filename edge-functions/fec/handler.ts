/**
 * fec: download the FEC (fichier des écritures comptables) of a fiscal year.
 *
 *   GET ?org_id=<uuid>&year_end=YYYY-MM-DD            200 text/plain, attachment <SIREN>FEC<AAAAMMJJ>.txt
 *   POST {"org_id": "<uuid>", "year_end": "YYYY-MM-DD"} same
 *
 * The file is written by SQL (fec_file_name, export_fec's lines) and streamed:
 * the body is sent batch by batch as the store reads it (store.ts), with the
 * same bytes export_fec_text would give (CRLF after every line). The response
 * also carries the invoice log's head of the same snapshot
 * (x-invoice-log-head: <seq>:<sha256>), to be kept with the file:
 * verify_invoice_log() checks the log against it later.
 *
 * Every refusal comes before the first byte, as a JSON error with the
 * catalogue's status. A failure after it (the connection lost mid-file) aborts
 * the body: the caller's download fails instead of ending short.
 *
 * Who: the organization's owner, admin or accountant, decided by SQL on the
 * caller's own token. Refusals: 400 bad parameters or not a fiscal year end,
 * 403 another role, 404 not a member, 409 no SIREN, 405 method, 415 not JSON.
 */
import { z } from "zod";
import { type FunctionHandler, HttpError, methodNotAllowed, readJson } from "../_shared/http.ts";

export const LOG_HEAD_HEADER = "x-invoice-log-head";

const requestSchema = z.object({
  org_id: z.string().uuid("org_id must be a UUID"),
  year_end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "year_end must be a date YYYY-MM-DD")
    .refine(
      (v) =>
        !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) &&
        new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
      "year_end must be a real calendar date",
    ),
}).strict();
export type FecRequest = z.output<typeof requestSchema>;

export interface FecFile {
  fileName: string;
  /** The file's bytes, produced as they are read. */
  body: ReadableStream<Uint8Array>;
  logHead: { seq: number; head: string | null };
}

export interface FecStore {
  /**
   * The file, read with the rights of this request's caller. Rejects (with an
   * HttpError for a refusal) before any byte of the body exists.
   */
  exportFec(req: Request, request: FecRequest, requestId: string): Promise<FecFile>;
}

export function createFecHandler(store: FecStore): FunctionHandler {
  return async (req, ctx) => {
    let request: FecRequest;
    if (req.method === "POST") {
      request = await readJson(req, requestSchema);
    } else if (req.method === "GET") {
      const params = new URL(req.url).searchParams;
      const parsed = requestSchema.safeParse({
        org_id: params.get("org_id") ?? undefined,
        year_end: params.get("year_end") ?? undefined,
      });
      if (!parsed.success) {
        throw new HttpError(
          400,
          "invalid_parameter",
          parsed.error.issues.map((i) => i.message).join("; "),
        );
      }
      request = parsed.data;
    } else {
      throw methodNotAllowed(req.method, ["GET", "POST"]);
    }

    const file = await store.exportFec(req, request, ctx.requestId);
    return new Response(file.body, {
      status: 200,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="${file.fileName}"`,
        [LOG_HEAD_HEADER]: `${file.logHead.seq}:${file.logHead.head ?? ""}`,
        "cache-control": "private, no-store",
        "access-control-expose-headers": `${LOG_HEAD_HEADER}, content-disposition, x-request-id`,
      },
    });
  };
}

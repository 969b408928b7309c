/**
 * The SQL behind the fec function, on the function's own database connection
 * acting as the caller (actAsCaller: the role and claims PostgREST would set),
 * so the file is streamed: the lines of export_fec() are read through a
 * cursor, BATCH at a time, and each batch is written to the response before
 * the next is read. The file is never whole in the function's memory.
 *
 * One read-only REPEATABLE READ transaction holds the file name, the invoice
 * log head and every line: the head sent with the file is the one of the very
 * snapshot the lines come from. It lasts as long as the download: committed
 * after the last line, rolled back if the caller goes away, stops reading for
 * STALLED_READER_SECONDS, or a read fails.
 *
 * The transaction is bounded in the database too. The function connects as
 * its own database user, whose statement timeout is not the caller's: setting
 * the role, as actAsCaller does, does not bring the role's statement_timeout
 * along (PostgreSQL applies role settings at login). So the transaction sets
 * its own: every statement (each FETCH; the first one computes export_fec,
 * a set-returning PL/pgSQL function that produces its rows before the cursor
 * returns any) is cancelled after STATEMENT_TIMEOUT_SECONDS, and the download
 * fails. Idle time between reads is bounded by the stall timer below.
 */
import { actAsCaller, httpErrorOfPostgres, type Sql } from "../_shared/db.ts";
import { bearerClaims } from "../_shared/auth.ts";
import type { FecFile, FecRequest, FecStore } from "./handler.ts";

/** Lines per cursor read: about 1.5 MB of text for a FEC line of ~150 bytes. */
export const BATCH = 10_000;

/**
 * How long the transaction may wait for a caller who stopped reading without
 * going away: then it is rolled back, the connection goes back to the pool,
 * and the download fails.
 */
export const STALLED_READER_SECONDS = 60;

/**
 * The longest one statement of the download may run. The first FETCH runs the
 * whole of export_fec: a year of 200,000 invoices is about 1.1 million lines,
 * and 960,000 lines streamed in 161 s on a busy 2-core machine (README.md,
 * "Accounting"); ten minutes leaves room for that, and still ends a runaway
 * read, which without it would run as long as the function's connection lives.
 */
export const STATEMENT_TIMEOUT_SECONDS = 600;

export interface FecStoreOptions {
  batch?: number;
  stalledReaderSeconds?: number;
  /** The transaction's statement_timeout, in milliseconds (default STATEMENT_TIMEOUT_SECONDS). */
  statementTimeoutMs?: number;
  /**
   * Runs before the connection acts as the caller, and throws (an HttpError) to refuse: the
   * function checks the token's signature there (index.ts), since actAsCaller trusts its claims.
   */
  authorize?: (req: Request, request: FecRequest) => Promise<void>;
}

const encoder = new TextEncoder();

/** The batch as bytes of the file: each line ends with CRLF, as export_fec_text joins them. */
const encodeLines = (rows: { line: string }[]): Uint8Array =>
  encoder.encode(rows.map((r) => r.line).join("\r\n") + "\r\n");

export function sqlFecStore(sql: () => Sql, options: FecStoreOptions = {}): FecStore {
  const batch = options.batch ?? BATCH;
  const stalledReaderSeconds = options.stalledReaderSeconds ?? STALLED_READER_SECONDS;
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_SECONDS * 1000;
  return {
    async exportFec(req: Request, request: FecRequest, requestId: string): Promise<FecFile> {
      await options.authorize?.(req, request);
      const conn = await sql().reserve();
      let open = true;
      // The read in progress: cancelled if the caller goes away meanwhile.
      let reading: { cancel(): unknown } | null = null;
      const callerGone = () => {
        reading?.cancel();
        void finish("rollback").catch(() => {});
      };
      // Ends the transaction and gives the connection back, once.
      const finish = async (command: "commit" | "rollback") => {
        if (!open) return;
        open = false;
        req.signal.removeEventListener("abort", callerGone);
        try {
          await conn.unsafe(command);
        } finally {
          conn.release();
        }
      };
      // A caller who goes away (the request's signal) ends the download at
      // once, even while a read is running: the first FETCH computes the whole
      // of export_fec, and without this would keep the transaction until it
      // ends (up to the statement timeout) although nobody will read it.
      req.signal.addEventListener("abort", callerGone, { once: true });

      // One batch of lines; an empty batch is the end of the file.
      const fetchBatch = async () => {
        const query = conn.unsafe<{ line: string }[]>(`fetch ${batch} from fec_lines`);
        reading = query;
        try {
          return await query;
        } finally {
          reading = null;
        }
      };
      let first: { line: string }[];
      let fileName: string;
      let logHead: FecFile["logHead"];
      try {
        await conn`begin isolation level repeatable read read only`;
        // Local to the transaction: the pooled connection keeps its own settings.
        await conn`select pg_catalog.set_config('statement_timeout', ${String(statementTimeoutMs)}, true)`;
        await actAsCaller(conn, bearerClaims(req), req.method, requestId);
        // The name first: it runs the role and parameter checks before any line is read.
        const [named] = await conn<{ name: string }[]>`
          select public.fec_file_name(${request.org_id}::uuid, ${request.year_end}::date) as name`;
        fileName = named!.name;
        const [head] = await conn<{ seq: number; head: string | null }[]>`
          select seq::integer as seq, head from public.invoice_log_head(${request.org_id}::uuid)`;
        logHead = { seq: head?.seq ?? 0, head: head?.head ?? null };
        // A cursor of SQL's own (DECLARE … FETCH): each batch is one complete
        // statement, and nothing is pending on the connection between two.
        await conn`declare fec_lines no scroll cursor for
          select line from public.export_fec(${request.org_id}::uuid, ${request.year_end}::date) as line`;
        // The first batch is read before answering: a refusal of export_fec
        // itself is still a JSON error with its status, not a broken download.
        first = await fetchBatch();
      } catch (error) {
        await finish("rollback").catch(() => {});
        throw httpErrorOfPostgres(error) ?? error;
      }

      let pending: { line: string }[] | null = first;
      // A caller who stops reading without going away would keep the
      // transaction (and its snapshot, which holds back vacuum) and a pooled
      // connection: past stalledReaderSeconds without a read, the download is
      // abandoned. (Postgres's idle_in_transaction_session_timeout would end
      // the session under the driver instead: postgres.js 3.4 then throws an
      // uncaught error on the reserved connection's next write.)
      let stallTimer: ReturnType<typeof setTimeout> | undefined;
      const watchForStall = (controller: ReadableStreamDefaultController<Uint8Array>) => {
        stallTimer = setTimeout(() => {
          void finish("rollback").catch(() => {});
          controller.error(new Error(`The caller read nothing for ${stalledReaderSeconds} s: FEC download abandoned`));
        }, stalledReaderSeconds * 1000);
      };
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          watchForStall(controller);
        },
        // Called when the caller is ready for more: one batch per call, so a
        // slow reader holds at most one batch in memory (back-pressure).
        async pull(controller) {
          clearTimeout(stallTimer);
          if (!open) return; // abandoned: the stream is errored already
          try {
            const rows = pending ?? await fetchBatch();
            pending = null;
            if (rows.length === 0) {
              await finish("commit");
              controller.close();
            } else {
              controller.enqueue(encodeLines(rows));
              watchForStall(controller);
            }
          } catch (error) {
            // Mid-file: the status is sent already. Aborting the body makes the
            // download fail on the caller's side instead of ending short.
            await finish("rollback").catch(() => {});
            controller.error(error);
          }
        },
        async cancel() {
          clearTimeout(stallTimer);
          await finish("rollback").catch(() => {});
        },
      }, { highWaterMark: 0 });
      return { fileName, logHead, body };
    },
  };
}

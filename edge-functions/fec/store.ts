/**
 * The SQL behind the fec function, on a database connection of the download's
 * own (see below) acting as the caller (actAsCaller: the role and claims
 * PostgREST would set), so the file is streamed: the lines of export_fec() are read through a
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
 * fails. Idle time between reads is bounded twice: by the function (the stall
 * timer below rolls back after STALLED_READER_SECONDS without a read), and by
 * the server (idle_in_transaction_session_timeout, IDLE_IN_TRANSACTION_SECONDS,
 * local to the transaction) for when the function cannot: an isolate
 * suspended or stuck with the transaction open. The server then ends the
 * session. That is why the connection is the download's own (ownConnection)
 * and not one reserved from the function's pool, which postgres.js does not
 * survive losing (_shared/db.ts): a session ended by the server, whatever the
 * cause, ends this download only, with a clear error (503 before the first
 * byte; after it, the body fails with the reason), and the function goes on
 * serving.
 */
import { actAsCaller, httpErrorOfPostgres, type Sql } from "../_shared/db.ts";
import { bearerClaims } from "../_shared/auth.ts";
import { HttpError } from "../_shared/http.ts";
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

/**
 * The server's own limit on the transaction staying idle between two reads:
 * twice the function's stall timer, so that normally the function rolls back
 * first (and keeps its connection usable), and the server only steps in when
 * the function did not.
 */
export const IDLE_IN_TRANSACTION_SECONDS = 2 * STALLED_READER_SECONDS;

/**
 * The download's connection: a client of one connection that calls onclose
 * when the server ends its session (ownConnection in production).
 */
export type ConnectFec = (onclose: () => void) => Sql;

export interface FecStoreOptions {
  batch?: number;
  stalledReaderSeconds?: number;
  /** The transaction's statement_timeout, in milliseconds (default STATEMENT_TIMEOUT_SECONDS). */
  statementTimeoutMs?: number;
  /** The transaction's idle_in_transaction_session_timeout, in milliseconds (default IDLE_IN_TRANSACTION_SECONDS). */
  idleInTransactionTimeoutMs?: number;
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

/** What the reader of a download gets when the server ended its session. */
const sessionEnded = (idleMs: number) =>
  new Error(
    `The database ended the FEC download's session (idle in its transaction for ${
      idleMs / 1000
    } s, ` +
      "or the server restarted or ended it): download the file again",
  );

export function sqlFecStore(connect: ConnectFec, options: FecStoreOptions = {}): FecStore {
  const batch = options.batch ?? BATCH;
  const stalledReaderSeconds = options.stalledReaderSeconds ?? STALLED_READER_SECONDS;
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_SECONDS * 1000;
  const idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ??
    IDLE_IN_TRANSACTION_SECONDS * 1000;
  return {
    async exportFec(req: Request, request: FecRequest, requestId: string): Promise<FecFile> {
      await options.authorize?.(req, request);
      let open = true;
      // Set when the server ends the session while the download is open (not
      // when finish ends the client): the client is ended then, and nothing
      // more is sent (the server rolled the transaction back).
      let serverClosed = false;
      const conn = connect(() => {
        if (open) serverClosed = true;
      });
      // The read in progress: cancelled if the caller goes away meanwhile.
      let reading: { cancel(): unknown } | null = null;
      const callerGone = () => {
        reading?.cancel();
        void finish("rollback").catch(() => {});
      };
      // Ends the transaction and closes the connection, once.
      const finish = async (command: "commit" | "rollback") => {
        if (!open) return;
        open = false;
        req.signal.removeEventListener("abort", callerGone);
        try {
          if (!serverClosed) await conn.unsafe(command);
        } finally {
          await conn.end({ timeout: 5 });
        }
      };
      // A read that failed because the server ended the session says so.
      const readError = (
        error: unknown,
      ) => (serverClosed ? sessionEnded(idleInTransactionTimeoutMs) : error);
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
        // Local to the transaction, like everything it sets.
        await conn`select pg_catalog.set_config('statement_timeout', ${
          String(statementTimeoutMs)
        }, true),
                          pg_catalog.set_config('idle_in_transaction_session_timeout', ${
          String(idleInTransactionTimeoutMs)
        }, true)`;
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
        // The session ended under the export (a restart, a DBA's
        // pg_terminate_backend): nothing is wrong with the request, try again.
        if (serverClosed) {
          throw new HttpError(
            503,
            "database_unavailable",
            "The database ended the session of the FEC export: try again",
          );
        }
        throw httpErrorOfPostgres(error) ?? error;
      }

      let pending: { line: string }[] | null = first;
      // A caller who stops reading without going away would keep the
      // transaction (and its snapshot, which holds back vacuum) and a
      // connection: past stalledReaderSeconds without a read, the download is
      // abandoned, and the transaction rolled back by the function (the
      // server's idle limit, longer, is for when this timer cannot run).
      let stallTimer: ReturnType<typeof setTimeout> | undefined;
      const watchForStall = (controller: ReadableStreamDefaultController<Uint8Array>) => {
        stallTimer = setTimeout(() => {
          void finish("rollback").catch(() => {});
          controller.error(
            new Error(
              `The caller read nothing for ${stalledReaderSeconds} s: FEC download abandoned`,
            ),
          );
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
            controller.error(readError(error));
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

/**
 * The fec store against a real database (the demo data of `db reset`): set
 * TERRAIN_TEST_DB_URL to run these (the stack's test profile does).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { closeDb, db, ownConnection } from "../_shared/db.ts";
import { createHandler, HttpError } from "../_shared/http.ts";
import { createFecHandler } from "./handler.ts";
import { sqlFecStore } from "./store.ts";

const realDbUrl = Deno.env.get("TERRAIN_TEST_DB_URL");
const DEMO_ORG = "a0000000-0000-4000-8000-0000000000a0";
const ACCOUNTANT = "a0000000-0000-4000-8000-000000000005";
const TECHNICIAN = "a0000000-0000-4000-8000-000000000003";

/** A request with a bearer token whose payload carries these claims (the gateway verified the signature). */
function requestAs(claims: Record<string, unknown>): Request {
  const b64 = (v: unknown) =>
    btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return new Request("http://localhost/fec", {
    headers: {
      authorization: `Bearer ${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.signature`,
    },
  });
}
const accountant = () => requestAs({ sub: ACCOUNTANT, role: "authenticated" });

async function demoYearEnd(): Promise<string> {
  const [row] = await testDb()<{ y: number }[]>`
    select min(fiscal_year) as y from public.ledger_entries where org_id = ${DEMO_ORG} and journal_code = 'VT'`;
  return `${row!.y}-12-31`;
}

/** The store's connections, named so that the stack's functions (same database) are not counted with them. */
const APP = "terrain-fec-store-test";
const testDb = () => db({ url: realDbUrl, applicationName: APP });
const connect = (onclose: () => void) =>
  ownConnection({ url: realDbUrl, applicationName: APP, onclose });

/** Transactions of the store's pool left open (a download neither finished nor rolled back), as "state: query". */
async function openTransactions(): Promise<string[]> {
  const rows = await testDb()<{ what: string }[]>`
    select state || ': ' || query as what from pg_catalog.pg_stat_activity
    where application_name = ${APP} and xact_start is not null and pid <> pg_catalog.pg_backend_pid()`;
  return rows.map((r) => r.what);
}

function realDbTest(name: string, fn: () => Promise<void>) {
  Deno.test({
    name: `real database: ${name}`,
    ignore: !realDbUrl,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      try {
        await fn();
      } finally {
        await closeDb();
      }
    },
  });
}

realDbTest(
  "the streamed file is export_fec_text's bytes, in several batches, with the SQL's name and log head",
  async () => {
    const yearEnd = await demoYearEnd();
    const sql = testDb();
    const [expected] = await sql<
      { name: string; content: string; seq: number; head: string | null }[]
    >`
    select public.fec_file_name(${DEMO_ORG}, ${yearEnd}) as name,
           public.export_fec_text(${DEMO_ORG}, ${yearEnd}) as content,
           h.seq::integer as seq, h.head
    from public.invoice_log_head(${DEMO_ORG}) h`;
    const lines = expected!.content.split("\r\n").length - 1;
    assert.ok(lines > 7, `the demo year has ${lines} lines: enough for several batches of 3`);

    const file = await sqlFecStore(connect, { batch: 3 }).exportFec(accountant(), {
      org_id: DEMO_ORG,
      year_end: yearEnd,
    }, "store-test");
    assert.equal(file.fileName, expected!.name);
    assert.deepEqual(file.logHead, { seq: expected!.seq, head: expected!.head });
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of file.body) {
      chunks++;
      text += decoder.decode(chunk, { stream: true });
    }
    assert.equal(text, expected!.content);
    assert.equal(chunks, Math.ceil(lines / 3));
    assert.deepEqual(await openTransactions(), [], "the transaction ended with the file");
  },
);

realDbTest(
  "refusals come before any byte, with the catalogue's status and code, and leave no transaction open",
  async () => {
    const yearEnd = await demoYearEnd();
    const store = sqlFecStore(connect);
    const refusal = async (req: Request, yearEndAsked: string) => {
      try {
        await store.exportFec(req, { org_id: DEMO_ORG, year_end: yearEndAsked }, "store-test");
      } catch (error) {
        assert.ok(error instanceof HttpError, String(error));
        return { status: error.status, code: error.code, message: error.message };
      }
      assert.fail("the export was not refused");
    };
    assert.deepEqual(
      await refusal(requestAs({ sub: TECHNICIAN, role: "authenticated" }), yearEnd),
      {
        status: 403,
        code: "forbidden_role",
        message: "Permission denied: export_fec requires one of the roles owner, admin, accountant",
      },
    );
    assert.deepEqual(await refusal(accountant(), yearEnd.replace("-12-31", "-06-30")), {
      status: 400,
      code: "invalid_parameter",
      message: `Fiscal years end on 31 December: ${
        yearEnd.replace("-12-31", "-06-30")
      } is not a fiscal year end`,
    });
    assert.deepEqual(await refusal(requestAs({ role: "postgres" }), yearEnd), {
      status: 401,
      code: "unauthorized",
      message: "A valid bearer token is required",
    });
    assert.deepEqual(await openTransactions(), []);
  },
);

realDbTest("a caller who stops reading ends the transaction", async () => {
  const yearEnd = await demoYearEnd();
  const file = await sqlFecStore(connect, { batch: 2 })
    .exportFec(accountant(), { org_id: DEMO_ORG, year_end: yearEnd }, "store-test");
  const reader = file.body.getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  assert.match(new TextDecoder().decode(first.value), /^JournalCode\tJournalLib\t/);
  await reader.cancel();
  assert.deepEqual(await openTransactions(), []);
});

realDbTest(
  "a caller who stalls without going away loses the download, and nothing stays open",
  async () => {
    const yearEnd = await demoYearEnd();
    const file = await sqlFecStore(connect, { batch: 2, stalledReaderSeconds: 1 })
      .exportFec(accountant(), { org_id: DEMO_ORG, year_end: yearEnd }, "store-test");
    const reader = file.body.getReader();
    assert.equal((await reader.read()).done, false);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await assert.rejects(reader.read());
    assert.deepEqual(await openTransactions(), []);
  },
);

/**
 * Runs fn while another session holds the ledger's lines: export_fec, run by
 * the download's first FETCH, waits on the lock, as a read that never ends
 * would. The lock is released after fn, whatever it did.
 */
async function whileLedgerLocked(fn: () => Promise<void>): Promise<void> {
  const holder = postgres(realDbUrl!, {
    max: 1,
    prepare: false,
    onnotice: () => {},
    connection: { application_name: "terrain-fec-lock-holder" },
  });
  try {
    const locked = await holder.reserve();
    await locked`begin`;
    await locked`lock table public.ledger_lines in access exclusive mode`;
    try {
      await fn();
    } finally {
      await locked`rollback`;
      locked.release();
    }
  } finally {
    await holder.end({ timeout: 5 });
  }
}

realDbTest(
  "a read held up past the transaction's statement timeout is cancelled, and the transaction ends",
  async () => {
    const yearEnd = await demoYearEnd();
    await whileLedgerLocked(async () => {
      const started = Date.now();
      await assert.rejects(
        sqlFecStore(connect, { statementTimeoutMs: 500 }).exportFec(accountant(), {
          org_id: DEMO_ORG,
          year_end: yearEnd,
        }, "store-test"),
        (error: { code?: string }) => error.code === "57014", // query_canceled: statement timeout
      );
      assert.ok(
        Date.now() - started < 30_000,
        "cancelled by the statement timeout, not after the lock was released",
      );
      assert.deepEqual(
        await openTransactions(),
        [],
        "the cancelled download left no transaction open, the lock still held",
      );
    });
  },
);

realDbTest(
  "a caller who goes away while the first read is still running gets it cancelled, and the transaction ends",
  async () => {
    const yearEnd = await demoYearEnd();
    await whileLedgerLocked(async () => {
      const caller = new AbortController();
      const req = new Request(accountant(), { signal: caller.signal });
      const download = sqlFecStore(connect).exportFec(
        req,
        { org_id: DEMO_ORG, year_end: yearEnd },
        "store-test",
      );
      const outcome = download.then(
        () => "answered",
        (error: { code?: string }) => `refused ${error.code ?? error}`,
      );
      // The first FETCH is waiting on the lock when the caller goes away.
      for (
        let i = 0;
        i < 50 && (await openTransactions()).every((q) => !q.includes("fetch"));
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(
        (await openTransactions()).some((q) => q.includes("fetch")),
        "the first read is running",
      );
      caller.abort();
      assert.equal(await outcome, "refused 57014", "the running read was cancelled");
      assert.deepEqual(
        await openTransactions(),
        [],
        "nothing stays open while the lock is still held",
      );
    });
  },
);

/** Waits, a poll at a time, until cond holds (at most about 30 s: a loaded machine, never a fixed sleep). */
async function eventually(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await cond()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`never happened: ${what}`);
}

realDbTest(
  "the database ends a download left idle in its transaction: the reader gets a clear error, the function keeps serving",
  async () => {
    const yearEnd = await demoYearEnd();
    const [expected] = await testDb()<
      { content: string }[]
    >`select public.export_fec_text(${DEMO_ORG}, ${yearEnd}) as content`;
    // The function's own stall timer far away: the server's idle limit (0.5 s) is the one that acts.
    const handler = createHandler(
      "fec",
      createFecHandler(
        sqlFecStore(connect, {
          batch: 2,
          stalledReaderSeconds: 600,
          idleInTransactionTimeoutMs: 500,
        }),
      ),
    );
    const download = () =>
      handler(
        new Request(`http://localhost/fec?org_id=${DEMO_ORG}&year_end=${yearEnd}`, {
          headers: accountant().headers,
        }),
      );

    const res = await download();
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    assert.equal((await reader.read()).done, false);
    // Nothing read: past 0.5 s idle in the transaction, Postgres ends the session.
    await eventually(
      "the server ended the idle transaction",
      async () => (await openTransactions()).length === 0,
    );
    await assert.rejects(
      reader.read(),
      /The database ended the FEC download's session \(idle in its transaction for 0.5 s/,
    );

    // The function survived it, and the next download is whole.
    const again = await download();
    assert.equal(again.status, 200);
    assert.equal(await again.text(), expected!.content);
    assert.deepEqual(await openTransactions(), []);
  },
);

realDbTest(
  "a session ended under the export before the first byte: 503, nothing left open, and the next download works",
  async () => {
    const yearEnd = await demoYearEnd();
    const store = sqlFecStore(connect);
    await whileLedgerLocked(async () => {
      const outcome = store.exportFec(
        accountant(),
        { org_id: DEMO_ORG, year_end: yearEnd },
        "store-test",
      ).then(
        () => "answered",
        (
          error,
        ) => (error instanceof HttpError
          ? `${error.status} ${error.code}: ${error.message}`
          : `not an HttpError: ${error}`),
      );
      // The first FETCH waits on the lock when a DBA (or a restart) ends its session.
      await eventually(
        "the first read is running",
        async () => (await openTransactions()).some((q) => q.includes("fetch")),
      );
      await testDb()`select pg_catalog.pg_terminate_backend(a.pid) from pg_catalog.pg_stat_activity a
                   where a.application_name = ${APP} and a.query like 'fetch%' and a.pid <> pg_catalog.pg_backend_pid()`;
      assert.equal(
        await outcome,
        "503 database_unavailable: The database ended the session of the FEC export: try again",
      );
      assert.deepEqual(
        await openTransactions(),
        [],
        "nothing stays open while the lock is still held",
      );
    });
    const file = await store.exportFec(
      accountant(),
      { org_id: DEMO_ORG, year_end: yearEnd },
      "store-test",
    );
    assert.match(await new Response(file.body).text(), /^JournalCode\t/);
  },
);

import assert from "node:assert/strict";
import { createHandler, HttpError } from "../_shared/http.ts";
import { createFecHandler, type FecFile, type FecRequest, LOG_HEAD_HEADER } from "./handler.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0";
const HEAD = "a".repeat(64);

function handlerWith(exportFec: (request: FecRequest) => Promise<FecFile>) {
  const seen: FecRequest[] = [];
  const requestIds: string[] = [];
  const handler = createHandler(
    "fec",
    createFecHandler({
      exportFec: (_req, request, requestId) => {
        seen.push(request);
        requestIds.push(requestId);
        return exportFec(request);
      },
    }),
  );
  return { handler, seen, requestIds };
}

/** A body given chunk by chunk, as the store produces it; an Error chunk makes the stream fail there. */
function streamOf(chunks: (string | Error)[]): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else if (next instanceof Error) controller.error(next);
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
}
const ok = () =>
  Promise.resolve({
    fileName: "732829320FEC20261231.txt",
    body: streamOf(["JournalCode\tJournalLib\r\n", "VT\tVentes\r\n"]),
    logHead: { seq: 23, head: HEAD },
  });

Deno.test("GET returns the file as an attachment with the invoice log head", async () => {
  const { handler, seen } = handlerWith(ok);
  const res = await handler(new Request(`http://localhost/fec?org_id=${ORG}&year_end=2026-12-31`));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(
    res.headers.get("content-disposition"),
    'attachment; filename="732829320FEC20261231.txt"',
  );
  assert.equal(res.headers.get(LOG_HEAD_HEADER), `23:${HEAD}`);
  assert.equal(await res.text(), "JournalCode\tJournalLib\r\nVT\tVentes\r\n");
  assert.deepEqual(seen, [{ org_id: ORG, year_end: "2026-12-31" }]);
});

Deno.test("the store gets the request id the response carries (the audit trail's x-request-id)", async () => {
  const { handler, requestIds } = handlerWith(ok);
  const res = await handler(
    new Request(`http://localhost/fec?org_id=${ORG}&year_end=2026-12-31`, {
      headers: { "x-request-id": "fec-req-1" },
    }),
  );
  await res.body?.cancel();
  assert.deepEqual(requestIds, ["fec-req-1"]);
  assert.equal(res.headers.get("x-request-id"), "fec-req-1");
});

Deno.test("a failure after the first byte aborts the download: the caller never gets a short file as complete", async () => {
  const { handler } = handlerWith(() =>
    Promise.resolve({
      fileName: "732829320FEC20261231.txt",
      body: streamOf(["JournalCode\tJournalLib\r\n", new Error("connection lost")]),
      logHead: { seq: 1, head: HEAD },
    })
  );
  const res = await handler(new Request(`http://localhost/fec?org_id=${ORG}&year_end=2026-12-31`));
  assert.equal(res.status, 200);
  await assert.rejects(res.text(), /connection lost/);
});

Deno.test("POST takes the same parameters as JSON", async () => {
  const { handler, seen } = handlerWith(ok);
  const res = await handler(
    new Request("http://localhost/fec", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ org_id: ORG, year_end: "2026-12-31" }),
    }),
  );
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal(seen.length, 1);
});

for (
  const [what, query] of [
    ["a missing org_id", "year_end=2026-12-31"],
    ["an org_id that is not a UUID", "org_id=42&year_end=2026-12-31"],
    ["a missing year_end", `org_id=${ORG}`],
    ["a year_end that is not a date", `org_id=${ORG}&year_end=31/12/2026`],
    ["a year_end that does not exist", `org_id=${ORG}&year_end=2026-02-30`],
  ]
) {
  Deno.test(`400 on ${what}, nothing exported`, async () => {
    const { handler, seen } = handlerWith(ok);
    const res = await handler(new Request(`http://localhost/fec?${query}`));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "invalid_parameter");
    assert.equal(seen.length, 0);
  });
}

Deno.test("405 on another method", async () => {
  const { handler } = handlerWith(ok);
  const res = await handler(
    new Request(`http://localhost/fec?org_id=${ORG}&year_end=2026-12-31`, { method: "DELETE" }),
  );
  assert.equal(res.status, 405);
  await res.body?.cancel();
});

Deno.test("the database's refusal keeps its status and code", async () => {
  const { handler } = handlerWith(() =>
    Promise.reject(
      new HttpError(
        403,
        "forbidden_role",
        "Permission denied: export_fec requires one of the roles owner, admin, accountant",
      ),
    )
  );
  const res = await handler(new Request(`http://localhost/fec?org_id=${ORG}&year_end=2026-12-31`));
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, "forbidden_role");
});

import assert from "node:assert/strict";
import { z } from "zod";
import {
  corsHeaders,
  createHandler,
  errorResponse,
  HttpError,
  json,
  methodNotAllowed,
  readJson,
  requestIdOf,
} from "./http.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Runs `body` with console output captured (the access log lines), restoring it after. */
async function captureLogs<T>(
  body: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error };
  const record = (line: unknown) => lines.push(JSON.parse(String(line)));
  console.log = record;
  console.warn = record;
  console.error = record;
  try {
    return { result: await body(), lines };
  } finally {
    Object.assign(console, original);
  }
}

function request(path: string, init: RequestInit = {}): Request {
  return new Request(`http://127.0.0.1${path}`, init);
}

function assertCors(res: Response): void {
  for (const [key, value] of Object.entries(corsHeaders)) {
    assert.equal(res.headers.get(key), value, `header ${key}`);
  }
}

Deno.test("preflight is answered with CORS headers and never reaches the handler", async () => {
  let called = false;
  const handler = createHandler("fn", () => {
    called = true;
    return json({});
  });
  const { result: res } = await captureLogs(() =>
    handler(request("/fn", {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "POST" },
    }))
  );
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
  assertCors(res);
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /\bauthorization\b/);
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /\bapikey\b/);
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /\bx-client-info\b/);
  assert.equal(called, false);
});

Deno.test("an incoming x-request-id is reused in the response and the log line", async () => {
  const handler = createHandler("fn", (_req, ctx) => json({ seen: ctx.requestId }));
  const { result: res, lines } = await captureLogs(() =>
    handler(request("/fn/a?token=secret-value", { headers: { "x-request-id": "req-42.abc" } }))
  );
  assert.equal(res.headers.get("x-request-id"), "req-42.abc");
  assert.deepEqual(await res.json(), { seen: "req-42.abc" });
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.request_id, "req-42.abc");
  assert.equal(line.fn, "fn");
  assert.equal(line.method, "GET");
  assert.equal(line.path, "/fn/a", "the query string (which may hold tokens) is not logged");
  assert.equal(line.status, 200);
  assert.equal(line.level, "info");
  assert.equal(typeof line.ms, "number");
  assert.equal(typeof line.ts, "string");
  assert.ok(!JSON.stringify(lines).includes("secret-value"));
});

Deno.test("a missing or unsafe x-request-id is replaced by a fresh UUID", async () => {
  assert.match(requestIdOf(request("/fn")), UUID);
  assert.match(requestIdOf(request("/fn", { headers: { "x-request-id": "has spaces" } })), UUID);
  assert.match(requestIdOf(request("/fn", { headers: { "x-request-id": "x".repeat(129) } })), UUID);
  const a = requestIdOf(request("/fn"));
  const b = requestIdOf(request("/fn"));
  assert.notEqual(a, b);

  const handler = createHandler("fn", () => json({ ok: true }));
  const { result: res } = await captureLogs(() => handler(request("/fn")));
  assert.match(res.headers.get("x-request-id") ?? "", UUID);
});

Deno.test("HttpError becomes the standard error body with its status and headers", async () => {
  const handler = createHandler("fn", () => {
    throw new HttpError(409, "already_done", "The mission is already done", { mission_id: "m1" }, {
      "retry-after": "5",
    });
  });
  const { result: res, lines } = await captureLogs(() =>
    handler(request("/fn", { method: "POST" }))
  );
  assert.equal(res.status, 409);
  assert.equal(res.headers.get("retry-after"), "5");
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assertCors(res);
  assert.deepEqual(await res.json(), {
    error: {
      code: "already_done",
      message: "The mission is already done",
      details: { mission_id: "m1" },
    },
  });
  assert.equal(lines.at(-1)?.level, "warn");
  assert.equal(lines.at(-1)?.status, 409);
});

Deno.test("a thrown ZodError is a 400 listing the invalid fields", async () => {
  const schema = z.object({ quantity: z.number().int().positive() });
  const handler = createHandler("fn", () => {
    schema.parse({ quantity: -1 });
    return json({});
  });
  const { result: res } = await captureLogs(() => handler(request("/fn")));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "validation_failed");
  assert.equal(body.error.details[0].path, "quantity");
});

Deno.test("an unexpected error is a 500 that leaks nothing, logged with its message", async () => {
  const handler = createHandler("fn", () => {
    throw new Error("connect failed for postgresql://postgres:hunter2@db:5432/postgres");
  });
  const { result: res, lines } = await captureLogs(() => handler(request("/fn")));
  assert.equal(res.status, 500);
  assert.ok(res.headers.get("x-request-id"));
  assert.deepEqual(await res.json(), {
    error: {
      code: "internal_error",
      message: "Internal server error",
      details: { request_id: res.headers.get("x-request-id") },
    },
  });
  assertCors(res);
  const errorLine = lines.find((line) => line.msg === "unhandled error");
  assert.ok(errorLine, "the error is logged");
  assert.equal(errorLine.level, "error");
  assert.match(String(errorLine.error), /postgresql:\/\/postgres:\*\*\*@db/);
  assert.ok(!JSON.stringify(lines).includes("hunter2"), "the password never reaches the log");
  assert.equal(lines.at(-1)?.status, 500);
  assert.equal(lines.at(-1)?.level, "error");
});

Deno.test("methodNotAllowed is a 405 with an Allow header", async () => {
  const handler = createHandler("fn", (req) => {
    throw methodNotAllowed(req.method, ["GET", "HEAD"]);
  });
  const { result: res } = await captureLogs(() => handler(request("/fn", { method: "DELETE" })));
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD");
  assert.equal((await res.json()).error.code, "method_not_allowed");
});

Deno.test("readJson: 415 for non-JSON, 400 for broken JSON or a schema mismatch, data otherwise", async () => {
  const schema = z.object({ name: z.string().min(1) });
  const post = (body: string, contentType = "application/json") =>
    request("/fn", { method: "POST", body, headers: { "content-type": contentType } });

  await assert.rejects(
    readJson(post("name=x", "application/x-www-form-urlencoded"), schema),
    (e: unknown) => {
      assert.ok(e instanceof HttpError);
      assert.equal(e.status, 415);
      return true;
    },
  );
  await assert.rejects(readJson(post("{not json"), schema), (e: unknown) => {
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 400);
    assert.equal(e.code, "invalid_json");
    return true;
  });
  await assert.rejects(readJson(post(JSON.stringify({ name: "" })), schema), (e: unknown) => {
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 400);
    assert.equal(e.code, "validation_failed");
    assert.deepEqual((e.details as Array<{ path: string }>).map((d) => d.path), ["name"]);
    return true;
  });
  assert.deepEqual(
    await readJson(
      post(JSON.stringify({ name: "Ada" }), "application/json; charset=utf-8"),
      schema,
    ),
    {
      name: "Ada",
    },
  );
});

Deno.test("json() and errorResponse() set the content type, CORS and caller headers", async () => {
  const res = json({ a: 1 }, 201, { "cache-control": "no-store" });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assertCors(res);
  assert.deepEqual(await res.json(), { a: 1 });

  const err = errorResponse(422, "bad", "Bad thing");
  assert.deepEqual(await err.json(), { error: { code: "bad", message: "Bad thing" } });
});

Deno.test("headers are added even to responses whose headers are immutable", async () => {
  const handler = createHandler("fn", () => Response.redirect("http://127.0.0.1/elsewhere", 302));
  const { result: res } = await captureLogs(() =>
    handler(request("/fn", { headers: { "x-request-id": "r1" } }))
  );
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "http://127.0.0.1/elsewhere");
  assert.equal(res.headers.get("x-request-id"), "r1");
  assertCors(res);
});

Deno.test("headers the handler set itself are kept", async () => {
  const handler = createHandler(
    "fn",
    () =>
      new Response("x", {
        headers: { "access-control-allow-origin": "https://app.example", "x-request-id": "own" },
      }),
  );
  const { result: res } = await captureLogs(() => handler(request("/fn")));
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(res.headers.get("x-request-id"), "own");
});

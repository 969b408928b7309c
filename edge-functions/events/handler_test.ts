import assert from "node:assert/strict";
import { createHandler } from "../_shared/http.ts";
import {
  type ApiKey,
  apiKeyOf,
  createEventsHandler,
  type EventBody,
  type EventsStore,
  MAX_BODY_BYTES,
} from "./handler.ts";

const SECRET = "trn_abcdefgh_" + "x".repeat(43);
const KEY: ApiKey = {
  keyId: "11111111-1111-4111-8111-111111111111",
  orgId: "org",
  scopes: ["events:write"],
};

function fakeStore(overrides: Partial<EventsStore> = {}) {
  const calls: { ingested: EventBody[]; rateLimited: string[] } = { ingested: [], rateLimited: [] };
  const store: EventsStore = {
    authenticate: (secret) => Promise.resolve(secret === SECRET ? KEY : null),
    consumeRateLimit: (keyId) => {
      calls.rateLimited.push(keyId);
      return Promise.resolve({ allowed: true, retryAfterSeconds: 0 });
    },
    ingest: (_key, event) => {
      calls.ingested.push(event);
      return Promise.resolve({ event_id: "e1", duplicate: false, fired: [], suppressed: [] });
    },
    ...overrides,
  };
  return { handler: createHandler("events", createEventsHandler(store)), calls };
}

const goodBody = {
  id: "evt-1",
  type: "boiler.reading",
  occurred_at: "2026-11-23T08:00:00Z",
  payload: { temperature: 95 },
};

function post(body: string, headers: Record<string, string> = { "x-api-key": SECRET }) {
  return new Request("http://localhost/events", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

Deno.test("a valid event is ingested: 202 with the SQL function's result", async () => {
  const { handler, calls } = fakeStore();
  const res = await handler(post(JSON.stringify(goodBody)));
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), {
    event_id: "e1",
    duplicate: false,
    fired: [],
    suppressed: [],
  });
  assert.deepEqual(calls.ingested, [goodBody]);
  assert.deepEqual(calls.rateLimited, [KEY.keyId]);
});

Deno.test("the key may come as Authorization: Bearer trn_…", () => {
  const req = new Request("http://localhost/events", {
    headers: { authorization: `Bearer ${SECRET}` },
  });
  assert.equal(apiKeyOf(req), SECRET);
  assert.equal(
    apiKeyOf(new Request("http://localhost/", { headers: { authorization: "Bearer eyJhbGc" } })),
    null,
  );
});

Deno.test("only POST: 405 with Allow", async () => {
  const { handler } = fakeStore();
  const res = await handler(
    new Request("http://localhost/events", { headers: { "x-api-key": SECRET } }),
  );
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "POST");
});

Deno.test("missing or unknown key: 401 invalid_api_key", async () => {
  const { handler, calls } = fakeStore();
  const cases: Record<string, string>[] = [{}, { "x-api-key": "trn_forged00_" + "y".repeat(43) }];
  for (const headers of cases) {
    const res = await handler(post(JSON.stringify(goodBody), headers));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "invalid_api_key");
  }
  assert.equal(calls.ingested.length, 0);
});

Deno.test("a key without events:write: 403", async () => {
  const { handler } = fakeStore({
    authenticate: () => Promise.resolve({ ...KEY, scopes: ["missions:read"] }),
  });
  const res = await handler(post(JSON.stringify(goodBody)));
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, "insufficient_scope");
});

Deno.test("rate limited: 429 with Retry-After, nothing ingested", async () => {
  const { handler, calls } = fakeStore({
    consumeRateLimit: () => Promise.resolve({ allowed: false, retryAfterSeconds: 37 }),
  });
  const res = await handler(post(JSON.stringify(goodBody)));
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "37");
  assert.equal(calls.ingested.length, 0);
});

Deno.test("malformed JSON: 400 invalid_json in the shared error shape", async () => {
  const { handler } = fakeStore();
  const res = await handler(post("{not json"));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "invalid_json");
  assert.equal(typeof body.error.message, "string");
});

Deno.test("invalid fields: 400 validation_failed naming them", async () => {
  const { handler } = fakeStore();
  const res = await handler(
    post(JSON.stringify({ ...goodBody, occurred_at: "yesterday", payload: [1] })),
  );
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "validation_failed");
  assert.deepEqual(body.error.details.map((d: { path: string }) => d.path).sort(), [
    "occurred_at",
    "payload",
  ]);
});

Deno.test("a body over 64 KiB: 413, whether or not Content-Length says so", async () => {
  const { handler, calls } = fakeStore();
  const big = JSON.stringify({ ...goodBody, payload: { blob: "x".repeat(MAX_BODY_BYTES) } });
  const res = await handler(post(big));
  assert.equal(res.status, 413);
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(big));
      c.close();
    },
  });
  const res2 = await handler(
    new Request("http://localhost/events", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": SECRET },
      body: stream,
    }),
  );
  assert.equal(res2.status, 413);
  assert.equal((await res2.json()).error.code, "payload_too_large");
  assert.equal(calls.ingested.length, 0);
});

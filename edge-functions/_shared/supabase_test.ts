import assert from "node:assert/strict";
import { HttpError } from "./http.ts";
import { httpErrorOf } from "./supabase.ts";

Deno.test("a catalogue error keeps its status and code", () => {
  const error = httpErrorOf({ code: "invoice_locked", message: "Invoice FAC-1 is locked" }, 409);
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 409);
  assert.equal(error.code, "invoice_locked");
  assert.equal(error.message, "Invoice FAC-1 is locked");
});

Deno.test("a raw SQLSTATE or PGRST code becomes a readable one for its status", () => {
  assert.equal(httpErrorOf({ code: "42501", message: "permission denied" }, 403).code, "forbidden");
  assert.equal(httpErrorOf({ code: "PGRST116", message: "no rows" }, 404).code, "not_found");
  assert.equal(httpErrorOf({ message: "too big", statusCode: "413" }).status, 413);
});

Deno.test("an upstream 5xx or a missing status is not passed off as the caller's mistake", () => {
  assert.throws(() => httpErrorOf({ code: "XX000", message: "boom" }, 500), /upstream error 500/);
  assert.throws(() => httpErrorOf({ message: "fetch failed" }), /upstream error \(no status\)/);
});

Deno.test("httpErrorOf: a 429 from private.raise_rate_limited gets Retry-After back from details", () => {
  const err = httpErrorOf({
    code: "rate_limited",
    message: "Too many uploads: retry in 17 seconds",
    details: '{"retry_after_seconds": 17}',
  }, 429);
  assert.equal(err.status, 429);
  assert.equal(err.code, "rate_limited");
  assert.equal(new Headers(err.headers).get("Retry-After"), "17");
});

Deno.test("httpErrorOf: other 4xx keep the catalogue's status and code", () => {
  const err = httpErrorOf({ code: "unsupported_media_type", message: "nope" }, 415);
  assert.equal(err.status, 415);
  assert.equal(err.code, "unsupported_media_type");
  assert.equal(err.headers, undefined);
});

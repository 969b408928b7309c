import assert from "node:assert/strict";
import { createLogger, redact, safeErrorMessage, scrubSecrets } from "./log.ts";

Deno.test("scrubSecrets masks URL passwords, bearer tokens and JWTs", () => {
  assert.equal(
    scrubSecrets("could not connect to postgresql://postgres:s3cret@127.0.0.1:5432/postgres"),
    "could not connect to postgresql://postgres:***@127.0.0.1:5432/postgres",
  );
  assert.equal(scrubSecrets("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer ***");
  assert.equal(
    scrubSecrets("key eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl here"),
    "key *** here",
  );
  assert.equal(scrubSecrets("nothing to hide"), "nothing to hide");
});

Deno.test("redact masks credential-looking fields at any depth", () => {
  assert.deepEqual(
    redact({
      user: "ada",
      authorization: "Bearer x",
      nested: { apiKey: "k", service_role: "s", list: [{ password: "p", ok: 1 }] },
    }),
    {
      user: "ada",
      authorization: "[redacted]",
      nested: {
        apiKey: "[redacted]",
        service_role: "[redacted]",
        list: [{ password: "[redacted]", ok: 1 }],
      },
    },
  );
});

Deno.test("safeErrorMessage gives the message, not the stack", () => {
  assert.equal(safeErrorMessage(new Error("boom")), "boom");
  assert.equal(safeErrorMessage("plain"), "plain");
  assert.equal(safeErrorMessage({ code: 1 }), '{"code":1}');
});

Deno.test("a log line is one JSON object whose ts and level cannot be overridden", () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    createLogger({ fn: "f" }).child({ request_id: "r" }).error("failed", {
      level: "info",
      token: "t0k",
    });
  } finally {
    console.error = original;
  }
  assert.equal(lines.length, 1);
  const parsed = JSON.parse(lines[0]!);
  assert.equal(parsed.level, "error");
  assert.equal(parsed.fn, "f");
  assert.equal(parsed.request_id, "r");
  assert.equal(parsed.msg, "failed");
  assert.equal(parsed.token, "[redacted]");
  assert.deepEqual(Object.keys(parsed).slice(0, 2), ["ts", "level"]);
});

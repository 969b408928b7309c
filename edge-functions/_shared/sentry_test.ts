/**
 * Error reporting to Sentry (sentry.ts) through createHandler's 500 path,
 * against a local fake ingest that speaks Sentry's envelope protocol: it
 * checks the URL (`/api/<project>/envelope/`), the DSN's public key (query
 * string or X-Sentry-Auth header) and parses the envelope to read the event.
 *
 * The Sentry SDK is one client per isolate: these steps run in order, and the
 * "unset" step runs after a client was initialised, so it proves that nothing
 * is sent even when the SDK is live in the isolate.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { EnvError } from "./env.ts";
import { createHandler, HttpError } from "./http.ts";
import { errorReporterFromEnv } from "./sentry.ts";
import { sentryKeyOf, startFakeIngest } from "./fake_sentry_ingest.ts";

const call = (handler: (req: Request) => Promise<Response>, requestId: string) =>
  handler(
    new Request("http://localhost/boom", {
      method: "POST",
      headers: { "x-request-id": requestId },
    }),
  );

Deno.test({
  name: "Sentry: unhandled errors of a function reach the ingest, tagged; nothing else does",
  // The SDK keeps its client (and a timer) for the isolate's life.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const ingest = startFakeIngest();
    try {
      const dsn = `http://f00dcafe1234@127.0.0.1:${ingest.port}/4242`;

      await t.step("an unhandled error: 500 to the caller, one event at the ingest", async () => {
        const reportError = errorReporterFromEnv({ SENTRY_DSN: dsn, TERRAIN_VERSION: "1.2.3" });
        const handler = createHandler("boom-fn", () => {
          throw new Error("cannot reach postgres://app:hunter2@db.internal:5432/postgres");
        }, { reportError });
        const res = await call(handler, "req-sentry-1");
        assert.deepEqual(res.status, 500);
        assert.deepEqual((await res.json()).error.details, { request_id: "req-sentry-1" });

        assert.deepEqual(ingest.rejected, []);
        assert.deepEqual(ingest.envelopes.length, 1);
        const envelope = ingest.envelopes[0]!;
        assert.deepEqual(envelope.url.pathname, "/api/4242/envelope/");
        assert.deepEqual(sentryKeyOf(envelope), "f00dcafe1234");
        const events = envelope.items.filter((item) => item.header.type === "event");
        assert.deepEqual(events.length, 1);
        const event = events[0]!.payload as {
          tags: Record<string, string>;
          release?: string;
          exception: { values: { type: string; value: string }[] };
          request?: unknown;
        };
        assert.deepEqual(event.tags.function, "boom-fn");
        assert.deepEqual(event.tags.request_id, "req-sentry-1");
        assert.deepEqual(event.release, "1.2.3");
        assert.deepEqual(event.exception.values[0]!.type, "Error");
        // The message is scrubbed as the logs are: no password leaves the function.
        assert.match(event.exception.values[0]!.value, /postgres:\/\/app:\*\*\*@db\.internal/);
        assert.ok(
          !JSON.stringify(envelope.items).includes("hunter2"),
          "the password never reaches Sentry",
        );
        assert.deepEqual(event.request, undefined, "no request data (headers carry tokens)");
      });

      await t.step("a refusal (HttpError 4xx) or a validation error is not reported", async () => {
        const reportError = errorReporterFromEnv({ SENTRY_DSN: dsn });
        const before = ingest.envelopes.length;
        const refusing = createHandler("boom-fn", () => {
          throw new HttpError(409, "conflict", "already done");
        }, { reportError });
        assert.deepEqual((await call(refusing, "req-sentry-2")).status, 409);
        const validating = createHandler("boom-fn", () => {
          z.object({ limit: z.number() }).parse({ limit: "ten" });
          return new Response("unreachable");
        }, { reportError });
        assert.deepEqual((await call(validating, "req-sentry-2b")).status, 400);
        assert.deepEqual(ingest.envelopes.length, before);
      });

      await t.step(
        "SENTRY_DSN unset: a 500 sends nothing, even with a live client in the isolate",
        async () => {
          const reportError = errorReporterFromEnv({});
          const before = ingest.envelopes.length;
          const handler = createHandler("boom-fn", () => {
            throw new Error("boom without Sentry");
          }, { reportError });
          const res = await call(handler, "req-sentry-3");
          assert.deepEqual(res.status, 500);
          // Give a stray send time to arrive before concluding none was made.
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.deepEqual(ingest.envelopes.length, before);
        },
      );

      await t.step("an unreachable ingest never changes the answer", async () => {
        const closed = startFakeIngest();
        const closedPort = closed.port;
        await closed.close();
        const reportError = errorReporterFromEnv({
          SENTRY_DSN: `http://abc@127.0.0.1:${closedPort}/1`,
        });
        const handler = createHandler("boom-fn", () => {
          throw new Error("boom, ingest down");
        }, { reportError });
        const res = await call(handler, "req-sentry-4");
        assert.deepEqual(res.status, 500);
        assert.deepEqual((await res.json()).error.code, "internal_error");
      });
    } finally {
      await ingest.close();
    }
  },
});

Deno.test("Sentry: a malformed SENTRY_DSN is a boot error naming the variable, never its value", () => {
  assert.throws(
    () => errorReporterFromEnv({ SENTRY_DSN: "not a dsn with secret-ish-value" }),
    (error: unknown) =>
      error instanceof EnvError && /SENTRY_DSN/.test(error.message) &&
      !error.message.includes("secret-ish-value"),
  );
  // A DSN names its public key as the URL's user: without one it is not a DSN.
  assert.throws(
    () => errorReporterFromEnv({ SENTRY_DSN: "https://o1.ingest.sentry.io/123" }),
    EnvError,
  );
});

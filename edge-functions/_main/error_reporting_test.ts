/**
 * Every function reports its unhandled errors to Sentry when SENTRY_DSN is
 * set: the real runtime serving the real functions of edge-functions/, with
 * the database and the API unreachable, so `push` (PostgREST) and `metrics`
 * (SQL) answer 500. Each event reaches a local fake ingest tagged with its own
 * function and the request id the caller got; a refusal (4xx) sends nothing.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { startFakeIngest } from "../_shared/fake_sentry_ingest.ts";
import { startRuntime } from "./runtime_testing.ts";

const FUNCTIONS_DIR = resolve(import.meta.dirname!, "..");

/** A port nothing listens on: a server is started there, then stopped. */
async function closedPort(): Promise<number> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  return port;
}

/**
 * A bearer token whose role claim is service_role. Unsigned on purpose: in
 * production the gateway verifies the signature before a function runs
 * (verify_jwt); here the runtime is called directly.
 */
const serviceRoleBearer = () => {
  const b64 = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `Bearer ${b64({ alg: "HS256", typ: "JWT" })}.${b64({ role: "service_role" })}.unsigned`;
};

Deno.test({
  name: "runtime: a function's 500 is reported to Sentry with its name and request id",
  sanitizeResources: false,
  fn: async () => {
    const ingest = startFakeIngest();
    const down = await closedPort();
    const runtime = await startRuntime(FUNCTIONS_DIR, {
      SUPABASE_URL: `http://127.0.0.1:${down}`,
      SUPABASE_ANON_KEY: "anon-key",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
      SUPABASE_DB_URL: `postgresql://postgres:postgres@127.0.0.1:${down}/postgres`,
      // A P-256 pair made for this test (node:crypto); test data only.
      VAPID_PUBLIC_KEY:
        "BIX-qm5QOXBlgIF6vO4IpUEZ2nDFprBfuK1-Q4sY56LagKtl37AuAziN6mYy_parVXOdONc9lZKV6xIcffvEquw",
      VAPID_PRIVATE_KEY: "Ja_54PWq6ZFB3ZnpPcOqgjdYWMpsq8TwV0p6ltmspac",
      VAPID_SUBJECT: "mailto:ops@example.com",
      SENTRY_DSN: `http://f00d5eed@127.0.0.1:${ingest.port}/77`,
      SENTRY_ENVIRONMENT: "test",
      TERRAIN_VERSION: "7.7.7",
    });
    try {
      const call = async (path: string, init: RequestInit) => {
        const res = await fetch(runtime.baseUrl + path, init);
        return { status: res.status, body: await res.json() };
      };
      const push = await call("/push", {
        method: "POST",
        headers: { authorization: serviceRoleBearer(), "x-request-id": "req-push-500" },
      });
      assert.equal(push.status, 500);
      assert.deepEqual(push.body.error.details, { request_id: "req-push-500" });
      const metrics = await call("/metrics", {
        headers: { authorization: serviceRoleBearer(), "x-request-id": "req-metrics-500" },
      });
      assert.equal(metrics.status, 500);

      // The reporter flushes before the 500 is answered: the events are there.
      const events = ingest.envelopes.flatMap((envelope) =>
        envelope.items.filter((item) => item.header.type === "event").map((item) => item.payload)
      ) as { tags: Record<string, string>; release: string; environment: string }[];
      assert.deepEqual(
        events.map((event) => [event.tags.function, event.tags.request_id]).sort(),
        [["metrics", "req-metrics-500"], ["push", "req-push-500"]],
      );
      for (const event of events) {
        assert.equal(event.release, "7.7.7");
        assert.equal(event.environment, "test");
      }
      assert.deepEqual(ingest.rejected, []);

      // A refusal is the caller's business, not an error of ours.
      const refused = await call("/push", {
        method: "POST",
        headers: { "x-request-id": "req-403" },
      });
      assert.equal(refused.status, 403);
      assert.equal(ingest.envelopes.length, 2);
    } finally {
      runtime.child.kill("SIGTERM");
      await runtime.child.status;
      await runtime.drained;
      await ingest.close();
    }
  },
});

import assert from "node:assert/strict";
import { createHandler } from "../_shared/http.ts";
import {
  CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatExposition,
  formatValue,
  METRICS,
} from "./exposition.ts";
import { createMetricsHandler } from "./handler.ts";

const silently = async <T>(body: () => Promise<T>): Promise<T> => {
  const original = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = () => {};
  try {
    return await body();
  } finally {
    Object.assign(console, original);
  }
};

/** An unsigned JWT with these claims (the gateway verifies signatures, not the handler). */
function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.sig`;
}

Deno.test("label values escape backslash, double quote and line feed", () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeLabelValue("plain"), "plain");
  const text = formatExposition([
    { metric: "terrain_cron_job_failures_24h", labels: { jobname: 'say "hi"\\\nbye' }, value: 2 },
  ]);
  assert.ok(
    text.includes('terrain_cron_job_failures_24h{jobname="say \\"hi\\"\\\\\\nbye"} 2\n'),
    text,
  );
});

Deno.test("HELP escapes backslash and line feed, not quotes", () => {
  assert.equal(escapeHelp('x\\y\n"z"'), 'x\\\\y\\n"z"');
});

Deno.test("HELP and TYPE appear once per metric, samples grouped under them", () => {
  const text = formatExposition([
    { metric: "terrain_invoices_count", labels: { org_id: "o1", status: "paid" }, value: 2 },
    { metric: "terrain_notifications_backlog", labels: { channel: "email" }, value: 3 },
    { metric: "terrain_invoices_count", labels: { status: "sent", org_id: "o1" }, value: 1 },
  ]);
  const lines = text.trimEnd().split("\n");
  for (const name of Object.keys(METRICS)) {
    assert.equal(lines.filter((l) => l.startsWith(`# HELP ${name} `)).length, 1, name);
    assert.equal(lines.filter((l) => l === `# TYPE ${name} gauge`).length, 1, name);
  }
  const type = lines.indexOf("# TYPE terrain_invoices_count gauge");
  assert.deepEqual(lines.slice(type + 1, type + 3), [
    'terrain_invoices_count{org_id="o1",status="paid"} 2',
    'terrain_invoices_count{org_id="o1",status="sent"} 1',
  ]);
  assert.ok(text.endsWith("\n"));
});

Deno.test("an unknown metric is emitted untyped; bad names are refused", () => {
  const text = formatExposition([{ metric: "terrain_new", labels: null, value: 1 }]);
  assert.ok(text.includes("# TYPE terrain_new untyped\nterrain_new 1\n"));
  assert.throws(
    () => formatExposition([{ metric: "bad-name", labels: {}, value: 1 }]),
    /invalid metric name/,
  );
  assert.throws(
    () => formatExposition([{ metric: "terrain_new", labels: { "bad-label": "x" }, value: 1 }]),
    /invalid label name/,
  );
});

Deno.test("values: numbers, numeric strings, NaN and infinities", () => {
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(12.5), "12.5");
  assert.equal(formatValue("42"), "42");
  assert.equal(formatValue(null), "NaN");
  assert.equal(formatValue(Infinity), "+Inf");
  assert.equal(formatValue(-Infinity), "-Inf");
});

Deno.test("handler: service_role gets the exposition; anon 403; POST 405", async () => {
  const handler = createHandler(
    "metrics",
    createMetricsHandler({
      load: () =>
        Promise.resolve([{
          metric: "terrain_health_check_ok",
          labels: { name: "stock_negative", period: "daily" },
          value: 1,
        }]),
    }),
  );
  const ok = await silently(() =>
    handler(
      new Request("http://x/metrics", {
        headers: { authorization: `Bearer ${jwt({ role: "service_role" })}` },
      }),
    )
  );
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), CONTENT_TYPE);
  assert.ok(
    (await ok.text()).includes('terrain_health_check_ok{name="stock_negative",period="daily"} 1'),
  );

  const anon = await silently(() =>
    handler(
      new Request("http://x/metrics", {
        headers: { authorization: `Bearer ${jwt({ role: "anon" })}` },
      }),
    )
  );
  assert.equal(anon.status, 403);
  assert.equal((await anon.json()).error.code, "forbidden");

  const post = await silently(() => handler(new Request("http://x/metrics", { method: "POST" })));
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

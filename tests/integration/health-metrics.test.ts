/**
 * Operator health checks and the Prometheus endpoint through the real stack:
 * gateway → functions runtime → health / metrics → ops.health_checks / ops.metrics.
 */
import { describe, expect, it } from "vitest";
import { stack, withDb } from "./harness.ts";

const functionsUrl = `${stack.apiUrl}/functions/v1`;
const bearer = (key: string) => ({ apikey: key, Authorization: `Bearer ${key}` });

const METRIC_NAMES = [
  "terrain_notifications_backlog",
  "terrain_notifications_oldest_pending_seconds",
  "terrain_cron_job_failures_24h",
  "terrain_invoices_total_cents",
  "terrain_invoices_count",
  "terrain_health_check_ok",
];

describe("metrics and health summary through the gateway", () => {
  it("metrics with the service role key: 200, Prometheus text with every series", async () => {
    const res = await fetch(`${functionsUrl}/metrics`, { headers: bearer(stack.serviceRoleKey) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of METRIC_NAMES) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
    expect(text).toMatch(/^terrain_health_check_ok\{name="stock_negative",period="daily"\} [01]$/m);
    expect(text).toMatch(/^terrain_notifications_backlog\{channel="email"\} \d+$/m);
    // Every sample line is `name{labels} value` or `name value`.
    for (const line of text.trimEnd().split("\n").filter((l) => !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/);
    }
  });

  it("metrics without a token: 401 at the gateway; with the anon key: 403", async () => {
    const none = await fetch(`${functionsUrl}/metrics`);
    await none.arrayBuffer();
    expect(none.status).toBe(401);

    const anon = await fetch(`${functionsUrl}/metrics`, { headers: bearer(stack.anonKey) });
    const body = (await anon.json()) as { error: { code: string } };
    expect(anon.status).toBe(403);
    expect(body.error.code).toBe("forbidden");
  });

  it("health gives the anon key no operator summary, only liveness", async () => {
    const res = await fetch(`${functionsUrl}/health`, { headers: bearer(stack.anonKey) });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toEqual({ status: "ok" });
  });

  it("health with the service role includes the summary of the daily operator checks", async () => {
    const expected = await withDb(async (c) => {
      const { rows } = await c.query<{ name: string; ok: boolean }>(
        "select name, ok from ops.health_checks('daily') order by name",
      );
      return rows;
    });
    const res = await fetch(`${functionsUrl}/health`, { headers: bearer(stack.serviceRoleKey) });
    const body = (await res.json()) as {
      status: string;
      summary: { ops: { ok: boolean; passed: number; failed: number; failing: string[]; error?: string } };
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    const ops = body.summary.ops;
    expect(ops.error, JSON.stringify(ops)).toBeUndefined();
    const failing = expected.filter((r) => !r.ok).map((r) => r.name);
    expect(ops.failing).toEqual(failing);
    expect(ops.failed).toBe(failing.length);
    expect(ops.passed).toBe(expected.length - failing.length);
    expect(ops.ok).toBe(failing.length === 0);
  });
});

/**
 * Edge functions through the real local stack: gateway → functions runtime →
 * health function → PostgreSQL. The harness exports TERRAIN_API_URL (the
 * gateway, what supabase-js is pointed at) and TERRAIN_ANON_KEY.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

const { apiUrl, anonKey, serviceRoleKey } = stack;
const functionsUrl = `${apiUrl}/functions/v1`;
/** What supabase-js sends with functions.invoke() and the anon key. */
const authHeaders = { apikey: anonKey, Authorization: `Bearer ${anonKey}` };
/** The same with the service role key: what an operator's probe sends. */
const serviceHeaders = { apikey: serviceRoleKey, Authorization: `Bearer ${serviceRoleKey}` };

const appVersion: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

interface Check {
  ok: boolean;
  latency_ms: number;
  error?: string;
  [detail: string]: unknown;
}

interface HealthBody {
  status: "ok" | "degraded";
  version: string;
  time: string;
  checks: {
    database: Check;
    migrations: Check;
    pg_cron: Check;
    functions: Check & { loaded: string[]; failed: { name: string; error: string }[] };
  };
}

describe("edge functions through the gateway", () => {
  it("health with the anon key: liveness only, no detail", async () => {
    const res = await fetch(`${functionsUrl}/health`, { headers: authHeaders });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toEqual({ status: "ok" });
  });

  it("health with the service role: 200, every check ok, migrations applied, pg_cron running, every function booted", async () => {
    const res = await fetch(`${functionsUrl}/health`, { headers: serviceHeaders });
    const body = (await res.json()) as HealthBody;

    // On failure, show which check failed and why.
    expect(body.checks, JSON.stringify(body.checks)).toBeDefined();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body.status).toBe("ok");
    expect(body.version).toBe(appVersion);
    expect(Number.isNaN(Date.parse(body.time))).toBe(false);

    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.database.server_version).toMatch(/^15\./);
    expect(body.checks.migrations.ok).toBe(true);
    expect(body.checks.migrations.applied).toBeGreaterThanOrEqual(1);
    expect(body.checks.migrations.latest).toMatch(/^\d{14}$/);
    expect(body.checks.pg_cron.ok).toBe(true);
    expect(body.checks.pg_cron.launcher_running).toBe(true);
    expect(body.checks.functions.ok).toBe(true);
    expect(body.checks.functions.failed).toEqual([]);
    expect(body.checks.functions.loaded).toEqual(expect.arrayContaining(["events", "health", "metrics", "push"]));
  });

  it("health: a request id is returned, and the caller's own is kept", async () => {
    const generated = await fetch(`${functionsUrl}/health`, { headers: authHeaders });
    await generated.arrayBuffer();
    expect(generated.headers.get("x-request-id")).toBeTruthy();

    const traced = await fetch(`${functionsUrl}/health`, {
      headers: { ...authHeaders, "x-request-id": "integration-trace-1" },
    });
    await traced.arrayBuffer();
    expect(traced.headers.get("x-request-id")).toBe("integration-trace-1");
  });

  it("health: HEAD answers without a body, other methods get 405", async () => {
    const head = await fetch(`${functionsUrl}/health`, { method: "HEAD", headers: authHeaders });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");

    const post = await fetch(`${functionsUrl}/health`, { method: "POST", headers: authHeaders, body: "{}" });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("CORS preflight succeeds without credentials, as a browser sends it", async () => {
    const res = await fetch(`${functionsUrl}/health`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, x-client-info, apikey, content-type",
      },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const header of ["authorization", "x-client-info", "apikey", "content-type"]) {
      expect(allowed).toContain(header);
    }
  });

  it("an unknown function answers Supabase's 404", async () => {
    const res = await fetch(`${functionsUrl}/no-such-function`, { headers: authHeaders });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "NOT_FOUND", message: "Requested function was not found" });
  });
});

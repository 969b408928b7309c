import { describe, expect, it, vi } from "vitest";
import { fetchHealth, HealthError, parseHealth } from "./health.ts";

const request = (fetchImpl: typeof fetch, accessToken: string | null = "user-jwt") => ({
  supabaseUrl: "http://127.0.0.1:54321",
  anonKey: "anon-key",
  accessToken,
  fetch: fetchImpl,
});

// The shape edge-functions/health answers with.
const healthyBody = {
  status: "ok",
  version: "0.1.0",
  time: "2026-11-22T10:00:00.000Z",
  checks: {
    database: { ok: true, latency_ms: 2.4, server_version: "15.14" },
    migrations: { ok: true, latency_ms: 1, applied: 4, latest: "20261122000000" },
    pg_cron: { ok: true, latency_ms: 1, version: "1.6", launcher_running: true },
  },
};

describe("fetchHealth", () => {
  it("calls GET /functions/v1/health with the anon key and the user's token", async () => {
    const fetchHealthEndpoint = vi.fn<typeof fetch>(async () => Response.json(healthyBody));
    const report = await fetchHealth(request(fetchHealthEndpoint));

    const [url, init] = fetchHealthEndpoint.mock.calls[0]!;
    expect(url).toBe("http://127.0.0.1:54321/functions/v1/health");
    expect(init?.method).toBe("GET");
    expect(init?.headers).toMatchObject({ apikey: "anon-key", Authorization: "Bearer user-jwt" });
    expect(report.healthy).toBe(true);
    expect(report.version).toBe("0.1.0");
    expect(report.checks.map((check) => [check.name, check.state, check.detail])).toEqual([
      ["database", "ok", "PostgreSQL 15.14 · 2 ms"],
      ["migrations", "ok", "4 applied, latest 20261122000000 · 1 ms"],
      ["pg_cron", "ok", "version 1.6 · launcher running · 1 ms"],
    ]);
  });

  it("falls back to the anon key as bearer when nobody is signed in", async () => {
    const fetchHealthEndpoint = vi.fn<typeof fetch>(async () => Response.json(healthyBody));
    await fetchHealth(request(fetchHealthEndpoint, null));
    expect(fetchHealthEndpoint.mock.calls[0]![1]?.headers).toMatchObject({ Authorization: "Bearer anon-key" });
  });

  it("reads the checks of a degraded (503) answer instead of failing", async () => {
    const degraded = {
      ...healthyBody,
      status: "degraded",
      checks: {
        ...healthyBody.checks,
        pg_cron: {
          ok: false,
          latency_ms: 1,
          version: null,
          launcher_running: false,
          error: "extension pg_cron is not installed in this database",
        },
      },
    };
    const report = await fetchHealth(request(async () => Response.json(degraded, { status: 503 })));
    expect(report.healthy).toBe(false);
    expect(report.checks.find((check) => check.name === "pg_cron")).toMatchObject({
      state: "failing",
      detail: "extension pg_cron is not installed in this database",
    });
    expect(report.checks.find((check) => check.name === "database")?.state).toBe("ok");
  });

  it("turns other HTTP errors into a message with the status and the server's reason", async () => {
    const load = fetchHealth(request(async () => Response.json({ message: "Invalid JWT" }, { status: 401 })));
    await expect(load).rejects.toBeInstanceOf(HealthError);
    await expect(load).rejects.toThrow("Health check answered HTTP 401: Invalid JWT");
    await expect(fetchHealth(request(async () => new Response("Bad gateway", { status: 502 })))).rejects.toThrow(
      "Health check answered HTTP 502 without JSON.",
    );
  });

  it("reports a network failure", async () => {
    const load = fetchHealth(
      request(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    await expect(load).rejects.toThrow("Could not reach the health function: Failed to fetch.");
  });
});

describe("parseHealth", () => {
  it("a liveness-only answer (what a browser's token gets) is one Service line, not unknown checks", () => {
    expect(parseHealth({ status: "ok" })).toEqual({
      healthy: true,
      version: null,
      checks: [{ name: "service", label: "Service", state: "ok", detail: null }],
    });
    expect(parseHealth({ status: "degraded" }).checks).toEqual([
      { name: "service", label: "Service", state: "failing", detail: null },
    ]);
    expect(parseHealth({ status: "degraded" }).healthy).toBe(false);
  });

  it("lists the expected checks as unknown when the function omits them, and is then not healthy", () => {
    const report = parseHealth({ checks: { database: true } });
    expect(report.healthy).toBe(false);
    expect(report.version).toBeNull();
    expect(report.checks.map((check) => [check.name, check.state])).toEqual([
      ["database", "ok"],
      ["migrations", "unknown"],
      ["pg_cron", "unknown"],
    ]);
  });

  it("accepts status words, an array of checks, and keeps extra checks after the expected ones", () => {
    const report = parseHealth({
      checks: [
        { name: "database", status: "ok" },
        { name: "migrations", status: "error", message: "2 pending" },
        { name: "pg_cron", status: "pass" },
        { name: "postgrest", status: "up" },
      ],
    });
    expect(report.checks.map((check) => [check.name, check.state, check.detail])).toEqual([
      ["database", "ok", null],
      ["migrations", "failing", "2 pending"],
      ["pg_cron", "ok", null],
      ["postgrest", "ok", null],
    ]);
    expect(report.healthy).toBe(false);
  });
});

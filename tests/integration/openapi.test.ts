/**
 * PostgREST's OpenAPI document, read through the gateway: it must advertise the
 * public API URL (the gateway's `/rest/v1`), never PostgREST's internal port.
 */
import { describe, expect, it } from "vitest";
import { stack } from "./harness.ts";

describe("OpenAPI document through the gateway", () => {
  it("points clients at <api url>/rest/v1", async () => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/`, {
      headers: { apikey: stack.anonKey, accept: "application/openapi+json" },
    });
    const doc = (await res.json()) as { swagger: string; host: string; basePath: string; schemes: string[] };
    expect(res.status, JSON.stringify(doc).slice(0, 300)).toBe(200);
    const api = new URL(stack.apiUrl);
    expect(doc.swagger).toBe("2.0");
    expect(`${doc.schemes[0]}://${doc.host}${doc.basePath}`).toBe(`${api.protocol.replace(":", "")}://${api.host}/rest/v1`);
  });
});

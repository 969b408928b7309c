/**
 * The stack's CORS headers and their Deno twin in edge-functions/_shared/cors.ts
 * (which a Node process cannot import: it is a Deno module) hold the same
 * values, read from the twin's source.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./config.ts";
import { CORS_HEADERS } from "./http.ts";

/** The `"Name": "value"` pairs of the `corsHeaders` object literal in the twin (deno fmt may wrap a value). */
function denoTwinCorsHeaders(): Record<string, string> {
  const source = readFileSync(join(ROOT, "edge-functions/_shared/cors.ts"), "utf8");
  const block = /export const corsHeaders[^{]*\{([^}]*)\}/.exec(source);
  if (!block) throw new Error("edge-functions/_shared/cors.ts: no `export const corsHeaders = ... { ... }` found");
  const entries = [...block[1]!.matchAll(/"([^"]+)":\s*"([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const);
  return Object.fromEntries(entries);
}

describe("CORS headers", () => {
  it("the functions' twin (edge-functions/_shared/cors.ts) has exactly the stack's headers and values", () => {
    expect(denoTwinCorsHeaders()).toEqual(CORS_HEADERS);
  });

  it("the twin parser reads every header (a twin written another way would not compare as equal)", () => {
    expect(Object.keys(denoTwinCorsHeaders())).toHaveLength(Object.keys(CORS_HEADERS).length);
  });
});

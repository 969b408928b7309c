/**
 * The first download stays small on a phone: the built app's initial
 * JavaScript (entry + static imports) is at most 150 kB gzipped. A size, not a
 * timing. Runs after the web build (scripts/stack/test-runner.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../scripts/stack/config.ts";
import { bundleReport, formatBundleReport, INITIAL_JS_BUDGET_BYTES } from "../../scripts/bench/bundle.ts";

it("keeps the initial JavaScript within 150 kB gzipped, the screens behind sign-in lazy", () => {
  const report = bundleReport(join(ROOT, "web", "dist"));
  console.log(formatBundleReport(report));
  expect(report.initialJsGzipBytes).toBeGreaterThan(0);
  expect(report.initialJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
  // The device database, the outbox and the mission screens are not in the first download.
  const lazy = report.chunks.filter((c) => !c.initial).map((c) => c.file);
  expect(lazy.some((f) => /TechnicianApp-/.test(f))).toBe(true);
  expect(lazy.some((f) => /MissionDetail-/.test(f))).toBe(true);
});

it("keeps the back office and the portal out of the phone's offline precache, and sizes each screen", () => {
  const dist = join(ROOT, "web", "dist");
  const report = bundleReport(dist);
  const desk = report.chunks.filter((c) => c.file.startsWith("assets/desk/")).map((c) => c.file);
  expect(desk.some((f) => /OfficeApp-/.test(f))).toBe(true);
  expect(desk.some((f) => /PortalApp-/.test(f))).toBe(true);
  const worker = readFileSync(join(dist, "sw.js"), "utf8");
  expect(worker).toMatch(/TechnicianApp-[\w-]+\.js/);
  expect(worker).not.toContain("assets/desk/");
  // Every app is a screen of the report (from Vite's manifest), with what it adds to the first download.
  expect(report.routes.map((r) => r.route)).toEqual(expect.arrayContaining(["/ (technician)", "/office", "/portal"]));
  for (const route of report.routes) expect(route.lazyJsGzipBytes, route.route).toBeGreaterThan(0);
});

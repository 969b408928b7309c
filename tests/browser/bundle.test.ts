/**
 * The first download stays small on a phone: the built app's initial
 * JavaScript (entry + static imports) is at most 150 kB gzipped. A size, not a
 * timing. Runs after the web build (scripts/stack/test-runner.ts).
 */
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

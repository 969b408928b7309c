import { defineConfig } from "vitest/config";

// The browser suite: Debian's Chromium driven by playwright-core against the
// running stack (the gateway serves the built app at /). Run by
// scripts/stack/test-runner.ts after the web build, one file at a time.
export default defineConfig({
  test: {
    name: "browser",
    root: new URL("../..", import.meta.url).pathname,
    include: ["tests/browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // expect.poll waits for the page or the database to catch up; 1 s (the default) is
    // too short on a loaded 2-core machine. A wait, not a timing target.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});

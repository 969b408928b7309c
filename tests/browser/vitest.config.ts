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
  },
});

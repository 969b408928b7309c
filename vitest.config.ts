import { defineConfig } from "vitest/config";

// One vitest run, three projects: stack unit tests, the web app, and the
// integration suite that drives the running stack with supabase-js.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["scripts/**/*.test.ts"], environment: "node" } },
      "web",
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Tests share one database; files run one at a time so counts they assert stay theirs.
          fileParallelism: false,
        },
      },
    ],
  },
});

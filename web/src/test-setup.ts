import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import "fake-indexeddb/auto";
import { afterEach, beforeEach } from "vitest";
import { i18n } from "./i18n/index.ts";

// The app starts in French; unit tests read English (one test checks the French default).
beforeEach(async () => {
  await i18n.changeLanguage("en");
});

// Testing Library only unmounts automatically when test globals are on; ours are off.
afterEach(cleanup);

// findBy* waits for lazy chunks (the role's app, its screens) that a loaded 2-core CI machine
// can take seconds to import; 1 s (the default) made the sign-in test flaky there. A wait, not a timing target.
configure({ asyncUtilTimeout: 10_000 });

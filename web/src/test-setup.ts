import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import "fake-indexeddb/auto";
import { afterEach, beforeEach } from "vitest";
import { i18n } from "./i18n/index.ts";

// The app starts in French; unit tests read English (one test checks the French default).
beforeEach(async () => {
  await i18n.changeLanguage("en");
});

// Testing Library only unmounts automatically when test globals are on; ours are off.
afterEach(cleanup);

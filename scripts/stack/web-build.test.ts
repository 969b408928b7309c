/**
 * `npm start` rebuilds web/dist when anything the build reads is newer,
 * including what the app imports from outside web/ (types/database.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT } from "./config.ts";
import { WEB_BUILD_INPUTS, WEB_BUILD_OUTPUT, staleWebBuildInputs } from "./web-build.ts";

let root: string;
const t = (minutes: number) => new Date(Date.UTC(2026, 11, 3, 10, minutes));
function file(path: string, at: Date) {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, path);
  utimesSync(p, at, at);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "terrain-web-build-"));
  file("web/src/main.tsx", t(0));
  file("web/src/offline/db.ts", t(0));
  file("web/index.html", t(0));
  file("web/package.json", t(0));
  file("web/tsconfig.json", t(0));
  file("types/database.ts", t(0));
  file(WEB_BUILD_OUTPUT, t(5));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("web build staleness", () => {
  it("is fresh when the build is newer than every input", () => {
    expect(staleWebBuildInputs(root)).toEqual([]);
  });

  it("is stale when the generated database types changed after the build", () => {
    file("types/database.ts", t(10));
    expect(staleWebBuildInputs(root)).toEqual(["types/database.ts"]);
  });

  it("is stale when a source deep in web/src or a config changed", () => {
    file("web/src/offline/db.ts", t(10));
    file("web/tsconfig.json", t(10));
    expect(staleWebBuildInputs(root)).toEqual(["web/src", "web/tsconfig.json"]);
  });

  it("is stale, naming every input, when there is no build", () => {
    rmSync(join(root, WEB_BUILD_OUTPUT));
    expect(staleWebBuildInputs(root)).toEqual(["web/src", "web/index.html", "web/package.json", "web/tsconfig.json", "types/database.ts"]);
  });

  it("lists every file outside web/ that the app imports", () => {
    const outside = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(entry.name)) {
          for (const m of readFileSync(p, "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
            const target = relative(ROOT, resolve(dirname(p), m[1]!));
            if (!target.startsWith("web/")) outside.add(target);
          }
        }
      }
    };
    walk(join(ROOT, "web/src"));
    expect(outside.size, "the app imports something outside web/").toBeGreaterThan(0);
    expect([...outside].filter((p) => !WEB_BUILD_INPUTS.includes(p))).toEqual([]);
  });
});

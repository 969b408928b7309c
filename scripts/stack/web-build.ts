/**
 * When `npm start` rebuilds the PWA: web/dist is missing, or older than
 * anything the build reads. The build is `tsc --noEmit && vite build` (web/package.json),
 * so its inputs are the app's sources and configs AND what they import from
 * outside web/: the generated `Database` type (types/database.ts, rewritten
 * by `npm run db:types` after a migration), which a migration can change in a
 * way that no longer type-checks.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** What the web build reads, relative to the repository root. */
export const WEB_BUILD_INPUTS = [
  "web/src",
  "web/public",
  "web/index.html",
  "web/vite.config.ts",
  "web/package.json",
  "web/tsconfig.json",
  "types/database.ts",
];

/** The build's marker: every build writes it. */
export const WEB_BUILD_OUTPUT = "web/dist/index.html";

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The inputs newer than the build (all of them when there is no build); empty when it is fresh. */
export function staleWebBuildInputs(root: string): string[] {
  const inputs = WEB_BUILD_INPUTS.filter((p) => existsSync(join(root, p)));
  const output = join(root, WEB_BUILD_OUTPUT);
  if (!existsSync(output)) return inputs;
  const built = statSync(output).mtimeMs;
  return inputs.filter((p) => newestMtime(join(root, p)) > built);
}

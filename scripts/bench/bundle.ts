/**
 * Sizes of the built web app (web/dist), gzipped as the gateway serves them.
 *
 * "Initial" is what a first visit downloads before the app can paint: the
 * entry script index.html loads and every module it imports statically (Vite
 * lists those as <link rel="modulepreload">). Chunks loaded with import() —
 * the screens behind sign-in, the device database, workbox-window — are not
 * initial; they are precached by the service worker after the first load.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const INITIAL_JS_BUDGET_BYTES = 150_000;

export interface ChunkSize {
  file: string;
  bytes: number;
  gzipBytes: number;
  initial: boolean;
}

export interface BundleReport {
  chunks: ChunkSize[];
  initialJsGzipBytes: number;
  totalJsGzipBytes: number;
  cssGzipBytes: number;
}

export function bundleReport(dist: string): BundleReport {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const initial = new Set(
    [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\brel="modulepreload"[^>]*\bhref)="\/?([^"]+\.js)"/g)].map((m) => m[1]!),
  );
  if (initial.size === 0) throw new Error(`${dist}/index.html loads no script: is this a Vite build?`);
  const assets = readdirSync(join(dist, "assets"));
  const size = (file: string) => {
    const content = readFileSync(join(dist, file));
    return { bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  };
  const chunks = assets
    .filter((name) => name.endsWith(".js"))
    .map((name) => ({ file: `assets/${name}`, ...size(`assets/${name}`), initial: initial.has(`assets/${name}`) }))
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  const sum = (list: ChunkSize[]) => list.reduce((n, c) => n + c.gzipBytes, 0);
  return {
    chunks,
    initialJsGzipBytes: sum(chunks.filter((c) => c.initial)),
    totalJsGzipBytes: sum(chunks),
    cssGzipBytes: assets.filter((name) => name.endsWith(".css")).reduce((n, name) => n + size(`assets/${name}`).gzipBytes, 0),
  };
}

export function formatBundleReport(report: BundleReport): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  const lines = report.chunks.map((c) => `  ${c.initial ? "initial" : "lazy   "}  ${kb(c.gzipBytes).padStart(9)} gz  ${kb(c.bytes).padStart(9)}  ${c.file}`);
  return [
    `web bundle: initial JS ${kb(report.initialJsGzipBytes)} gz (budget ${kb(INITIAL_JS_BUDGET_BYTES)}), all JS ${kb(report.totalJsGzipBytes)} gz, CSS ${kb(report.cssGzipBytes)} gz`,
    ...lines,
  ].join("\n");
}

/**
 * Sizes of the built web app (web/dist), gzipped as the gateway serves them.
 *
 * "Initial" is what a first visit downloads before the app can paint: the
 * entry script index.html loads and every module it imports statically (Vite
 * lists those as <link rel="modulepreload">). Chunks loaded with import() —
 * the screens behind sign-in, the device database, workbox-window — are not
 * initial; they are precached by the service worker after the first load.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const INITIAL_JS_BUDGET_BYTES = 150_000;

export interface ChunkSize {
  file: string;
  bytes: number;
  gzipBytes: number;
  initial: boolean;
}

/** What opening one screen downloads beyond the initial JavaScript (gzipped), from Vite's chunk graph. */
export interface RouteSize {
  route: string;
  /** The lazy entries loaded for it, e.g. ["src/office/OfficeApp.tsx", "src/office/alerts/AlertsArea.tsx"]. */
  entries: string[];
  lazyJsGzipBytes: number;
}

export interface BundleReport {
  chunks: ChunkSize[];
  /** Per screen: empty when the build has no .vite/manifest.json. */
  routes: RouteSize[];
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
  // Chunks of the back office and the portal sit in assets/desk/ (web/vite.config.ts).
  const assets = readdirSync(join(dist, "assets"), { recursive: true, encoding: "utf8" });
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
    routes: routeSizes(dist, chunks),
    initialJsGzipBytes: sum(chunks.filter((c) => c.initial)),
    totalJsGzipBytes: sum(chunks),
    cssGzipBytes: assets.filter((name) => name.endsWith(".css")).reduce((n, name) => n + size(`assets/${name}`).gzipBytes, 0),
  };
}

interface ManifestChunk {
  file: string;
  src?: string;
  isDynamicEntry?: boolean;
  imports?: string[];
}

/**
 * Each app and back-office area is a dynamic entry (import()); what it costs is its
 * chunk plus every chunk it imports statically, less what the first paint already
 * loaded. An area's route also loads its app: /office/alerts = OfficeApp + AlertsArea.
 */
function routeSizes(dist: string, chunks: ChunkSize[]): RouteSize[] {
  const manifestPath = join(dist, ".vite", "manifest.json");
  if (!existsSync(manifestPath)) return [];
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, ManifestChunk>;
  const byFile = new Map(chunks.map((c) => [c.file, c]));
  const closure = (key: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(key) || !manifest[key]) return seen;
    seen.add(key);
    for (const imported of manifest[key]!.imports ?? []) closure(imported, seen);
    return seen;
  };
  const lazyBytes = (keys: string[]) => {
    const files = new Set<string>();
    for (const key of keys) for (const k of closure(key)) files.add(manifest[k]!.file);
    return [...files].reduce((n, file) => n + (byFile.get(file)?.initial ? 0 : (byFile.get(file)?.gzipBytes ?? 0)), 0);
  };
  const apps: Array<[string, string]> = [
    ["/ (technician)", "src/technician/TechnicianApp.tsx"],
    ["/office", "src/office/OfficeApp.tsx"],
    ["/portal", "src/portal/PortalApp.tsx"],
  ];
  const routes: RouteSize[] = apps
    .filter(([, key]) => manifest[key])
    .map(([route, key]) => ({ route, entries: [key], lazyJsGzipBytes: lazyBytes([key]) }));
  for (const [key, chunk] of Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b))) {
    const area = /^src\/office\/([^/]+)\/[^/]+Area\.tsx$/.exec(key);
    if (!area || !chunk.isDynamicEntry) continue;
    const entries = ["src/office/OfficeApp.tsx", key];
    routes.push({ route: `/office/${area[1]} (${key.split("/").pop()})`, entries, lazyJsGzipBytes: lazyBytes(entries) });
  }
  return routes;
}

export function formatBundleReport(report: BundleReport): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  const lines = report.chunks.map((c) => `  ${c.initial ? "initial" : "lazy   "}  ${kb(c.gzipBytes).padStart(9)} gz  ${kb(c.bytes).padStart(9)}  ${c.file}`);
  return [
    `web bundle: initial JS ${kb(report.initialJsGzipBytes)} gz (budget ${kb(INITIAL_JS_BUDGET_BYTES)}), all JS ${kb(report.totalJsGzipBytes)} gz, CSS ${kb(report.cssGzipBytes)} gz`,
    ...lines,
    ...(report.routes.length ? ["per screen, beyond the initial JS (gzipped):"] : []),
    ...report.routes.map((r) => `  ${kb(r.lazyJsGzipBytes).padStart(9)} gz  ${r.route}`),
  ].join("\n");
}

/**
 * The gateway's own answers outside the API: the built web app and the public
 * config it reads at start.
 */
import { statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import sirv from "sirv";
import type { StackConfig } from "../config.ts";
import type { ApiKeys } from "../keys.ts";
import { type Middleware, sendJson } from "./exchange.ts";
import { precompressDir } from "./precompress.ts";

/** Hashed by Vite (`/assets/index-B9a9O69I.js`): a new build gets new names, so these never change. */
const IMMUTABLE_ASSETS = /^\/assets\//;

/**
 * The built PWA (web/dist). Compression: the brotli/gzip twins written by
 * precompressDir, chosen by Accept-Encoding (sirv adds Content-Encoding and
 * Vary). Caching: hashed assets for a year, immutable; everything else —
 * index.html and the SPA routes it answers, sw.js, registerSW.js, the
 * manifest, icons — `no-cache`, i.e. revalidated by ETag on every use, so a
 * new build (and a new service worker) is picked up at once.
 *
 * sirv indexes the directory once, so a rebuild while the gateway runs
 * (`npm run build -w web` next to `npm start`) is noticed here: every request
 * compares the folders' modification times (three stat calls) with those of
 * the last index, and indexes again — twins included — once the build has
 * settled. While it is under way (index.html missing, or files written less
 * than SETTLE_MS ago) the answer is a 503 with Retry-After, never a crash.
 */
export function serveBuiltApp(webDist: string) {
  let current = indexBuild(webDist);
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const stamp = buildStamp(webDist);
    if (stamp?.key !== current.stamp?.key) {
      if (stamp === null || Date.now() - stamp.newestMs < SETTLE_MS) {
        return void sendJson(res, 503, { message: "The web app is being rebuilt; try again in a moment." }, { "retry-after": "1", "cache-control": "no-store" });
      }
      current = indexBuild(webDist);
    }
    // A file removed between the index and this read (a rebuild starting right now): the
    // read stream fails, and without a listener its error would take the whole gateway down.
    res.once("pipe", (source: NodeJS.ReadableStream) => source.once("error", () => res.destroy()));
    return current.serve(req, res, next);
  };
}

/** A build writes many files in a row: wait this long after the last change before indexing it. */
const SETTLE_MS = 750;

function indexBuild(webDist: string) {
  precompressDir(webDist);
  // The stamp is taken after the twins are written: writing them changes the folders' times.
  const stamp = buildStamp(webDist);
  const serve = sirv(webDist, {
    single: true,
    etag: true,
    brotli: true,
    gzip: true,
    setHeaders(res, pathname) {
      res.setHeader("cache-control", IMMUTABLE_ASSETS.test(pathname) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  return { stamp, serve };
}

/** What changes when a build adds, removes or rewrites the app's files; null while index.html is missing. */
function buildStamp(webDist: string): { key: string; newestMs: number } | null {
  const stats = (path: string) => statSync(path, { throwIfNoEntry: false });
  // Whole milliseconds: plenty to tell builds apart, and what every file system keeps.
  const mtime = (path: string) => {
    const found = stats(path);
    return found && Math.floor(found.mtimeMs);
  };
  const html = mtime(join(webDist, "index.html"));
  if (html === undefined) return null;
  const times = [html, mtime(webDist) ?? 0, mtime(join(webDist, "assets")) ?? 0];
  return { key: times.join(":"), newestMs: Math.max(...times) };
}

/** GET/HEAD of anything else: the app (SPA fallback), or a plain banner when it is not built, else 404. */
export function builtApp(serveWeb: ReturnType<typeof serveBuiltApp> | undefined): Middleware {
  return ({ req, res, url }) => {
    if (serveWeb && (req.method === "GET" || req.method === "HEAD")) {
      return serveWeb(req, res, () => void sendJson(res, 404, { message: "Not found" }));
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("Terrain API gateway. The web app is not built: npm run build -w web\n");
    }
    return notFound(res);
  };
}

export const notFound = (res: ServerResponse) => sendJson(res, 404, { message: "Not found" });

/**
 * /config.json: public values only, what any browser of the app may know —
 * including the VAPID public key the app subscribes to Web Push with
 * (`applicationServerKey`); its private half stays with the push function.
 */
export function publicConfig(cfg: StackConfig, keys: ApiKeys, vapidPublicKey?: string): Middleware {
  const body = { supabaseUrl: cfg.apiUrl, anonKey: keys.anonKey, ...(vapidPublicKey ? { vapidPublicKey } : {}) };
  return ({ res }) => sendJson(res, 200, body, { "cache-control": "no-store" });
}

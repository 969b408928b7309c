/**
 * The gateway's own answers outside the API: the built web app and the public
 * config it reads at start.
 */
import type { ServerResponse } from "node:http";
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
 * sirv indexes the directory once, here: rebuilding the app while the gateway
 * runs needs a restart (npm start rebuilds a stale app before starting).
 */
export function serveBuiltApp(webDist: string) {
  precompressDir(webDist);
  return sirv(webDist, {
    single: true,
    etag: true,
    brotli: true,
    gzip: true,
    setHeaders(res, pathname) {
      res.setHeader("cache-control", IMMUTABLE_ASSETS.test(pathname) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
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

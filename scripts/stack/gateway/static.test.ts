/**
 * The gateway serving the built web app: compressed by Accept-Encoding
 * (brotli, gzip, identity) with Vary, and cached forever only where the file
 * name carries a content hash.
 */
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_JWT_SECRET, loadConfig } from "../config.ts";
import { createGateway } from "./index.ts";
import { precompressDir } from "./precompress.ts";
import { apiKeys } from "../keys.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";
const dist = mkdtempSync(join(tmpdir(), "terrain-web-dist-"));
const appJs = `export const greeting = ${JSON.stringify("bonjour ".repeat(4000))};\n`.repeat(4);
const indexHtml = `<!doctype html><html><head><script type="module" src="/assets/index-B9a9O69I.js"></script></head><body>${"<div></div>".repeat(200)}</body></html>`;
let gateway: Server;
let port: number;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), indexHtml);
  writeFileSync(join(dist, "assets", "index-B9a9O69I.js"), appJs);
  writeFileSync(join(dist, "sw.js"), `self.addEventListener("fetch", () => {});\n`.repeat(60));
  writeFileSync(join(dist, "registerSW.js"), `navigator.serviceWorker.register("/sw.js");\n`.repeat(30));
  writeFileSync(join(dist, "manifest.webmanifest"), JSON.stringify({ name: "Terrain", icons: [] }));
  const cfg = loadConfig("dev", { stateDir: join(dist, ".state") });
  gateway = createGateway({
    cfg,
    keys: await apiKeys(LOCAL_DEV_JWT_SECRET),
    auth: async (_req, res) => void res.writeHead(501).end(),
    storage: async (_req, res) => void res.writeHead(501).end(),
    webDist: dist,
    log: () => {},
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  port = (gateway.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => gateway.close(resolve));
  rmSync(dist, { recursive: true, force: true });
});

describe("gateway: static web app", () => {
  it("brotli when the browser accepts it, with Vary and a year of immutable caching for hashed assets", async () => {
    const res = await get("/assets/index-B9a9O69I.js", "gzip, deflate, br");
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("br");
    expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
    expect(res.headers["cache-control"]).toBe(IMMUTABLE);
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.body.length).toBeLessThan(appJs.length / 4);
    expect(brotliDecompressSync(res.body).toString()).toBe(appJs);
  });

  it("gzip when only gzip is accepted, identity when nothing is", async () => {
    const gz = await get("/assets/index-B9a9O69I.js", "gzip");
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(String(gz.headers.vary)).toMatch(/accept-encoding/i);
    expect(gunzipSync(gz.body).toString()).toBe(appJs);

    const plain = await get("/assets/index-B9a9O69I.js");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(appJs);
    expect(plain.headers["cache-control"]).toBe(IMMUTABLE);
  });

  it("index.html, the service worker, its registration and the manifest are revalidated (no-cache)", async () => {
    for (const path of ["/", "/index.html", "/sw.js", "/registerSW.js", "/manifest.webmanifest", "/missions/42"]) {
      const res = await get(path, "br, gzip");
      expect(res.status, path).toBe(200);
      expect(res.headers["cache-control"], path).toBe("no-cache");
    }
    const index = await get("/", "br");
    expect(index.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(index.body).toString()).toBe(indexHtml);
  });

  it("compresses once per build: a second pass writes nothing", () => {
    expect(precompressDir(dist)).toBe(0);
  });

  it("a missing hashed asset is a 404, never index.html cached for a year", async () => {
    const res = await get("/assets/index-gone.js", "br");
    expect(res.status).toBe(404);
    expect(res.headers["cache-control"]).not.toBe(IMMUTABLE);
  });

  // The two tests below rebuild the app under the running gateway: they come last.
  it("a file removed after it was indexed aborts that one answer; the gateway keeps serving", async () => {
    const assets = join(dist, "assets");
    const before = statSync(assets);
    rmSync(join(assets, "index-B9a9O69I.js.br"));
    // Same folder times as before: the gateway has no reason to index again, so it reads a file that is gone.
    utimesSync(assets, before.atimeMs / 1000, before.mtimeMs / 1000);
    await expect(get("/assets/index-B9a9O69I.js", "br")).rejects.toThrow(/socket hang up|ECONNRESET/);
    const index = await get("/", "gzip");
    expect(index.status).toBe(200);
    expect(gunzipSync(index.body).toString()).toBe(indexHtml);
  });

  it("a rebuild while running: 503 with Retry-After while index.html is missing, then the new build, compressed", async () => {
    rmSync(join(dist, "index.html"));
    rmSync(join(dist, "assets"), { recursive: true });
    const during = await get("/", "br");
    expect(during.status).toBe(503);
    expect(during.headers["retry-after"]).toBe("1");
    expect(JSON.parse(during.body.toString())).toEqual({ message: "The web app is being rebuilt; try again in a moment." });

    const newJs = appJs.replace("bonjour", "bonsoir");
    const newHtml = indexHtml.replace("index-B9a9O69I.js", "index-C0ffee00.js");
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "assets", "index-C0ffee00.js"), newJs);
    writeFileSync(join(dist, "index.html"), newHtml);
    // Indexed again once the build has settled: poll, as a browser honouring Retry-After would.
    let res = await get("/assets/index-C0ffee00.js", "br");
    for (let i = 0; i < 100 && res.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      res = await get("/assets/index-C0ffee00.js", "br");
    }
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(res.body).toString()).toBe(newJs);
    expect(brotliDecompressSync((await get("/", "br")).body).toString()).toBe(newHtml);
    expect((await get("/assets/index-B9a9O69I.js", "br")).status).toBe(404);
  });
});

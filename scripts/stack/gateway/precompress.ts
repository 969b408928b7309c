/**
 * Brotli and gzip twins of the built web app's text files (`app.js` →
 * `app.js.br`, `app.js.gz`), written once per build so the gateway never
 * compresses per request: sirv serves the twin the browser accepts, with
 * `Content-Encoding` and `Vary: Accept-Encoding`.
 *
 * Idempotent: a twin newer than its source is kept, so after the first start
 * following a build this only stats files. Twins that would not be smaller
 * are not written (sirv then serves the original).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** Text formats a browser fetches; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt|xml|map|wasm)$/i;
/** Below this, the headers outweigh the saving. */
const MIN_BYTES = 1024;

const ENCODERS: ReadonlyArray<[suffix: string, encode: (data: Buffer) => Buffer]> = [
  [".br", (data) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })],
  [".gz", (data) => gzipSync(data, { level: constants.Z_BEST_COMPRESSION })],
];

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

function isFresh(twin: string, sourceMtimeMs: number): boolean {
  try {
    return statSync(twin).mtimeMs >= sourceMtimeMs;
  } catch {
    return false;
  }
}

/** Writes the missing or stale twins under `dir`; returns how many were written. */
export function precompressDir(dir: string): number {
  let written = 0;
  for (const file of files(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const stats = statSync(file);
    if (stats.size < MIN_BYTES) continue;
    let data: Buffer | undefined;
    for (const [suffix, encode] of ENCODERS) {
      if (isFresh(file + suffix, stats.mtimeMs)) continue;
      data ??= readFileSync(file);
      const encoded = encode(data);
      if (encoded.length >= data.length) continue;
      writeFileSync(file + suffix, encoded);
      written++;
    }
  }
  return written;
}

#!/usr/bin/env node
/**
 * Writes the app icons (public/icons/icon.svg, icon-192.png, icon-512.png) from one
 * geometry, with no image library: two mountains on the brand green.
 * The shapes stay inside the central 80% circle, so the 512 PNG is also a valid
 * maskable icon (launchers may crop to a circle or a squircle).
 * Run: node web/scripts/generate-icons.mjs   (outputs are committed; rerun after a change)
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");
const BACKGROUND = [0x1f, 0x51, 0x35];
// Coordinates on a 512 × 512 canvas; later shapes are painted over earlier ones.
const SHAPES = [
  { color: [0x9f, 0xc9, 0xa8], points: [[250, 362], [330, 222], [410, 362]] }, // far hill, light green
  { color: [0xff, 0xff, 0xff], points: [[104, 362], [214, 150], [324, 362]] }, // main peak, white
];

function svg() {
  const polygons = SHAPES.map(
    ({ color, points }) => `  <polygon fill="${hex(color)}" points="${points.map((p) => p.join(",")).join(" ")}"/>`,
  ).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">
  <rect width="512" height="512" rx="96" fill="${hex(BACKGROUND)}"/>
${polygons}
</svg>
`;
}

function hex(rgb) {
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function insideTriangle(x, y, [[ax, ay], [bx, by], [cx, cy]]) {
  const d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by);
  const d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy);
  const d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay);
  const hasNegative = d1 < 0 || d2 < 0 || d3 < 0;
  const hasPositive = d1 > 0 || d2 > 0 || d3 > 0;
  return !(hasNegative && hasPositive);
}

/** RGB pixels, 4×4 supersampled for smooth edges. The PNG is full-bleed (no rounded corners) for maskable use. */
function rasterise(size) {
  const scale = 512 / size;
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 3);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) * scale;
          const y = (py + (sy + 0.5) / samples) * scale;
          let color = BACKGROUND;
          for (const shape of SHAPES) if (insideTriangle(x, y, shape.points)) color = shape.color;
          for (let c = 0; c < 3; c++) sum[c] += color[c];
        }
      }
      for (let c = 0; c < 3; c++) pixels[(py * size + px) * 3 + c] = Math.round(sum[c] / samples ** 2);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function png(size) {
  const pixels = rasterise(size);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour RGB
  // bytes 10–12: compression, filter, interlace = 0
  const rowLength = size * 3;
  const raw = Buffer.alloc((rowLength + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (rowLength + 1)] = 0; // filter: none
    pixels.copy(raw, y * (rowLength + 1) + 1, y * rowLength, (y + 1) * rowLength);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "icon.svg"), svg());
for (const size of [192, 512]) writeFileSync(join(outDir, `icon-${size}.png`), png(size));
console.log(`icons written to ${outDir}`);

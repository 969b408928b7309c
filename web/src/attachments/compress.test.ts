import { describe, expect, it } from "vitest";
import { compressToLimit, fitWithin, MAX_DIMENSION, MAX_PHOTO_BYTES, PhotoTooLargeError, type JpegEncoder, type Size } from "./compress.ts";

/**
 * A JPEG encoder whose output grows with the pixels and the quality, as a real
 * one does (bytes per pixel at quality 1), recording every size it was asked for.
 */
function encoderOf(bytesPerPixelAtFullQuality: number) {
  const calls: Array<{ size: Size; quality: number }> = [];
  const encode: JpegEncoder = async (size, quality) => {
    calls.push({ size, quality });
    return new Blob([new Uint8Array(Math.ceil(size.width * size.height * bytesPerPixelAtFullQuality * quality))], { type: "image/jpeg" });
  };
  return { encode, calls };
}

describe("fitWithin", () => {
  it("brings the longer side down to the limit and keeps the aspect ratio", () => {
    expect(fitWithin({ width: 4000, height: 3000 }, 1600)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin({ width: 3000, height: 4000 }, 1600)).toEqual({ width: 1200, height: 1600 });
  });
  it("never enlarges a small photo", () => {
    expect(fitWithin({ width: 800, height: 600 }, 1600)).toEqual({ width: 800, height: 600 });
  });
});

describe("compressToLimit", () => {
  it("a 12-megapixel photo comes out at most 1600 px and strictly under 1 MB, at the best quality that fits", async () => {
    const { encode, calls } = encoderOf(0.5);
    const result = await compressToLimit({ width: 4000, height: 3000 }, encode);
    expect(Math.max(result.size.width, result.size.height)).toBeLessThanOrEqual(MAX_DIMENSION);
    expect(result.blob.size).toBeLessThan(MAX_PHOTO_BYTES);
    expect(result.blob.size).toBeGreaterThan(0);
    // 1600×1200 × 0.5 × 0.85 = 816,000 bytes: the first quality fits, nothing else tried.
    expect(calls).toEqual([{ size: { width: 1600, height: 1200 }, quality: 0.85 }]);
  });

  it("lowers the quality, then the dimensions, until the photo fits", async () => {
    const { encode, calls } = encoderOf(2);
    const result = await compressToLimit({ width: 4000, height: 3000 }, encode);
    expect(result.blob.size).toBeLessThan(MAX_PHOTO_BYTES);
    expect(calls.length).toBeGreaterThan(5);
    // Every quality at 1600 px was tried before going smaller.
    expect(calls.slice(0, 5).map((c) => c.size.width)).toEqual([1600, 1600, 1600, 1600, 1600]);
    expect(result.size.width).toBeLessThan(1600);
    // The last attempt is the one kept, and every earlier one was too large.
    for (const call of calls.slice(0, -1)) expect(call.size.width * call.size.height * 2 * call.quality).toBeGreaterThanOrEqual(MAX_PHOTO_BYTES);
  });

  it("refuses with a clear error rather than sending a useless smudge", async () => {
    // A limit no photo of at least 320 px can meet (kept small so the test allocates little).
    const { encode, calls } = encoderOf(0.5);
    await expect(compressToLimit({ width: 4000, height: 3000 }, encode, { maxBytes: 1_000 })).rejects.toBeInstanceOf(PhotoTooLargeError);
    expect(Math.min(...calls.map((c) => Math.max(c.size.width, c.size.height)))).toBeGreaterThanOrEqual(320);
  });
});

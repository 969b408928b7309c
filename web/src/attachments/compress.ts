/**
 * Photos are made small on the phone before they wait in the outbox: a phone
 * camera gives 3–12 MB, the network on site is slow, and IndexedDB space is
 * the device's. A photo is re-encoded as JPEG, its longer side at most
 * MAX_DIMENSION pixels, under MAX_PHOTO_BYTES: the best quality that fits
 * first, then smaller dimensions if no quality does.
 */

/** Strictly under 1 MB. */
export const MAX_PHOTO_BYTES = 1_000_000;
export const MAX_DIMENSION = 1600;
/** Below this the photo is no longer useful: refuse rather than send a smudge. */
export const MIN_DIMENSION = 320;
export const QUALITIES = [0.85, 0.75, 0.65, 0.5, 0.4] as const;

export class PhotoTooLargeError extends Error {
  override name = "PhotoTooLargeError";
}

/**
 * What the device itself could not do with a photo: read the image (a format
 * its browser does not decode), draw it (no 2D canvas), or encode it as JPEG.
 * The message stays in English for logs and support; the photo screen says
 * `failure` in the technician's words (i18n/deviceFailures.ts).
 */
export type PhotoFailure = "unreadable" | "no_canvas" | "not_encoded";
export class PhotoPreparationError extends Error {
  override name = "PhotoPreparationError";
  constructor(
    readonly failure: PhotoFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface Size {
  width: number;
  height: number;
}

/** The size that keeps the aspect ratio with the longer side at most `max` (never enlarged). */
export function fitWithin({ width, height }: Size, max: number): Size {
  const longer = Math.max(width, height);
  if (longer <= max) return { width, height };
  const scale = max / longer;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Draws the source at this size and encodes it as JPEG at this quality. */
export type JpegEncoder = (size: Size, quality: number) => Promise<Blob>;

export interface CompressOptions {
  maxBytes?: number;
  maxDimension?: number;
}

/** The encoding search, apart from the canvas so it can be tested anywhere. */
export async function compressToLimit(source: Size, encode: JpegEncoder, options: CompressOptions = {}): Promise<{ blob: Blob; size: Size; quality: number }> {
  const maxBytes = options.maxBytes ?? MAX_PHOTO_BYTES;
  let longest = options.maxDimension ?? MAX_DIMENSION;
  while (longest >= MIN_DIMENSION) {
    const size = fitWithin(source, longest);
    for (const quality of QUALITIES) {
      const blob = await encode(size, quality);
      if (blob.size < maxBytes) return { blob, size, quality };
    }
    longest = Math.floor(longest * 0.75);
  }
  throw new PhotoTooLargeError(`The photo cannot be made smaller than ${maxBytes} bytes`);
}

/** Draws `source` on a canvas of the asked size and encodes it as JPEG. */
export function canvasJpegEncoder(source: CanvasImageSource): JpegEncoder {
  return (size, quality) => {
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext("2d");
    if (!context) return Promise.reject(new PhotoPreparationError("no_canvas", "No 2D canvas on this device"));
    // JPEG has no transparency: a transparent PNG would turn black.
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size.width, size.height);
    context.drawImage(source, 0, 0, size.width, size.height);
    return new Promise((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new PhotoPreparationError("not_encoded", "The photo could not be encoded"))),
        "image/jpeg",
        quality,
      ),
    );
  };
}

/** A photo (from the file input) as a JPEG under the limit, drawn on a canvas. */
export async function compressPhoto(file: Blob, options: CompressOptions = {}): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    // from-image: the camera's EXIF orientation is applied, so portrait photos stay upright.
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (cause) {
    throw new PhotoPreparationError("unreadable", "The image could not be decoded on this device", { cause });
  }
  try {
    return (await compressToLimit({ width: bitmap.width, height: bitmap.height }, canvasJpegEncoder(bitmap), options)).blob;
  } finally {
    bitmap.close();
  }
}

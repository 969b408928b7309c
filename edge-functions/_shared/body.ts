/**
 * Reading a request body within a byte limit, without dependencies: the
 * functions runtime (_main) uses it for bodies that declare no length, and
 * functions with a tighter limit of their own (events) use it too.
 */

/**
 * The whole body, or null as soon as it passes `limit` bytes (the rest is
 * cancelled, never buffered), so the caller can answer 413.
 */
export async function readBodyWithin(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

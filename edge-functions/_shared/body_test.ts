import assert from "node:assert/strict";
import { readBodyWithin } from "./body.ts";

const streamOf = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
      controller.close();
    },
  });

Deno.test("readBodyWithin: a body at the limit comes back whole, chunks joined in order", async () => {
  const bytes = await readBodyWithin(streamOf("abc", "def"), 6);
  assert.equal(new TextDecoder().decode(bytes!), "abcdef");
});

Deno.test("readBodyWithin: one byte over the limit is null", async () => {
  assert.equal(await readBodyWithin(streamOf("abc", "defg"), 6), null);
});

Deno.test("readBodyWithin: an empty body is empty, not null", async () => {
  assert.equal((await readBodyWithin(streamOf(), 0))!.byteLength, 0);
});

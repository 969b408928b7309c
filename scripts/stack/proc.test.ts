import { describe, expect, it } from "vitest";
import { runAsync } from "./proc.ts";

describe("runAsync", () => {
  it("keeps a character whose UTF-8 bytes arrive in two reads whole (an em dash in a pg_dump, a French message)", async () => {
    // "—" is E2 80 94: the child writes its first byte, waits, then the other two.
    const script =
      "process.stdout.write(Buffer.from([0x61, 0xe2])); process.stderr.write(Buffer.from([0xc3]));" +
      "setTimeout(() => { process.stdout.write(Buffer.from([0x80, 0x94, 0x62])); process.stderr.write(Buffer.from([0xa9])); }, 100);";
    const r = await runAsync(process.execPath, ["-e", script]);
    expect(r).toEqual({ code: 0, stdout: "a—b", stderr: "é" });
  });
});

import { describe, expect, it } from "vitest";
import { parseDecimal } from "./parseDecimal.ts";

describe("parseDecimal", () => {
  it("reads a French or an English decimal, spaces ignored", () => {
    expect(parseDecimal("2,5")).toBe(2.5);
    expect(parseDecimal("2.5")).toBe(2.5);
    expect(parseDecimal(" 12 ")).toBe(12);
    expect(parseDecimal("1 250,75")).toBe(1250.75);
    expect(parseDecimal(",5")).toBe(0.5);
    expect(parseDecimal("-3")).toBe(-3);
  });

  it("is null for what is not a number", () => {
    for (const typed of ["", " ", "abc", "1,2,3", "2,,5", "1.2.3", "1e3", "Infinity", "NaN", "0x10", "2,5 kg", "-"]) {
      expect(parseDecimal(typed), typed).toBeNull();
    }
  });
});

describe("one parseDecimal for every screen", () => {
  it("is the helper the office's ui kit hands out", async () => {
    const officeUi = await import("../office/ui/format.ts");
    expect(officeUi.parseDecimal).toBe(parseDecimal);
  });
});

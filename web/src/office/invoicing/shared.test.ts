import { describe, expect, it } from "vitest";
import { parseEuros } from "./shared.tsx";

describe("parseEuros", () => {
  it("reads euros typed the French or the English way", () => {
    expect(parseEuros("12,50")).toBe(1250);
    expect(parseEuros("12.5")).toBe(1250);
    expect(parseEuros("1 234,56 €")).toBe(123456);
    expect(parseEuros("0,07")).toBe(7);
    expect(parseEuros("120")).toBe(12000);
  });

  it("refuses what is not an amount in cents", () => {
    expect(parseEuros("")).toBeNull();
    expect(parseEuros("abc")).toBeNull();
    expect(parseEuros("1,234")).toBeNull();
    expect(parseEuros("1e3")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { intervalMinutes, toDuration, toInterval } from "./duration.ts";

describe("alert setting durations", () => {
  it("reads the intervals PostgREST returns", () => {
    expect(intervalMinutes("04:00:00")).toBe(240);
    expect(intervalMinutes("00:30:00")).toBe(30);
    expect(intervalMinutes("1 day")).toBe(1440);
    expect(intervalMinutes("2 days 03:00:00")).toBe(2 * 1440 + 180);
    expect(intervalMinutes(null)).toBeNull();
    expect(intervalMinutes("1 mon")).toBeNull();
  });

  it("shows the largest exact unit", () => {
    expect(toDuration(240)).toEqual({ amount: "4", unit: "hours" });
    expect(toDuration(90)).toEqual({ amount: "90", unit: "minutes" });
    expect(toDuration(2880)).toEqual({ amount: "2", unit: "days" });
    expect(toDuration(null)).toEqual({ amount: "", unit: "hours" });
  });

  it("sends what was typed, or null for an empty field", () => {
    expect(toInterval("90", "minutes")).toBe("90 minutes");
    expect(toInterval(" ", "hours")).toBeNull();
    expect(toInterval("-1", "hours")).toBe("-1 hours");
  });
});

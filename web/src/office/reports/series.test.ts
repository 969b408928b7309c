import { describe, expect, it } from "vitest";
import { alertsSeries, isoDay, monthStart } from "./series.ts";

describe("report series", () => {
  it("counts alerts fired per day and severity, days in order, zeros where none", () => {
    const { days, series } = alertsSeries([
      { day: "2026-12-02", severity: "warning", fired: 2 },
      { day: "2026-12-01", severity: "critical", fired: 1 },
      { day: "2026-12-02", severity: "critical", fired: 3 },
      { day: "2026-12-01", severity: "info", fired: 0 },
    ]);
    expect(days).toEqual(["2026-12-01", "2026-12-02"]);
    expect(series).toEqual([
      { severity: "critical", values: [1, 3] },
      { severity: "warning", values: [0, 2] },
      { severity: "info", values: [0, 0] },
    ]);
  });

  it("computes local calendar days and month starts across year ends", () => {
    const today = new Date(2026, 0, 15, 23, 30);
    expect(isoDay(today)).toBe("2026-01-15");
    expect(isoDay(today, -20)).toBe("2025-12-26");
    expect(monthStart(today)).toBe("2026-01-01");
    expect(monthStart(today, -11)).toBe("2025-02-01");
  });
});

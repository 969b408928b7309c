import { describe, expect, it } from "vitest";
import { backupsToKeep, isoWeekKey } from "./retention.ts";

const at = (iso: string, name = iso) => ({ name, createdAt: new Date(iso) });

describe("backup retention", () => {
  it("keeps the newest backup of each of the last N days", () => {
    const backups = [
      at("2026-12-03T02:00:00Z"),
      at("2026-12-03T14:00:00Z"),
      at("2026-12-02T02:00:00Z"),
      at("2026-12-01T02:00:00Z"),
      at("2026-11-30T02:00:00Z"),
    ];
    expect([...backupsToKeep(backups, { daily: 3, weekly: 0 })].sort()).toEqual(
      ["2026-12-01T02:00:00Z", "2026-12-02T02:00:00Z", "2026-12-03T14:00:00Z"],
    );
  });

  it("keeps the newest backup of each of the last M ISO weeks besides the dailies", () => {
    // Weeks: 2026-W49 (Nov 30 – Dec 6), W48, W47, W46.
    const backups = [
      at("2026-12-03T02:00:00Z"),
      at("2026-11-29T02:00:00Z"), // W48, its newest
      at("2026-11-24T02:00:00Z"), // W48
      at("2026-11-20T02:00:00Z"), // W47
      at("2026-11-10T02:00:00Z"), // W46
    ];
    expect([...backupsToKeep(backups, { daily: 1, weekly: 3 })].sort()).toEqual(
      ["2026-11-20T02:00:00Z", "2026-11-29T02:00:00Z", "2026-12-03T02:00:00Z"],
    );
  });

  it("always keeps the newest backup, even with zero days and weeks", () => {
    expect([...backupsToKeep([at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z")], { daily: 0, weekly: 0 })]).toEqual([
      "2026-12-02T00:00:00Z",
    ]);
    expect(backupsToKeep([], { daily: 7, weekly: 4 }).size).toBe(0);
  });

  it("numbers weeks as ISO 8601 does across a year boundary", () => {
    expect(isoWeekKey(new Date("2026-12-31T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeekKey(new Date("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeekKey(new Date("2027-01-04T12:00:00Z"))).toBe("2027-W01");
    expect(isoWeekKey(new Date("2026-01-01T12:00:00Z"))).toBe("2026-W01");
  });
});

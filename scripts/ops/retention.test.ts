import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { pruneBackups } from "./backup.ts";
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

describe("pruneBackups", () => {
  function fakeBackup(root: string, createdAt: string) {
    const name = `terrain-postgres-${createdAt.replace(/[-:]/g, "").replace(/\.(\d{3})Z$/, "$1Z")}`;
    const manifest = {
      format: "terrain-backup/1",
      createdAt,
      source: { database: "postgres", cronDatabase: "postgres" },
      dump: { file: "database.dump", bytes: 0, sha256: "0".repeat(64) },
      databaseSettings: [],
      state: { tables: {}, migrations: [], cronJobs: [], healthChecks: [], invoiceChains: {} },
    };
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "manifest.json"), JSON.stringify(manifest));
    return name;
  }

  it("deletes only complete backups outside the policy, never other directories", () => {
    const root = mkdtempSync(join(tmpdir(), "terrain-retention-"));
    try {
      const names = ["2026-11-29T02:00:00.000Z", "2026-11-30T02:00:00.000Z", "2026-12-01T02:00:00.000Z", "2026-12-02T02:00:00.000Z"].map((d) => fakeBackup(root, d));
      mkdirSync(join(root, "terrain-postgres-20261101T000000000Z.partial"));
      mkdirSync(join(root, "my-notes"));
      const deleted = pruneBackups(root, { daily: 2, weekly: 0 }).map((p) => basename(p)).sort();
      expect(deleted).toEqual([names[0], names[1]]);
      expect(readdirSync(root).sort()).toEqual([names[2], names[3], "my-notes", "terrain-postgres-20261101T000000000Z.partial"].sort());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

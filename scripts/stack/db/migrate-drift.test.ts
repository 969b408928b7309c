import { describe, expect, it } from "vitest";
import { driftMessage } from "./migrate.ts";

describe("the message when the database and supabase/migrations disagree", () => {
  it("names an edited applied file and says to write a new migration", () => {
    const m = driftMessage([{ file: "20260101000000_first.sql", applied: "a".repeat(64), onDisk: "b".repeat(64) }], []);
    expect(m).toMatch(/20260101000000_first\.sql was changed after it was applied/);
    expect(m).toMatch(/restore the file and write a new migration/);
    expect(m).not.toMatch(/db:reset/);
  });

  it("names a vanished applied migration and says to run npm run db:reset", () => {
    const m = driftMessage([], ["20260102000000"]);
    expect(m).toMatch(/Migration 20260102000000 is applied in the database but missing from supabase\/migrations/);
    expect(m).toMatch(/npm run db:reset/);
  });

  it("summarises a rewritten history (many vanished files) in a few lines, then the fix", () => {
    const missing = Array.from({ length: 76 }, (_, i) => `202611220${String(i).padStart(5, "0")}`);
    const m = driftMessage([], missing);
    expect(m.split("\n").length).toBeLessThanOrEqual(6);
    expect(m).toMatch(/76 migrations applied in the database are missing from supabase\/migrations \(20261122000000 … 20261122000075\)/);
    expect(m).toMatch(/npm run db:reset/);
  });

  it("treats baselines changed together with vanished files as one rewrite (a fold): reset, not restore", () => {
    const changed = [
      { file: "20261201013000_alerts.sql", applied: "a".repeat(64), onDisk: "b".repeat(64) },
      { file: "20261201014000_ops.sql", applied: "c".repeat(64), onDisk: "d".repeat(64) },
    ];
    const m = driftMessage(changed, ["20261203150000", "20261203170000"]);
    expect(m).toMatch(/20261201013000_alerts\.sql and 20261201014000_ops\.sql changed after they were applied/);
    expect(m).toMatch(/folded/);
    expect(m).not.toMatch(/restore the file/);
    expect(m).toMatch(/npm run db:reset/);
  });
});

import { describe, expect, it } from "vitest";
import { diffLines } from "./diff.ts";

describe("diffLines", () => {
  it("shows an update as old → new per changed column, sorted by column", () => {
    expect(diffLines("update", { notes: { old: "a", new: "b" }, amount_cents: { old: 100, new: null } })).toEqual([
      { column: "amount_cents", old: "100", new: null },
      { column: "notes", old: "a", new: "b" },
    ]);
  });

  it("shows an insert or a delete as the row image", () => {
    expect(diffLines("insert", { id: "x", tags: ["a"] })).toEqual([
      { column: "id", value: "x" },
      { column: "tags", value: '["a"]' },
    ]);
    expect(diffLines("delete", { name: null })).toEqual([{ column: "name", value: null }]);
  });

  it("shows a named operation's object as values, even when called update-like", () => {
    expect(diffLines("audit_export", { format: "csv", rows: 3 })).toEqual([
      { column: "format", value: "csv" },
      { column: "rows", value: "3" },
    ]);
    expect(diffLines("update", { weird: "shape" })).toEqual([{ column: "weird", value: "shape" }]);
  });

  it("copes with no diff", () => {
    expect(diffLines("update", null)).toEqual([]);
  });
});

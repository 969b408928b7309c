import { describe, expect, it } from "vitest";
import { groupResults, moveActive, safeOfficePath, type SearchRow } from "./results.ts";

const row = (kind: string, title: string, rank: number): SearchRow => ({
  kind,
  id: `00000000-0000-4000-8000-${String(rank * 1000).padStart(12, "0")}`,
  title,
  subtitle: null,
  url_hint: `/office/${kind}s/00000000-0000-4000-8000-000000000001`,
  rank,
});

describe("groupResults", () => {
  it("groups by kind in a fixed order, keeps the database's order inside a group and numbers rows across groups", () => {
    const { groups, flat } = groupResults([
      row("client", "Syndic Lumière", 0.9),
      row("mission", "Purge des radiateurs", 0.8),
      row("invoice", "FAC-2026-00004", 0.7),
      row("mission", "Urgence : fuite", 0.6),
    ]);
    expect(groups.map((g) => g.kind)).toEqual(["mission", "client", "invoice"]);
    expect(groups[0]!.rows.map((r) => [r.row.title, r.index])).toEqual([
      ["Purge des radiateurs", 0],
      ["Urgence : fuite", 1],
    ]);
    expect(flat.map((r) => r.title)).toEqual(["Purge des radiateurs", "Urgence : fuite", "Syndic Lumière", "FAC-2026-00004"]);
  });

  it("leaves out kinds it does not know", () => {
    expect(groupResults([row("contract", "CE-MAINT", 1)]).flat).toEqual([]);
  });
});

describe("moveActive", () => {
  it("walks down and up, wrapping at both ends", () => {
    expect(moveActive(-1, 3, "ArrowDown")).toBe(0);
    expect(moveActive(-1, 3, "ArrowUp")).toBe(2);
    expect(moveActive(2, 3, "ArrowDown")).toBe(0);
    expect(moveActive(0, 3, "ArrowUp")).toBe(2);
    expect(moveActive(1, 3, "Home")).toBe(0);
    expect(moveActive(1, 3, "End")).toBe(2);
    expect(moveActive(0, 0, "ArrowDown")).toBe(-1);
  });
});

describe("safeOfficePath", () => {
  it("follows back-office paths only", () => {
    expect(safeOfficePath("/office/missions/a0000000-0000-4000-8000-000000002003")).toBe(
      "/office/missions/a0000000-0000-4000-8000-000000002003",
    );
    expect(safeOfficePath("https://evil.example/office/missions/x")).toBeNull();
    expect(safeOfficePath("/office/missions/../../admin")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { renderPermissionsDoc, type MatrixRow, type PermissionMatrix } from "./permissions.ts";

const rows: MatrixRow[] = [
  { table_name: "public.missions", role: "owner", operation: "select", scope: "org", note: null },
  { table_name: "public.missions", role: "owner", operation: "update", scope: "org", note: "Planning columns only." },
  { table_name: "public.missions", role: "dispatcher", operation: "update", scope: "org", note: "Planning columns only." },
  { table_name: "public.missions", role: "technician", operation: "select", scope: "assigned", note: "Their missions." },
  { table_name: "public.clients", role: "client", operation: "select", scope: "client", note: "Their | own client." },
  { table_name: "public.profiles", role: "client", operation: "select", scope: "own", note: null },
  { table_name: "public.profiles", role: "owner", operation: "select", scope: "org", note: null },
  { table_name: "public.profiles", role: "owner", operation: "update", scope: "own", note: null },
];
const matrix: PermissionMatrix = { rows, closed: [{ table_name: "public.idempotency_keys", reason: "Internal bookkeeping." }] };

describe("renderPermissionsDoc", () => {
  it("is deterministic: the order of the matrix rows does not matter", () => {
    const shuffled = { ...matrix, rows: [...rows].reverse() };
    expect(renderPermissionsDoc(shuffled)).toBe(renderPermissionsDoc(matrix));
  });

  it("lists tables alphabetically, one role column each, — for denied", () => {
    const doc = renderPermissionsDoc(matrix);
    const overview = doc.split("\n").filter((l) => l.startsWith("| `public."));
    expect(overview).toEqual([
      "| `public.clients` | — | — | — | — | — | S: client | — |",
      "| `public.missions` | S U: org | — | U: org | S: assigned | — | — | — |",
      "| `public.profiles` | S: org · U: own | — | — | — | — | S: own | — |",
      "| `public.idempotency_keys` | closed | closed | closed | closed | closed | closed | closed |",
    ]);
  });

  it("has a role × operation table per table, with the notes grouped by operation and text", () => {
    const doc = renderPermissionsDoc(matrix);
    expect(doc).toContain(["### `public.missions`", "", "| role | select | insert | update | delete |", "| --- | --- | --- | --- | --- |",
      "| owner | org | — | org | — |", "| admin | — | — | — | — |", "| dispatcher | — | — | org | — |",
      "| technician | assigned | — | — | — |"].join("\n"));
    expect(doc).toContain("- **select** (technician): Their missions.\n- **update** (owner, dispatcher): Planning columns only.");
    expect(doc).toContain("- **select** (client): Their \\| own client.");
    expect(doc).toContain("## Closed to every API role");
    expect(doc).toContain("- `public.idempotency_keys`: Internal bookkeeping.");
    expect(doc.endsWith("\n")).toBe(true);
  });

  it("refuses a role it does not know (the doc would silently drop it)", () => {
    expect(() =>
      renderPermissionsDoc({ rows: [{ table_name: "public.x", role: "auditor", operation: "select", scope: "org", note: null }], closed: [] }),
    ).toThrow(/Unknown roles in the matrix: auditor/);
  });
});

import { describe, expect, it } from "vitest";
import {
  DETAILS_WIDTH,
  exitCodeFor,
  formatDetails,
  formatTable,
  type HealthRow,
  redactUrl,
  shorten,
  summaryLine,
} from "./health.ts";

const rows: HealthRow[] = [
  { name: "timesheets_unapproved_30d", period: "weekly", ok: true, count: "0", details: { ids: [] } },
  { name: "stock_negative", period: "daily", ok: true, count: "0", details: { ids: [] } },
  {
    name: "invoice_chain",
    period: "daily",
    ok: false,
    count: "12",
    details: { broken: [{ org_id: "a0000000-0000-4000-8000-0000000000a0", reason: "prev_hash does not match the row_hash of the previous document" }] },
  },
];

describe("health CLI formatting", () => {
  it("prints an aligned table, daily checks before weekly ones", () => {
    const lines = formatTable(rows).split("\n");
    expect(lines[0]).toMatch(/^CHECK\s+PERIOD\s+STATUS\s+COUNT\s+DETAILS$/);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      "CHECK",
      "stock_negative",
      "invoice_chain",
      "timesheets_unapproved_30d",
    ]);
    // Every column starts at the same offset on every line.
    const statusAt = lines[0]!.indexOf("STATUS");
    expect(lines[1]!.slice(statusAt, statusAt + 2)).toBe("OK");
    expect(lines[2]!.slice(statusAt, statusAt + 4)).toBe("FAIL");
    const detailsAt = lines[0]!.indexOf("DETAILS");
    expect(lines[2]!.slice(detailsAt)).toMatch(/^\{"broken":/);
    // Counts are right-aligned.
    const countEnd = lines[0]!.indexOf("COUNT") + "COUNT".length;
    expect(lines[1]!.slice(countEnd - 1, countEnd)).toBe("0");
    expect(lines[2]!.slice(countEnd - 2, countEnd)).toBe("12");
  });

  it("shortens long details to one line with an ellipsis", () => {
    const long = formatDetails(rows[2]!.details);
    expect(long.length).toBe(DETAILS_WIDTH);
    expect(long.endsWith("…")).toBe(true);
    expect(shorten("a\n  b")).toBe("a b");
    expect(shorten("abcdef", 4)).toBe("abc…");
    expect(formatDetails({})).toBe("");
    expect(formatDetails(null)).toBe("");
    expect(formatDetails({ note: "no attachments table" })).toBe('{"note":"no attachments table"}');
  });

  it("exits 1 on any failure, 0 when all pass, with a summary", () => {
    expect(exitCodeFor(rows)).toBe(1);
    expect(exitCodeFor(rows.filter((r) => r.ok))).toBe(0);
    expect(summaryLine(rows)).toBe("1 of 3 checks fail: invoice_chain");
    expect(summaryLine(rows.filter((r) => r.ok))).toBe("all 2 checks pass");
  });

  it("never prints the database password", () => {
    expect(redactUrl("postgresql://postgres:s3cret@127.0.0.1:54322/postgres")).toBe(
      "postgresql://postgres:***@127.0.0.1:54322/postgres",
    );
  });
});

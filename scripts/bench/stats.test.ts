import { describe, expect, it } from "vitest";
import {
  compareFigures,
  type Figure,
  formatNumber,
  generationSteps,
  interleaved,
  median,
  numberingVerdict,
  parseScale,
  previousResultFile,
  quantile,
  ratio,
  resultFileName,
  scaleTag,
  slowdown,
  summarize,
} from "./stats.ts";

describe("quantile / median", () => {
  it("interpolates between closest ranks", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBeCloseTo(9.55, 10);
    expect(quantile([10], 0.95)).toBe(10);
  });
  it("ignores non-finite samples and returns NaN when nothing is left", () => {
    expect(median([NaN, 5, Infinity, 7])).toBe(6);
    expect(median([])).toBeNaN();
  });
  it("refuses a quantile outside 0..1", () => {
    expect(() => quantile([1], 1.5)).toThrow(/between 0 and 1/);
  });
});

describe("summarize", () => {
  const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it("takes the high tail of a latency", () => {
    expect(summarize(samples, "lower")).toEqual({ median: 5.5, p95: quantile(samples, 0.95), min: 1, max: 10, n: 10 });
  });
  it("takes the low tail of a throughput", () => {
    expect(summarize(samples, "higher").p95).toBeCloseTo(1.45, 10);
  });
});

describe("ratio / slowdown", () => {
  it("divides, and gives NaN rather than Infinity", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
  });
  it("is above 1 when the measured path is slower, whatever the unit", () => {
    expect(slowdown("lower", 20, 10)).toBe(2); // ms
    expect(slowdown("higher", 500, 1000)).toBe(2); // ops/s
  });
});

describe("interleaved", () => {
  it("alternates the order of the variants between repetitions", async () => {
    const calls: string[] = [];
    const samples = await interleaved(3, {
      a: async () => (calls.push("a"), 1),
      b: async () => (calls.push("b"), 2),
    });
    expect(calls).toEqual(["a", "b", "b", "a", "a", "b"]);
    expect(samples).toEqual({ a: [1, 1, 1], b: [2, 2, 2] });
  });
});

describe("compareFigures", () => {
  const fig = (id: string, unit: string, better: "lower" | "higher", m: number): Figure => ({
    id,
    label: id,
    unit,
    better,
    summary: { median: m, p95: m, min: m, max: m, n: 1 },
  });
  it("gives the delta of the medians and judges it by the figure's direction", () => {
    const rows = compareFigures(
      [fig("rls", "ms", "lower", 10), fig("http", "req/s", "higher", 1000), fig("gone", "ms", "lower", 1), fig("audit", "ms", "lower", 10)],
      [fig("rls", "ms", "lower", 5), fig("http", "req/s", "higher", 800), fig("new", "ms", "lower", 1), fig("audit", "ms", "lower", 10.5)],
    );
    expect(rows.map((r) => [r.id, r.deltaPct, r.verdict])).toEqual([
      ["rls", -50, "better"],
      ["http", -20, "worse"],
      ["audit", 5, "same"],
    ]);
  });
  it("carries the ratios to the baseline of both runs", () => {
    const [row] = compareFigures([{ ...fig("rls", "ms", "lower", 10), ratio: 2.5 }], [{ ...fig("rls", "ms", "lower", 10), ratio: 1.2 }]);
    expect(row).toMatchObject({ ratioBefore: 2.5, ratioAfter: 1.2, verdict: "same" });
  });
  it("skips a figure whose unit changed", () => {
    expect(compareFigures([fig("x", "ms", "lower", 1)], [fig("x", "s", "lower", 1)])).toEqual([]);
  });
});

describe("parseScale", () => {
  it("accepts fractions and full", () => {
    expect(parseScale("0.01")).toBe(0.01);
    expect(parseScale(".1")).toBe(0.1);
    expect(parseScale("1")).toBe(1);
    expect(parseScale("full")).toBe(1);
  });
  it.each([undefined, "", "0", "2", "-0.1", "1e-2", "abc", "0.0001"])("refuses %s with a clear message", (arg) => {
    expect(() => parseScale(arg)).toThrow(/--scale/);
  });
});

describe("results files", () => {
  it("names a run by UTC time and scale", () => {
    expect(resultFileName(new Date("2026-12-03T05:42:10Z"), 0.1)).toBe("2026-12-03-0542-scale0.1.json");
    expect(scaleTag(0.010000000001)).toBe("0.01");
    expect(scaleTag(1)).toBe("1");
  });
  it("finds the latest earlier file at the same scale only", () => {
    const names = [
      "2026-12-01-1000-scale0.1.json",
      "2026-12-02-0900-scale0.1.json",
      "2026-12-02-0930-scale0.01.json",
      "2026-12-04-0800-scale0.1.json",
      "notes.txt",
    ];
    expect(previousResultFile(names, 0.1, "2026-12-03-0542-scale0.1.json")).toBe("2026-12-02-0900-scale0.1.json");
    expect(previousResultFile(names, 1, "2026-12-03-0542-scale1.json")).toBeUndefined();
  });
});

describe("numberingVerdict", () => {
  it("accepts 1..n in every series and year", () => {
    const v = numberingVerdict([
      { series: "FAC", fiscal_year: 2026, sequence: 2 },
      { series: "FAC", fiscal_year: 2026, sequence: 1 },
      { series: "AV", fiscal_year: 2026, sequence: 1 },
      { series: "FAC", fiscal_year: 2025, sequence: 1 },
    ]);
    expect(v).toEqual({ ok: true, documents: 4, gaps: [], duplicates: [] });
  });
  it("reports gaps and duplicates", () => {
    const v = numberingVerdict([
      { series: "FAC", fiscal_year: 2026, sequence: 1 },
      { series: "FAC", fiscal_year: 2026, sequence: 3 },
      { series: "FAC", fiscal_year: 2026, sequence: 3 },
      { series: "AV", fiscal_year: 2026, sequence: 2 },
    ]);
    expect(v.ok).toBe(false);
    expect(v.gaps).toEqual(["AV 2026: 1 missing", "FAC 2026: 2 missing"]);
    expect(v.duplicates).toEqual(["FAC 2026: 3 twice"]);
  });
});

describe("formatNumber", () => {
  it("keeps three significant digits or the integer part", () => {
    expect(formatNumber(1234.5)).toBe("1,235");
    expect(formatNumber(12.345)).toBe("12.3");
    expect(formatNumber(0.01234)).toBe("0.012");
    expect(formatNumber(NaN)).toBe("–");
  });
});

describe("generationSteps", () => {
  it("pairs each \\timing line with the first line of the statement psql echoed before it", () => {
    const output = [
      "select pg_catalog.set_config('bench.scale', '0.1', true);",
      " set_config ",
      "------------",
      " 0.1",
      "(1 row)",
      "",
      "Time: 0.126 ms",
      "insert into public.missions (id, org_id, title)",
      "select m.id, m.org_id, m.title",
      "from bench_missions m;",
      "Time: 110346.720 ms (01:50.347)",
      "update bench_invoice_rows r",
      "set legal_mentions = private.invoice_legal_mentions(r);",
      "Time: 4628.233 ms (00:04.628)",
    ].join("\n");
    expect(generationSteps(output)).toEqual([
      { statement: "select pg_catalog.set_config('bench.scale', '0.1', true);", ms: 0.126 },
      { statement: "insert into public.missions (id, org_id, title)", ms: 110346.72 },
      { statement: "update bench_invoice_rows r", ms: 4628.233 },
    ]);
  });
  it("skips a time with no echoed statement before it, and result rows", () => {
    expect(generationSteps("Timing is on.\nTime: 1.000 ms\n what | count\n------+------\n a    |     1\nTime: 2.000 ms")).toEqual([]);
  });
});

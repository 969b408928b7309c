/**
 * The arithmetic of `npm run bench`, kept apart from the harness so it can be
 * unit-tested: quantiles, summaries of interleaved repetitions, ratios,
 * the before/after comparison of two results files, the scale argument and
 * the invoice-numbering verdict. Nothing here talks to a database.
 */

/** Which direction is good for a figure: latencies want lower, throughputs higher. */
export type Better = "lower" | "higher";

export interface Summary {
  /** Median of the repetitions. */
  median: number;
  /**
   * The 95th percentile on the bad side: the value 95 % of the repetitions
   * are at least as good as (the high tail of a latency, the low tail of a
   * throughput).
   */
  p95: number;
  min: number;
  max: number;
  n: number;
}

/** Quantile q (0..1) of `values`, linear interpolation between closest ranks (R type 7, NumPy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be between 0 and 1 (got ${q})`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function summarize(values: readonly number[], better: Better): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    p95: quantile(finite, better === "lower" ? 0.95 : 0.05),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    n: finite.length,
  };
}

/** a / b, or NaN when either side is missing or b is zero. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/**
 * Runs `reps` repetitions of every variant, interleaved: repetition i runs
 * the variants in order, repetition i+1 in reverse order, so neither side
 * always runs first (warm caches, a neighbour's burst, checkpoints and
 * autovacuum fall on both). Each call returns one sample (e.g. ms or ops/s).
 */
export async function interleaved<K extends string>(
  reps: number,
  variants: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(variants) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as unknown as Record<K, number[]>;
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? keys : [...keys].reverse();
    for (const k of order) samples[k].push(await variants[k]());
  }
  return samples;
}

/** One measured figure of a results file. */
export interface Figure {
  /** Stable identifier: what the before/after comparison matches on. */
  id: string;
  label: string;
  unit: string;
  better: Better;
  summary: Summary;
  /** Every repetition's value, in the order measured. */
  samples?: number[];
  /** The paired baseline measured in the same repetitions, when there is one. */
  baseline?: { label: string; summary: Summary; samples?: number[] };
  /** median / baseline median (for throughputs: baseline / median, so > 1 always means "slower than baseline"). */
  ratio?: number;
  note?: string;
}

/** Slowdown of a figure against its baseline: > 1 means the measured path is slower. */
export function slowdown(better: Better, measured: number, baseline: number): number {
  return better === "lower" ? ratio(measured, baseline) : ratio(baseline, measured);
}

export interface Comparison {
  id: string;
  label: string;
  unit: string;
  before: number;
  after: number;
  /** (after - before) / before, in percent. */
  deltaPct: number;
  verdict: "better" | "worse" | "same";
  /** Slowdown against the paired baseline in each run: steadier than the medians on a busy machine. */
  ratioBefore?: number;
  ratioAfter?: number;
}

/**
 * Per-figure delta of the medians between two runs at the same scale. A
 * change within ±`noisePct` is "same": repeated runs on a shared 2-core
 * machine move by that much without any code change.
 */
export function compareFigures(before: readonly Figure[], after: readonly Figure[], noisePct = 10): Comparison[] {
  const old = new Map(before.map((f) => [f.id, f]));
  const out: Comparison[] = [];
  for (const f of after) {
    const b = old.get(f.id);
    if (!b || b.unit !== f.unit) continue;
    const deltaPct = ratio(f.summary.median - b.summary.median, b.summary.median) * 100;
    if (!Number.isFinite(deltaPct)) continue;
    const improved = f.better === "lower" ? deltaPct < 0 : deltaPct > 0;
    out.push({
      id: f.id,
      label: f.label,
      unit: f.unit,
      before: b.summary.median,
      after: f.summary.median,
      deltaPct,
      verdict: Math.abs(deltaPct) <= noisePct ? "same" : improved ? "better" : "worse",
      ...(b.ratio !== undefined && f.ratio !== undefined ? { ratioBefore: b.ratio, ratioAfter: f.ratio } : {}),
    });
  }
  return out;
}

/** `--scale` argument: a fraction of the full data set, 0.001 … 1, or `full` (= 1). */
export function parseScale(arg: string | undefined): number {
  if (arg === undefined || arg === "") throw new Error("--scale needs a value: a number from 0.001 to 1, or full");
  if (arg === "full") return 1;
  if (!/^(0|[1-9]\d*)?(\.\d+)?$/.test(arg)) throw new Error(`--scale must be a number from 0.001 to 1, or full (got ${arg})`);
  const n = Number(arg);
  if (!(n >= 0.001 && n <= 1)) throw new Error(`--scale must be between 0.001 and 1, or full (got ${arg})`);
  return n;
}

export interface GenerationStep {
  /** First line of the statement, as psql echoed it. */
  statement: string;
  ms: number;
}

/**
 * Each statement's time in the output of `psql --echo-queries` running a
 * script with `\timing on` (the data-set generator): the first line of the
 * statement psql echoed last before each "Time: … ms". The generator's
 * statements start in the first column with a keyword, unlike psql's result
 * rows (indented), separators and row counts.
 */
export function generationSteps(psqlOutput: string): GenerationStep[] {
  const steps: GenerationStep[] = [];
  let statement: string | undefined;
  for (const line of psqlOutput.split("\n")) {
    const time = /^Time: ([0-9.]+) ms/.exec(line);
    if (time) {
      if (statement !== undefined) steps.push({ statement, ms: Number(time[1]) });
      statement = undefined;
    } else if (statement === undefined && /^[a-z]/i.test(line) && !/^Timing is /.test(line)) {
      statement = line.trimEnd();
    }
  }
  return steps;
}

/** How a scale appears in file names: 1 → "1", 0.1 → "0.1", 0.010 → "0.01". */
export const scaleTag = (scale: number): string => String(Number(scale.toPrecision(6)));

const RESULT_FILE = /^(\d{4}-\d{2}-\d{2}-\d{4})-scale([0-9.]+)\.json$/;

/** Results file name of a run: `<YYYY-MM-DD-HHMM>-scale<n>.json` (UTC), sortable by name. */
export function resultFileName(when: Date, scale: number): string {
  const iso = when.toISOString(); // 2026-12-03T05:42:10.123Z
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}-scale${scaleTag(scale)}.json`;
}

/** The latest results file at the same scale written before `current`, if any. */
export function previousResultFile(names: readonly string[], scale: number, current: string): string | undefined {
  const tag = scaleTag(scale);
  return names
    .filter((n) => {
      const m = RESULT_FILE.exec(n);
      return m !== null && m[2] === tag && n < current;
    })
    .sort()
    .at(-1);
}

export interface NumberedDocument {
  series: string;
  fiscal_year: number;
  sequence: number;
}

export interface NumberingVerdict {
  ok: boolean;
  documents: number;
  /** "FAC 2026: 41 missing" … */
  gaps: string[];
  duplicates: string[];
}

/** Gapless and unique: each (series, year) holds exactly 1..n. */
export function numberingVerdict(docs: readonly NumberedDocument[]): NumberingVerdict {
  const groups = new Map<string, number[]>();
  for (const d of docs) {
    const key = `${d.series} ${d.fiscal_year}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(Number(d.sequence));
  }
  const gaps: string[] = [];
  const duplicates: string[] = [];
  for (const [key, list] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const seen = new Set<number>();
    for (const s of list) {
      if (seen.has(s)) duplicates.push(`${key}: ${s} twice`);
      seen.add(s);
    }
    const max = Math.max(...list);
    for (let s = 1; s <= max; s++) if (!seen.has(s)) gaps.push(`${key}: ${s} missing`);
  }
  return { ok: gaps.length === 0 && duplicates.length === 0, documents: docs.length, gaps, duplicates };
}

/** A number for the table: 3 significant digits, thousands separated. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

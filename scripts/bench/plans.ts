/**
 * EXPLAIN (ANALYZE, BUFFERS) of the hot paths, written to
 * bench/results/plans/<name>.txt.
 *
 * A top-level query is explained directly. What runs inside a function
 * (record_stock_use, issue_invoice, run_all_alert_checks) is reached with
 * auto_explain and log_nested_statements: with client_min_messages = log the
 * server sends each statement's plan to this session as a LOG message, so no
 * server log has to be parsed. Statements that run many times (a loop) are
 * grouped by their text: the file keeps each one's slowest plan, its count
 * and its total time, slowest first.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";

/** Written at the top of every plan file: which run the plans come from (scale, date). */
let runLabel = "";
export function setPlanRunLabel(label: string) {
  runLabel = label;
}

export function writePlan(dir: string, name: string, header: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, `${runLabel ? runLabel + "\n" : ""}${header.trim()}\n\n${body.trim()}\n`);
  return file;
}

/** EXPLAIN (ANALYZE, BUFFERS) of one statement in the client's current transaction/role. */
export async function explain(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  const { rows } = await client.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers, verbose off) ${sql}`, params);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

interface NestedPlan {
  query: string;
  count: number;
  totalMs: number;
  slowestMs: number;
  slowestPlan: string;
}

/**
 * Runs `fn` with auto_explain on for this session and returns the plans of
 * every statement executed (nested ones included), grouped by query text.
 */
export async function withNestedPlans(client: pg.Client, fn: () => Promise<void>): Promise<string> {
  const plans = new Map<string, NestedPlan>();
  const onNotice = (msg: { message?: string }) => {
    const text = msg.message ?? "";
    const m = /^duration: ([0-9.]+) ms\s+plan:\n([\s\S]*)$/.exec(text);
    if (!m) return;
    const ms = Number(m[1]);
    const body = m[2]!;
    // "Query Text: …" (possibly several lines), then the plan, whose first node carries "(cost=".
    const lines = body.split("\n");
    const planStart = lines.findIndex((l) => /\(cost=\d/.test(l));
    const query = lines
      .slice(0, planStart > 0 ? planStart : 1)
      .join("\n")
      .replace(/^Query Text: /, "")
      .trim();
    const entry = plans.get(query) ?? { query, count: 0, totalMs: 0, slowestMs: -1, slowestPlan: "" };
    entry.count++;
    entry.totalMs += ms;
    if (ms > entry.slowestMs) {
      entry.slowestMs = ms;
      entry.slowestPlan = body;
    }
    plans.set(query, entry);
  };
  await client.query("load 'auto_explain'");
  await client.query(
    `set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_buffers = on;
     set auto_explain.log_timing = on; set auto_explain.log_nested_statements = on; set auto_explain.log_format = text`,
  );
  await client.query("set client_min_messages = log");
  client.on("notice", onNotice);
  try {
    await fn();
  } finally {
    client.off("notice", onNotice);
    // Inside a transaction that switched role, these SUSET settings cannot be
    // changed back here; the caller's ROLLBACK then undoes the SETs anyway.
    await client.query("set client_min_messages = notice; set auto_explain.log_min_duration = -1").catch(() => undefined);
  }
  const sorted = [...plans.values()].sort((a, b) => b.totalMs - a.totalMs);
  const index = sorted
    .map((p, i) => `${String(i + 1).padStart(3)}. ${p.totalMs.toFixed(1).padStart(10)} ms total · ${String(p.count).padStart(6)}× · slowest ${p.slowestMs.toFixed(2)} ms · ${oneLine(p.query)}`)
    .join("\n");
  const details = sorted
    .map((p, i) => `── ${i + 1}. ${p.count}× · total ${p.totalMs.toFixed(1)} ms · slowest ${p.slowestMs.toFixed(2)} ms ──\n${p.slowestPlan.trim()}`)
    .join("\n\n");
  return `Statements by total time (auto_explain, nested statements included):\n${index}\n\n${details}`;
}

const oneLine = (s: string) => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > 140 ? flat.slice(0, 137) + "..." : flat;
};

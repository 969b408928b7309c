/**
 * `npm run fec:bench -- [--invoices 200000] [--stale-stats] [--out <dir>] [--db <url>]`:
 * generates a fiscal year of invoices in the database
 * (scripts/accounting/generated-year.ts), streams its FEC from export_fec
 * through the FEC validator (and into <dir>/<SIREN>FEC<AAAAMMJJ>.txt with
 * --out), and prints the times, all in a transaction rolled back at the end:
 * the database is left as it was. --stale-stats skips the ANALYZE a bulk load
 * should run, to measure the postings on statistics that predate the load.
 * Default database: the dev stack's (TERRAIN_PORT_BASE / TERRAIN_STATE_DIR).
 * Prints figures, asserts nothing about time; exits 1 if the file is invalid.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../stack/config.ts";
import { FEC_CHECKS } from "./fec-validator.ts";
import { exportGeneratedFec, generateYear, GENERATED_SIREN, GENERATED_YEAR_END } from "./generated-year.ts";

const { values } = parseArgs({
  options: {
    invoices: { type: "string", default: "200000" },
    "stale-stats": { type: "boolean", default: false },
    out: { type: "string" },
    db: { type: "string" },
  },
});
const invoices = Number(values.invoices);
if (!Number.isInteger(invoices) || invoices < 1) {
  console.error(`--invoices must be a positive integer (got ${values.invoices})`);
  process.exit(2);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const client = new pg.Client({ connectionString: values.db ?? process.env.TERRAIN_DB_URL ?? loadConfig("dev").dbUrl });
await client.connect();
try {
  await client.query("begin");
  const year = await generateYear(client, invoices, { analyze: !values["stale-stats"] });
  let file: ReturnType<typeof createWriteStream> | undefined;
  let path = "";
  if (values.out) {
    mkdirSync(resolve(values.out), { recursive: true });
    path = join(resolve(values.out), `${GENERATED_SIREN}FEC${GENERATED_YEAR_END.replaceAll("-", "")}.txt`);
    file = createWriteStream(path, { encoding: "utf8" });
  }
  const fec = await exportGeneratedFec(client, async (batch) => {
    if (file && !file.write(batch.join("\r\n") + "\r\n")) await once(file, "drain");
  });
  if (file) {
    file.end();
    await once(file, "finish");
  }
  const { report } = fec;
  const failed = new Set(report.problems.map((p) => p.check));
  console.log(`FEC bench: ${year.invoices} invoices, ${year.creditNotes} credit notes, ${year.payments} payments, ${year.receipts} bank lines recorded without their invoice (${year.matchedReceipts} matched later)` +
    (values["stale-stats"] ? " (statistics left stale: no ANALYZE after the load)" : ""));
  console.log(`  generate + post: ${year.generateSeconds.toFixed(1)} s`);
  console.log(`  export_fec:      ${fec.seconds.export.toFixed(1)} s (${fec.ledgerLines} lines + header, ${mb(fec.bytes)}${path ? `, written to ${path}` : ""})`);
  console.log(`  validator:       ${fec.seconds.validate.toFixed(1)} s, streamed`);
  console.log(`  verdict:         ${report.ok ? "valid" : "INVALID"} (${report.entries} entries, journals ${Object.entries(report.journals).map(([j, s]) => `${j} ${s.entries}`).join(", ")}; ` +
    `debit ${(report.debitCents / 100).toFixed(2)}, credit ${(report.creditCents / 100).toFixed(2)})`);
  console.log(`  checks:          ${FEC_CHECKS.map((c) => `${c} ${failed.has(c) ? "FAILED" : "ok"}`).join(", ")}`);
  for (const p of report.problems) console.log(`    ${p.check} line ${p.line}: ${p.message}`);
  console.log(`  memory:          rss ${mb(process.memoryUsage().rss)} at the end (the peak: /usr/bin/time -v)`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await client.query("rollback").catch(() => undefined);
  await client.end();
}

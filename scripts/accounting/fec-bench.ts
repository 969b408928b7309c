/**
 * `npm run fec:bench -- [--invoices 200000] [--db <url>]`: generates a fiscal
 * year of invoices in the database (scripts/accounting/generated-year.ts),
 * exports its FEC, runs the FEC validator on it and prints the times, all in
 * a transaction rolled back at the end: the database is left as it was.
 * Default database: the dev stack's (TERRAIN_PORT_BASE / TERRAIN_STATE_DIR).
 * Prints figures, asserts nothing about time; exits 1 if the file is invalid.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../stack/config.ts";
import { validateFec } from "./fec-validator.ts";
import { generateYear } from "./generated-year.ts";

const { values } = parseArgs({
  options: { invoices: { type: "string", default: "200000" }, db: { type: "string" } },
});
const invoices = Number(values.invoices);
if (!Number.isInteger(invoices) || invoices < 1) {
  console.error(`--invoices must be a positive integer (got ${values.invoices})`);
  process.exit(2);
}

const client = new pg.Client({ connectionString: values.db ?? process.env.TERRAIN_DB_URL ?? loadConfig("dev").dbUrl });
await client.connect();
try {
  await client.query("begin");
  const year = await generateYear(client, invoices);
  const t0 = performance.now();
  const report = validateFec(year.fileName, year.content);
  const validateSeconds = (performance.now() - t0) / 1000;
  console.log(`FEC bench: ${year.invoices} invoices, ${year.creditNotes} credit notes, ${year.payments} payments`);
  console.log(`  generate + post: ${year.seconds.generate.toFixed(1)} s`);
  console.log(`  export_fec:      ${year.seconds.export.toFixed(1)} s (${year.ledgerLines} lines, ${(year.content.length / 1e6).toFixed(1)} MB)`);
  console.log(`  validator:       ${validateSeconds.toFixed(1)} s`);
  console.log(`  verdict:         ${report.ok ? "valid" : "INVALID"} (${report.entries} entries, journals ${Object.entries(report.journals).map(([j, s]) => `${j} ${s.entries}`).join(", ")})`);
  for (const p of report.problems) console.log(`    ${p.check} line ${p.line}: ${p.message}`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await client.query("rollback").catch(() => undefined);
  await client.end();
}

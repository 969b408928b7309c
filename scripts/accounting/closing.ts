/**
 * `npm run closing -- --org <uuid|SIREN> --month YYYY-MM [--json] [--db <url>]`:
 * prints the monthly closing report (public.closing_report): per journal the
 * entries, first and last numbers and totals, VAT by rate, and the invoice
 * log head at the month's end and now — the hashes to keep outside the
 * database, which verify_invoice_log(org, head, seq) checks later. --json
 * prints the function's result as it is. Default database: the dev stack's
 * (TERRAIN_PORT_BASE / TERRAIN_STATE_DIR), or TERRAIN_DB_URL.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../stack/config.ts";

interface JournalRow { journal: string; entries: number; first_entry: number; last_entry: number; debit_cents: number; credit_cents: number; balanced: boolean }
interface Head { seq: number; head: string | null; occurred_at: string | null }
interface ClosingReport {
  org_id: string; organization: string; siren: string | null; month: string; from: string; to: string; timezone: string; closed: boolean;
  journals: JournalRow[];
  totals: { debit_cents: number; credit_cents: number; balanced: boolean };
  vat_by_rate: { rate: number; base_cents: number; vat_cents: number }[];
  vat_accounts: { account: string; credit_minus_debit_cents: number }[];
  invoice_log: { at_month_end: Head; at_report: Head; events_in_month: number };
}

const usage = "usage: npm run closing -- --org <uuid|SIREN> --month YYYY-MM [--json] [--db <url>]";
const { values } = parseArgs({
  options: { org: { type: "string" }, month: { type: "string" }, json: { type: "boolean", default: false }, db: { type: "string" } },
});
const org = values.org ?? "";
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(org) && !/^\d{9}$/.test(org)) {
  console.error(`--org must be an organization id (uuid) or its SIREN (9 digits)\n${usage}`);
  process.exit(2);
}
const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(values.month ?? "");
if (!month) {
  console.error(`--month must be a month YYYY-MM (got ${values.month ?? "nothing"})\n${usage}`);
  process.exit(2);
}

/** 123456 → "1234,56": decimal comma, no thousands separator, as in the FEC. */
const euros = (cents: number) => `${cents < 0 ? "-" : ""}${Math.floor(Math.abs(cents) / 100)},${String(Math.abs(cents) % 100).padStart(2, "0")}`;
const pad = (s: string | number, n: number) => String(s).padStart(n);

function print(r: ClosingReport): void {
  const out: string[] = [];
  out.push(`Closing report ${r.month} — ${r.organization} (SIREN ${r.siren ?? "none"}, ${r.org_id})`);
  out.push(`Period ${r.from} → ${r.to} (${r.timezone})${r.closed ? "" : " — the month is not over: figures so far"}`);
  out.push("");
  out.push(`${"journal".padEnd(8)}${pad("entries", 8)}${pad("first", 8)}${pad("last", 8)}${pad("debit", 16)}${pad("credit", 16)}  balanced`);
  for (const j of r.journals) {
    out.push(`${j.journal.padEnd(8)}${pad(j.entries, 8)}${pad(j.first_entry, 8)}${pad(j.last_entry, 8)}${pad(euros(j.debit_cents), 16)}${pad(euros(j.credit_cents), 16)}  ${j.balanced ? "yes" : "NO"}`);
  }
  if (r.journals.length === 0) out.push("(no entry dated in the month)");
  out.push(`${"total".padEnd(32)}${pad(euros(r.totals.debit_cents), 16)}${pad(euros(r.totals.credit_cents), 16)}  ${r.totals.balanced ? "yes" : "NO"}`);
  out.push("");
  out.push("VAT invoiced by rate (credit notes deducted):");
  for (const v of r.vat_by_rate) out.push(`  ${pad(`${Number(v.rate).toFixed(2)} %`, 8)}  base ${pad(euros(v.base_cents), 14)}  VAT ${pad(euros(v.vat_cents), 12)}`);
  if (r.vat_by_rate.length === 0) out.push("  (none)");
  for (const a of r.vat_accounts) out.push(`  account ${a.account}: ${euros(a.credit_minus_debit_cents)} (credit − debit)`);
  out.push("");
  const head = (h: Head) => (h.head ? `seq ${h.seq} sha256 ${h.head}` : `seq ${h.seq} (no event yet)`);
  out.push(`Invoice log: ${r.invoice_log.events_in_month} event(s) recorded in the month`);
  out.push(`  head at the month's end: ${head(r.invoice_log.at_month_end)}`);
  out.push(`  head at this report:     ${head(r.invoice_log.at_report)}`);
  out.push("Keep these heads outside the database; verify_invoice_log(org, head, seq) checks the log against them.");
  console.log(out.join("\n"));
}

const client = new pg.Client({ connectionString: values.db ?? process.env.TERRAIN_DB_URL ?? loadConfig("dev").dbUrl });
await client.connect();
try {
  let orgId = org;
  if (/^\d{9}$/.test(org)) {
    const found = await client.query("select id from public.organizations where siren = $1 order by id", [org]);
    if (found.rows.length !== 1) {
      throw new Error(found.rows.length === 0
        ? `no organization has SIREN ${org}`
        : `${found.rows.length} organizations have SIREN ${org}: give the id (${found.rows.map((x) => x.id).join(", ")})`);
    }
    orgId = found.rows[0].id as string;
  }
  const { rows } = await client.query("select public.closing_report($1, $2) as r", [orgId, `${month[1]}-${month[2]}-01`]);
  const report = rows[0].r as ClosingReport;
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else print(report);
  process.exitCode = report.totals.balanced ? 0 : 1;
} catch (error) {
  console.error(`closing: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.end();
}

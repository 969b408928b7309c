/**
 * The accountant's command-line tools against the real stack's database:
 * `npm run closing` (the monthly closing report, public.closing_report) and
 * `npm run fec` (the FEC streamed to a file), on the demo organization
 * Chaleur Express; their output checked against SQL and the validator, and
 * their refusals (exit code 2 for bad arguments, 1 for what the database
 * refuses).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/stack/config.ts";
import { validateFec } from "../../scripts/accounting/fec-validator.ts";
import { stack, withDb } from "./harness.ts";

const DEMO_ORG = "a0000000-0000-4000-8000-0000000000a0";
const DEMO_SIREN = "732829320";

function cli(script: string, args: string[]) {
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "scripts", "accounting", script), ...args, "--db", stack.dbUrl], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The demo's busiest month (most ledger entries), YYYY-MM. */
let month = "";
let outDir = "";

beforeAll(async () => {
  month = await withDb(async (c) =>
    (await c.query(`select to_char(entry_date, 'YYYY-MM') as m from public.ledger_entries where org_id = $1
                    group by 1 order by count(*) desc, 1 limit 1`, [DEMO_ORG])).rows[0].m);
  outDir = mkdtempSync(join(tmpdir(), "terrain-fec-"));
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("npm run closing", () => {
  it("prints per journal the entries, numbers and balanced totals, VAT by rate and the log heads of closing_report", async () => {
    const sql = await withDb(async (c) => (await c.query(`select public.closing_report($1, $2) as r`, [DEMO_ORG, `${month}-01`])).rows[0].r);
    expect(sql.journals.length).toBeGreaterThan(0);
    const r = cli("closing.ts", ["--org", DEMO_SIREN, "--month", month]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`Closing report ${month} — Chaleur Express (SIREN ${DEMO_SIREN}, ${DEMO_ORG})`);
    const euros = (cents: number) => `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
    for (const j of sql.journals) {
      const row = lines.find((l) => l.startsWith(`${j.journal} `))!.trim().split(/\s+/);
      expect(row).toEqual([j.journal, String(j.entries), String(j.first_entry), String(j.last_entry), euros(j.debit_cents), euros(j.credit_cents), "yes"]);
    }
    expect(lines.find((l) => l.startsWith("total"))!.trim().split(/\s+/))
      .toEqual(["total", euros(sql.totals.debit_cents), euros(sql.totals.credit_cents), "yes"]);
    for (const v of sql.vat_by_rate) {
      expect(r.stdout).toContain(`${Number(v.rate).toFixed(2)} %  base ${euros(v.base_cents).padStart(14)}  VAT ${euros(v.vat_cents).padStart(12)}`);
    }
    // The head printed now is the log's head, and it verifies the log.
    const printed = /head at this report: +seq (\d+) sha256 ([0-9a-f]{64})/.exec(r.stdout)!;
    expect(printed).not.toBeNull();
    const verified = await withDb(async (c) =>
      (await c.query(`select * from public.verify_invoice_log($1, $2, $3)`, [DEMO_ORG, printed[2], Number(printed[1])])).rows[0]);
    expect(verified).toEqual({ ok: true, checked: String(printed[1]), seq: null, reason: null });
  }, 60_000);

  it("prints the function's result with --json and takes the organization's id as well", async () => {
    const r = cli("closing.ts", ["--org", DEMO_ORG, "--month", month, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const sql = await withDb(async (c) => (await c.query(`select public.closing_report($1, $2) as r`, [DEMO_ORG, `${month}-01`])).rows[0].r);
    expect(report).toEqual(sql);
  }, 60_000);

  it("refuses a malformed month or organization (exit 2), an unknown SIREN and a month not started (exit 1)", () => {
    const badMonth = cli("closing.ts", ["--org", DEMO_SIREN, "--month", "2026-13"]);
    expect(badMonth.code).toBe(2);
    expect(badMonth.stderr).toContain("--month must be a month YYYY-MM (got 2026-13)");
    const badOrg = cli("closing.ts", ["--org", "chaleur", "--month", month]);
    expect(badOrg.code).toBe(2);
    expect(badOrg.stderr).toContain("--org must be an organization id (uuid) or its SIREN (9 digits)");
    const unknown = cli("closing.ts", ["--org", "123456789", "--month", month]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe("closing: no organization has SIREN 123456789");
    const next = new Date();
    next.setUTCMonth(next.getUTCMonth() + 2, 1);
    const future = `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, "0")}`;
    const notStarted = cli("closing.ts", ["--org", DEMO_ORG, "--month", future]);
    expect(notStarted.code).toBe(1);
    expect(notStarted.stderr.trim()).toBe(`closing: The month ${future} has not started: nothing to close`);
  }, 120_000);
});

describe("npm run fec", () => {
  it("streams the year's FEC to <SIREN>FEC<AAAAMMJJ>.txt, valid, and prints the log head", () => {
    const year = month.slice(0, 4);
    const r = cli("fec.ts", ["--org", DEMO_ORG, "--year-end", `${year}-12-31`, "--out", outDir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const name = `${DEMO_SIREN}FEC${year}1231.txt`;
    const content = readFileSync(join(outDir, name), "utf8");
    const report = validateFec(name, content);
    expect(report.problems).toEqual([]);
    expect(r.stdout).toContain(`${join(outDir, name)}: ${report.lines} lines`);
    expect(r.stdout).toMatch(/invoice log head: seq \d+ sha256 [0-9a-f]{64}/);
  }, 60_000);

  it("refuses a date that ends no fiscal year, and leaves no file", () => {
    const r = cli("fec.ts", ["--org", DEMO_ORG, "--year-end", "2026-06-30", "--out", join(outDir, "refused")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("fec: Fiscal years end on 31 December: 2026-06-30 is not a fiscal year end");
    expect(() => readFileSync(join(outDir, "refused", `${DEMO_SIREN}FEC20260630.txt`))).toThrow();
  }, 60_000);
});

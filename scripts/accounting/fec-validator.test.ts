import { describe, expect, it } from "vitest";
import { FEC_CHECKS, FEC_FIELDS, FecValidator, parseFecAmount, parseFecDate, validateFec, type FecCheck } from "./fec-validator.ts";

// A small valid FEC: a sale, a credit note, a lettered payment.
const NAME = "732829320FEC20261231.txt";
const GOOD_ROWS: string[][] = [
  ["VT", "Ventes", "1", "20260919", "411", "Clients", "C00001", "Syndic", "FAC-2026-00001", "20260919", "Facture 1", "566,50", "0,00", "A", "20261016", "20261203", "", ""],
  ["VT", "Ventes", "1", "20260919", "706", "Prestations", "", "", "FAC-2026-00001", "20260919", "Facture 1", "0,00", "515,00", "", "", "20261203", "", ""],
  ["VT", "Ventes", "1", "20260919", "44571", "TVA", "", "", "FAC-2026-00001", "20260919", "Facture 1", "0,00", "51,50", "", "", "20261203", "", ""],
  ["VT", "Ventes", "2", "20261001", "411", "Clients", "C00002", "Fournil", "FAC-2026-00002", "20261001", "Facture 2", "120,00", "0,00", "", "", "20261203", "", ""],
  ["VT", "Ventes", "2", "20261001", "706", "Prestations", "", "", "FAC-2026-00002", "20261001", "Facture 2", "0,00", "100,00", "", "", "20261203", "", ""],
  ["VT", "Ventes", "2", "20261001", "44571", "TVA", "", "", "FAC-2026-00002", "20261001", "Facture 2", "0,00", "20,00", "", "", "20261203", "", ""],
  ["BQ", "Banque", "1", "20261016", "512", "Banque", "", "", "VIR-1", "20261016", "Règlement", "566,50", "0,00", "", "", "20261203", "", ""],
  ["BQ", "Banque", "1", "20261016", "411", "Clients", "C00001", "Syndic", "VIR-1", "20261016", "Règlement", "0,00", "566,50", "A", "20261016", "20261203", "", ""],
];
const file = (rows: string[][], header: readonly string[] = FEC_FIELDS, sep = "\t") =>
  [header.join(sep), ...rows.map((r) => r.join(sep))].join("\r\n") + "\r\n";
// The good rows with one field of one row replaced.
const withField = (row: number, field: (typeof FEC_FIELDS)[number], value: string) =>
  GOOD_ROWS.map((r, i) => (i === row ? r.map((v, j) => (FEC_FIELDS[j] === field ? value : v)) : r));
const checks = (name: string, content: string): FecCheck[] => [...new Set(validateFec(name, content).problems.map((p) => p.check))];

describe("FEC validator", () => {
  it("accepts a valid file, TAB or |, and sums it", () => {
    const report = validateFec(NAME, file(GOOD_ROWS));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ lines: 8, entries: 3, debitCents: 125300, creditCents: 125300 });
    expect(report.journals.VT).toEqual({ entries: 2, debitCents: 68650, creditCents: 68650 });
    expect(validateFec(NAME, file(GOOD_ROWS, FEC_FIELDS, "|")).ok).toBe(true);
  });

  it("parses dates and amounts strictly", () => {
    expect(parseFecDate("20260229")).toBeNull();
    expect(parseFecDate("20240229")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(parseFecAmount("1234,56")).toBe(123456);
    expect(parseFecAmount("12,5")).toBe(1250);
    expect(parseFecAmount("7")).toBe(700);
    expect(parseFecAmount("1 234,56")).toBeNull();
    expect(parseFecAmount("1.234,56")).toBeNull();
    expect(parseFecAmount("1234.56")).toBeNull();
  });

  // Each broken file fires its check, and only the checks it should.
  const cases: [string, string, string, FecCheck[]][] = [
    ["a file name without FEC", "732829320_20261231.txt", file(GOOD_ROWS), ["file_name"]],
    ["a SIREN failing its check digit", "732829321FEC20261231.txt", file(GOOD_ROWS), ["file_name"]],
    ["a closing date that does not exist", "732829320FEC20261331.txt", file(GOOD_ROWS), ["file_name"]],
    ["a semicolon-separated file", NAME, file(GOOD_ROWS, FEC_FIELDS, ";"), ["separator"]],
    ["two header fields swapped", NAME, file(GOOD_ROWS, ["JournalLib", "JournalCode", ...FEC_FIELDS.slice(2)]), ["header"]],
    ["a header missing Idevise", NAME, file(GOOD_ROWS.map((r) => r.slice(0, 17)), FEC_FIELDS.slice(0, 17)), ["header", "field_count"]],
    ["a line with a 19th field", NAME, file(GOOD_ROWS.map((r, i) => (i === 2 ? [...r, "x"] : r))), ["field_count", "entry_balance", "journal_balance"]],
    ["an EcritureDate of 31 November", NAME, file(withField(4, "EcritureDate", "20261131")), ["date"]],
    ["a ValidDate written DD/MM/YYYY", NAME, file(withField(0, "ValidDate", "03/12/2026")), ["date"]],
    ["an entry dated after the closing date", NAME, file(GOOD_ROWS.map((r, i) => (i >= 6 ? r.map((v, j) => (j === 3 ? "20270102" : v)) : r))), ["fiscal_year"]],
    ["a decimal point", NAME, file(withField(1, "Credit", "515.00")), ["amount", "entry_balance", "journal_balance"]],
    ["a thousands separator", NAME, file(withField(0, "Debit", "1 566,50")), ["amount", "entry_balance", "journal_balance"]],
    ["an empty CompteLib", NAME, file(withField(1, "CompteLib", "")), ["mandatory"]],
    ["an empty PieceRef", NAME, file(withField(3, "PieceRef", "")), ["mandatory"]],
    ["a line both debit and credit", NAME, file(withField(1, "Debit", "515,00").map((r, i) => (i === 2 ? r.map((v, j) => (j === 12 ? "566,50" : v)) : r))), ["debit_and_credit"]],
    ["an entry that does not balance", NAME, file(withField(2, "Credit", "51,49").map((r, i) => (i === 4 ? r.map((v, j) => (j === 12 ? "100,01" : v)) : r))), ["entry_balance"]],
    ["a journal that does not balance", NAME, file(withField(5, "Credit", "19,00")), ["entry_balance", "journal_balance"]],
    ["a gap in a journal's numbers", NAME, file(GOOD_ROWS.map((r, i) => (i >= 3 && i <= 5 ? r.map((v, j) => (j === 2 ? "3" : v)) : r))), ["numbering"]],
    ["a lettering code without its date", NAME, file(withField(7, "DateLet", "")), ["lettering"]],
    ["a lettering date without a code", NAME, file(withField(1, "DateLet", "20261016")), ["lettering"]],
    ["an auxiliary account without its label", NAME, file(withField(3, "CompAuxLib", "")), ["auxiliary"]],
    ["an account of class 8", NAME, file(withField(6, "CompteNum", "801")), ["account"]],
    ["an account that is not a number", NAME, file(withField(2, "CompteNum", "TVA")), ["account"]],
  ];
  for (const [what, name, content, expected] of cases) {
    it(`fires on ${what}`, () => {
      expect(checks(name, content).sort()).toEqual([...expected].sort());
    });
  }

  it("refuses an empty file", () => {
    expect(checks(NAME, "")).toEqual(["header"]);
  });

  it("gives the same report fed line by line (as a stream) as on the whole file", () => {
    const broken = file(withField(5, "Credit", "19,00").map((r, i) => (i === 1 ? r.map((v, j) => (j === 3 ? "20261131" : v)) : r)));
    const streamed = new FecValidator(NAME);
    for (const line of broken.split("\r\n").slice(0, -1)) streamed.line(line);
    const report = streamed.finish();
    expect(report).toEqual(validateFec(NAME, broken));
    expect([...new Set(report.problems.map((p) => p.check))].sort()).toEqual(["date", "entry_balance", "journal_balance"]);
    expect(new FecValidator(NAME).finish().problems.map((p) => p.check)).toEqual(["header"]);
  });

  it("lists every check it can report", () => {
    const fired = new Set(cases.flatMap(([, , , expected]) => expected));
    expect([...FEC_CHECKS].sort()).toEqual([...fired].sort());
  });
});

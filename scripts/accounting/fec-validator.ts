// A validator for FEC files ("fichier des écritures comptables", LPF art.
// A47 A-1), applying the checks of the tax administration's Test Compta Demat
// that a file can fail on its own (README.md, "Accounting"):
//   file_name        <SIREN>FEC<AAAAMMJJ>.txt, a valid SIREN and closing date
//   separator        TAB or | (one of them, the same everywhere)
//   header           the 18 field names, in order
//   field_count      the same number of fields (18) on every line
//   date             EcritureDate, PieceDate, ValidDate, DateLet: real dates AAAAMMJJ
//   fiscal_year      EcritureDate within the fiscal year the file name closes
//   amount           Debit, Credit, Montantdevise: decimal comma, no thousands separator
//   mandatory        the fields every line must fill
//   debit_and_credit a line is never both debit and credit
//   entry_balance    each entry (JournalCode + EcritureNum) balances
//   journal_balance  each journal balances
//   numbering        EcritureNum continuous per journal (no gap)
//   lettering        a lettering code has its lettering date, and a date its code
//   auxiliary        an auxiliary account has its label, and a label its account
//   account          CompteNum is a plan comptable account (classes 1 to 7)
// No library does this: it is written here, and tested on broken files.

export const FEC_FIELDS = [
  "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
  "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
  "ValidDate", "Montantdevise", "Idevise",
] as const;

/** Every check the validator applies, in the order of the list above. */
export const FEC_CHECKS = [
  "file_name", "separator", "header", "field_count", "date", "fiscal_year", "amount", "mandatory",
  "debit_and_credit", "entry_balance", "journal_balance", "numbering", "lettering", "auxiliary", "account",
] as const;

export type FecCheck = (typeof FEC_CHECKS)[number];

export interface FecProblem {
  check: FecCheck;
  /** 1-based line number in the file (0: the file as a whole). */
  line: number;
  message: string;
}

export interface FecReport {
  ok: boolean;
  problems: FecProblem[];
  lines: number;
  entries: number;
  journals: Record<string, { entries: number; debitCents: number; creditCents: number }>;
  debitCents: number;
  creditCents: number;
}

const MANDATORY: (typeof FEC_FIELDS)[number][] = [
  "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "PieceRef",
  "PieceDate", "EcritureLib", "Debit", "Credit", "ValidDate",
];
const MAX_PROBLEMS_PER_CHECK = 20;

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** AAAAMMJJ → Date (UTC), or null when it is not a real calendar day. */
export function parseFecDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}

/** "1234,56" → 123456 cents; null when the format is not a decimal comma amount. */
export function parseFecAmount(value: string): number | null {
  const m = /^(-?)(\d+)(?:,(\d{1,2}))?$/.exec(value);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "0").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

/**
 * The validator fed line by line, so a year of a million lines is checked
 * while it streams from the database, without the file in memory: what it
 * keeps is per entry (balance) and per journal (numbers). `line()` takes each
 * line without its terminator, the header first; `finish()` gives the report.
 */
export class FecValidator {
  private readonly problems: FecProblem[] = [];
  private readonly counts = new Map<FecCheck, number>();
  private readonly closing: Date | null = null;
  private readonly closingText: string = "";
  private readonly fiscalStart: Date | null = null;
  private separator: string | null = null;
  private rows = 0;
  private readonly entries = new Map<string, { debit: number; credit: number; line: number }>();
  private readonly journals: FecReport["journals"] = {};
  private readonly numbers = new Map<string, Set<number>>();
  private debitTotal = 0;
  private creditTotal = 0;

  constructor(fileName: string) {
    // File name: <SIREN>FEC<AAAAMMJJ>.txt
    const name = /^(\d{9})FEC(\d{8})\.txt$/.exec(fileName.split(/[\\/]/).pop() ?? "");
    if (!name) {
      this.report("file_name", 0, `file name ${fileName} is not <SIREN>FEC<AAAAMMJJ>.txt`);
    } else {
      const [, siren = "", closingDate = ""] = name;
      if (!luhnOk(siren)) this.report("file_name", 0, `SIREN ${siren} fails its check digit`);
      this.closingText = closingDate;
      this.closing = parseFecDate(closingDate);
      if (!this.closing) this.report("file_name", 0, `closing date ${closingDate} in the file name is not a date`);
    }
    const c = this.closing;
    this.fiscalStart = c ? new Date(Date.UTC(c.getUTCFullYear() - 1, c.getUTCMonth(), c.getUTCDate() + 1)) : null;
  }

  private report(check: FecCheck, line: number, message: string): void {
    const n = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, n);
    if (n <= MAX_PROBLEMS_PER_CHECK) this.problems.push({ check, line, message });
  }

  line(text: string): void {
    this.rows++;
    if (this.rows === 1) {
      this.header(text.replace(/^\uFEFF/, ""));
      return;
    }
    if (!this.separator) return; // no usable header: reported once
    this.row(text, this.rows);
  }

  private header(header: string): void {
    const separator = header.includes("\t") ? "\t" : header.includes("|") ? "|" : null;
    if (!separator) {
      this.report("separator", 1, "the header is separated neither by TAB nor by |");
      return;
    }
    this.separator = separator;
    if (separator === "\t" && header.includes("|")) this.report("separator", 1, "the header mixes TAB and |");
    const names = header.split(separator);
    if (names.length !== FEC_FIELDS.length || names.some((n, i) => n !== FEC_FIELDS[i])) {
      this.report("header", 1, `header is ${names.join(",")}; expected ${FEC_FIELDS.join(",")}`);
    }
  }

  private row(text: string, lineNo: number): void {
    const fields = text.split(this.separator!);
    if (fields.length !== FEC_FIELDS.length) {
      this.report("field_count", lineNo, `${fields.length} fields instead of ${FEC_FIELDS.length}`);
      return;
    }
    const f = Object.fromEntries(FEC_FIELDS.map((k, j) => [k, fields[j]])) as Record<(typeof FEC_FIELDS)[number], string>;

    for (const k of MANDATORY) {
      if (f[k].trim() === "") this.report("mandatory", lineNo, `${k} is empty`);
    }
    for (const k of ["EcritureDate", "PieceDate", "ValidDate"] as const) {
      if (f[k] !== "" && !parseFecDate(f[k])) this.report("date", lineNo, `${k} ${f[k]} is not a date AAAAMMJJ`);
    }
    if (f.DateLet !== "" && !parseFecDate(f.DateLet)) this.report("date", lineNo, `DateLet ${f.DateLet} is not a date AAAAMMJJ`);
    const entryDate = parseFecDate(f.EcritureDate);
    if (entryDate && this.closing && this.fiscalStart && (entryDate > this.closing || entryDate < this.fiscalStart)) {
      this.report("fiscal_year", lineNo, `EcritureDate ${f.EcritureDate} is outside the fiscal year closing on ${this.closingText}`);
    }

    const debit = parseFecAmount(f.Debit);
    const credit = parseFecAmount(f.Credit);
    if (f.Debit !== "" && debit === null) this.report("amount", lineNo, `Debit ${f.Debit} is not an amount with a decimal comma and no thousands separator`);
    if (f.Credit !== "" && credit === null) this.report("amount", lineNo, `Credit ${f.Credit} is not an amount with a decimal comma and no thousands separator`);
    if (f.Montantdevise !== "" && parseFecAmount(f.Montantdevise) === null) {
      this.report("amount", lineNo, `Montantdevise ${f.Montantdevise} is not an amount with a decimal comma`);
    }
    if ((debit ?? 0) !== 0 && (credit ?? 0) !== 0) this.report("debit_and_credit", lineNo, `both Debit ${f.Debit} and Credit ${f.Credit}`);

    if ((f.EcritureLet === "") !== (f.DateLet === "")) {
      this.report("lettering", lineNo, f.EcritureLet === "" ? "DateLet without a lettering code" : `lettering code ${f.EcritureLet} without DateLet`);
    }
    if ((f.CompAuxNum === "") !== (f.CompAuxLib === "")) {
      this.report("auxiliary", lineNo, f.CompAuxNum === "" ? "CompAuxLib without CompAuxNum" : `CompAuxNum ${f.CompAuxNum} without CompAuxLib`);
    }
    if (f.CompteNum !== "" && !/^[1-7][0-9A-Z]{2,}$/.test(f.CompteNum)) {
      this.report("account", lineNo, `CompteNum ${f.CompteNum} is not an account of the plan comptable (classes 1 to 7)`);
    }

    const d = debit ?? 0;
    const c = credit ?? 0;
    this.debitTotal += d;
    this.creditTotal += c;
    const key = `${f.JournalCode}\u0000${f.EcritureNum}`;
    const entry = this.entries.get(key) ?? { debit: 0, credit: 0, line: lineNo };
    entry.debit += d;
    entry.credit += c;
    this.entries.set(key, entry);
    const journal = (this.journals[f.JournalCode] ??= { entries: 0, debitCents: 0, creditCents: 0 });
    journal.debitCents += d;
    journal.creditCents += c;
    const num = /(\d+)$/.exec(f.EcritureNum);
    if (num) {
      const set = this.numbers.get(f.JournalCode) ?? new Set<number>();
      set.add(Number(num[1]));
      this.numbers.set(f.JournalCode, set);
    } else if (f.EcritureNum !== "") {
      this.report("numbering", lineNo, `EcritureNum ${f.EcritureNum} does not end with a sequence number`);
    }
  }

  finish(): FecReport {
    const problems = this.problems;
    if (this.rows === 0) this.report("header", 1, "the file is empty");
    if (!this.separator) return { ok: false, problems, lines: 0, entries: 0, journals: {}, debitCents: 0, creditCents: 0 };
    const journals = this.journals;
    for (const [key, e] of this.entries) {
      const [journal = "", num = ""] = key.split("\u0000");
      if (e.debit !== e.credit) {
        this.report("entry_balance", e.line, `entry ${journal} ${num}: debit ${e.debit / 100} ≠ credit ${e.credit / 100}`);
      }
      journals[journal]!.entries++;
    }
    for (const [code, j] of Object.entries(journals)) {
      if (j.debitCents !== j.creditCents) this.report("journal_balance", 0, `journal ${code}: debit ${j.debitCents / 100} ≠ credit ${j.creditCents / 100}`);
    }
    for (const [code, set] of this.numbers) {
      const sorted = [...set].sort((a, b) => a - b);
      for (let k = 1; k < sorted.length; k++) {
        if (sorted[k] !== sorted[k - 1]! + 1) {
          this.report("numbering", 0, `journal ${code}: EcritureNum jumps from ${sorted[k - 1]} to ${sorted[k]}`);
        }
      }
    }
    return {
      ok: problems.length === 0,
      problems,
      lines: this.rows - 1,
      entries: this.entries.size,
      journals,
      debitCents: this.debitTotal,
      creditCents: this.creditTotal,
    };
  }
}

/** The whole file at once (CRLF or LF line ends, an optional BOM). */
export function validateFec(fileName: string, content: string): FecReport {
  const validator = new FecValidator(fileName);
  const rows = content.split(/\r?\n/);
  if (rows.length > 0 && rows[rows.length - 1] === "") rows.pop();
  for (const row of rows) validator.line(row);
  return validator.finish();
}

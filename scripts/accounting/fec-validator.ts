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

export type FecCheck =
  | "file_name" | "separator" | "header" | "field_count" | "date" | "fiscal_year" | "amount" | "mandatory"
  | "debit_and_credit" | "entry_balance" | "journal_balance" | "numbering" | "lettering" | "auxiliary" | "account";

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

export function validateFec(fileName: string, content: string): FecReport {
  const problems: FecProblem[] = [];
  const counts = new Map<FecCheck, number>();
  const report = (check: FecCheck, line: number, message: string) => {
    const n = (counts.get(check) ?? 0) + 1;
    counts.set(check, n);
    if (n <= MAX_PROBLEMS_PER_CHECK) problems.push({ check, line, message });
  };

  // File name: <SIREN>FEC<AAAAMMJJ>.txt
  let closing: Date | null = null;
  const name = /^(\d{9})FEC(\d{8})\.txt$/.exec(fileName.split(/[\\/]/).pop() ?? "");
  if (!name) {
    report("file_name", 0, `file name ${fileName} is not <SIREN>FEC<AAAAMMJJ>.txt`);
  } else {
    const [, siren = "", closingDate = ""] = name;
    if (!luhnOk(siren)) report("file_name", 0, `SIREN ${siren} fails its check digit`);
    closing = parseFecDate(closingDate);
    if (!closing) report("file_name", 0, `closing date ${closingDate} in the file name is not a date`);
  }

  const rows = content.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (rows.length > 0 && rows[rows.length - 1] === "") rows.pop();
  const empty: FecReport = { ok: false, problems, lines: 0, entries: 0, journals: {}, debitCents: 0, creditCents: 0 };
  if (rows.length === 0) {
    report("header", 1, "the file is empty");
    return empty;
  }

  const header = rows[0] ?? "";
  const separator = header.includes("\t") ? "\t" : header.includes("|") ? "|" : null;
  if (!separator) {
    report("separator", 1, "the header is separated neither by TAB nor by |");
    return empty;
  }
  if (separator === "\t" && header.includes("|")) report("separator", 1, "the header mixes TAB and |");
  const names = header.split(separator);
  if (names.length !== FEC_FIELDS.length || names.some((n, i) => n !== FEC_FIELDS[i])) {
    report("header", 1, `header is ${names.join(",")}; expected ${FEC_FIELDS.join(",")}`);
  }

  const entries = new Map<string, { debit: number; credit: number; line: number }>();
  const journals: FecReport["journals"] = {};
  const numbers = new Map<string, Set<number>>();
  let debitTotal = 0;
  let creditTotal = 0;
  const fiscalStart = closing ? new Date(Date.UTC(closing.getUTCFullYear() - 1, closing.getUTCMonth(), closing.getUTCDate() + 1)) : null;

  for (let i = 1; i < rows.length; i++) {
    const lineNo = i + 1;
    const fields = (rows[i] ?? "").split(separator);
    if (fields.length !== FEC_FIELDS.length) {
      report("field_count", lineNo, `${fields.length} fields instead of ${FEC_FIELDS.length}`);
      continue;
    }
    const f = Object.fromEntries(FEC_FIELDS.map((k, j) => [k, fields[j]])) as Record<(typeof FEC_FIELDS)[number], string>;

    for (const k of MANDATORY) {
      if (f[k].trim() === "") report("mandatory", lineNo, `${k} is empty`);
    }
    for (const k of ["EcritureDate", "PieceDate", "ValidDate"] as const) {
      if (f[k] !== "" && !parseFecDate(f[k])) report("date", lineNo, `${k} ${f[k]} is not a date AAAAMMJJ`);
    }
    if (f.DateLet !== "" && !parseFecDate(f.DateLet)) report("date", lineNo, `DateLet ${f.DateLet} is not a date AAAAMMJJ`);
    const entryDate = parseFecDate(f.EcritureDate);
    if (entryDate && closing && fiscalStart && (entryDate > closing || entryDate < fiscalStart)) {
      report("fiscal_year", lineNo, `EcritureDate ${f.EcritureDate} is outside the fiscal year closing on ${name?.[2]}`);
    }

    const debit = parseFecAmount(f.Debit);
    const credit = parseFecAmount(f.Credit);
    if (f.Debit !== "" && debit === null) report("amount", lineNo, `Debit ${f.Debit} is not an amount with a decimal comma and no thousands separator`);
    if (f.Credit !== "" && credit === null) report("amount", lineNo, `Credit ${f.Credit} is not an amount with a decimal comma and no thousands separator`);
    if (f.Montantdevise !== "" && parseFecAmount(f.Montantdevise) === null) {
      report("amount", lineNo, `Montantdevise ${f.Montantdevise} is not an amount with a decimal comma`);
    }
    if ((debit ?? 0) !== 0 && (credit ?? 0) !== 0) report("debit_and_credit", lineNo, `both Debit ${f.Debit} and Credit ${f.Credit}`);

    if ((f.EcritureLet === "") !== (f.DateLet === "")) {
      report("lettering", lineNo, f.EcritureLet === "" ? "DateLet without a lettering code" : `lettering code ${f.EcritureLet} without DateLet`);
    }
    if ((f.CompAuxNum === "") !== (f.CompAuxLib === "")) {
      report("auxiliary", lineNo, f.CompAuxNum === "" ? "CompAuxLib without CompAuxNum" : `CompAuxNum ${f.CompAuxNum} without CompAuxLib`);
    }
    if (f.CompteNum !== "" && !/^[1-7][0-9A-Z]{2,}$/.test(f.CompteNum)) {
      report("account", lineNo, `CompteNum ${f.CompteNum} is not an account of the plan comptable (classes 1 to 7)`);
    }

    const d = debit ?? 0;
    const c = credit ?? 0;
    debitTotal += d;
    creditTotal += c;
    const key = `${f.JournalCode}\u0000${f.EcritureNum}`;
    const entry = entries.get(key) ?? { debit: 0, credit: 0, line: lineNo };
    entry.debit += d;
    entry.credit += c;
    entries.set(key, entry);
    const journal = (journals[f.JournalCode] ??= { entries: 0, debitCents: 0, creditCents: 0 });
    journal.debitCents += d;
    journal.creditCents += c;
    const num = /(\d+)$/.exec(f.EcritureNum);
    if (num) {
      const set = numbers.get(f.JournalCode) ?? new Set<number>();
      set.add(Number(num[1]));
      numbers.set(f.JournalCode, set);
    } else if (f.EcritureNum !== "") {
      report("numbering", lineNo, `EcritureNum ${f.EcritureNum} does not end with a sequence number`);
    }
  }

  for (const [key, e] of entries) {
    const [journal = "", num = ""] = key.split("\u0000");
    if (e.debit !== e.credit) {
      report("entry_balance", e.line, `entry ${journal} ${num}: debit ${e.debit / 100} ≠ credit ${e.credit / 100}`);
    }
    journals[journal]!.entries++;
  }
  for (const [code, j] of Object.entries(journals)) {
    if (j.debitCents !== j.creditCents) report("journal_balance", 0, `journal ${code}: debit ${j.debitCents / 100} ≠ credit ${j.creditCents / 100}`);
  }
  for (const [code, set] of numbers) {
    const sorted = [...set].sort((a, b) => a - b);
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k] !== sorted[k - 1]! + 1) {
        report("numbering", 0, `journal ${code}: EcritureNum jumps from ${sorted[k - 1]} to ${sorted[k]}`);
      }
    }
  }

  return {
    ok: problems.length === 0,
    problems,
    lines: rows.length - 1,
    entries: entries.size,
    journals,
    debitCents: debitTotal,
    creditCents: creditTotal,
  };
}

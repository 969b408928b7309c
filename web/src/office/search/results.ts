/**
 * What the palette does with public.search's rows, kept apart from React so it
 * can be tested alone: group them by kind in a fixed order, and number them in
 * that same order for the arrow keys.
 */
export interface SearchRow {
  kind: string;
  id: string;
  title: string;
  subtitle: string | null;
  url_hint: string;
  rank: number;
}

/** The order of the groups on screen. */
export const KINDS = ["mission", "client", "site", "invoice", "quote"] as const;
export type SearchKind = (typeof KINDS)[number];

export interface SearchGroup {
  kind: SearchKind;
  /** Each row with its position in the whole list (the arrow keys walk it group after group). */
  rows: Array<{ row: SearchRow; index: number }>;
}

/** Rows grouped by kind (best first inside a group, as the database ranked them); unknown kinds are left out. */
export function groupResults(rows: readonly SearchRow[]): { groups: SearchGroup[]; flat: SearchRow[] } {
  const groups: SearchGroup[] = [];
  const flat: SearchRow[] = [];
  for (const kind of KINDS) {
    const mine = rows.filter((row) => row.kind === kind);
    if (mine.length === 0) continue;
    groups.push({ kind, rows: mine.map((row) => ({ row, index: flat.push(row) - 1 })) });
  }
  return { groups, flat };
}

/** The next active position for an arrow key, wrapping around; -1 when the list is empty. */
export function moveActive(current: number, count: number, key: "ArrowDown" | "ArrowUp" | "Home" | "End"): number {
  if (count === 0) return -1;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  if (current < 0) return key === "ArrowDown" ? 0 : count - 1;
  return key === "ArrowDown" ? (current + 1) % count : (current - 1 + count) % count;
}

/** Only back-office paths are followed: a row always names one (url_hint), anything else is ignored. */
export function safeOfficePath(urlHint: string): string | null {
  return /^\/office\/[a-z]+\/[0-9a-f-]{36}$/i.test(urlHint) ? urlHint : null;
}

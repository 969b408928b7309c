/**
 * An audit row's diff as lines to show: an update is `{"col": {"old", "new"}}`
 * for the changed columns only (audit.diff), an insert or a delete the row
 * image, a named operation (audit_export, ownership_transferred…) its own
 * object. Values stay as the database wrote them, JSON-encoded when not text.
 */
export interface DiffLine {
  column: string;
  old?: string | null;
  new?: string | null;
  /** An insert's, a delete's or a named operation's value (no before/after). */
  value?: string | null;
}

function show(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isChange(value: unknown): value is { old?: unknown; new?: unknown } {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key === "old" || key === "new");
}

export function diffLines(action: string, diff: unknown): DiffLine[] {
  if (!diff || typeof diff !== "object" || Array.isArray(diff)) return diff == null ? [] : [{ column: "", value: show(diff) }];
  const entries = Object.entries(diff as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  if (action === "update" && entries.every(([, value]) => isChange(value))) {
    return entries.map(([column, change]) => {
      const { old: before, new: after } = change as { old?: unknown; new?: unknown };
      return { column, old: show(before), new: show(after) };
    });
  }
  return entries.map(([column, value]) => ({ column, value: show(value) }));
}

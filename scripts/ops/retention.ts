/**
 * Which backups to keep: the newest backup of each of the last `daily` days
 * that have one, and the newest of each of the last `weekly` ISO weeks that
 * have one (UTC). Everything else may be deleted. The newest backup is
 * always kept, whatever the counts.
 */
export interface BackupEntry {
  name: string;
  createdAt: Date;
}

export interface RetentionPolicy {
  daily: number;
  weekly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4 };

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** ISO-8601 week, e.g. 2026-W49 (the week belongs to the year of its Thursday). */
export function isoWeekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

function newestPerPeriod(sorted: BackupEntry[], key: (d: Date) => string, periods: number): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const b of sorted) {
    if (seen.size >= periods) break;
    const k = key(b.createdAt);
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(b.name);
  }
  return kept;
}

export function backupsToKeep(backups: BackupEntry[], policy: RetentionPolicy): Set<string> {
  const sorted = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keep = new Set<string>([
    ...newestPerPeriod(sorted, dayKey, policy.daily),
    ...newestPerPeriod(sorted, isoWeekKey, policy.weekly),
  ]);
  if (sorted[0]) keep.add(sorted[0].name);
  return keep;
}

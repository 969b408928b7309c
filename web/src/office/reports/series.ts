/** Shapes the chart RPCs' rows into the Chart component's x values and series (pure, unit-tested). */

/** A local calendar day as "YYYY-MM-DD", `offsetDays` from `today`. */
export function isoDay(today: Date, offsetDays = 0): string {
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The first day of the month `offsetMonths` from today's, as "YYYY-MM-DD". */
export function monthStart(today: Date, offsetMonths = 0): string {
  const d = new Date(today.getFullYear(), today.getMonth() + offsetMonths, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-01`;
}

export const SEVERITIES = ["critical", "warning", "info"] as const;

/** alerts_over_time rows (one per day and severity) → the days, and one series of alerts fired per severity. */
export function alertsSeries(rows: ReadonlyArray<{ day: string; severity: string; fired: number }>) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const index = new Map(days.map((day, i) => [day, i]));
  const series = SEVERITIES.map((severity) => {
    const values = days.map(() => 0);
    for (const row of rows) if (row.severity === severity) values[index.get(row.day)!]! += row.fired;
    return { severity, values };
  });
  return { days, series };
}

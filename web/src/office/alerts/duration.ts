/** Durations of the alert settings: Postgres intervals as PostgREST gives them, and what the editor shows and sends. */
export const DURATION_UNITS = [
  { unit: "minutes", minutes: 1 },
  { unit: "hours", minutes: 60 },
  { unit: "days", minutes: 1440 },
] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number]["unit"];

/** Postgres intervals as PostgREST gives them ("04:00:00", "1 day 02:30:00", "3 days") in minutes. */
export function intervalMinutes(value: string | null): number | null {
  if (!value) return null;
  const match = /^(?:(-?\d+) days?)?\s*(?:(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?))?$/.exec(value.trim());
  if (!match) return null;
  const days = Number(match[1] ?? 0);
  const sign = match[2] === "-" ? -1 : 1;
  const clock = match[3] === undefined ? 0 : sign * (Number(match[3]) * 60 + Number(match[4]) + Number(match[5]) / 60);
  return days * 1440 + clock;
}

/** The largest unit that says the duration exactly. */
export function toDuration(minutes: number | null): { amount: string; unit: DurationUnit } {
  if (minutes === null) return { amount: "", unit: "hours" };
  const best = [...DURATION_UNITS].reverse().find((u) => minutes !== 0 && minutes % u.minutes === 0) ?? DURATION_UNITS[0];
  return { amount: String(minutes / best.minutes), unit: best.unit };
}

/** What the database receives: "90 minutes", or null for an empty field (the database says whether that is allowed). */
export function toInterval(amount: string, unit: DurationUnit): string | null {
  return amount.trim() === "" ? null : `${amount.trim()} ${unit}`;
}


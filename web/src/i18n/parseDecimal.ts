/**
 * A decimal number as people type it: "2,5" and "2.5" are both two and a half
 * (the French keyboard types a comma), spaces are ignored. Anything else
 * ("abc", "1,2,3", "1e3", "Infinity") is null, for the form to say so next to
 * the field instead of sending it. The sign is kept: the database judges the
 * value (positive, bounds) and says so in its own words.
 *
 * One helper for every screen that reads a typed number: the technician's
 * hours and parts, the office's stock movements.
 */
export function parseDecimal(text: string): number | null {
  const normalized = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(normalized)) return null;
  return Number(normalized);
}

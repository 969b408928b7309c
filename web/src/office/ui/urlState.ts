/**
 * Filters kept in the URL's query string, so a view can be shared, bookmarked
 * and reloaded. The router follows paths only: the query is written with
 * replaceState (a filter change is not a new history entry) and read when the
 * screen opens.
 */
import { useCallback, useState } from "react";

export function useQueryParams<K extends string>(keys: readonly K[]): [Record<K, string>, (next: Partial<Record<K, string>>) => void] {
  const [params, setParams] = useState<Record<K, string>>(() => read(keys));
  const update = useCallback(
    (next: Partial<Record<K, string>>) => {
      setParams((current) => {
        const merged = { ...current, ...next };
        const search = new URLSearchParams();
        for (const key of keys) if (merged[key]) search.set(key, merged[key]);
        const query = search.toString();
        window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
        return merged;
      });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [keys.join(",")],
  );
  return [params, update];
}

function read<K extends string>(keys: readonly K[]): Record<K, string> {
  const search = new URLSearchParams(window.location.search);
  return Object.fromEntries(keys.map((key) => [key, search.get(key) ?? ""])) as Record<K, string>;
}

/** The start of a calendar day (yyyy-mm-dd) in the browser's time zone, as an ISO instant. */
export function dayStart(day: string, plusDays = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

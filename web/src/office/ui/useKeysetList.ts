/**
 * A list read a page at a time, newest first, by keyset (created_at, id) —
 * never by offset, so a row written meanwhile neither repeats nor skips one —
 * with its filters held in the URL's query string (ui/urlState.ts): a view
 * can be shared, bookmarked and reloaded. A filter change goes back to the
 * first page.
 */
import { useState, type DependencyList } from "react";
import { useQueryParams } from "./urlState.ts";
import { useQuery, type ApiError } from "./useQuery.ts";

/** Keyset position: the last row of the page shown. */
export interface NewestFirstCursor {
  created_at: string;
  id: string;
}

/** What newestFirstPage needs of a PostgREST query builder. */
interface KeysetQuery<Q> {
  or(filters: string): Q;
  order(column: string, options: { ascending: boolean }): Q;
  limit(count: number): Q;
}

/** The page after `after` (the first page when null), one row more than `size` to tell whether another page follows. */
export function newestFirstPage<Q extends KeysetQuery<Q>>(query: Q, after: NewestFirstCursor | null, size: number): Q {
  const from = after ? query.or(`created_at.lt."${after.created_at}",and(created_at.eq."${after.created_at}",id.lt.${after.id})`) : query;
  return from.order("created_at", { ascending: false }).order("id", { ascending: false }).limit(size + 1);
}

export interface KeysetList<T, K extends string> {
  filters: Record<K, string>;
  /** Changes filters (kept in the URL) and goes back to the first page. */
  setFilters: (next: Partial<Record<K, string>>) => void;
  /** The rows of the page shown; undefined until the first answer. */
  rows: T[] | undefined;
  /** Another page follows this one. */
  more: boolean;
  /** The page shown is not the first. */
  paged: boolean;
  next: () => void;
  first: () => void;
  error: ApiError | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * `load(filters, after, size)` answers up to size + 1 rows after the cursor
 * (newestFirstPage builds that query); `deps` are what else the query reads.
 */
export function useKeysetList<T extends NewestFirstCursor, K extends string>(
  filterKeys: readonly K[],
  load: (filters: Record<K, string>, after: NewestFirstCursor | null, size: number) => Promise<T[]>,
  deps: DependencyList,
  pageSize = 50,
): KeysetList<T, K> {
  const [filters, writeFilters] = useQueryParams(filterKeys);
  const [after, setAfter] = useState<NewestFirstCursor | null>(null);
  const page = useQuery(async () => {
    const rows = await load(filters, after, pageSize);
    return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, ...filterKeys.map((key) => filters[key]), after, pageSize]);

  return {
    filters,
    setFilters: (next) => {
      writeFilters(next);
      setAfter(null);
    },
    rows: page.data?.rows,
    more: page.data?.more ?? false,
    paged: after !== null,
    next: () => {
      const last = page.data?.rows[page.data.rows.length - 1];
      if (last) setAfter({ created_at: last.created_at, id: last.id });
    },
    first: () => setAfter(null),
    error: page.error,
    loading: page.loading,
    reload: page.reload,
  };
}

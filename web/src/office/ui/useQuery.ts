import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";

/** An error as the API gives it: PostgREST's `{ code, message, details, hint }` or an edge function's `{ error: { code, message } }`. */
export interface ApiError {
  message: string;
  code?: string;
  details?: string | null;
  hint?: string | null;
}

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** Loads again (after an action, or from a "try again" button); the current data stays shown meanwhile. */
  reload: () => Promise<void>;
}

/** supabase-js answers `{ data, error }`: the data, or throw the error so useQuery/handlers show it. */
export function unwrap<T>(result: { data: T | null; error: ApiError | null }): T {
  if (result.error) throw result.error;
  return result.data as T;
}

export function toApiError(error: unknown): ApiError {
  if (error && typeof error === "object" && "message" in error && typeof (error as ApiError).message === "string") {
    const { message, code, details, hint } = error as ApiError;
    return { message, code, details, hint };
  }
  return { message: String(error) };
}

/**
 * Runs `load` when the deps change and on reload(). An answer that arrives after a
 * newer load started is dropped, so a slow reply never overwrites a fresh one.
 */
export function useQuery<T>(load: () => Promise<T>, deps: DependencyList): QueryState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await run();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(toApiError(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [run]);

  useEffect(() => {
    void reload();
    return () => {
      generation.current++;
    };
  }, [reload]);

  return { data, error, loading, reload };
}

import { liveQuery } from "dexie";
import { useEffect, useState, useSyncExternalStore, type DependencyList } from "react";
import type { SyncEngine, SyncState } from "./sync.ts";

/** The result of a Dexie query, re-run whenever the tables it read change (in any tab). */
export function useLiveQuery<T>(query: () => Promise<T>, deps: DependencyList): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: setValue,
      error: (error: unknown) => console.error("Local database query failed", error),
    });
    return () => subscription.unsubscribe();
    // The caller lists what the query depends on, as with useEffect.
  }, deps);
  return value;
}

export function useSyncState(engine: SyncEngine): SyncState {
  return useSyncExternalStore(engine.subscribe, engine.getState);
}

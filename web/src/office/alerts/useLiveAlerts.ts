/**
 * The organization's open and recently resolved alerts, kept current: one hook
 * for the dashboard. Realtime (postgres_changes on public.alerts, filtered by
 * org_id) where a Realtime server answers; polling otherwise (see live.ts for
 * the switching rules). RLS decides which rows come back, in both modes: a
 * Realtime event only says "load again".
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { TerrainClient } from "../../supabase.ts";
import { toApiError, type ApiError } from "../ui/index.ts";
import { DEFAULT_TIMING, LiveUpdates, type ChannelStatus, type LiveMode, type LiveTiming } from "./live.ts";
import type { Database } from "../../../../types/database.ts";

export type AlertRow = Database["public"]["Tables"]["alerts"]["Row"];

export interface AlertLists {
  /** Firing and acknowledged alerts (the condition still holds). */
  open: AlertRow[];
  /** How many open alerts there are (the list stops at OPEN_LIMIT). */
  openCount: number;
  /** The latest resolved alerts. */
  resolved: AlertRow[];
}

/** More open alerts than this is an incident of its own: the screen says how many more. */
export const OPEN_LIMIT = 500;
export const RESOLVED_LIMIT = 50;

export interface LiveAlerts {
  data: AlertLists | undefined;
  error: ApiError | null;
  mode: LiveMode;
  pollSeconds: number;
  /** When the data last loaded (Date.now()). */
  updatedAt: number | null;
  reload: () => Promise<void>;
}

export async function loadAlerts(supabase: TerrainClient, orgId: string): Promise<AlertLists> {
  const [open, resolved] = await Promise.all([
    supabase
      .from("alerts")
      .select("*", { count: "exact" })
      .eq("org_id", orgId)
      .in("status", ["firing", "acknowledged"])
      .order("first_fired_at", { ascending: true })
      .limit(OPEN_LIMIT),
    supabase
      .from("alerts")
      .select("*")
      .eq("org_id", orgId)
      .eq("status", "resolved")
      .order("resolved_at", { ascending: false })
      .limit(RESOLVED_LIMIT),
  ]);
  if (open.error) throw open.error;
  if (resolved.error) throw resolved.error;
  return { open: open.data, openCount: open.count ?? open.data.length, resolved: resolved.data };
}

export function useLiveAlerts(supabase: TerrainClient, orgId: string, timing: LiveTiming = DEFAULT_TIMING): LiveAlerts {
  const [data, setData] = useState<AlertLists | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [mode, setMode] = useState<LiveMode>("connecting");
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const lists = await loadAlerts(supabase, orgId);
      if (mine !== generation.current) return; // a newer load started: its answer wins
      setData(lists);
      setError(null);
      setUpdatedAt(Date.now());
    } catch (caught) {
      if (mine === generation.current) setError(toApiError(caught));
    }
  }, [supabase, orgId]);

  useEffect(() => {
    void reload();
    const live = new LiveUpdates(
      {
        refresh: () => void reload(),
        isHidden: () => document.visibilityState === "hidden",
        onVisibilityChange: (listener) => {
          document.addEventListener("visibilitychange", listener);
          return () => document.removeEventListener("visibilitychange", listener);
        },
        onModeChange: setMode,
        subscribe: (onChange, onStatus) => {
          const channel = supabase
            .channel(`alerts:${orgId}`)
            .on("postgres_changes", { event: "*", schema: "public", table: "alerts", filter: `org_id=eq.${orgId}` }, onChange)
            .subscribe((status) => onStatus(status as ChannelStatus));
          return () => {
            void supabase.removeChannel(channel);
          };
        },
      },
      timing,
    );
    live.start();
    return () => {
      live.stop();
      generation.current++;
    };
  }, [supabase, orgId, reload, timing]);

  return { data, error, mode, pollSeconds: timing.pollSeconds, updatedAt, reload };
}

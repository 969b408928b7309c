import type { Session } from "@supabase/supabase-js";
import { createContext, useContext } from "react";
import type { TerrainDb } from "../offline/db.ts";
import type { SyncEngine } from "../offline/sync.ts";
import type { TerrainClient } from "../supabase.ts";

export interface Technician {
  supabase: TerrainClient;
  session: Session;
  userId: string;
  db: TerrainDb;
  engine: SyncEngine;
  /** From /config.json; null when the server sends no Web Push. */
  vapidPublicKey: string | null;
}

export const TechnicianContext = createContext<Technician | null>(null);

export function useTechnician(): Technician {
  const value = useContext(TechnicianContext);
  if (!value) throw new Error("useTechnician outside TechnicianApp");
  return value;
}

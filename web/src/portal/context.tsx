import type { Session } from "@supabase/supabase-js";
import { createContext, useContext } from "react";
import type { TerrainClient } from "../supabase.ts";

/** The client portal's person: a portal user bound to one client of one organization. */
export interface Portal {
  supabase: TerrainClient;
  session: Session;
  userId: string;
  org: { id: string; name: string };
  clientId: string;
}

export const PortalContext = createContext<Portal | null>(null);

export function usePortal(): Portal {
  const value = useContext(PortalContext);
  if (!value) throw new Error("usePortal outside PortalApp");
  return value;
}

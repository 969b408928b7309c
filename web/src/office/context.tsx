import type { Session } from "@supabase/supabase-js";
import { createContext, useContext } from "react";
import type { TerrainClient } from "../supabase.ts";
import type { MemberRole, Membership } from "../workspace.ts";

/** What every back-office screen works with: who is signed in, in which organization, as what. */
export interface Office {
  supabase: TerrainClient;
  session: Session;
  userId: string;
  org: { id: string; name: string };
  role: MemberRole;
  /** Every organization the user belongs to (the header offers to switch). */
  orgs: Membership[];
  switchOrg(orgId: string): void;
  /** Reads the user's memberships again (after a change of their own role): the screens follow the new role. */
  reloadMemberships(): Promise<void>;
}

export const OfficeContext = createContext<Office | null>(null);

export function useOffice(): Office {
  const value = useContext(OfficeContext);
  if (!value) throw new Error("useOffice outside OfficeApp");
  return value;
}

/**
 * Who the dispatch screens name: the organization's technicians (to filter by
 * and to assign to) and anyone's display name (history, notes), read under RLS
 * from memberships and profiles.
 */
import type { TerrainClient } from "../../supabase.ts";
import { unwrap } from "../ui/index.ts";

export interface Person {
  id: string;
  name: string;
}

/** The technicians of the organization, by name. */
export async function loadTechnicians(supabase: TerrainClient, orgId: string): Promise<Person[]> {
  const members = unwrap(
    await supabase.from("memberships").select("user_id").eq("org_id", orgId).eq("role", "technician"),
  ) as { user_id: string }[];
  const names = await loadNames(supabase, members.map((m) => m.user_id));
  return members
    .map((m) => ({ id: m.user_id, name: names.get(m.user_id) ?? m.user_id }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Display names (full name, else e-mail) of the given users the caller may see. */
export async function loadNames(supabase: TerrainClient, ids: Iterable<string | null | undefined>): Promise<Map<string, string>> {
  const wanted = [...new Set([...ids].filter((id): id is string => !!id))];
  const names = new Map<string, string>();
  if (wanted.length === 0) return names;
  const rows = unwrap(await supabase.from("profiles").select("id, full_name, email").in("id", wanted)) as {
    id: string;
    full_name: string | null;
    email: string | null;
  }[];
  for (const row of rows) names.set(row.id, row.full_name || row.email || row.id);
  return names;
}

/**
 * Which app a signed-in person gets: the role of their membership in the
 * organization they are working in decides it (docs/design.md, "Who uses it").
 *
 * - technician → the phone-first offline app at /
 * - owner, admin, dispatcher, accountant → the back office under /office
 * - client (portal user) → the client portal under /portal
 *
 * The memberships are read once per start and kept on the device, so a
 * technician who opens the app in a basement with no signal still gets it.
 */
import type { TerrainClient } from "./supabase.ts";
import type { Database } from "../../types/database.ts";

export type MemberRole = Database["public"]["Enums"]["member_role"];
export type AppKind = "technician" | "office" | "portal";

export interface Membership {
  orgId: string;
  orgName: string;
  role: MemberRole;
  /** The client a portal user belongs to; null for every other role. */
  clientId: string | null;
}

export const OFFICE_ROLES: readonly MemberRole[] = ["owner", "admin", "dispatcher", "accountant"];

export function appFor(role: MemberRole): AppKind {
  if (role === "technician") return "technician";
  if (role === "client") return "portal";
  return "office";
}

/** The first screen of each app. */
export function homeOf(app: AppKind): string {
  return app === "technician" ? "/" : app === "office" ? "/office" : "/portal";
}

/** Whether a path belongs to an app: anything else is sent to that app's home. */
export function pathBelongsTo(app: AppKind, path: string): boolean {
  const inOffice = path === "/office" || path.startsWith("/office/");
  const inPortal = path === "/portal" || path.startsWith("/portal/");
  if (app === "office") return inOffice;
  if (app === "portal") return inPortal;
  return !inOffice && !inPortal;
}

/**
 * The membership to work in: the one chosen last on this device when it still
 * exists, else the first by organization name (a stable order).
 */
export function currentMembership(memberships: Membership[], chosenOrgId: string | null): Membership | null {
  if (memberships.length === 0) return null;
  return memberships.find((m) => m.orgId === chosenOrgId) ?? memberships[0]!;
}

const cacheKey = (userId: string) => `terrain.memberships.${userId}`;
export const CHOSEN_ORG_KEY = "terrain.org";

export interface MembershipStore {
  read(key: string): string | null;
  write(key: string, value: string): void;
}

export type LoadedMemberships =
  | { kind: "loaded"; memberships: Membership[]; fromCache: boolean }
  | { kind: "failed"; message: string };

/**
 * The user's memberships, from the server when it answers (and kept on the
 * device), else the last ones this device saw. RLS lets anyone read their own
 * memberships and the organizations they belong to.
 */
export async function loadMemberships(supabase: TerrainClient, userId: string, store: MembershipStore): Promise<LoadedMemberships> {
  let answer: Awaited<ReturnType<typeof readMemberships>> | null = null;
  try {
    answer = await readMemberships(supabase, userId);
  } catch {
    // A network failure thrown rather than returned: the same as no answer.
  }
  const { data, error } = answer ?? { data: null, error: null };
  if (!error && data) {
    const memberships = data
      .map((row) => ({
        orgId: row.org_id,
        orgName: row.organizations?.name ?? "",
        role: row.role,
        clientId: row.client_id,
      }))
      .sort((a, b) => a.orgName.localeCompare(b.orgName) || a.orgId.localeCompare(b.orgId));
    try {
      store.write(cacheKey(userId), JSON.stringify(memberships));
    } catch {
      // No storage (private mode): the next offline start cannot pick the app, that is all.
    }
    return { kind: "loaded", memberships, fromCache: false };
  }
  const cached = readCached(store, userId);
  if (cached) return { kind: "loaded", memberships: cached, fromCache: true };
  return { kind: "failed", message: error?.message ?? "No answer." };
}

function readMemberships(supabase: TerrainClient, userId: string) {
  return supabase.from("memberships").select("org_id, role, client_id, organizations(name)").eq("user_id", userId);
}

function readCached(store: MembershipStore, userId: string): Membership[] | null {
  try {
    const raw = store.read(cacheKey(userId));
    if (!raw) return null;
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as Membership[]) : null;
  } catch {
    return null;
  }
}

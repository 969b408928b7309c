/**
 * Reads the technician's data from the API into the device's database, so the
 * app has it offline. Row-level security decides what comes back: the missions
 * assigned to them or open to them, the rows those missions need, their own
 * notifications, their organization's parts catalogue.
 */
import type { TerrainClient } from "../supabase.ts";
import { setMeta, type LocalMission, type LocalNotification, type LocalStockItem, type TerrainDb, type TransitionRule } from "./db.ts";

const MISSION_COLUMNS = [
  "id, org_id, title, description, status, priority, scheduled_start, scheduled_end, technician_id, blocked_reason",
  "client:clients(name, phone)",
  "site:sites(name, address, postal_code, city, access_notes)",
  "contract:maintenance_contracts(reference, sla_hours)",
  "history:mission_status_history(id, from_status, to_status, changed_at, reason)",
  "notes:mission_notes(id, body, created_at)",
  "timesheets(id, work_date, hours, note)",
  "parts:stock_movements(id, item_id, quantity, created_at)",
].join(", ");

/** Missions closed for longer than this are not kept on the device. */
const CLOSED_KEEP_DAYS = 7;

export class PullError extends Error {
  override name = "PullError";
}

function check<T>(what: string, result: { data: T | null; error: { message: string } | null }): T {
  if (result.error) throw new PullError(`${what}: ${result.error.message}`);
  return result.data as T;
}

/**
 * `orgIds`: the organizations where the user is a technician. Someone who is also a dispatcher
 * or an admin elsewhere would otherwise get every open mission and the catalogue of that other
 * company on the phone. Undefined (the memberships could not be read): RLS alone decides.
 */
export async function pull(db: TerrainDb, supabase: TerrainClient, now = new Date(), orgIds?: string[]): Promise<void> {
  const since = new Date(now.getTime() - CLOSED_KEEP_DAYS * 86_400_000).toISOString();
  let missionQuery = supabase
    .from("missions")
    .select(MISSION_COLUMNS)
    .or(`status.in.(published,assigned,in_progress,blocked),updated_at.gte.${since}`)
    .not("status", "in", "(new,cancelled)");
  let itemQuery = supabase.from("stock_items").select("id, org_id, sku, name, unit, on_hand, price_cents");
  if (orgIds) {
    missionQuery = missionQuery.in("org_id", orgIds);
    itemQuery = itemQuery.in("org_id", orgIds);
  }
  const [missions, items, notifications, transitions, unread, memberships] = await Promise.all([
    missionQuery.order("scheduled_start", { ascending: true, nullsFirst: false }).limit(200),
    itemQuery.order("name").limit(2000),
    supabase
      .from("notifications")
      .select("id, title, body, created_at, read_at, entity_table, entity_id")
      .eq("channel", "in_app")
      .order("created_at", { ascending: false })
      .limit(50),
    supabase.from("mission_valid_transitions").select("from_status, to_status, allowed_roles, requires_reason, system_context"),
    supabase.rpc("unread_notification_count"),
    supabase.from("memberships").select("org_id, role"),
  ]);
  const missionRows = check("missions", missions) as unknown as LocalMission[];
  const itemRows = check("stock items", items) as LocalStockItem[];
  const notificationRows = check("notifications", notifications) as LocalNotification[];
  const transitionRows = check("transitions", transitions) as TransitionRule[];
  const unreadCount = check("unread count", unread) as number;
  const roles = check("memberships", memberships) as Array<{ org_id: string; role: string }>;

  // One transaction: the app never shows half of a refresh.
  await db.transaction("rw", [db.missions, db.stockItems, db.notifications, db.transitions, db.meta], async () => {
    await Promise.all([db.missions.clear(), db.stockItems.clear(), db.notifications.clear(), db.transitions.clear()]);
    await db.missions.bulkPut(missionRows.map(normaliseMission));
    await db.stockItems.bulkPut(itemRows);
    await db.notifications.bulkPut(notificationRows);
    await db.transitions.bulkPut(transitionRows);
    await setMeta(db, "unreadCount", unreadCount);
    await setMeta(db, "roles", Object.fromEntries(roles.map((r) => [r.org_id, r.role])));
    await setMeta(db, "pulledAt", now.toISOString());
  });
}

function normaliseMission(row: LocalMission): LocalMission {
  return {
    ...row,
    history: [...(row.history ?? [])].sort((a, b) => a.changed_at.localeCompare(b.changed_at)),
    notes: [...(row.notes ?? [])].sort((a, b) => a.created_at.localeCompare(b.created_at)),
    timesheets: row.timesheets ?? [],
    parts: row.parts ?? [],
  };
}

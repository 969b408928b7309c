/**
 * The missions board's query: one page of an organization's missions, ordered
 * by scheduled date (unscheduled last) then id, with keyset pagination (the
 * next page starts after the last row shown; never OFFSET, which reads and
 * throws away every earlier row). The filters are the URL's. Measured at
 * 1,000,000 missions by `npm run bench` (scripts/bench/run.ts, "dispatcher
 * board" figures), which runs the same SQL.
 */
import type { TerrainClient } from "../../supabase.ts";
import type { Database } from "../../../../types/database.ts";
import { unwrap } from "../ui/index.ts";
import { dayStart, UUID } from "../ui/urlState.ts";

export type MissionStatus = Database["public"]["Enums"]["mission_status"];
export type MissionPriority = Database["public"]["Enums"]["mission_priority"];

export const STATUSES: MissionStatus[] = ["new", "published", "assigned", "in_progress", "blocked", "done", "invoiced", "cancelled"];
export const OPEN_STATUSES: MissionStatus[] = ["new", "published", "assigned", "in_progress", "blocked"];
export const PAGE_SIZE = 25;

export const BOARD_FILTERS = ["status", "tech", "client", "from", "to"] as const;
export type BoardFilters = Record<(typeof BOARD_FILTERS)[number], string>;

export interface BoardRow {
  id: string;
  title: string;
  status: MissionStatus;
  priority: MissionPriority;
  scheduled_start: string | null;
  technician_id: string | null;
  client_id: string;
  clients: { name: string } | null;
  sites: { name: string; city: string | null } | null;
}

export interface Cursor {
  scheduled_start: string | null;
  id: string;
}

/** One page; `next` is the cursor of the following page, null at the end. */
export async function loadBoardPage(
  supabase: TerrainClient,
  orgId: string,
  filters: BoardFilters,
  after: Cursor | null,
): Promise<{ rows: BoardRow[]; next: Cursor | null }> {
  // A fresh query with the filters each time: supabase-js builders are mutable.
  const filtered = () => {
    let query = supabase
      .from("missions")
      .select("id, title, status, priority, scheduled_start, technician_id, client_id, clients(name), sites(name, city)")
      .eq("org_id", orgId);
    if (filters.status === "all") {
      // every status
    } else if ((STATUSES as string[]).includes(filters.status)) query = query.eq("status", filters.status as MissionStatus);
    else query = query.in("status", OPEN_STATUSES);
    if (filters.tech === "none") query = query.is("technician_id", null);
    else if (UUID.test(filters.tech)) query = query.eq("technician_id", filters.tech);
    if (UUID.test(filters.client)) query = query.eq("client_id", filters.client);
    const from = dayStart(filters.from);
    const to = dayStart(filters.to, 1);
    if (from) query = query.gte("scheduled_start", from);
    if (to) query = query.lt("scheduled_start", to);
    return query;
  };

  const ordered = (q: ReturnType<typeof filtered>, limit: number) =>
    q
      .order("scheduled_start", { ascending: true, nullsFirst: false })
      .order("id", { ascending: true })
      .limit(limit);

  let rows: BoardRow[];
  if (!after) {
    rows = unwrap(await ordered(filtered(), PAGE_SIZE + 1)) as unknown as BoardRow[];
  } else if (after.scheduled_start === null) {
    // Among the unscheduled missions (they sort last): after the cursor's id.
    rows = unwrap(await ordered(filtered().is("scheduled_start", null).gt("id", after.id), PAGE_SIZE + 1)) as unknown as BoardRow[];
  } else {
    // (scheduled_start, id) > cursor, written as one index range (missions_org_schedule_idx):
    // scheduled_start >= x and (scheduled_start > x or id > y). Unscheduled missions come
    // after every scheduled one: when the scheduled ones run out, the page goes on with them.
    const at = after.scheduled_start;
    rows = unwrap(
      await ordered(filtered().gte("scheduled_start", at).or(`scheduled_start.gt."${at}",id.gt.${after.id}`), PAGE_SIZE + 1),
    ) as unknown as BoardRow[];
    if (rows.length <= PAGE_SIZE) {
      const unscheduled = unwrap(await ordered(filtered().is("scheduled_start", null), PAGE_SIZE + 1 - rows.length)) as unknown as BoardRow[];
      rows = [...rows, ...unscheduled];
    }
  }
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > PAGE_SIZE && last ? { scheduled_start: last.scheduled_start, id: last.id } : null };
}

export interface Transition {
  from_status: MissionStatus;
  to_status: MissionStatus;
  allowed_roles: string[];
  requires_reason: boolean;
  system_context: string | null;
}

export async function loadTransitions(supabase: TerrainClient): Promise<Transition[]> {
  return unwrap(
    await supabase.from("mission_valid_transitions").select("from_status, to_status, allowed_roles, requires_reason, system_context"),
  ) as Transition[];
}

/** The moves the role may make from a status (the database still decides: this only chooses the buttons). */
export function movesFrom(transitions: Transition[], status: MissionStatus, role: string): Transition[] {
  return transitions.filter((t) => t.from_status === status && !t.system_context && t.allowed_roles.includes(role));
}

export function idempotencyKey(): string {
  return `office-${crypto.randomUUID()}`;
}

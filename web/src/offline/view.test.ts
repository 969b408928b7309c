import { describe, expect, it } from "vitest";
import type { LocalMission, LocalNotification, OutboxAction, TransitionRule } from "./db.ts";
import { allowedMoves, missionGroup, missionView, unreadBadge } from "./view.ts";

const mission: LocalMission = {
  id: "m1",
  org_id: "o1",
  title: "Chaudière",
  description: null,
  status: "published",
  priority: "normal",
  scheduled_start: null,
  scheduled_end: null,
  technician_id: null,
  blocked_reason: null,
  client: null,
  site: null,
  contract: null,
  history: [],
  notes: [],
  timesheets: [],
  parts: [],
};

function action(kind: OutboxAction["kind"], args: Record<string, unknown>, state: OutboxAction["state"] = "pending", missionId: string | null = "m1"): OutboxAction {
  return { key: crypto.randomUUID(), kind, args, missionId, createdAt: "", state, attempts: 0, nextAttemptAt: 0, lastError: null, refusal: null };
}

// Rows of public.mission_valid_transitions as the seed defines them (the ones a technician meets).
const rules: TransitionRule[] = [
  { from_status: "new", to_status: "published", allowed_roles: ["owner", "admin", "dispatcher"], requires_reason: false, system_context: null },
  { from_status: "published", to_status: "assigned", allowed_roles: ["owner", "admin", "dispatcher", "technician"], requires_reason: false, system_context: null },
  { from_status: "assigned", to_status: "in_progress", allowed_roles: ["technician"], requires_reason: false, system_context: null },
  { from_status: "in_progress", to_status: "done", allowed_roles: ["technician"], requires_reason: false, system_context: null },
  { from_status: "in_progress", to_status: "blocked", allowed_roles: ["technician", "dispatcher"], requires_reason: true, system_context: null },
  { from_status: "done", to_status: "invoiced", allowed_roles: [], requires_reason: false, system_context: "invoicing" },
];

describe("missionView", () => {
  it("shows the status the pending moves lead to, in order; refused moves do not count", () => {
    const outbox = [
      action("transition_mission", { p_to_status: "assigned" }),
      action("transition_mission", { p_to_status: "in_progress" }),
      action("transition_mission", { p_to_status: "done" }, "refused"),
      action("transition_mission", { p_to_status: "blocked" }, "pending", "other-mission"),
    ];
    const view = missionView(mission, outbox);
    expect(view.effectiveStatus).toBe("in_progress");
    expect(view.pending).toHaveLength(2);
    expect(view.status).toBe("published");
  });
});

describe("allowedMoves", () => {
  it("offers a technician only the moves the table gives their role, never system moves", () => {
    expect(allowedMoves(rules, "published", "technician").map((r) => r.to_status)).toEqual(["assigned"]);
    expect(allowedMoves(rules, "in_progress", "technician").map((r) => r.to_status)).toEqual(["blocked", "done"]);
    expect(allowedMoves(rules, "new", "technician")).toEqual([]);
    expect(allowedMoves(rules, "done", "technician")).toEqual([]);
    expect(allowedMoves(rules, "published", undefined)).toEqual([]);
  });
});

describe("unreadBadge", () => {
  it("is the server's count less what was read here and not sent yet", () => {
    const notifications: LocalNotification[] = [
      { id: "n1", title: "a", body: null, created_at: "", read_at: null, entity_table: null, entity_id: null },
      { id: "n2", title: "b", body: null, created_at: "", read_at: null, entity_table: null, entity_id: null },
    ];
    expect(unreadBadge(5, notifications, [])).toBe(5);
    expect(unreadBadge(5, notifications, [action("mark_notification_read", { p_id: "n1" }, "pending", null)])).toBe(4);
    expect(unreadBadge(0, notifications, [action("mark_notification_read", { p_id: "n1" }, "pending", null)])).toBe(0);
  });
});

describe("missionGroup", () => {
  const now = new Date(2026, 11, 3, 9, 0);
  const at = (d: Date) => d.toISOString();
  it("puts the pool apart, today's and running work first, later days under upcoming", () => {
    expect(missionGroup(missionView(mission, []), now)).toBe("open");
    const assigned = { ...mission, status: "assigned" as const };
    expect(missionGroup(missionView({ ...assigned, scheduled_start: at(new Date(2026, 11, 3, 14)) }, []), now)).toBe("today");
    expect(missionGroup(missionView({ ...assigned, scheduled_start: at(new Date(2026, 11, 4, 8)) }, []), now)).toBe("upcoming");
    expect(missionGroup(missionView({ ...mission, status: "blocked" }, []), now)).toBe("today");
    expect(missionGroup(missionView({ ...mission, status: "done" }, []), now)).toBe("other");
  });
});

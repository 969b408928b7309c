/**
 * What the app shows = the last data read from the server + the actions still
 * in the outbox, applied on top in order. Nothing is written to the local
 * copies of server rows, so a refresh never erases a pending action and the
 * server's answer always wins once the action is accepted.
 */
import type { LocalMission, LocalNotification, MemberRole, MissionStatus, OutboxAction, TransitionRule } from "./db.ts";

export interface MissionView extends LocalMission {
  /** The status once the pending moves land. */
  effectiveStatus: MissionStatus;
  pending: OutboxAction[];
}

export function missionView(mission: LocalMission, outbox: OutboxAction[]): MissionView {
  const pending = outbox.filter((a) => a.state === "pending" && a.missionId === mission.id);
  let effectiveStatus = mission.status;
  for (const action of pending) {
    if (action.kind === "transition_mission") effectiveStatus = action.args.p_to_status as MissionStatus;
  }
  return { ...mission, effectiveStatus, pending };
}

/** The moves the database allows this role from this status (mission_valid_transitions). */
export function allowedMoves(rules: TransitionRule[], from: MissionStatus, role: MemberRole | undefined): TransitionRule[] {
  if (!role) return [];
  const order: MissionStatus[] = ["assigned", "in_progress", "blocked", "done"];
  return rules
    .filter((r) => r.from_status === from && r.system_context === null && r.allowed_roles.includes(role))
    .sort((a, b) => order.indexOf(a.to_status) - order.indexOf(b.to_status));
}

export function isRead(notification: LocalNotification, outbox: OutboxAction[]): boolean {
  return (
    notification.read_at !== null ||
    outbox.some((a) => a.state === "pending" && a.kind === "mark_notification_read" && a.args.p_id === notification.id)
  );
}

/** The server's unread count, less the notifications read on this device and not yet sent. */
export function unreadBadge(serverCount: number, notifications: LocalNotification[], outbox: OutboxAction[]): number {
  const readHere = notifications.filter((n) => n.read_at === null && isRead(n, outbox)).length;
  return Math.max(0, serverCount - readHere);
}

export type MissionGroup = "today" | "open" | "upcoming" | "other";

/** Today: in progress, blocked, or scheduled today; open: published, to accept; upcoming: later. */
export function missionGroup(mission: MissionView, now = new Date()): MissionGroup {
  if (mission.effectiveStatus === "published") return "open";
  if (mission.effectiveStatus === "in_progress" || mission.effectiveStatus === "blocked") return "today";
  if (mission.scheduled_start) {
    const start = new Date(mission.scheduled_start);
    const endOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    if (start < endOfToday && mission.effectiveStatus === "assigned") return "today";
    if (start >= endOfToday && mission.effectiveStatus === "assigned") return "upcoming";
  }
  return mission.effectiveStatus === "assigned" ? "today" : "other";
}

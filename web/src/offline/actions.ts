/**
 * The technician's actions. Each one is written to the outbox first (so it
 * survives a closed tab, a reload, a dead battery) and then sent by the sync
 * engine; the screen shows it at once from the outbox (view.ts).
 */
import type { MissionStatus, TerrainDb } from "./db.ts";
import { enqueue } from "./outbox.ts";

export function transitionMission(db: TerrainDb, missionId: string, to: MissionStatus, reason?: string) {
  return enqueue(db, {
    kind: "transition_mission",
    missionId,
    args: { p_mission_id: missionId, p_to_status: to, ...(reason ? { p_reason: reason } : {}) },
  });
}

export function logHours(db: TerrainDb, missionId: string, workDate: string, hours: number, note: string | null) {
  return enqueue(db, {
    kind: "log_hours",
    missionId,
    args: { p_mission_id: missionId, p_work_date: workDate, p_hours: hours, p_note: note },
  });
}

export function recordStockUse(db: TerrainDb, missionId: string, itemId: string, quantity: number) {
  return enqueue(db, {
    kind: "record_stock_use",
    missionId,
    args: { p_item_id: itemId, p_quantity: quantity, p_mission_id: missionId },
  });
}

/** The note's id is chosen here, so the note is the same row however many times it is sent. */
export function addMissionNote(db: TerrainDb, missionId: string, body: string) {
  return enqueue(db, {
    kind: "add_mission_note",
    missionId,
    args: { p_mission_id: missionId, p_body: body, p_note_id: crypto.randomUUID() },
  });
}

export function markNotificationRead(db: TerrainDb, notificationId: string) {
  return enqueue(db, { kind: "mark_notification_read", args: { p_id: notificationId } });
}

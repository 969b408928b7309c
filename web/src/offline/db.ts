/**
 * The technician's data on the device (IndexedDB through Dexie): what the app
 * shows when there is no network, and the outbox of actions not yet accepted
 * by the server. One database per user, so a shared phone never mixes two
 * technicians' missions or sends one's actions with the other's session.
 */
import { Dexie, type Table } from "dexie";
import type { Database } from "../../../types/database.ts";

type Public = Database["public"];
export type MissionStatus = Public["Enums"]["mission_status"];
export type MemberRole = Public["Enums"]["member_role"];

export interface LocalMission {
  id: string;
  org_id: string;
  title: string;
  description: string | null;
  status: MissionStatus;
  priority: Public["Enums"]["mission_priority"];
  scheduled_start: string | null;
  scheduled_end: string | null;
  technician_id: string | null;
  blocked_reason: string | null;
  client: { name: string; phone: string | null } | null;
  site: { name: string; address: string; postal_code: string | null; city: string | null; access_notes: string | null } | null;
  contract: { reference: string; sla_hours: number } | null;
  history: Array<{ id: number; from_status: MissionStatus | null; to_status: MissionStatus; changed_at: string; reason: string | null }>;
  notes: Array<{ id: string; body: string; created_at: string }>;
  timesheets: Array<{ id: string; work_date: string; hours: number; note: string | null }>;
  parts: Array<{ id: string; item_id: string; quantity: number; created_at: string }>;
}

export interface LocalStockItem {
  id: string;
  org_id: string;
  sku: string;
  name: string;
  unit: string;
  on_hand: number;
  price_cents: number;
}

export interface LocalNotification {
  id: string;
  title: string;
  body: string | null;
  created_at: string;
  read_at: string | null;
  entity_table: string | null;
  entity_id: string | null;
}

export interface TransitionRule {
  from_status: MissionStatus;
  to_status: MissionStatus;
  allowed_roles: MemberRole[];
  requires_reason: boolean;
  system_context: string | null;
}

/** The RPCs an offline action replays, each taking the action's key where it has one. */
export type ActionKind =
  | "transition_mission"
  | "log_hours"
  | "record_stock_use"
  | "add_mission_note"
  | "mark_notification_read"
  /** Not an RPC: the attachments function's upload-url → Storage upload → finalize (attachments.ts). */
  | "upload_attachment";

export interface Refusal {
  status: number;
  /** The catalogue's code (docs/errors.md); absent from records written by earlier versions of the app. */
  code?: string | null;
  message: string;
}

export interface OutboxAction {
  /** Insertion order: actions are replayed in this order. */
  seq?: number;
  /** Client-generated, sent as p_idempotency_key: a replay of the same action is applied once. */
  key: string;
  kind: ActionKind;
  args: Record<string, unknown>;
  missionId: string | null;
  createdAt: string;
  /** pending: will be sent; refused: the server said no (4xx), shown until discarded. */
  state: "pending" | "refused";
  attempts: number;
  /** Epoch ms before which the flusher does not try again (backoff). */
  nextAttemptAt: number;
  lastError: string | null;
  refusal: Refusal | null;
}

/**
 * The bytes of a file waiting in the outbox (a photo, a signature), kept apart
 * from the action so the outbox rows the screens read stay small. Keyed by the
 * action's key, which is also the attachment's upload_id. Bytes, not a Blob:
 * an ArrayBuffer survives IndexedDB in every browser.
 */
export interface OutboxFile {
  key: string;
  mime: string;
  name: string;
  bytes: ArrayBuffer;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export class TerrainDb extends Dexie {
  missions!: Table<LocalMission, string>;
  stockItems!: Table<LocalStockItem, string>;
  notifications!: Table<LocalNotification, string>;
  transitions!: Table<TransitionRule, [MissionStatus, MissionStatus]>;
  outbox!: Table<OutboxAction, number>;
  meta!: Table<MetaRow, string>;
  files!: Table<OutboxFile, string>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({
      missions: "id, status, scheduled_start",
      stockItems: "id, sku, name",
      notifications: "id, created_at",
      transitions: "[from_status+to_status]",
      outbox: "++seq, &key, state, missionId",
      meta: "key",
    });
    // Photos and signatures: their bytes wait here until uploaded.
    this.version(2).stores({ files: "key" });
  }
}

const open = new Map<string, TerrainDb>();

/** The database of one user (opened once per page). */
export function databaseFor(userId: string): TerrainDb {
  let db = open.get(userId);
  if (!db) {
    db = new TerrainDb(`terrain-${userId}`);
    open.set(userId, db);
  }
  return db;
}

export async function getMeta<T>(db: TerrainDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setMeta(db: TerrainDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}

/**
 * Photos and signatures enter the outbox like every other action: the bytes
 * and the action in one IndexedDB transaction, the action's key being the
 * attachment's upload_id (so the server registers, stores and finalizes it
 * once, however often the upload is replayed).
 */
import type { OutboxAction, TerrainDb } from "../offline/db.ts";
import { enqueueWithFile } from "../offline/outbox.ts";
import type { UploadArgs } from "./upload.ts";

export { isSignature, SIGNATURE_NAME } from "./signature.ts";

export async function queueMissionFile(db: TerrainDb, missionId: string, blob: Blob, name: string): Promise<OutboxAction> {
  const bytes = await blob.arrayBuffer();
  const args: UploadArgs = { owner_type: "mission_photo", owner_id: missionId, mime: blob.type, size: bytes.byteLength, name };
  return enqueueWithFile(db, { kind: "upload_attachment", missionId, args: { ...args } }, { mime: blob.type, name, bytes });
}

/** "photo-2026-12-03-0915.jpg": a name that says when, for the office's list. */
export function photoName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `photo-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}.jpg`;
}

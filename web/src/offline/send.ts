/** Sends an outbox action as the RPC it stands for, through supabase-js with the user's session. */
import type { TerrainClient } from "../supabase.ts";
import type { OutboxAction, TerrainDb } from "./db.ts";
import { classifyResponse, type SendOutcome, type Sender } from "./outbox.ts";

/**
 * Every action but a file upload is one RPC. A file upload (a photo, a
 * signature) goes through the attachments function, whose code loads only when
 * the outbox holds one.
 */
export function rpcSender(supabase: TerrainClient, db: TerrainDb): Sender {
  let uploads: Promise<Sender> | null = null;
  return async (action: OutboxAction): Promise<SendOutcome> => {
    if (action.kind === "upload_attachment") {
      uploads ??= import("../attachments/upload.ts").then(
        (m) => m.attachmentSender(supabase, db),
        (error: unknown) => {
          uploads = null; // a chunk that failed to load is tried again next time (the flush retries)
          throw error;
        },
      );
      return (await uploads)(action);
    }
    // The RPC names are the action kinds; the arguments were written when the action was taken.
    const { error, status } = await (supabase.rpc as (fn: string, args: object) => PromiseLike<{
      error: { code?: string; message?: string } | null;
      status: number;
    }>)(action.kind, action.args);
    return classifyResponse(status, error);
  };
}

/** After a 401: a new access token from the refresh token (false when that fails too). */
export function sessionRefresher(supabase: TerrainClient): () => Promise<boolean> {
  return async () => {
    try {
      const { data, error } = await supabase.auth.refreshSession();
      return !error && data.session !== null;
    } catch {
      return false;
    }
  };
}

/** Sends an outbox action as the RPC it stands for, through supabase-js with the user's session. */
import type { TerrainClient } from "../supabase.ts";
import type { OutboxAction } from "./db.ts";
import { classifyResponse, type SendOutcome, type Sender } from "./outbox.ts";

export function rpcSender(supabase: TerrainClient): Sender {
  return async (action: OutboxAction): Promise<SendOutcome> => {
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

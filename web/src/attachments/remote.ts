/** The mission's attachments on the server, each with its download URL (signed for an hour). */
import type { TerrainClient } from "../supabase.ts";
import { invokeAttachments } from "./upload.ts";

export interface RemoteAttachment {
  id: string;
  mime: string;
  original_name: string | null;
  created_at: string;
  url: string | null;
}

export async function missionAttachments(supabase: TerrainClient, missionId: string): Promise<RemoteAttachment[]> {
  // One request: the function lists and signs (with_urls), rather than one more per file.
  const listed = await invokeAttachments<{ items: RemoteAttachment[] }>(supabase, {
    action: "list",
    owner_type: "mission_photo",
    owner_id: missionId,
    limit: 100,
    with_urls: true,
  });
  if (listed.outcome.kind !== "ok") {
    throw new Error(listed.outcome.kind === "refused" ? listed.outcome.refusal.message : "message" in listed.outcome ? listed.outcome.message : "error");
  }
  return listed.data?.items ?? [];
}

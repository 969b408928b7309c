/** The mission's attachments on the server: `list`, then a `download-url` for each (signed for an hour). */
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
  const listed = await invokeAttachments<{ items: Array<Omit<RemoteAttachment, "url">> }>(supabase, {
    action: "list",
    owner_type: "mission_photo",
    owner_id: missionId,
    limit: 100,
  });
  if (listed.outcome.kind !== "ok") {
    throw new Error(listed.outcome.kind === "refused" ? listed.outcome.refusal.message : "message" in listed.outcome ? listed.outcome.message : "error");
  }
  const items = listed.data?.items ?? [];
  return Promise.all(
    items.map(async (item) => {
      const signed = await invokeAttachments<{ signed_url: string }>(supabase, { action: "download-url", attachment_id: item.id });
      return { ...item, url: signed.data?.signed_url ?? null };
    }),
  );
}

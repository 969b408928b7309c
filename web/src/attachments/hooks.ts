import { useEffect, useMemo, useState } from "react";
import type { OutboxAction, OutboxFile } from "../offline/db.ts";
import { useLiveQuery, useSyncState } from "../offline/hooks.ts";
import { useTechnician } from "../technician/context.tsx";
import { missionAttachments, type RemoteAttachment } from "./remote.ts";

export interface PendingFile {
  action: OutboxAction;
  file: OutboxFile | undefined;
}

/** The mission's uploads still in the outbox (pending or refused), with their bytes. */
export function usePendingFiles(missionId: string): PendingFile[] | undefined {
  const { db } = useTechnician();
  return useLiveQuery(async () => {
    const actions = (await db.outbox.where("missionId").equals(missionId).sortBy("seq")).filter((a) => a.kind === "upload_attachment");
    const files = await db.files.bulkGet(actions.map((a) => a.key));
    return actions.map((action, i) => ({ action, file: files[i] }));
  }, [db, missionId]);
}

/**
 * The server's attachments of the mission, read again whenever an upload of it
 * leaves the outbox or the network comes back. null while unknown (offline).
 */
export function useRemoteAttachments(missionId: string, pendingCount: number | undefined) {
  const { supabase, engine } = useTechnician();
  const { online } = useSyncState(engine);
  const [state, setState] = useState<{ items: RemoteAttachment[] | null; error: string | null }>({ items: null, error: null });
  useEffect(() => {
    if (!online || pendingCount === undefined) return;
    let cancelled = false;
    missionAttachments(supabase, missionId).then(
      (items) => !cancelled && setState({ items, error: null }),
      (error: unknown) => !cancelled && setState((s) => ({ items: s.items, error: error instanceof Error ? error.message : String(error) })),
    );
    return () => {
      cancelled = true;
    };
  }, [supabase, missionId, online, pendingCount]);
  return state;
}

/** An object URL for bytes kept on the device, revoked when no longer shown. */
export function useObjectUrl(file: OutboxFile | undefined): string | null {
  const url = useMemo(() => (file ? URL.createObjectURL(new Blob([file.bytes], { type: file.mime })) : null), [file]);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  return url;
}

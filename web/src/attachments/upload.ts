/**
 * Sends an "upload_attachment" outbox action: the attachments function's three
 * steps, each safe to replay with the same upload_id (the action's key):
 *
 *   upload-url  registers the pending upload (idempotent on upload_id; once the
 *               upload is finalized it answers `upload: null`, and we are done)
 *   upload      storage-js `uploadToSignedUrl` (the URL is signed with upsert:
 *               a second try replaces the first)
 *   finalize    records the SHA-256 of the stored bytes (idempotent on upload_id)
 *
 * An answer is read like an RPC's (classifyResponse): no answer, 408, 429 and
 * 5xx are retried; 401 refreshes the session; any other 4xx (a type or size the
 * server refuses, a mission no longer ours) goes to "needs attention".
 */
import type { TerrainClient } from "../supabase.ts";
import type { OutboxAction, TerrainDb } from "../offline/db.ts";
import { classifyResponse, type SendOutcome } from "../offline/outbox.ts";

export interface UploadArgs {
  owner_type: "mission_photo";
  owner_id: string;
  mime: string;
  size: number;
  name: string;
}

interface FunctionAnswer<T> {
  data: T | null;
  outcome: SendOutcome;
}

/** functions.invoke, with the HTTP status and the function's {code, message} read back on failure. */
export async function invokeAttachments<T>(supabase: TerrainClient, body: Record<string, unknown>): Promise<FunctionAnswer<T>> {
  const { data, error } = await supabase.functions.invoke<T>("attachments", { body });
  if (!error) return { data, outcome: { kind: "ok" } };
  const response = (error as { context?: unknown }).context;
  if (!(response instanceof Response)) {
    // FunctionsFetchError / FunctionsRelayError: no answer from the function.
    return { data: null, outcome: classifyResponse(0, { message: error.message }) };
  }
  // The functions' error shape: {error: {code, message, details?}} (edge-functions/_shared/http.ts).
  type ErrorBody = { error?: { code?: string; message?: string } | string; code?: string; message?: string };
  let parsed: ErrorBody | null = null;
  try {
    parsed = (await response.json()) as ErrorBody;
  } catch {
    // not JSON: the status says enough
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  return {
    data: null,
    outcome: classifyResponse(response.status, errorOf(parsed, response.status), retryAfter),
  };
}

function errorOf(body: { error?: { code?: string; message?: string } | string; code?: string; message?: string } | null, status: number) {
  const nested = typeof body?.error === "object" ? body.error : null;
  return {
    code: nested?.code ?? body?.code ?? (typeof body?.error === "string" ? body.error : null),
    message: nested?.message ?? body?.message ?? `HTTP ${status}`,
  };
}

export function attachmentSender(supabase: TerrainClient, db: TerrainDb) {
  return async (action: OutboxAction): Promise<SendOutcome> => {
    const args = action.args as unknown as UploadArgs;
    const uploadId = action.key;
    const registered = await invokeAttachments<{ upload: { bucket: string; path: string; token: string } | null }>(supabase, {
      action: "upload-url",
      owner_type: args.owner_type,
      owner_id: args.owner_id,
      mime: args.mime,
      size: args.size,
      upload_id: uploadId,
      name: args.name,
    });
    if (registered.outcome.kind !== "ok") return registered.outcome;
    const upload = registered.data?.upload ?? null;
    if (upload) {
      const file = await db.files.get(action.key);
      if (!file) {
        // Cannot happen through the app (file and action are written and removed together).
        return { kind: "refused", refusal: { status: 400, code: "file_missing", message: "The file is no longer on this device" } };
      }
      const { error } = await supabase.storage
        .from(upload.bucket)
        .uploadToSignedUrl(upload.path, upload.token, new Blob([file.bytes], { type: file.mime }), { contentType: file.mime, upsert: true });
      if (error) {
        const status = (error as { status?: number }).status;
        return classifyResponse(typeof status === "number" ? status : 0, { code: (error as { statusCode?: string }).statusCode ?? null, message: error.message });
      }
    }
    const finalized = await invokeAttachments<unknown>(supabase, { action: "finalize", upload_id: uploadId });
    return finalized.outcome;
  };
}

/**
 * POST /functions/v1/attachments — files attached to missions, clients,
 * client requests, timesheet entries (expenses) and organizations (alert
 * sounds). One JSON body, `action` says what to do:
 *
 *   upload-url    {owner_type, owner_id, mime, size, upload_id, name?}
 *                 → registers the pending upload (create_attachment_upload: owner visible,
 *                   role, MIME 415, size 413, UPLOAD rate limit 429 + Retry-After) and
 *                   returns a signed upload URL for storage-js `uploadToSignedUrl`
 *   finalize      {upload_id}  → reads the stored bytes back, records their SHA-256
 *                   (finalize_attachment: object present with the declared size and type,
 *                   else 422); replaying it returns the same row
 *   list          {owner_type, owner_id, limit?, offset?, with_urls?} → ready attachments the
 *                   caller sees; with_urls: each with its download URL (signed for one hour),
 *                   so a screen of thumbnails is one request from the phone, not one per file
 *   download-url  {attachment_id} → a URL signed for one hour, if the caller sees it
 *   delete        {attachment_id} → uploader, or an owner/admin (RLS); the object follows
 *   cleanup       {}  (service role) → orphaned uploads older than a day, rows and objects
 *
 * The rules are SQL (migrations 20261204100*); this module validates input,
 * calls them as the caller (RLS) and talks to one outside service, Storage.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { z } from "zod";
import { bearerUserId, isServiceRole } from "../_shared/auth.ts";
import {
  HttpError,
  json,
  methodNotAllowed,
  readJson,
  type RequestContext,
} from "../_shared/http.ts";
import { httpErrorOf } from "../_shared/supabase.ts";

/** Lifetime of a download URL. */
export const DOWNLOAD_URL_SECONDS = 60 * 60;
export const MAX_PAGE = 100;

const ownerType = z.enum(["mission_photo", "document", "client_request", "expense", "alert_sound"]);

export const attachmentsBody = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("upload-url"),
    owner_type: ownerType,
    owner_id: z.string().uuid(),
    mime: z.string().min(1).max(100),
    size: z.number().int().positive(),
    upload_id: z.string().uuid(),
    name: z.string().min(1).max(200).optional(),
  }).strict(),
  z.object({ action: z.literal("finalize"), upload_id: z.string().uuid() }).strict(),
  z.object({
    action: z.literal("list"),
    owner_type: ownerType,
    owner_id: z.string().uuid(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
    offset: z.number().int().min(0).default(0),
    with_urls: z.boolean().optional(),
  }).strict(),
  z.object({ action: z.literal("download-url"), attachment_id: z.string().uuid() }).strict(),
  z.object({ action: z.literal("delete"), attachment_id: z.string().uuid() }).strict(),
  z.object({ action: z.literal("cleanup") }).strict(),
]);
export type AttachmentsBody = z.output<typeof attachmentsBody>;

export interface Attachment {
  id: string;
  org_id: string;
  owner_type: string;
  owner_id: string;
  uploader: string;
  bucket: string;
  object_path: string;
  mime: string;
  size_bytes: number;
  sha256: string | null;
  status: "pending" | "ready";
  upload_id: string;
  original_name: string | null;
  created_at: string;
  finalized_at: string | null;
}

/** Columns a caller gets back (the storage path stays server-side: URLs are signed for them). */
const PUBLIC_COLUMNS =
  "id, owner_type, owner_id, uploader, mime, size_bytes, sha256, status, upload_id, original_name, created_at, finalized_at";

export function publicView(a: Attachment) {
  const { bucket: _bucket, object_path: _path, org_id: _org, ...rest } = a;
  return rest;
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A download URL for a stored object, valid DOWNLOAD_URL_SECONDS (signed with the service role). */
async function signedDownloadUrl(
  service: SupabaseClient,
  bucket: string,
  objectPath: string,
): Promise<string> {
  const signed = await service.storage.from(bucket).createSignedUrl(
    objectPath,
    DOWNLOAD_URL_SECONDS,
  );
  if (signed.error) throw signed.error;
  return signed.data.signedUrl;
}

const notFound = (what: string) =>
  new HttpError(404, "not_found", `No ${what} of yours with that id`);

export interface Clients {
  /** The caller's rights (RLS): their bearer token on the anon key. */
  caller(req: Request): SupabaseClient;
  /** The service role: Storage signing and reading, finalize, cleanup. */
  service(): SupabaseClient;
}

export function createAttachmentsHandler(clients: Clients) {
  return async (req: Request, ctx: RequestContext): Promise<Response> => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST"]);
    const body = await readJson(req, attachmentsBody);

    if (body.action === "cleanup") {
      if (!isServiceRole(req)) {
        throw new HttpError(403, "forbidden", "cleanup is for the service role");
      }
      return json(await cleanup(clients.service(), ctx));
    }

    const userId = bearerUserId(req);
    if (!userId) {
      throw new HttpError(401, "authentication_required", "Sign in: attachments belong to a user");
    }
    const caller = clients.caller(req);
    const service = clients.service();

    switch (body.action) {
      case "upload-url": {
        const { data, error, status } = await caller.rpc("create_attachment_upload", {
          p_owner_type: body.owner_type,
          p_owner_id: body.owner_id,
          p_mime: body.mime,
          p_size_bytes: body.size,
          p_upload_id: body.upload_id,
          p_original_name: body.name ?? null,
        });
        if (error) throw httpErrorOf(error, status);
        const attachment = data as Attachment;
        if (attachment.status === "ready") {
          return json({ attachment: publicView(attachment), upload: null });
        }
        // upsert: a retried upload (lost response, app restarted) replaces the first try.
        const signed = await service.storage.from(attachment.bucket).createSignedUploadUrl(
          attachment.object_path,
          { upsert: true },
        );
        if (signed.error) throw signed.error;
        ctx.log.info("upload registered", {
          attachment_id: attachment.id,
          owner_type: attachment.owner_type,
          size: attachment.size_bytes,
        });
        return json({
          attachment: publicView(attachment),
          upload: {
            bucket: attachment.bucket,
            path: signed.data.path,
            token: signed.data.token,
            signed_url: signed.data.signedUrl,
          },
        });
      }

      case "finalize": {
        const found = await caller.from("attachments").select("*").eq("upload_id", body.upload_id)
          .eq("uploader", userId).maybeSingle();
        if (found.error) throw httpErrorOf(found.error, found.status);
        if (!found.data) throw notFound("upload");
        const pending = found.data as Attachment;
        let sha256: string | null = pending.sha256;
        if (pending.status === "pending") {
          const file = await service.storage.from(pending.bucket).download(pending.object_path);
          if (file.error && (file.error as { status?: number }).status !== 404) throw file.error;
          // Nothing stored (404): finalize_attachment says so (attachment_not_uploaded).
          sha256 = file.error ? null : await sha256Hex(await file.data.arrayBuffer());
        }
        const { data, error, status } = await service.rpc("finalize_attachment", {
          p_upload_id: body.upload_id,
          p_uploader: userId,
          p_sha256: sha256,
        });
        if (error) throw httpErrorOf(error, status);
        const ready = data as Attachment;
        ctx.log.info("upload finalized", { attachment_id: ready.id, size: ready.size_bytes });
        return json({ attachment: publicView(ready) });
      }

      case "list": {
        // The storage location is read only to sign it: it never leaves the function.
        const { data, error, status } = await caller.from("attachments")
          .select(`${PUBLIC_COLUMNS}, bucket, object_path`)
          .eq("owner_type", body.owner_type).eq("owner_id", body.owner_id).eq("status", "ready")
          .order("created_at", { ascending: false }).order("id")
          .range(body.offset, body.offset + body.limit - 1);
        if (error) throw httpErrorOf(error, status);
        const rows = (data ?? []) as unknown as Attachment[];
        const items = await Promise.all(rows.map(async (row) => {
          const { bucket: _bucket, object_path: _path, ...item } = row;
          return body.with_urls
            ? { ...item, url: await signedDownloadUrl(service, row.bucket, row.object_path) }
            : item;
        }));
        return json({
          items,
          next_offset: items.length === body.limit ? body.offset + body.limit : null,
        });
      }

      case "download-url": {
        const { data, error, status } = await caller.from("attachments").select(
          "bucket, object_path, original_name",
        )
          .eq("id", body.attachment_id).eq("status", "ready").maybeSingle();
        if (error) throw httpErrorOf(error, status);
        if (!data) throw notFound("attachment");
        return json({
          signed_url: await signedDownloadUrl(service, data.bucket, data.object_path),
          expires_in: DOWNLOAD_URL_SECONDS,
        });
      }

      case "delete": {
        const removed = await caller.from("attachments").delete().eq("id", body.attachment_id)
          .select("id, bucket, object_path");
        if (removed.error) throw httpErrorOf(removed.error, removed.status);
        const row = removed.data?.[0];
        if (!row) {
          // Seen but not removable (RLS: not the uploader, not an owner/admin) or not seen at all.
          const seen = await caller.from("attachments").select("id").eq("id", body.attachment_id)
            .maybeSingle();
          if (seen.error) throw httpErrorOf(seen.error, seen.status);
          if (seen.data) {
            throw new HttpError(
              403,
              "forbidden_role",
              "Only the uploader or an owner/admin may delete this attachment",
            );
          }
          throw notFound("attachment");
        }
        const gone = await service.storage.from(row.bucket).remove([row.object_path]);
        // The row is gone either way; an object left behind is an orphan the clean-up removes.
        if (gone.error) {
          ctx.log.warn("object not removed", { attachment_id: row.id, error: gone.error.message });
        }
        return json({ deleted: row.id });
      }
    }
  };
}

/** Removes what claim_orphaned_attachments hands over, one Storage call per bucket. */
async function cleanup(service: SupabaseClient, ctx: RequestContext) {
  const { data, error, status } = await service.rpc("claim_orphaned_attachments", {});
  if (error) throw httpErrorOf(error, status);
  const byBucket = new Map<string, string[]>();
  for (const o of (data ?? []) as { bucket: string; object_path: string }[]) {
    byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), o.object_path]);
  }
  let removed = 0;
  for (const [bucket, paths] of byBucket) {
    const gone = await service.storage.from(bucket).remove(paths);
    if (gone.error) throw gone.error;
    removed += gone.data.length;
  }
  ctx.log.info("orphans removed", { claimed: (data ?? []).length, removed });
  return { claimed: (data ?? []).length, removed };
}

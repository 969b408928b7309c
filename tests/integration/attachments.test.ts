/**
 * The attachments function end to end: gateway → function → PostgREST (as the
 * caller, RLS) and Storage (the local stand-in), with uploads made by
 * storage-js exactly as the app makes them.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const OWNER_A = "a0000000-0000-4000-8000-000000000001";
const DISPATCH_A = "a0000000-0000-4000-8000-000000000002";
const TECH1_A = "a0000000-0000-4000-8000-000000000003";
const TECH2_A = "a0000000-0000-4000-8000-000000000004";
const TECH1_B = "b0000000-0000-4000-8000-000000000003";
/** In progress, assigned to tech1 of org A. */
const MISSION = "a0000000-0000-4000-8000-000000002004";
const RUN = randomUUID().slice(0, 8);
/** A technician without the test profile's relaxed limits (the demo users have them). */
const FRESH_TECH = randomUUID();

const fnUrl = `${stack.apiUrl}/functions/v1/attachments`;
/** The stack's state directory (exported by the test runner): where the storage stand-in keeps bytes. */
const stateDir = process.env.TERRAIN_STATE_DIR;
const tokens = new Map<string, string>();

async function mint(sub: string): Promise<string> {
  return new SignJWT({ sub, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(stack.jwtSecret));
}

interface Answer {
  status: number;
  headers: Headers;
  // JSON answers of the function, read field by field in the assertions.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(user: string | "service" | "anon", body: unknown): Promise<Answer> {
  const bearer = user === "service" ? stack.serviceRoleKey : user === "anon" ? stack.anonKey : tokens.get(user)!;
  const res = await fetch(fnUrl, {
    method: "POST",
    headers: { apikey: stack.anonKey, authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const jpeg = (n: number, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + 0xd8) % 256));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function uploadUrl(user: string, size: number, overrides: Record<string, unknown> = {}) {
  return call(user, {
    action: "upload-url",
    owner_type: "mission_photo",
    owner_id: MISSION,
    mime: "image/jpeg",
    size,
    upload_id: randomUUID(),
    name: "chaudiere.jpg",
    ...overrides,
  });
}

/** What the app does with an upload-url answer: storage-js uploadToSignedUrl, as the user. */
async function putFile(user: string, upload: { bucket: string; path: string; token: string }, file: Buffer, contentType = "image/jpeg") {
  const client = supabaseClient(stack.anonKey, tokens.get(user));
  return client.storage.from(upload.bucket).uploadToSignedUrl(upload.path, upload.token, file, { contentType });
}

beforeAll(async () => {
  await withDb(async (c) => {
    await c.query(
      `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
       values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, '', now(), '{}', '{}', now(), now())`,
      [FRESH_TECH, `fresh-${RUN}@attachments.test`],
    );
    await c.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [ORG_A, FRESH_TECH]);
  });
  for (const u of [OWNER_A, DISPATCH_A, TECH1_A, TECH2_A, TECH1_B, FRESH_TECH]) tokens.set(u, await mint(u));
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query("delete from public.attachments where uploader = $1", [FRESH_TECH]);
    await c.query("delete from public.memberships where user_id = $1", [FRESH_TECH]);
    await c.query("delete from private.rate_limit_buckets where key = $1", [`user:${FRESH_TECH}`]);
  });
});

describe("attachments: the happy path", () => {
  it("upload-url → storage-js upload → finalize → list → download-url → the same bytes; finalize replay returns the same row", async () => {
    const file = jpeg(50_000);
    const t0 = performance.now();
    const issued = await uploadUrl(TECH1_A, file.length);
    const t1 = performance.now();
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.attachment).toMatchObject({ status: "pending", mime: "image/jpeg", size_bytes: 50_000, sha256: null });
    expect(issued.body.attachment.object_path).toBeUndefined(); // paths stay server-side
    const { upload } = issued.body;
    expect(upload.path).toMatch(new RegExp(`^${ORG_A}/mission_photo/${MISSION}/[0-9a-f-]{36}\\.jpg$`));

    const put = await putFile(TECH1_A, upload, file);
    const t2 = performance.now();
    expect(put.error).toBeNull();

    const upload_id = issued.body.attachment.upload_id;
    const done = await call(TECH1_A, { action: "finalize", upload_id });
    const t3 = performance.now();
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.attachment).toMatchObject({ id: issued.body.attachment.id, status: "ready", sha256: sha256(file) });
    console.log(
      `[figures] attachments, 50 kB photo: upload-url ${(t1 - t0).toFixed(1)} ms, storage upload ${(t2 - t1).toFixed(1)} ms, finalize ${(t3 - t2).toFixed(1)} ms`,
    );

    const replay = await call(TECH1_A, { action: "finalize", upload_id });
    expect(replay.status).toBe(200);
    expect(replay.body.attachment).toEqual(done.body.attachment);

    // The owner (org scope) and the uploader list it; tech2, not assigned to the mission, does not.
    for (const user of [TECH1_A, OWNER_A]) {
      const listed = await call(user, { action: "list", owner_type: "mission_photo", owner_id: MISSION });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(done.body.attachment.id);
    }
    const hidden = await call(TECH2_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION });
    expect(hidden.body).toEqual({ items: [], next_offset: null });

    const link = await call(OWNER_A, { action: "download-url", attachment_id: done.body.attachment.id });
    expect(link.status).toBe(200);
    expect(link.body.expires_in).toBe(3600);
    const fetched = await fetch(link.body.signed_url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(file);

    // with_urls: the list signs each file itself (one request for a screen of thumbnails);
    // the storage location still stays server-side.
    const signedList = await call(OWNER_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION, with_urls: true });
    expect(signedList.status, JSON.stringify(signedList.body)).toBe(200);
    const listedWithUrl = signedList.body.items.find((a: { id: string }) => a.id === done.body.attachment.id);
    expect(listedWithUrl).toMatchObject({ id: done.body.attachment.id, sha256: sha256(file) });
    expect(listedWithUrl).not.toHaveProperty("object_path");
    expect(listedWithUrl).not.toHaveProperty("bucket");
    const fromList = await fetch(listedWithUrl.url);
    expect(fromList.status).toBe(200);
    expect(Buffer.from(await fromList.arrayBuffer())).toEqual(file);
    const plain = await call(OWNER_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION });
    expect(plain.body.items.every((a: object) => !("url" in a) && !("object_path" in a))).toBe(true);
    const hiddenSigned = await call(TECH2_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION, with_urls: true });
    expect(hiddenSigned.body).toEqual({ items: [], next_offset: null });
    const badFlag = await call(OWNER_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION, with_urls: "yes" });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.error.code).toBe("validation_failed");

    // The audit trail has the upload and its finalization.
    const audited = await withDb(async (c) =>
      (await c.query("select action, actor_user_id from audit.log where table_name = 'public.attachments' and row_id = $1 order by id", [done.body.attachment.id])).rows,
    );
    expect(audited.map((r) => r.action)).toEqual(["insert", "status_change"]);
    expect(audited[0].actor_user_id).toBe(TECH1_A);
  });

  it("list is paginated", async () => {
    const first = await call(OWNER_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION, limit: 1 });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_offset).toBe(1);
    const bad = await call(OWNER_A, { action: "list", owner_type: "mission_photo", owner_id: MISSION, limit: 1000 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

describe("attachments: refusals", () => {
  it("a MIME type the kind does not accept: 415, nothing registered", async () => {
    const r = await uploadUrl(TECH1_A, 100, { mime: "application/x-msdownload" });
    expect(r.status).toBe(415);
    expect(r.body.error).toMatchObject({ code: "unsupported_media_type" });
    expect(r.body.error.message).toMatch(/image\/jpeg/);
  });

  it("a file over the kind's size limit: 413", async () => {
    const r = await uploadUrl(TECH1_A, 8 * 1024 * 1024 + 1);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: "payload_too_large" });
  });

  it("the 11th upload in a minute: 429 with Retry-After", async () => {
    // Clear of a window edge, so the eleven land in one fixed window.
    const left = await withDb(async (c) => Number((await c.query("select 60 - extract(epoch from now())::numeric % 60 as left")).rows[0].left));
    if (left < 15) await new Promise((r) => setTimeout(r, Math.ceil((left + 0.5) * 1000)));
    for (let i = 1; i <= 10; i++) {
      const r = await uploadUrl(FRESH_TECH, 100);
      expect(r.status, `upload ${i}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const refused = await uploadUrl(FRESH_TECH, 100);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("finalize before anything was uploaded: 422; a file of another size: 422; another type: 422", async () => {
    const issued = await uploadUrl(TECH1_A, 1000);
    const upload_id = issued.body.attachment.upload_id;
    const missing = await call(TECH1_A, { action: "finalize", upload_id });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("attachment_not_uploaded");

    expect((await putFile(TECH1_A, issued.body.upload, jpeg(999))).error).toBeNull();
    const shorter = await call(TECH1_A, { action: "finalize", upload_id });
    expect(shorter.status).toBe(422);
    expect(shorter.body.error).toMatchObject({ code: "attachment_mismatch", message: "The stored file has 999 bytes, the upload declared 1000" });

    // The signed URL allows a retry (upsert); a PNG where a JPEG was declared is refused too.
    expect((await putFile(TECH1_A, issued.body.upload, jpeg(1000), "image/png")).error).toBeNull();
    const png = await call(TECH1_A, { action: "finalize", upload_id });
    expect(png.status).toBe(422);
    expect(png.body.error.message).toBe("The stored file is image/png, the upload declared image/jpeg");

    expect((await putFile(TECH1_A, issued.body.upload, jpeg(1000))).error).toBeNull();
    expect((await call(TECH1_A, { action: "finalize", upload_id })).status).toBe(200);
  });

  it("someone else's attachment: 404 for download-url, finalize and delete; an owner one cannot see: 404 for upload-url", async () => {
    const issued = await uploadUrl(TECH1_A, 10);
    await putFile(TECH1_A, issued.body.upload, jpeg(10));
    const { attachment } = (await call(TECH1_A, { action: "finalize", upload_id: issued.body.attachment.upload_id })).body;

    for (const user of [TECH2_A, TECH1_B]) {
      const link = await call(user, { action: "download-url", attachment_id: attachment.id });
      expect(link.status).toBe(404);
      expect(link.body.error.code).toBe("not_found");
      expect((await call(user, { action: "finalize", upload_id: attachment.upload_id })).status).toBe(404);
      expect((await call(user, { action: "delete", attachment_id: attachment.id })).status).toBe(404);
      const foreign = await uploadUrl(user, 10);
      expect(foreign.status).toBe(404);
    }
    // The object itself is not readable with storage-js by someone who cannot see the row.
    const direct = await supabaseClient(stack.anonKey, tokens.get(TECH1_B)).storage.from("attachments").download(issued.body.upload.path);
    expect(direct.error).toMatchObject({ status: 404 });
    const mine = await supabaseClient(stack.anonKey, tokens.get(TECH1_A)).storage.from("attachments").download(issued.body.upload.path);
    expect(mine.error).toBeNull();
  });

  it("delete: refused to a dispatcher who did not upload it (403), done by the uploader, object removed", async () => {
    const issued = await uploadUrl(TECH1_A, 10);
    await putFile(TECH1_A, issued.body.upload, jpeg(10));
    const { attachment } = (await call(TECH1_A, { action: "finalize", upload_id: issued.body.attachment.upload_id })).body;

    const refused = await call(DISPATCH_A, { action: "delete", attachment_id: attachment.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden_role");

    const deleted = await call(TECH1_A, { action: "delete", attachment_id: attachment.id });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: attachment.id });
    const objects = await withDb(async (c) =>
      (await c.query("select count(*)::int as n from storage.objects where bucket_id = 'attachments' and name = $1", [issued.body.upload.path])).rows[0].n,
    );
    expect(objects).toBe(0);
    expect((await call(TECH1_A, { action: "download-url", attachment_id: attachment.id })).status).toBe(404);
  });

  it("an owner/admin deletes what others uploaded", async () => {
    const issued = await uploadUrl(TECH1_A, 10);
    await putFile(TECH1_A, issued.body.upload, jpeg(10));
    const { attachment } = (await call(TECH1_A, { action: "finalize", upload_id: issued.body.attachment.upload_id })).body;
    expect((await call(OWNER_A, { action: "delete", attachment_id: attachment.id })).status).toBe(200);
  });

  it("the anon key: 401; a body that is not one of the actions: 400; GET: 405; cleanup by a user: 403", async () => {
    const anon = await call("anon", { action: "list", owner_type: "mission_photo", owner_id: MISSION });
    expect(anon.status).toBe(401);
    const unknown = await call(TECH1_A, { action: "rename", attachment_id: randomUUID() });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("validation_failed");
    const badId = await call(TECH1_A, { action: "download-url", attachment_id: "1; drop table" });
    expect(badId.status).toBe(400);
    const get = await fetch(fnUrl, { headers: { authorization: `Bearer ${tokens.get(TECH1_A)}` } });
    expect(get.status).toBe(405);
    await get.arrayBuffer();
    expect((await call(OWNER_A, { action: "cleanup" })).status).toBe(403);
  });
});

describe("attachments: orphans", () => {
  it("cleanup removes a 25-hour-old pending upload and its object; a fresh one stays", async () => {
    const old = await uploadUrl(TECH1_A, 10);
    await putFile(TECH1_A, old.body.upload, jpeg(10));
    const fresh = await uploadUrl(TECH1_A, 10);
    await putFile(TECH1_A, fresh.body.upload, jpeg(10));
    const version = await withDb(async (c) => {
      await c.query("update public.attachments set created_at = now() - interval '25 hours' where id = $1", [old.body.attachment.id]);
      await c.query("update storage.objects set created_at = now() - interval '25 hours' where bucket_id = 'attachments' and name = $1", [old.body.upload.path]);
      return (await c.query("select version from storage.objects where bucket_id = 'attachments' and name = $1", [old.body.upload.path])).rows[0].version as string;
    });
    const storedFile = join(stateDir ?? "", "storage", "attachments", version);
    if (stateDir) expect(existsSync(storedFile)).toBe(true);

    const weekly = await withDb(async (c) => (await c.query("select ok, details from ops.health_checks('weekly') where name = 'orphaned_attachments'")).rows[0]);
    expect(weekly.ok).toBe(false);
    expect(JSON.stringify(weekly.details)).toContain(old.body.upload.path);

    const cleaned = await call("service", { action: "cleanup" });
    expect(cleaned.status, JSON.stringify(cleaned.body)).toBe(200);
    expect(cleaned.body.removed).toBeGreaterThanOrEqual(1);

    const left = await withDb(async (c) => ({
      rows: (await c.query("select id from public.attachments where id = any($1)", [[old.body.attachment.id, fresh.body.attachment.id]])).rows.map((r) => r.id),
      objects: (await c.query("select name from storage.objects where bucket_id = 'attachments' and name = any($1)", [[old.body.upload.path, fresh.body.upload.path]])).rows.map((r) => r.name),
    }));
    expect(left.rows).toEqual([fresh.body.attachment.id]);
    expect(left.objects).toEqual([fresh.body.upload.path]);
    if (stateDir) {
      expect(existsSync(storedFile)).toBe(false);
      expect(readdirSync(join(stateDir, "storage", "attachments")).length).toBeGreaterThan(0);
    }
    const after = await withDb(async (c) => (await c.query("select ok from ops.health_checks('weekly') where name = 'orphaned_attachments'")).rows[0]);
    expect(after.ok).toBe(true);
  });
});

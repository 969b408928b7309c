/**
 * The local storage stand-in (/storage/v1, scripts/stack/storage/) driven by
 * the real @supabase/storage-js, through supabase-js and the gateway: what
 * product code calls, and what Supabase Storage refuses, refused the same way.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, supabaseClient, withDb } from "./harness.ts";

const RUN = randomUUID().slice(0, 8);
const BUCKET = `it-storage-${RUN}`;
const LIMITED = `it-limited-${RUN}`;
const TECH1 = "a0000000-0000-4000-8000-000000000003";

const service = supabaseClient(stack.serviceRoleKey);
const anon = supabaseClient(stack.anonKey);

async function userToken(sub: string, exp = "1h"): Promise<string> {
  return new SignJWT({ sub, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(stack.jwtSecret));
}

const bytes = (text: string) => Buffer.from(text, "utf8");

async function bytesOf(url: string): Promise<{ status: number; body: Buffer; json?: unknown }> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  let parsed: unknown;
  if ((res.headers.get("content-type") ?? "").startsWith("application/json")) parsed = JSON.parse(body.toString("utf8"));
  return { status: res.status, body, json: parsed };
}

beforeAll(async () => {
  const created = await service.storage.createBucket(BUCKET, { public: false });
  expect(created.error).toBeNull();
  const limited = await service.storage.createBucket(LIMITED, {
    public: false,
    fileSizeLimit: 1024,
    allowedMimeTypes: ["image/png", "text/*"],
  });
  expect(limited.error).toBeNull();
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query("delete from storage.objects where bucket_id = any($1)", [[BUCKET, LIMITED]]);
    await c.query("delete from storage.buckets where id = any($1)", [[BUCKET, LIMITED]]);
  });
});

describe("storage stand-in: buckets", () => {
  it("the service role reads a bucket with its limits, and lists buckets", async () => {
    const { data, error } = await service.storage.getBucket(LIMITED);
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: LIMITED, name: LIMITED, public: false, file_size_limit: 1024, allowed_mime_types: ["image/png", "text/*"] });
    const list = await service.storage.listBuckets();
    expect(list.data?.map((b) => b.id)).toEqual(expect.arrayContaining([BUCKET, LIMITED, "attachments"]));
  });

  it("anon and signed-in users cannot create buckets (RLS on storage.buckets): 403 in Storage's shape", async () => {
    const user = supabaseClient(stack.anonKey, await userToken(TECH1));
    for (const client of [anon, user]) {
      const { data, error } = await client.storage.createBucket(`it-refused-${RUN}`);
      expect(data).toBeNull();
      expect(error).toMatchObject({ status: 403, statusCode: "403" });
      expect(error?.message).toMatch(/row-level security/);
    }
    const missing = await service.storage.getBucket(`it-refused-${RUN}`);
    expect(missing.error).toMatchObject({ status: 404, message: "Bucket not found" });
  });
});

describe("storage stand-in: objects", () => {
  it("upload, download, list, signed URL, remove", async () => {
    const path = `folder/sub/hello ${RUN}.txt`;
    const up = await service.storage.from(BUCKET).upload(path, bytes("hello storage"), { contentType: "text/plain" });
    expect(up.error).toBeNull();
    expect(up.data).toMatchObject({ path, fullPath: `${BUCKET}/${path}` });

    const down = await service.storage.from(BUCKET).download(path);
    expect(down.error).toBeNull();
    expect(Buffer.from(await down.data!.arrayBuffer()).toString()).toBe("hello storage");

    const top = await service.storage.from(BUCKET).list("folder");
    expect(top.data?.map((o) => ({ name: o.name, folder: o.id === null }))).toEqual([{ name: "sub", folder: true }]);
    const inner = await service.storage.from(BUCKET).list("folder/sub");
    expect(inner.data?.[0]).toMatchObject({ name: `hello ${RUN}.txt`, metadata: { size: 13, mimetype: "text/plain" } });

    const signed = await service.storage.from(BUCKET).createSignedUrl(path, 60);
    expect(signed.error).toBeNull();
    const fetched = await bytesOf(signed.data!.signedUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.body.toString()).toBe("hello storage");

    const dup = await service.storage.from(BUCKET).upload(path, bytes("again"), { contentType: "text/plain" });
    expect(dup.error).toMatchObject({ status: 409, message: "The resource already exists" });
    const upsert = await service.storage.from(BUCKET).upload(path, bytes("replaced"), { contentType: "text/plain", upsert: true });
    expect(upsert.error).toBeNull();
    expect(Buffer.from(await (await service.storage.from(BUCKET).download(path)).data!.arrayBuffer()).toString()).toBe("replaced");

    const removed = await service.storage.from(BUCKET).remove([path]);
    expect(removed.error).toBeNull();
    expect(removed.data?.map((o) => o.name)).toEqual([path]);
    const gone = await service.storage.from(BUCKET).download(path);
    expect(gone.error).toMatchObject({ status: 404 });
    expect((await bytesOf(signed.data!.signedUrl)).status).toBe(404);
  });

  it("signed upload URL: createSignedUploadUrl then uploadToSignedUrl, as storage-js does it", async () => {
    const path = `signed/${RUN}.png`;
    const sign = await service.storage.from(BUCKET).createSignedUploadUrl(path);
    expect(sign.error).toBeNull();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    // A user holding only the token uploads (the anon key, no session), as a browser would.
    const put = await anon.storage.from(BUCKET).uploadToSignedUrl(path, sign.data!.token, png, { contentType: "image/png" });
    expect(put.error).toBeNull();
    expect(put.data).toMatchObject({ path, fullPath: `${BUCKET}/${path}` });
    const down = await service.storage.from(BUCKET).download(path);
    expect(Buffer.from(await down.data!.arrayBuffer())).toEqual(png);
    expect(down.data!.type).toBe("image/png");

    // The token names one path: another path with it is refused, as is a second upload (no upsert).
    const other = await anon.storage.from(BUCKET).uploadToSignedUrl(`signed/other-${RUN}.png`, sign.data!.token, png);
    expect(other.error).toMatchObject({ status: 400, message: "The url do not match the signature" });
    const again = await anon.storage.from(BUCKET).uploadToSignedUrl(path, sign.data!.token, png);
    expect(again.error).toMatchObject({ status: 409 });
  });

  it("the bucket's file_size_limit (413) and allowed_mime_types (415), nothing stored", async () => {
    const big = await service.storage.from(LIMITED).upload(`big-${RUN}.png`, Buffer.alloc(1025, 1), { contentType: "image/png" });
    expect(big.error).toMatchObject({ status: 413, message: "The object exceeded the maximum allowed size" });
    const pdf = await service.storage.from(LIMITED).upload(`doc-${RUN}.pdf`, Buffer.alloc(10, 1), { contentType: "application/pdf" });
    expect(pdf.error).toMatchObject({ status: 415, message: "mime type application/pdf is not supported" });
    const text = await service.storage.from(LIMITED).upload(`note-${RUN}.txt`, bytes("fits"), { contentType: "text/markdown" });
    expect(text.error).toBeNull(); // text/* allows any text type
    const blob = await service.storage.from(LIMITED).upload(`blob-${RUN}.png`, new Blob([Buffer.alloc(16, 2)], { type: "image/png" }));
    expect(blob.error).toBeNull(); // multipart (a Blob): the part's type counts
    const listed = await service.storage.from(LIMITED).list();
    expect(listed.data?.map((o) => o.name).sort()).toEqual([`blob-${RUN}.png`, `note-${RUN}.txt`]);
  });

  it("expired, tampered and foreign signed URLs are refused (400, Storage's error body)", async () => {
    const path = `tokens/${RUN}.txt`;
    await service.storage.from(BUCKET).upload(path, bytes("secret"), { contentType: "text/plain" });
    const signed = await service.storage.from(BUCKET).createSignedUrl(path, 60);
    const url = new URL(signed.data!.signedUrl);
    const secret = new TextEncoder().encode(stack.jwtSecret);

    const expiredToken = await new SignJWT({ url: `${BUCKET}/${path}` })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(secret);
    url.searchParams.set("token", expiredToken);
    const expired = await bytesOf(url.toString());
    expect(expired.status).toBe(400);
    expect(expired.json).toMatchObject({ statusCode: "400", error: "Invalid JWT", message: "jwt expired" });

    const forged = await new SignJWT({ url: `${BUCKET}/${path}` })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("not-the-project-secret-but-long-enough-32"));
    url.searchParams.set("token", forged);
    const refused = await bytesOf(url.toString());
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ statusCode: "400", message: "invalid signature" });
    expect(refused.body.toString()).not.toContain("secret\n");

    const otherPath = await new SignJWT({ url: `${BUCKET}/tokens/other.txt` })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime("1h")
      .sign(secret);
    url.searchParams.set("token", otherPath);
    expect((await bytesOf(url.toString())).json).toMatchObject({ statusCode: "400", message: "The url do not match the signature" });

    url.searchParams.delete("token");
    expect((await bytesOf(url.toString())).status).toBe(400);
  });

  it("queries run as the caller: RLS on storage.objects hides and refuses (no policy on this bucket)", async () => {
    const path = `rls/${RUN}.txt`;
    await service.storage.from(BUCKET).upload(path, bytes("private"), { contentType: "text/plain" });
    const user = supabaseClient(stack.anonKey, await userToken(TECH1));
    for (const client of [anon, user]) {
      const down = await client.storage.from(BUCKET).download(path);
      expect(down.error).toMatchObject({ status: 404 });
      const sign = await client.storage.from(BUCKET).createSignedUrl(path, 60);
      expect(sign.error).toMatchObject({ status: 404, message: "Object not found" });
      const list = await client.storage.from(BUCKET).list("rls");
      expect(list.data).toEqual([]);
      const up = await client.storage.from(BUCKET).upload(`rls/new-${RUN}.txt`, bytes("x"), { contentType: "text/plain" });
      expect(up.error).toMatchObject({ status: 403 });
      const signUpload = await client.storage.from(BUCKET).createSignedUploadUrl(`rls/new-${RUN}.txt`);
      expect(signUpload.error).toMatchObject({ status: 403 });
      const removed = await client.storage.from(BUCKET).remove([path]);
      expect(removed.data).toEqual([]);
    }
    expect((await service.storage.from(BUCKET).download(path)).error).toBeNull();
  });

  it("a bearer token that is not the project's is refused; unknown buckets and bad names too", async () => {
    const res = await fetch(`${stack.apiUrl}/storage/v1/object/list/${BUCKET}`, {
      method: "POST",
      headers: { apikey: stack.anonKey, authorization: "Bearer not.a.jwt", "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ statusCode: "400", error: "Invalid JWT" });
    const noToken = await fetch(`${stack.apiUrl}/storage/v1/bucket`);
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toMatchObject({ statusCode: "400", message: "Missing authorization header" });

    const missing = await service.storage.from(`no-such-${RUN}`).upload("x.txt", bytes("x"));
    expect(missing.error).toMatchObject({ status: 404, message: "Bucket not found" });
    const bad = await service.storage.from(BUCKET).upload("bad<name>.txt", bytes("x"));
    expect(bad.error).toMatchObject({ status: 400, message: "Invalid key: bad<name>.txt" });
    // Encoded so that no URL parser resolves them first: dot segments and broken escapes.
    for (const raw of [`${BUCKET}/a%2F..%2F..%2Fetc%2Fpasswd`, `${BUCKET}/%E0%A4%A`, `%E0%A4%A/x.txt`]) {
      const res = await fetch(`${stack.apiUrl}/storage/v1/object/${raw}`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.serviceRoleKey}`, "content-type": "text/plain" },
        body: "x",
      });
      expect([400, 404], raw).toContain(res.status);
      expect((await res.json()).statusCode).toBe(String(res.status));
    }
  });
});

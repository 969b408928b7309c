import assert from "node:assert/strict";
import { type Attachment, attachmentsBody, publicView, sha256Hex } from "./handler.ts";

Deno.test("sha256Hex: the hex SHA-256 of the bytes (FIPS 180-2 'abc')", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc").buffer),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("attachmentsBody: each action's fields, nothing more", () => {
  const uploadId = crypto.randomUUID();
  assert.equal(
    attachmentsBody.safeParse({ action: "finalize", upload_id: uploadId }).success,
    true,
  );
  assert.equal(
    attachmentsBody.safeParse({ action: "finalize", upload_id: uploadId, sha256: "x" }).success,
    false,
  );
  assert.equal(
    attachmentsBody.safeParse({ action: "finalize", upload_id: "not-a-uuid" }).success,
    false,
  );
  assert.equal(
    attachmentsBody.safeParse({
      action: "upload-url",
      owner_type: "invoice",
      owner_id: uploadId,
      mime: "image/jpeg",
      size: 1,
      upload_id: uploadId,
    }).success,
    false,
  );
  assert.equal(
    attachmentsBody.safeParse({
      action: "upload-url",
      owner_type: "expense",
      owner_id: uploadId,
      mime: "image/jpeg",
      size: 0,
      upload_id: uploadId,
    }).success,
    false,
  );
  const list = attachmentsBody.parse({
    action: "list",
    owner_type: "document",
    owner_id: uploadId,
  });
  assert.deepEqual(list, {
    action: "list",
    owner_type: "document",
    owner_id: uploadId,
    limit: 50,
    offset: 0,
  });
});

Deno.test("publicView: the storage location stays server-side", () => {
  const row = {
    id: "1",
    org_id: "o",
    bucket: "attachments",
    object_path: "o/x/y/z.jpg",
    mime: "image/jpeg",
  } as unknown as Attachment;
  assert.deepEqual(publicView(row), { id: "1", mime: "image/jpeg" });
});

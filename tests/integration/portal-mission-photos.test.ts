/**
 * The photos of an intervention, read by the client's portal users through
 * the stack: the attachments function (list, download-url signed for an
 * hour) and storage-js downloading the object directly from the local
 * Storage stand-in, both as the portal user (RLS on public.attachments and
 * storage.objects decides). The technician uploads them as the app does.
 *
 * Seeded organization Chaleur Express: mission …2009 is done and …2004 in
 * progress, both Syndic Lumière's and assigned to tech1. Readers: Syndic
 * Lumière's portal user, a portal user of the organization's other client
 * (created here), the portal user of another organization's client.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttachedFile, attachMissionPhoto, demoUserTokens, solidPng, stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const BOULANGERIE = "a0000000-0000-4000-8000-0000000000c2";
const DONE_MISSION = "a0000000-0000-4000-8000-000000002009";
const IN_PROGRESS_MISSION = "a0000000-0000-4000-8000-000000002004";
const RUN = randomUUID().slice(0, 8);
const OTHER_CLIENT_EMAIL = `portail-${RUN}@boulangerie.test`;
const PASSWORD = `photos-${RUN}-secret`;

const photo = solidPng([200, 80, 40]);
const signature = solidPng([20, 20, 120]);
const unfinished = solidPng([40, 160, 40]);

let tokens: Record<"tech" | "portal" | "otherOrgPortal", string>;
let otherClientToken: string;
let otherClientUserId: string;
let donePhoto: AttachedFile;
let doneSignature: AttachedFile;
let inProgressPhoto: AttachedFile;

const asUser = (token: string) => supabaseClient(stack.anonKey, token);

/** The attachments function as a user: HTTP status and JSON body, refusals included. */
async function attachments(token: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.apiUrl}/functions/v1/attachments`, {
    method: "POST",
    headers: { apikey: stack.anonKey, authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const listNames = async (token: string, missionId: string) => {
  const answer = await attachments(token, { action: "list", owner_type: "mission_photo", owner_id: missionId });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return (answer.body.items as Array<{ original_name: string }>).map((i) => i.original_name).sort();
};

beforeAll(async () => {
  tokens = await demoUserTokens({
    tech: "tech1@chaleur-express.test",
    portal: "gestion@syndic-lumiere.test",
    otherOrgPortal: "contact@hotel-des-quais.test",
  });
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email: OTHER_CLIENT_EMAIL, password: PASSWORD, email_confirm: true });
  if (created.error) throw created.error;
  otherClientUserId = created.data.user.id;
  await withDb((c) =>
    c.query("insert into public.memberships (org_id, user_id, role, client_id) values ($1, $2, 'client', $3)", [ORG_A, otherClientUserId, BOULANGERIE]),
  );
  const signedIn = await supabaseClient().auth.signInWithPassword({ email: OTHER_CLIENT_EMAIL, password: PASSWORD });
  if (signedIn.error) throw signedIn.error;
  otherClientToken = signedIn.data.session.access_token;

  donePhoto = await attachMissionPhoto(tokens.tech, DONE_MISSION, { name: `robinet-${RUN}.png`, mime: "image/png", bytes: photo });
  doneSignature = await attachMissionPhoto(tokens.tech, DONE_MISSION, { name: "signature-client.png", mime: "image/png", bytes: signature });
  inProgressPhoto = await attachMissionPhoto(tokens.tech, IN_PROGRESS_MISSION, { name: `fuite-${RUN}.png`, mime: "image/png", bytes: unfinished });
});

afterAll(async () => {
  for (const file of [donePhoto, doneSignature, inProgressPhoto]) {
    if (file) await attachments(tokens.tech, { action: "delete", attachment_id: file.id });
  }
  if (otherClientUserId) {
    await withDb(async (c) => {
      await c.query("delete from public.memberships where user_id = $1", [otherClientUserId]);
      await c.query("delete from auth.users where id = $1", [otherClientUserId]);
    });
  }
});

describe("the client's portal user and the photos of their interventions", () => {
  it("lists the done mission's photo and signature, and downloads each through its signed URL, byte for byte", async () => {
    const names = await listNames(tokens.portal, DONE_MISSION);
    expect(names).toEqual(expect.arrayContaining([`robinet-${RUN}.png`, "signature-client.png"]));
    for (const [file, bytes] of [[donePhoto, photo], [doneSignature, signature]] as const) {
      const link = await attachments(tokens.portal, { action: "download-url", attachment_id: file.id });
      expect(link.status, JSON.stringify(link.body)).toBe(200);
      expect(link.body.expires_in).toBe(3600);
      const res = await fetch(link.body.signed_url as string);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it("downloads the object itself with storage-js as the portal user (the bucket's RLS)", async () => {
    const { data, error } = await asUser(tokens.portal).storage.from("attachments").download(donePhoto.path);
    expect(error).toBeNull();
    expect(Buffer.from(await data!.arrayBuffer()).equals(photo)).toBe(true);
  });

  it("sees nothing of a mission still in progress: an empty list, 404 for its photo's URL and for its object", async () => {
    expect(await listNames(tokens.portal, IN_PROGRESS_MISSION)).not.toContain(`fuite-${RUN}.png`);
    const link = await attachments(tokens.portal, { action: "download-url", attachment_id: inProgressPhoto.id });
    expect(link.status).toBe(404);
    expect(link.body.error).toMatchObject({ code: "not_found" });
    const direct = await asUser(tokens.portal).storage.from("attachments").download(inProgressPhoto.path);
    expect(direct.error).toMatchObject({ status: 404 });
    // The technician who took it still sees it.
    expect(await listNames(tokens.tech, IN_PROGRESS_MISSION)).toContain(`fuite-${RUN}.png`);
  });

  it("a portal user of another client, or of another organization, reads nothing: the same 404 as an unknown id", async () => {
    for (const token of [otherClientToken, tokens.otherOrgPortal]) {
      expect(await listNames(token, DONE_MISSION)).toEqual([]);
      for (const id of [donePhoto.id, doneSignature.id, randomUUID()]) {
        const link = await attachments(token, { action: "download-url", attachment_id: id });
        expect(link.status).toBe(404);
        expect(link.body.error).toMatchObject({ code: "not_found", message: "No attachment of yours with that id" });
      }
      const direct = await asUser(token).storage.from("attachments").download(donePhoto.path);
      expect(direct.error).toMatchObject({ status: 404 });
      const signed = await asUser(token).storage.from("attachments").createSignedUrl(donePhoto.path, 60);
      expect(signed.error).toMatchObject({ status: 404, message: "Object not found" });
    }
  });

  it("without a user token: 401 from the function, 404 from Storage", async () => {
    const anonymous = await attachments(stack.anonKey, { action: "download-url", attachment_id: donePhoto.id });
    expect(anonymous.status).toBe(401);
    const direct = await supabaseClient(stack.anonKey).storage.from("attachments").download(donePhoto.path);
    expect(direct.error).toMatchObject({ status: 404 });
  });
});

/**
 * The push edge function end to end: POST /functions/v1/push through the
 * gateway with the service role, real SQL queue, real Web Push requests to a
 * local push service over verified TLS (fake-push-service.ts).
 *
 * Chaleur Express tech2 (a…04) subscribes a phone (answers 201) and an old
 * tablet (answers 410); the accountant (a…05) a flaky device (answers 500,
 * then 413, 400, 403 and 429 with Retry-After) and later a second one.
 * Devices register through the RPC the web app calls. Pending push rows of
 * other tests are pushed out of the way during this file and put back after.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { VAPID_FILE, type VapidKeys } from "../../scripts/stack/functions/vapid.ts";
import {
  decryptPush,
  type Device,
  type FakePushService,
  newDevice,
  readJsonFile,
  startFakePushService,
  testCa,
  verifyVapid,
} from "./fake-push-service.ts";
import { requiredEnv, stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const TECH_2 = "a0000000-0000-4000-8000-000000000004";
const ACCOUNTANT = "a0000000-0000-4000-8000-000000000005";
const MISSION = "a0000000-0000-4000-8000-000000002001";
const RUN = randomUUID().slice(0, 8);
const PUSH_URL = `${stack.apiUrl}/functions/v1/push`;

const stateDir = requiredEnv("TERRAIN_STATE_DIR");
let vapid: VapidKeys;
let pushService: FakePushService;
const PHONE = `phone-${RUN}`;
const TABLET = `tablet-${RUN}`;
const FLAKY = `flaky-${RUN}`;
/** Each device's keys, by the name in its endpoint's path. */
const devices = new Map<string, Device>();
let parked: { id: string; next_attempt_at: Date }[] = [];

async function register(email: string, endpoint: string, device: Device) {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password: LOCAL_DEV_DEMO_PASSWORD });
  expect(error).toBeNull();
  const user = supabaseClient(stack.anonKey, data.session!.access_token);
  const registered = await user.rpc("register_push_subscription", { p_endpoint: endpoint, p_p256dh: device.p256dh, p_auth: device.auth });
  expect(registered.error).toBeNull();
}

/** A pending push notification for a user, as the alert engine writes them. */
async function pushNotification(user: string, label: string, params: Record<string, string>, entityId: string | null = MISSION) {
  return withDb(async (c) => {
    const { rows } = await c.query(
      `select private.create_notification($1, $2, 'push', 'test.push_probe', $3, $4, $5, $6) as id`,
      [ORG_A, user, entityId && "public.missions", entityId, `push-it-${RUN}:${label}`, params],
    );
    return rows[0].id as string;
  });
}

const notification = (id: string) =>
  withDb(async (c) => (await c.query(`select * from public.notifications where id = $1`, [id])).rows[0]);

const subscriptionCount = (endpoint: string) =>
  withDb(async (c) => Number((await c.query(`select count(*) from public.push_subscriptions where endpoint = $1`, [endpoint])).rows[0].count));

/** The round, the way a dispatcher or an operator calls it: supabase-js with the service role key. */
async function pushRound(body: Record<string, unknown> = {}) {
  const { data, error } = await supabaseClient(stack.serviceRoleKey).functions.invoke("push", { body });
  expect(error).toBeNull();
  return data as { claimed: number; sent: number; retrying: number; failed: number; subscriptions_removed: number };
}

/** The requests that carried a given notification, decrypted with the receiving device's keys. */
async function deliveriesOf(notificationId: string) {
  const found = [];
  for (const push of pushService.received) {
    const device = devices.get(push.device);
    if (!device) continue;
    const payload = JSON.parse(await decryptPush(push.body, device)) as Record<string, unknown>;
    if (payload.id === notificationId) found.push({ ...push, payload });
  }
  return found;
}

beforeAll(async () => {
  vapid = readJsonFile<VapidKeys>(join(stateDir, VAPID_FILE));
  pushService = await startFakePushService(testCa(stateDir));
  pushService.answers.set(TABLET, 410);
  pushService.answers.set(FLAKY, 500);
  for (const name of [PHONE, TABLET, FLAKY]) devices.set(name, await newDevice());
  await register("tech2@chaleur-express.test", pushService.endpoint(PHONE), devices.get(PHONE)!);
  await register("tech2@chaleur-express.test", pushService.endpoint(TABLET), devices.get(TABLET)!);
  await register("compta@chaleur-express.test", pushService.endpoint(FLAKY), devices.get(FLAKY)!);
  parked = await withDb(async (c) =>
    (
      await c.query(
        `update public.notifications n set next_attempt_at = now() + interval '1 day'
           from public.notifications o
          where n.id = o.id and n.channel = 'push' and n.delivery_status = 'pending'
          returning n.id, o.next_attempt_at`,
      )
    ).rows,
  );
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query(`delete from public.notifications where dedupe_key like $1`, [`push-it-${RUN}:%`]);
    await c.query(`delete from public.push_subscriptions where endpoint like $1`, [`${pushService.origin}/push/%`]);
    for (const p of parked) await c.query(`update public.notifications set next_attempt_at = $2 where id = $1`, [p.id, p.next_attempt_at]);
  });
  await pushService?.close();
});

describe("push: delivery to a Web Push service", () => {
  it("serves the VAPID public key to the web app in /config.json", async () => {
    const config = (await (await fetch(`${stack.apiUrl}/config.json`)).json()) as Record<string, string>;
    expect(config.vapidPublicKey).toBe(vapid.publicKey);
    expect(JSON.stringify(config)).not.toContain(vapid.privateKey);
  });

  it("sends an encrypted, VAPID-signed message to every device; 410 deletes the device; the row is sent", async () => {
    const id = await pushNotification(TECH_2, "mission", { title: "Intervention bloquée", body: "Pompe à chaleur — client absent" });
    const round = await pushRound();
    expect(round.claimed).toBeGreaterThanOrEqual(1);

    const [atPhone, ...more] = (await deliveriesOf(id)).filter((p) => p.device === PHONE);
    expect(more).toHaveLength(0);
    // Decrypted with the phone's private key and auth secret (RFC 8291).
    expect(atPhone!.payload).toEqual({
      id,
      title: "Intervention bloquée",
      body: "Pompe à chaleur — client absent",
      url: `/missions/${MISSION}`,
    });
    // …and by no other device's keys: the message is encrypted for the phone alone.
    await expect(decryptPush(atPhone!.body, devices.get(TABLET)!)).rejects.toThrow();
    expect(atPhone!.headers["content-encoding"]).toBe("aes128gcm");
    expect(atPhone!.headers["content-type"]).toBe("application/octet-stream");
    expect(atPhone!.headers.ttl).toBe("86400");
    expect(atPhone!.headers.urgency).toBe("normal");

    // VAPID (RFC 8292): ES256 JWT verified with k, k is the stack's public key,
    // aud the push service's origin, exp at most 24 h ahead, sub the contact.
    const { k, claims, alg } = await verifyVapid(atPhone!.headers.authorization);
    // The signature is really checked: the same JWT under another key is refused.
    const otherKey = devices.get(TABLET)!.p256dh;
    await expect(verifyVapid(atPhone!.headers.authorization!.replace(/k=[A-Za-z0-9_-]+$/, `k=${otherKey}`))).rejects.toThrow();
    expect(alg).toBe("ES256");
    expect(k).toBe(vapid.publicKey);
    expect(claims.aud).toBe(pushService.origin);
    expect(claims.sub).toBe(vapid.subject);
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp).toBeGreaterThan(now);
    expect(claims.exp! - now).toBeLessThanOrEqual(24 * 3600);

    // The tablet was tried too, answered 410 Gone, and is forgotten; the phone stays.
    expect((await deliveriesOf(id)).some((p) => p.device === TABLET)).toBe(true);
    expect(await subscriptionCount(pushService.endpoint(TABLET))).toBe(0);
    expect(await subscriptionCount(pushService.endpoint(PHONE))).toBe(1);

    const row = await notification(id);
    expect(row.delivery_status).toBe("sent");
    expect(row.sent_at).not.toBeNull();
    expect(row.attempts).toBe(1);
  });

  it("wakes the device for a critical type (urgency high) and links to the inbox without an entity", async () => {
    const id = await withDb(async (c) =>
      (
        await c.query(
          `select private.create_notification($1, $2, 'push', 'stock_critical', null, null, $3,
                                              '{"item": "Vanne 3 voies", "quantity": "1", "threshold": "5"}') as id`,
          [ORG_A, TECH_2, `push-it-${RUN}:critical`],
        )
      ).rows[0].id as string,
    );
    await pushRound({ limit: 10 });
    const [atPhone] = (await deliveriesOf(id)).filter((p) => p.device === PHONE);
    expect(atPhone!.headers.urgency).toBe("high");
    expect(atPhone!.payload.url).toBe("/notifications");
    expect((await notification(id)).delivery_status).toBe("sent");
  });

  it("retries a device that answers 500 with the queue's backoff, then fails for good at the 5th attempt", async () => {
    const id = await pushNotification(ACCOUNTANT, "flaky", { title: "Facture en retard" });
    await pushRound();
    let row = await notification(id);
    expect(row.delivery_status).toBe("pending");
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain(`push service ${pushService.origin} answered HTTP 500`);
    // Backoff of the first failure: one minute (mark_notification_failed).
    const waitSeconds = (new Date(row.next_attempt_at).getTime() - Date.now()) / 1000;
    expect(waitSeconds).toBeGreaterThan(50);
    expect(waitSeconds).toBeLessThanOrEqual(60);

    // Each later attempt as soon as it is due; at most four more rounds.
    for (let round = 0; round < 4 && row.delivery_status === "pending"; round++) {
      await withDb((c) => c.query(`update public.notifications set next_attempt_at = now() - interval '1 second' where id = $1`, [id]));
      await pushRound();
      row = await notification(id);
    }
    expect(row.delivery_status).toBe("failed");
    expect(row.attempts).toBe(5);
    expect(row.next_attempt_at).toBeNull();
    expect((await deliveriesOf(id)).filter((p) => p.device === FLAKY)).toHaveLength(5);
    // A 500 says nothing about the subscription: it is kept.
    expect(await subscriptionCount(pushService.endpoint(FLAKY))).toBe(1);
    const events = await withDb(
      async (c) => (await c.query(`select severity from public.app_events where type = 'notification_failed' and entity_id = $1`, [id])).rows,
    );
    expect(events).toEqual([{ severity: "warning" }]);
  });
});

describe("push: what each refusal of the push service does to the queue", () => {
  // The accountant's only device (FLAKY) answers what each case needs.
  const appEvent = (id: string) =>
    withDb(async (c) => (await c.query(`select severity, payload from public.app_events where type = 'notification_failed' and entity_id = $1`, [id])).rows);

  for (const [status, why] of [
    [413, "payload too large"],
    [400, "request or VAPID signature refused"],
    [403, "request or VAPID signature refused"],
  ] as const) {
    it(`${status}: failed for good at the first attempt, never retried, the device kept`, async () => {
      pushService.answers.set(FLAKY, status);
      const id = await pushNotification(ACCOUNTANT, `refused-${status}`, { title: `Refus ${status}` });
      const round = await pushRound();
      expect(round.failed).toBeGreaterThanOrEqual(1);
      const row = await notification(id);
      expect([row.delivery_status, row.attempts, row.next_attempt_at]).toEqual(["failed", 1, null]);
      expect(row.last_error).toBe(`push service ${pushService.origin} answered HTTP ${status} (${why}${status === 413 ? "" : ": check the VAPID keys and subject"})`);
      expect(await appEvent(id)).toEqual([{ severity: "warning", payload: expect.objectContaining({ permanent: true, attempts: 1 }) }]);
      // Not a sign the subscription is gone: it stays.
      expect(await subscriptionCount(pushService.endpoint(FLAKY))).toBe(1);
      // Due again or not, a failed row is never claimed: one request only.
      await withDb((c) => c.query(`update public.notifications set next_attempt_at = now() - interval '1 second' where id = $1`, [id]));
      await pushRound();
      expect((await deliveriesOf(id)).filter((p) => p.device === FLAKY)).toHaveLength(1);
    });
  }

  it("429: retried, not before the Retry-After the push service asked for", async () => {
    pushService.answers.set(FLAKY, 429);
    pushService.answerHeaders.set(FLAKY, { "retry-after": "600" });
    try {
      const id = await pushNotification(ACCOUNTANT, "rate-limited", { title: "Trop de messages" });
      const round = await pushRound();
      expect(round.retrying).toBeGreaterThanOrEqual(1);
      const row = await notification(id);
      expect([row.delivery_status, row.attempts]).toEqual(["pending", 1]);
      expect(row.last_error).toBe(`push service ${pushService.origin} answered HTTP 429 (rate-limited, retry after 600 s)`);
      // Ten minutes, not the one-minute backoff of a first failure.
      const waitSeconds = (new Date(row.next_attempt_at).getTime() - Date.now()) / 1000;
      expect(waitSeconds).toBeGreaterThan(590);
      expect(waitSeconds).toBeLessThanOrEqual(600);
      expect(await appEvent(id)).toEqual([]);
    } finally {
      pushService.answerHeaders.delete(FLAKY);
    }
  });

  it("a device refusing for good does not stop the retries another device still deserves", async () => {
    const second = `second-${RUN}`;
    devices.set(second, await newDevice());
    await register("compta@chaleur-express.test", pushService.endpoint(second), devices.get(second)!);
    pushService.answers.set(FLAKY, 413);
    pushService.answers.set(second, 503);
    const id = await pushNotification(ACCOUNTANT, "mixed", { title: "Deux appareils" });
    await pushRound();
    const row = await notification(id);
    expect([row.delivery_status, row.attempts]).toEqual(["pending", 1]);
    expect(row.last_error).toContain("HTTP 413");
    expect(row.last_error).toContain("HTTP 503");
  });
});

describe("push: refusals change nothing", () => {
  let sentinel: string;
  beforeAll(async () => {
    sentinel = await pushNotification(TECH_2, "sentinel", { title: "Ne pas envoyer" });
  });
  afterAll(async () => {
    const row = await notification(sentinel);
    // No refused call claimed it: still pending, never attempted.
    expect([row.delivery_status, row.attempts]).toEqual(["pending", 0]);
    await withDb((c) => c.query(`update public.notifications set next_attempt_at = now() + interval '1 day' where id = $1`, [sentinel]));
  });

  const post = (headers: Record<string, string>, body?: string, method = "POST") =>
    fetch(PUSH_URL, { method, headers, ...(body === undefined ? {} : { body }) });
  const asService = { authorization: `Bearer ${stack.serviceRoleKey}`, "content-type": "application/json" };

  it("401 without a token (the gateway verifies the JWT)", async () => {
    expect((await post({ "content-type": "application/json" }, "{}")).status).toBe(401);
  });

  it("403 for the anon key and for a signed-in user", async () => {
    const anon = await post({ authorization: `Bearer ${stack.anonKey}`, "content-type": "application/json" }, "{}");
    expect(anon.status).toBe(403);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    const { data } = await supabaseClient().auth.signInWithPassword({ email: "admin@chaleur-express.test", password: LOCAL_DEV_DEMO_PASSWORD });
    const user = await post({ authorization: `Bearer ${data.session!.access_token}`, "content-type": "application/json" }, "{}");
    expect(user.status).toBe(403);
  });

  it("405 for another method, with Allow: POST", async () => {
    const res = await post({ authorization: `Bearer ${stack.serviceRoleKey}` }, undefined, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("415 for a body that is not JSON", async () => {
    const res = await post({ authorization: `Bearer ${stack.serviceRoleKey}`, "content-type": "text/plain" }, "limit=5");
    expect(res.status).toBe(415);
  });

  it("400 for a malformed body or an out-of-range or unknown field", async () => {
    for (const body of ["{", '{"limit": 0}', '{"limit": 101}', '{"limit": "5"}', '{"limit": 5, "channel": "email"}', "[]"]) {
      const res = await post(asService, body);
      expect(res.status, body).toBe(400);
      const { error } = (await res.json()) as { error: { code: string } };
      expect(["invalid_json", "validation_failed"], body).toContain(error.code);
    }
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TerrainDb, type OutboxAction } from "./db.ts";
import { backoffMs, classifyResponse, discard, enqueue, enqueueWithFile, flush, pendingActions, refusedActions, type SendOutcome } from "./outbox.ts";

let db: TerrainDb;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  db = new TerrainDb(`outbox-test-${crypto.randomUUID()}`);
  await db.open();
  clock = Date.UTC(2026, 11, 3, 9, 0, 0);
});

afterEach(async () => {
  await db.delete();
});

/** A server scripted per call: answers in order, then ok; records what it was sent. */
function scriptedServer(...answers: SendOutcome[]) {
  const sent: Array<{ kind: string; key: unknown; args: Record<string, unknown> }> = [];
  const send = vi.fn(async (action: OutboxAction) => {
    sent.push({ kind: action.kind, key: action.args.p_idempotency_key, args: action.args });
    return answers.shift() ?? { kind: "ok" as const };
  });
  return { send, sent };
}

const ok: SendOutcome = { kind: "ok" };
const networkDown: SendOutcome = { kind: "retry", message: "TypeError: Failed to fetch" };
const noSession = { refreshSession: async () => true };

async function queueDay() {
  const accept = await enqueue(db, { kind: "transition_mission", missionId: "m1", args: { p_mission_id: "m1", p_to_status: "assigned" } });
  const hours = await enqueue(db, { kind: "log_hours", missionId: "m1", args: { p_mission_id: "m1", p_hours: 2.5 } });
  const part = await enqueue(db, { kind: "record_stock_use", missionId: "m1", args: { p_item_id: "i1", p_quantity: 99, p_mission_id: "m1" } });
  const done = await enqueue(db, { kind: "transition_mission", missionId: "m1", args: { p_mission_id: "m1", p_to_status: "done" } });
  return { accept, hours, part, done };
}

describe("enqueue", () => {
  it("gives each action its own key, sent as p_idempotency_key; mark_notification_read takes none", async () => {
    const { accept, hours } = await queueDay();
    expect(accept.key).not.toBe(hours.key);
    expect(accept.args.p_idempotency_key).toBe(accept.key);
    expect(accept.key.length).toBeGreaterThanOrEqual(8);
    const read = await enqueue(db, { kind: "mark_notification_read", args: { p_id: "n1" } });
    expect(read.args).toEqual({ p_id: "n1" });
    expect((await pendingActions(db)).map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("flush", () => {
  it("replays every pending action in the order it was taken, then empties the outbox", async () => {
    const actions = await queueDay();
    const server = scriptedServer();
    const report = await flush(db, { send: server.send, ...noSession, now });
    expect(server.sent.map((s) => s.key)).toEqual([actions.accept.key, actions.hours.key, actions.part.key, actions.done.key]);
    expect(report).toEqual({ sent: 4, refused: 0, retryLater: false, retryAt: null, needsSignIn: false });
    expect(await db.outbox.count()).toBe(0);
  });

  it("stops on a network error, keeps the order, and retries the same action with the same key after the backoff", async () => {
    const actions = await queueDay();
    const server = scriptedServer(ok, networkDown);
    const first = await flush(db, { send: server.send, ...noSession, now });
    expect(first).toMatchObject({ sent: 1, retryLater: true, retryAt: clock + 2_000 });
    // The actions after the failed one were not sent: "complete" never overtakes "log hours".
    expect(server.sent.map((s) => s.kind)).toEqual(["transition_mission", "log_hours"]);
    const [waiting] = await pendingActions(db);
    expect(waiting).toMatchObject({ key: actions.hours.key, attempts: 1, nextAttemptAt: clock + 2_000, lastError: "TypeError: Failed to fetch" });

    // Before the backoff ends: nothing is sent.
    clock += 1_000;
    expect(await flush(db, { send: server.send, ...noSession, now })).toMatchObject({ sent: 0, retryLater: true });
    expect(server.sent).toHaveLength(2);

    clock += 1_000;
    const second = await flush(db, { send: server.send, ...noSession, now });
    expect(second).toMatchObject({ sent: 3, retryLater: false });
    expect(server.sent.map((s) => s.key)).toEqual([
      actions.accept.key,
      actions.hours.key,
      actions.hours.key, // the replay carries the first attempt's key: the server applies it once
      actions.part.key,
      actions.done.key,
    ]);
  });

  it("backs off exponentially (2 s, 4 s, 8 s …) up to 5 minutes, and honours Retry-After when longer", async () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffMs(30)).toBe(300_000);
    await enqueue(db, { kind: "log_hours", args: {} });
    const server = scriptedServer({ kind: "retry", message: "rate limited", retryAfterMs: 30_000 });
    expect(await flush(db, { send: server.send, ...noSession, now })).toMatchObject({ retryAt: clock + 30_000 });
  });

  it("'sync now' (force) ignores the backoff", async () => {
    await queueDay();
    const server = scriptedServer(networkDown);
    await flush(db, { send: server.send, ...noSession, now });
    const forced = await flush(db, { send: server.send, ...noSession, now, force: true });
    expect(forced).toMatchObject({ sent: 4, retryLater: false });
  });

  it("moves a business refusal to 'needs attention' with the server's reason, and goes on with the rest", async () => {
    const actions = await queueDay();
    const refusal = { status: 409, code: "insufficient_stock", message: "Insufficient stock. Available: 8, Requested: 99" };
    const server = scriptedServer(ok, ok, { kind: "refused", refusal });
    const report = await flush(db, { send: server.send, ...noSession, now });
    expect(report).toMatchObject({ sent: 3, refused: 1, retryLater: false });
    expect(server.sent.map((s) => s.key)).toEqual([actions.accept.key, actions.hours.key, actions.part.key, actions.done.key]);
    const [refused] = await refusedActions(db);
    expect(refused).toMatchObject({ key: actions.part.key, state: "refused", refusal });

    // Never retried: the next flush sends nothing.
    await flush(db, { send: server.send, ...noSession, now });
    expect(server.send).toHaveBeenCalledTimes(4);
    expect(await refusedActions(db)).toHaveLength(1);
  });

  it("refreshes the session on a 401 and sends the same action again", async () => {
    const { accept } = await queueDay();
    const server = scriptedServer({ kind: "unauthorized", message: "JWT expired" });
    const refreshSession = vi.fn(async () => true);
    const report = await flush(db, { send: server.send, refreshSession, now });
    expect(refreshSession).toHaveBeenCalledTimes(1);
    expect(report).toMatchObject({ sent: 4, needsSignIn: false });
    expect(server.sent.slice(0, 2).map((s) => s.key)).toEqual([accept.key, accept.key]);
  });

  it("keeps everything pending (not refused) when the session cannot be renewed: the technician signs in again", async () => {
    await queueDay();
    const server = scriptedServer({ kind: "unauthorized", message: "JWT expired" }, { kind: "unauthorized", message: "Session has ended; sign in again" });
    const report = await flush(db, { send: server.send, refreshSession: async () => false, now });
    expect(report).toMatchObject({ sent: 0, refused: 0, needsSignIn: true });
    expect(await pendingActions(db)).toHaveLength(4);
    expect((await pendingActions(db))[0]!.lastError).toBe("JWT expired");
  });

  it("treats a sender that throws as a retryable failure, never as a lost action", async () => {
    await queueDay();
    const report = await flush(db, {
      send: async () => {
        throw new Error("connection reset");
      },
      ...noSession,
      now,
    });
    expect(report).toMatchObject({ sent: 0, retryLater: true });
    expect(await pendingActions(db)).toHaveLength(4);
  });
});

describe("discard", () => {
  it("removes a refused action, and never a pending one", async () => {
    const { accept, part } = await queueDay();
    await flush(db, {
      send: async (a) => (a.key === part.key ? { kind: "refused", refusal: { status: 409, code: "x", message: "no" } } : networkDown),
      ...noSession,
      now,
    });
    // The first action failed on the network: nothing was refused yet, and a pending action stays.
    await discard(db, accept.seq!);
    expect(await pendingActions(db)).toHaveLength(4);

    clock += 10_000;
    await flush(db, {
      send: async (a) => (a.key === part.key ? { kind: "refused", refusal: { status: 409, code: "x", message: "no" } } : ok),
      ...noSession,
      now,
    });
    const [refused] = await refusedActions(db);
    await discard(db, refused!.seq!);
    expect(await db.outbox.count()).toBe(0);
  });
});

describe("classifyResponse", () => {
  it.each([
    [200, null, "ok"],
    [204, null, "ok"],
    [0, { message: "TypeError: Failed to fetch" }, "retry"],
    [408, { message: "timeout" }, "retry"],
    [429, { code: "rate_limited", message: "slow down" }, "retry"],
    [500, { message: "boom" }, "retry"],
    [503, { message: "down" }, "retry"],
    [401, { code: "sign_in_required", message: "Session has ended; sign in again" }, "unauthorized"],
    [400, { code: "validation_failed", message: "Hours must be greater than 0" }, "refused"],
    [403, { code: "not_assigned", message: "Mission is not assigned to you" }, "refused"],
    [404, { code: "not_found", message: "Mission not found" }, "refused"],
    [409, { code: "invalid_transition", message: "Invalid transition: done → in_progress" }, "refused"],
    [422, { code: "idempotency_key_reused", message: "used for a different request" }, "refused"],
  ] as const)("HTTP %i → %s", (status, error, kind) => {
    expect(classifyResponse(status, error).kind).toBe(kind);
  });

  it("keeps the catalogue's code and message for a refusal", () => {
    expect(classifyResponse(409, { code: "insufficient_stock", message: "Insufficient stock. Available: 8, Requested: 99" })).toEqual({
      kind: "refused",
      refusal: { status: 409, code: "insufficient_stock", message: "Insufficient stock. Available: 8, Requested: 99" },
    });
  });
});

describe("actions carrying a file (photos, signatures)", () => {
  const bytes = (n: number) => new Uint8Array(n).fill(7).buffer;
  const photo = (missionId: string, name: string) =>
    enqueueWithFile(
      db,
      { kind: "upload_attachment", missionId, args: { owner_type: "mission_photo", owner_id: missionId, mime: "image/jpeg", size: 10, name } },
      { mime: "image/jpeg", name, bytes: bytes(10) },
    );

  it("keeps its place in the queue: a photo taken between start and complete is sent between them", async () => {
    const start = await enqueue(db, { kind: "transition_mission", missionId: "m1", args: { p_mission_id: "m1", p_to_status: "in_progress" } });
    const shot = await photo("m1", "photo-1.jpg");
    const done = await enqueue(db, { kind: "transition_mission", missionId: "m1", args: { p_mission_id: "m1", p_to_status: "done" } });
    const order: string[] = [];
    await flush(db, { send: async (a) => (order.push(a.key), ok), refreshSession: noSession.refreshSession, now });
    expect(order).toEqual([start.key, shot.key, done.key]);
  });

  it("the file is stored under the action's key (the upload_id) and leaves with it once sent", async () => {
    const shot = await photo("m1", "photo-1.jpg");
    expect((await db.files.get(shot.key))?.bytes.byteLength).toBe(10);
    // Idempotency: the key is not added to the arguments; it is the upload_id.
    expect(shot.args).not.toHaveProperty("p_idempotency_key");
    await flush(db, { send: async () => ok, refreshSession: noSession.refreshSession, now });
    expect(await db.outbox.count()).toBe(0);
    expect(await db.files.count()).toBe(0);
  });

  it("a retried upload keeps the same key and the same bytes, however many times it is tried", async () => {
    const shot = await photo("m1", "photo-1.jpg");
    const keys: string[] = [];
    const send = async (a: OutboxAction) => {
      keys.push(a.key);
      return keys.length < 3 ? networkDown : ok;
    };
    await flush(db, { send, refreshSession: noSession.refreshSession, now });
    expect(await db.files.get(shot.key)).toBeDefined();
    await flush(db, { send, refreshSession: noSession.refreshSession, now, force: true });
    await flush(db, { send, refreshSession: noSession.refreshSession, now, force: true });
    expect(keys).toEqual([shot.key, shot.key, shot.key]);
    expect(await db.files.count()).toBe(0);
  });

  it("a refused upload keeps its file until discarded, and the queue goes on", async () => {
    const shot = await photo("m1", "photo-1.jpg");
    const note = await enqueue(db, { kind: "add_mission_note", missionId: "m1", args: { p_mission_id: "m1", p_body: "ok" } });
    const refusal = { status: 415, code: "unsupported_media_type", message: "image/gif is not accepted" };
    const { send, sent } = scriptedServer({ kind: "refused", refusal });
    await flush(db, { send, refreshSession: noSession.refreshSession, now });
    expect(sent.map((s) => s.kind)).toEqual(["upload_attachment", "add_mission_note"]);
    expect(await db.outbox.get(note.seq!)).toBeUndefined();
    expect((await refusedActions(db))[0]?.refusal).toEqual(refusal);
    expect(await db.files.get(shot.key)).toBeDefined();
    await discard(db, shot.seq!);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.files.count()).toBe(0);
  });

  it("a pending upload cannot be discarded: its file stays", async () => {
    const shot = await photo("m1", "photo-1.jpg");
    await discard(db, shot.seq!);
    expect(await db.files.get(shot.key)).toBeDefined();
    expect(await db.outbox.count()).toBe(1);
  });
});

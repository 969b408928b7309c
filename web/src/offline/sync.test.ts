import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TerrainDb } from "./db.ts";
import { enqueue, type Sender } from "./outbox.ts";
import { SyncEngine, type LockRunner } from "./sync.ts";

let db: TerrainDb;
beforeEach(async () => {
  db = new TerrainDb(`sync-test-${crypto.randomUUID()}`);
  await db.open();
});
afterEach(async () => {
  await db.delete();
});

/** navigator.locks.request(name, { ifAvailable: true }) as one browser would do it for every tab. */
function sharedLocks(): LockRunner {
  const held = new Set<string>();
  return async (name, fn) => {
    if (held.has(name)) return "busy";
    held.add(name);
    try {
      return await fn();
    } finally {
      held.delete(name);
    }
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("SyncEngine", () => {
  it("lets one tab flush at a time: a second tab finds the lock taken and sends nothing", async () => {
    await enqueue(db, { kind: "log_hours", args: { p_hours: 1 } });
    const gate = deferred();
    const sent: string[] = [];
    const send = (tab: string): Sender => async () => {
      sent.push(tab);
      await gate.promise;
      return { kind: "ok" };
    };
    const locks = sharedLocks();
    const pull = vi.fn(async () => {});
    const tabA = new SyncEngine({ db, lockName: "outbox", send: send("A"), refreshSession: async () => true, pull }, locks);
    const tabB = new SyncEngine({ db, lockName: "outbox", send: send("B"), refreshSession: async () => true, pull }, locks);

    const a = tabA.sync();
    await vi.waitFor(() => expect(sent).toEqual(["A"]));
    await tabB.sync(); // returns at once: tab A holds the lock
    gate.resolve();
    await a;
    expect(sent).toEqual(["A"]);
    expect(await db.outbox.count()).toBe(0);
    expect(pull).toHaveBeenCalledTimes(1);
  });

  it("joins a sync already running in the same tab instead of starting a second one", async () => {
    await enqueue(db, { kind: "log_hours", args: { p_hours: 1 } });
    const send = vi.fn<Sender>(async () => ({ kind: "ok" }));
    const engine = new SyncEngine({ db, lockName: "outbox", send, refreshSession: async () => true, pull: async () => {} }, sharedLocks());
    await Promise.all([engine.sync(), engine.sync(), engine.sync()]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it("sends an action written while a sync runs right after it, not at the next timer", async () => {
    await enqueue(db, { kind: "transition_mission", args: { p_to: "assigned" } });
    const gate = deferred();
    const sent: unknown[] = [];
    const send = vi.fn<Sender>(async (action) => {
      sent.push(action.args.p_to);
      return { kind: "ok" };
    });
    // The first pass is reading from the server (its flush is over) when the next action is written.
    const pull = vi.fn(async () => {
      if (pull.mock.calls.length === 1) await gate.promise;
    });
    const engine = new SyncEngine({ db, lockName: "outbox", send, refreshSession: async () => true, pull }, sharedLocks());
    const first = engine.sync();
    await vi.waitFor(() => expect(pull).toHaveBeenCalledTimes(1));
    await enqueue(db, { kind: "transition_mission", args: { p_to: "in_progress" } });
    const second = engine.sync();
    gate.resolve();
    await Promise.all([first, second]);
    expect(sent).toEqual(["assigned", "in_progress"]);
    expect(await db.outbox.count()).toBe(0);
  });

  it("does not read from the server right after a network failure, and tries again when the backoff ends", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      await enqueue(db, { kind: "log_hours", args: { p_hours: 1 } });
      const send = vi
        .fn<Sender>()
        .mockResolvedValueOnce({ kind: "retry", message: "Failed to fetch" })
        .mockResolvedValue({ kind: "ok" });
      const pull = vi.fn(async () => {});
      const engine = new SyncEngine({ db, lockName: "outbox", send, refreshSession: async () => true, pull }, sharedLocks());
      await engine.sync();
      expect(pull).not.toHaveBeenCalled();
      expect(engine.getState().lastReport).toMatchObject({ retryLater: true });

      await vi.advanceTimersByTimeAsync(2_100);
      await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2));
      await vi.waitFor(() => expect(pull).toHaveBeenCalledTimes(1));
      engine.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports a failed refresh without losing the outbox", async () => {
    await enqueue(db, { kind: "log_hours", args: { p_hours: 1 } });
    const engine = new SyncEngine(
      {
        db,
        lockName: "outbox",
        send: async () => ({ kind: "refused", refusal: { status: 409, code: "invalid_transition", message: "Invalid transition" } }),
        refreshSession: async () => true,
        pull: async () => {
          throw new Error("missions: permission denied");
        },
      },
      sharedLocks(),
    );
    await engine.sync();
    expect(engine.getState()).toMatchObject({ running: false, lastError: "missions: permission denied" });
    expect(await db.outbox.where("state").equals("refused").count()).toBe(1);
  });
});

/**
 * When the outbox is replayed: at app start, on `online`, when the app becomes
 * visible again, every 30 seconds, and on "sync now". `navigator.onLine` is
 * only a hint (false means no network; true may still mean none), so a flush is
 * simply tried and a network failure waits for its backoff.
 *
 * One flusher at a time across tabs: the Web Locks API (a lock per user); a
 * tab that does not get the lock leaves the work to the one that has it.
 * After a flush the device's data is refreshed from the server.
 */
import type { TerrainDb } from "./db.ts";
import { flush, type FlushReport, type Sender } from "./outbox.ts";

export interface SyncState {
  running: boolean;
  online: boolean;
  needsSignIn: boolean;
  lastError: string | null;
  lastReport: FlushReport | null;
}

export interface SyncDeps {
  db: TerrainDb;
  lockName: string;
  send: Sender;
  refreshSession: () => Promise<boolean>;
  /** Refreshes the device's data from the server (throws when it cannot). */
  pull: () => Promise<void>;
  intervalMs?: number;
}

export type LockRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T | "busy">;

/** navigator.locks when the browser has it (all current ones); else this tab only. */
export const webLock: LockRunner = async (name, fn) => {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return fn();
  return locks.request(name, { ifAvailable: true }, async (lock) => (lock ? fn() : ("busy" as const)));
};

export class SyncEngine {
  private state: SyncState;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: Array<() => void> = [];
  private inFlight: Promise<void> | null = null;
  /** Asked for while a sync ran: one more pass once it ends (however many asked). */
  private passAgain: { force: boolean } | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly deps: SyncDeps,
    private readonly lock: LockRunner = webLock,
  ) {
    this.state = { running: false, online: isOnline(), needsSignIn: false, lastError: null, lastReport: null };
  }

  getState = (): SyncState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    const onOnline = () => {
      this.set({ online: true });
      void this.sync();
    };
    const onOffline = () => this.set({ online: false });
    const onVisible = () => {
      if (document.visibilityState === "visible") void this.sync();
    };
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    document.addEventListener("visibilitychange", onVisible);
    const timer = setInterval(() => void this.sync(), this.deps.intervalMs ?? 30_000);
    this.cleanups.push(
      () => window.removeEventListener("online", onOnline),
      () => window.removeEventListener("offline", onOffline),
      () => document.removeEventListener("visibilitychange", onVisible),
      () => clearInterval(timer),
    );
    void this.sync();
  }

  stop(): void {
    this.cleanups.splice(0).forEach((cleanup) => cleanup());
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * Replays the outbox, then refreshes the data. `force` ignores the backoff ("sync now").
   * A call while a sync runs joins it, and asks for one more pass after it: the action just written (accept, then
   * start at once) may come after the running flush read the outbox, and would otherwise wait for the 30 s timer.
   */
  sync(force = false): Promise<void> {
    if (this.inFlight) {
      this.passAgain = { force: (this.passAgain?.force ?? false) || force };
      return this.inFlight;
    }
    this.inFlight = (async () => {
      let pass: { force: boolean } | null = { force };
      while (pass) {
        this.passAgain = null;
        await this.run(pass.force);
        pass = this.passAgain;
      }
    })().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async run(force: boolean): Promise<void> {
    if (!isOnline()) {
      this.set({ online: false });
      return;
    }
    this.set({ running: true, online: true });
    try {
      const outcome = await this.lock(this.deps.lockName, async () => {
        const report = await flush(this.deps.db, { send: this.deps.send, refreshSession: this.deps.refreshSession, force });
        this.set({ lastReport: report, needsSignIn: report.needsSignIn });
        // Try again when the backoff ends (the 30 s timer would be late for a 2 s backoff).
        if (report.retryAt !== null) this.scheduleRetry(report.retryAt);
        // A network failure just happened: no point reading now.
        if (!report.retryLater && !report.needsSignIn) await this.deps.pull();
        return report;
      });
      this.set({ lastError: outcome === "busy" ? this.state.lastError : null });
    } catch (error) {
      this.set({ lastError: error instanceof Error ? error.message : String(error) });
    } finally {
      this.set({ running: false });
    }
  }

  private scheduleRetry(at: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.sync();
    }, Math.max(0, at - Date.now()));
  }

  private set(patch: Partial<SyncState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener());
  }
}

function isOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

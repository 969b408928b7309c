/**
 * The outbox: every action the technician takes is written here first, then
 * replayed to the server in order.
 *
 * - Each action carries a client-generated idempotency key, kept across every
 *   retry: the RPCs store the first result under (organization, key) and return
 *   it to a replay, so an action whose answer was lost is never applied twice
 *   (docs/design.md, invariant 9).
 * - Network errors, 408, 429 and 5xx are retried with exponential backoff; the
 *   queue stops there so later actions (complete after start) keep their order.
 * - 401: the session is refreshed once, then the same action is tried again.
 * - Any other 4xx is a business refusal (the mission was reassigned, the part
 *   ran out): the action is moved to "needs attention" with the server's code
 *   and message, shown until the technician discards it, and the rest of the
 *   queue goes on. Never retried forever, never silently dropped.
 */
import type { RefusalLike } from "../i18n/apiErrors.ts";
import type { ActionKind, OutboxAction, OutboxFile, Refusal, TerrainDb } from "./db.ts";

/** What one attempt to send an action gave. */
export type SendOutcome =
  | { kind: "ok" }
  | { kind: "retry"; message: string; retryAfterMs?: number }
  | { kind: "unauthorized"; message: string }
  | { kind: "refused"; refusal: Refusal };

export type Sender = (action: OutboxAction) => Promise<SendOutcome>;

export interface FlushOptions {
  send: Sender;
  /** Refreshes the session after a 401; false when it could not. */
  refreshSession: () => Promise<boolean>;
  now?: () => number;
  /** Ignore the backoff (the "sync now" button). */
  force?: boolean;
}

export interface FlushReport {
  sent: number;
  refused: number;
  /** Stopped on a retryable error; the rest waits for the next flush. */
  retryLater: boolean;
  /** When the next pending action may be tried (epoch ms), if the flush stopped on a backoff. */
  retryAt: number | null;
  /** A 401 survived a session refresh: the technician must sign in again. */
  needsSignIn: boolean;
}

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export function newActionKey(): string {
  return crypto.randomUUID();
}

export interface NewAction {
  kind: ActionKind;
  /** The RPC's arguments; p_idempotency_key is added for the RPCs that take one. */
  args: Record<string, unknown>;
  missionId?: string | null;
  key?: string;
}

/** RPCs that take p_idempotency_key. mark_notification_read is idempotent by nature (keeps the first read time). */
const KEYED: ReadonlySet<ActionKind> = new Set(["transition_mission", "log_hours", "record_stock_use", "add_mission_note"]);

export async function enqueue(db: TerrainDb, action: NewAction, now = Date.now()): Promise<OutboxAction> {
  const key = action.key ?? newActionKey();
  const row: OutboxAction = {
    key,
    kind: action.kind,
    args: KEYED.has(action.kind) ? { ...action.args, p_idempotency_key: key } : { ...action.args },
    missionId: action.missionId ?? null,
    createdAt: new Date(now).toISOString(),
    state: "pending",
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    refusal: null,
  };
  row.seq = await db.outbox.add(row);
  return row;
}

/**
 * An action that carries a file (a photo, a signature): the file and the action
 * are written in one transaction, so neither exists without the other. The
 * file is keyed by the action's key (the attachment's upload_id).
 */
export async function enqueueWithFile(
  db: TerrainDb,
  action: NewAction,
  file: Omit<OutboxFile, "key">,
  now = Date.now(),
): Promise<OutboxAction> {
  const key = action.key ?? newActionKey();
  return db.transaction("rw", db.outbox, db.files, async () => {
    await db.files.put({ ...file, key });
    return enqueue(db, { ...action, key }, now);
  });
}

/** An action leaves the outbox with its file, if it has one. */
async function removeAction(db: TerrainDb, seq: number, key: string): Promise<void> {
  await db.transaction("rw", db.outbox, db.files, async () => {
    await db.outbox.delete(seq);
    await db.files.delete(key);
  });
}

export async function pendingActions(db: TerrainDb): Promise<OutboxAction[]> {
  return db.outbox.where("state").equals("pending").sortBy("seq");
}

export async function refusedActions(db: TerrainDb): Promise<OutboxAction[]> {
  return db.outbox.where("state").equals("refused").sortBy("seq");
}

/**
 * What the server said of a refused action, to be shown translated
 * (RefusalText): its code and message, the code absent from records of earlier
 * versions, the last error if a record holds no refusal at all.
 */
export function refusalOf(action: OutboxAction): RefusalLike {
  if (action.refusal) return { message: action.refusal.message, code: action.refusal.code ?? undefined };
  return { message: action.lastError ?? "" };
}

/** Only a refused action can be discarded: a pending one may already be on its way. */
export async function discard(db: TerrainDb, seq: number): Promise<void> {
  await db.transaction("rw", db.outbox, db.files, async () => {
    const row = await db.outbox.get(seq);
    if (row?.state === "refused") await removeAction(db, seq, row.key);
  });
}

export async function flush(db: TerrainDb, options: FlushOptions): Promise<FlushReport> {
  const now = options.now ?? Date.now;
  const report: FlushReport = { sent: 0, refused: 0, retryLater: false, retryAt: null, needsSignIn: false };
  for (;;) {
    // The state index orders equal keys by primary key: the first is the oldest pending action.
    const next = await db.outbox.where("state").equals("pending").first();
    if (!next || next.seq === undefined) return report;
    if (!options.force && next.nextAttemptAt > now()) {
      report.retryLater = true;
      report.retryAt = next.nextAttemptAt;
      return report;
    }
    let outcome = await sendSafely(options.send, next);
    if (outcome.kind === "unauthorized") {
      // An expired access token (offline for more than its lifetime): refresh, then try once more.
      if (await options.refreshSession()) outcome = await sendSafely(options.send, next);
      if (outcome.kind === "unauthorized") {
        await db.outbox.update(next.seq, { lastError: outcome.message });
        report.needsSignIn = true;
        return report;
      }
    }
    switch (outcome.kind) {
      case "ok":
        await removeAction(db, next.seq, next.key);
        report.sent++;
        break;
      case "refused":
        await db.outbox.update(next.seq, { state: "refused", refusal: outcome.refusal, attempts: next.attempts + 1 });
        report.refused++;
        break;
      case "retry": {
        const attempts = next.attempts + 1;
        const wait = Math.max(backoffMs(attempts), outcome.retryAfterMs ?? 0);
        const nextAttemptAt = now() + wait;
        await db.outbox.update(next.seq, { attempts, nextAttemptAt, lastError: outcome.message });
        report.retryLater = true;
        report.retryAt = nextAttemptAt;
        return report;
      }
    }
  }
}

/** A sender that throws (a bug, a dropped connection) is a retryable failure, not a lost action. */
async function sendSafely(send: Sender, action: OutboxAction): Promise<SendOutcome> {
  try {
    return await send(action);
  } catch (error) {
    return { kind: "retry", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * How an HTTP answer to an RPC is read (status 0 = no answer: supabase-js's
 * network failure). The body is PostgREST's error shape ({code, message}),
 * whose code is the catalogue's (docs/errors.md).
 */
export function classifyResponse(
  status: number,
  error: { code?: string | null; message?: string | null } | null,
  retryAfterSeconds?: number | null,
): SendOutcome {
  const message = error?.message || `HTTP ${status}`;
  if (!error && status >= 200 && status < 300) return { kind: "ok" };
  if (status === 0 || status === 408 || status === 429 || status >= 500) {
    return retryAfterSeconds ? { kind: "retry", message, retryAfterMs: retryAfterSeconds * 1000 } : { kind: "retry", message };
  }
  if (status === 401) return { kind: "unauthorized", message };
  if (status >= 400) return { kind: "refused", refusal: { status, code: error?.code || null, message } };
  // A 2xx with an error or a 3xx: not understood, so kept and retried rather than dropped.
  return { kind: "retry", message };
}

/**
 * POST /functions/v1/push — delivers pending push notifications (service role
 * only: the local dispatcher, pg_cron through pg_net, an operator).
 *
 *   POST /functions/v1/push            { "limit"?: 1…100 }   (body optional)
 *   → 200 { claimed, sent, retrying, failed, subscriptions_removed }
 *
 * One round: claim up to `limit` due push rows (claim_pending_notifications,
 * which leases each row to this round only), read what to send and to which
 * devices (push_deliveries: payload, TTL, urgency, subscriptions), send to
 * every device of the user, then report each row:
 *   - a device answered 2xx                → mark_notification_sent
 *   - a device answered 404/410            → delete_gone_push_subscription
 *   - no device took it (5xx, 429, other 4xx, network, no device left)
 *                                          → mark_notification_failed, whose
 *     backoff (1 min × 2^(attempts-1)) and limit (5 attempts) are the queue's.
 * Every rule above lives in SQL; this module only speaks HTTP to both sides.
 */
import { z } from "zod";
import { isServiceRole } from "../_shared/auth.ts";
import {
  type FunctionHandler,
  HttpError,
  json,
  methodNotAllowed,
  readJson,
} from "../_shared/http.ts";
import type { PushMessage, PushSubscription, SendPush } from "./web_push.ts";

export const pushRequestBody = z.object({
  limit: z.number().int().min(1).max(100).default(50),
}).strict();

/** A row of public.push_deliveries. */
export interface PushDelivery extends PushMessage {
  notification_id: string;
  subscriptions: PushSubscription[];
}

/** The SQL functions the round calls (store.ts: through PostgREST as the service role). */
export interface PushQueue {
  /** claim_pending_notifications('push', limit): the ids of the rows leased to this round. */
  claim(limit: number): Promise<string[]>;
  deliveries(ids: string[]): Promise<PushDelivery[]>;
  markSent(id: string): Promise<void>;
  /** The row's status afterwards: pending (retried later) or failed (for good). */
  markFailed(id: string, error: string): Promise<"pending" | "failed">;
  deleteGoneSubscription(endpoint: string): Promise<boolean>;
}

export interface PushRoundResult {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  subscriptions_removed: number;
}

/** Requests in flight to push services at once, per round. */
const CONCURRENCY = 8;

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Sends one notification to every device of its user and reports the row. */
async function deliver(
  queue: PushQueue,
  send: SendPush,
  delivery: PushDelivery,
  result: PushRoundResult,
): Promise<void> {
  const outcomes = await Promise.all(delivery.subscriptions.map((s) => send(s, delivery)));
  const failures: string[] = [];
  let delivered = false;
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.kind === "delivered") delivered = true;
    else if (outcome.kind === "failed") failures.push(outcome.reason);
    else if (await queue.deleteGoneSubscription(delivery.subscriptions[i]!.endpoint)) {
      result.subscriptions_removed++;
    }
  }
  if (delivered) {
    await queue.markSent(delivery.notification_id);
    result.sent++;
    return;
  }
  const error = failures.length > 0
    ? failures.join("; ")
    : "the user has no push subscription left (gone or never registered)";
  if ((await queue.markFailed(delivery.notification_id, error)) === "failed") result.failed++;
  else result.retrying++;
}

export function createPushHandler(deps: { queue: PushQueue; send: SendPush }): FunctionHandler {
  return async (req, ctx) => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST"]);
    if (!isServiceRole(req)) {
      throw new HttpError(
        403,
        "forbidden",
        "Sending push notifications requires the service role key",
      );
    }
    const hasBody = req.body !== null && req.headers.get("content-length") !== "0";
    const { limit } = hasBody ? await readJson(req, pushRequestBody) : pushRequestBody.parse({});

    const result: PushRoundResult = {
      claimed: 0,
      sent: 0,
      retrying: 0,
      failed: 0,
      subscriptions_removed: 0,
    };
    const ids = await deps.queue.claim(limit);
    result.claimed = ids.length;
    if (ids.length > 0) {
      await eachLimited(
        await deps.queue.deliveries(ids),
        CONCURRENCY,
        (delivery) => deliver(deps.queue, deps.send, delivery, result),
      );
    }
    ctx.log.info("push round", { ...result });
    return json(result);
  };
}

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
 *   - no device took it                    → mark_notification_failed:
 *       every device refused it for good (413, 400/401/403: web_push.ts)
 *                                          → permanent: failed now, no retry;
 *       else (5xx, 429, 408, network, no device left)
 *                                          → retried with the queue's backoff
 *         (1 min × 2^(attempts-1), 5 attempts), not before the longest
 *         Retry-After a 429 gave.
 * Every rule above lives in SQL; this module only speaks HTTP to both sides.
 * A refusal that says our request or VAPID signature is wrong is logged as an
 * error: it is a configuration problem that every push meets until fixed.
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
import type { Logger } from "../_shared/log.ts";
import type { PushMessage, PushSubscription, SendPush } from "./web_push.ts";

export const pushRequestBody = z.object({
  limit: z.number().int().min(1).max(100).default(50),
}).strict();

/** A row of public.push_deliveries. */
export interface PushDelivery extends PushMessage {
  notification_id: string;
  subscriptions: PushSubscription[];
}

/** What the push services said about a notification no device took. */
export interface FailureReport {
  /** Every device refused it in a way no retry changes. */
  permanent: boolean;
  /** The longest Retry-After a device's push service asked for, in seconds. */
  retryAfterSeconds?: number;
}

/** The SQL functions the round calls (store.ts: through PostgREST as the service role). */
export interface PushQueue {
  /** claim_pending_notifications('push', limit): the ids of the rows leased to this round. */
  claim(limit: number): Promise<string[]>;
  deliveries(ids: string[]): Promise<PushDelivery[]>;
  markSent(id: string): Promise<void>;
  /** The row's status afterwards: pending (retried later) or failed (for good). */
  markFailed(id: string, error: string, report: FailureReport): Promise<"pending" | "failed">;
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
  log: Logger,
): Promise<void> {
  const outcomes = await Promise.all(delivery.subscriptions.map((s) => send(s, delivery)));
  const retryable: string[] = [];
  const rejected: string[] = [];
  const retryAfters: number[] = [];
  let delivered = false;
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.kind === "delivered") delivered = true;
    else if (outcome.kind === "failed") {
      retryable.push(outcome.reason);
      if (outcome.retryAfterSeconds !== undefined) retryAfters.push(outcome.retryAfterSeconds);
    } else if (outcome.kind === "rejected") {
      rejected.push(outcome.reason);
      if (outcome.configurationError) {
        log.error(
          "push service refused the request: check VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT",
          {
            notification_id: delivery.notification_id,
            status: outcome.status,
            reason: outcome.reason,
          },
        );
      }
    } else if (await queue.deleteGoneSubscription(delivery.subscriptions[i]!.endpoint)) {
      result.subscriptions_removed++;
    }
  }
  if (delivered) {
    await queue.markSent(delivery.notification_id);
    result.sent++;
    return;
  }
  const failures = [...rejected, ...retryable];
  const error = failures.length > 0
    ? failures.join("; ")
    : "the user has no push subscription left (gone or never registered)";
  const report: FailureReport = rejected.length > 0 && retryable.length === 0
    ? { permanent: true }
    : {
      permanent: false,
      ...(retryAfters.length > 0 ? { retryAfterSeconds: Math.max(...retryAfters) } : {}),
    };
  if ((await queue.markFailed(delivery.notification_id, error, report)) === "failed") {
    result.failed++;
  } else result.retrying++;
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
        (delivery) => deliver(deps.queue, deps.send, delivery, result, ctx.log),
      );
    }
    ctx.log.info("push round", { ...result });
    return json(result);
  };
}

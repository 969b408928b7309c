/**
 * The push queue in SQL (supabase/migrations: notifications and push
 * delivery), called through PostgREST as the service role: the functions are
 * granted to service_role only, and push_subscriptions stays closed to every
 * API role, read only through push_deliveries.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { rpc } from "../_shared/supabase.ts";
import type { PushDelivery, PushQueue } from "./handler.ts";

export function sqlPushQueue(client: () => SupabaseClient): PushQueue {
  return {
    claim: async (limit) =>
      (await rpc<{ id: string }[]>(client(), "claim_pending_notifications", {
        p_channel: "push",
        p_limit: limit,
      }))
        .map((row) => row.id),
    deliveries: (ids) =>
      rpc<PushDelivery[]>(client(), "push_deliveries", { p_notification_ids: ids }),
    markSent: async (id) => {
      await rpc(client(), "mark_notification_sent", { p_id: id });
    },
    markFailed: async (id, error, report) =>
      (await rpc<{ delivery_status: "pending" | "failed" }>(client(), "mark_notification_failed", {
        p_id: id,
        p_error: error,
        p_permanent: report.permanent,
        p_retry_after_seconds: report.retryAfterSeconds ?? null,
      })).delivery_status,
    deleteGoneSubscription: (endpoint) =>
      rpc<boolean>(client(), "delete_gone_push_subscription", { p_endpoint: endpoint }),
  };
}

/**
 * POST /functions/v1/resend-webhook — Resend's delivery events.
 *
 * Resend signs every request the Svix / Standard Webhooks way: headers
 * `svix-id`, `svix-timestamp` (Unix seconds), `svix-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several may be
 * listed), with the endpoint's secret `whsec_<base64>`. The `standardwebhooks`
 * package checks the signature on the exact bytes received and refuses a
 * timestamp more than 5 minutes away: a wrong or stale signature is 401 and
 * nothing is recorded.
 *
 * A verified event is recorded once per svix-id (Resend retries for about a
 * day with the same id) by public.record_email_event, which also puts the
 * address on the suppression list for a hard bounce or a complaint.
 * verify_jwt = false (supabase/config.toml): the signature is the credential.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { z } from "zod";
import { type FunctionHandler, HttpError, json, methodNotAllowed } from "../_shared/http.ts";

export interface RecordedEvent {
  recorded: boolean;
  duplicate: boolean;
  suppressed: string[];
}

export interface ResendWebhookDeps {
  secret: string;
  record: (id: string, type: string, payload: Record<string, unknown>) => Promise<RecordedEvent>;
}

const Event = z.object({ type: z.string().regex(/^[a-z_]+(\.[a-z_]+)*$/).max(100) }).passthrough();

export function createResendWebhookHandler(deps: ResendWebhookDeps): FunctionHandler {
  const webhook = new Webhook(deps.secret);
  return async (req, { log }) => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST", "OPTIONS"]);
    const id = req.headers.get("svix-id") ?? req.headers.get("webhook-id") ?? "";
    const timestamp = req.headers.get("svix-timestamp") ?? req.headers.get("webhook-timestamp") ??
      "";
    const signature = req.headers.get("svix-signature") ?? req.headers.get("webhook-signature") ??
      "";
    const body = await req.text();
    try {
      webhook.verify(body, {
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
      });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      log.warn("webhook refused", { reason: error.message });
      throw new HttpError(401, "invalid_signature", `Webhook signature refused: ${error.message}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
    }
    const parsed = Event.safeParse(raw);
    if (!parsed.success) {
      throw new HttpError(400, "validation_failed", "The event has no valid type");
    }
    const result = await deps.record(id, parsed.data.type, parsed.data as Record<string, unknown>);
    log.info("webhook event", { svix_id: id, type: parsed.data.type, ...result });
    return json(result);
  };
}

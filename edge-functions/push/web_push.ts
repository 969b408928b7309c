/**
 * The one outside service of the `push` function: push services (FCM, Mozilla
 * autopush, Apple, …) spoken to with the Web Push protocol (RFC 8030), the
 * payload encrypted for the device (RFC 8291, aes128gcm) and the request
 * signed with the project's VAPID key (RFC 8292). `web-push` builds the
 * request (generateRequestDetails); Deno's fetch sends it.
 *
 * What an answer means (pushOutcomeOf; RFC 8030 §5, §7.3, §8.3, and what FCM,
 * Mozilla autopush and Apple document for their services):
 *   2xx                 delivered (201 Created);
 *   404, 410            the subscription is gone for good: delete the device;
 *   413                 the payload is too large: no retry sends it smaller;
 *   400, 401, 403       the request or its VAPID signature is refused: a
 *                       configuration error no retry fixes (logged loudly);
 *   429                 rate-limited: retry, not before its Retry-After;
 *   408, 5xx, other     a failed attempt the queue retries with its backoff;
 *   network failure     likewise.
 * What each outcome does to the queue is decided in SQL
 * (mark_notification_failed's permanent flag and Retry-After).
 */
import webpush from "web-push";
import { z } from "zod";
import { readEnv } from "../_shared/env.ts";
import { safeErrorMessage } from "../_shared/log.ts";

/** base64url (padding tolerated) decoding to exactly `bytes` bytes. */
function base64urlOfLength(bytes: number, what: string) {
  return z.string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `must be base64url (${what})`)
    .refine((value) => {
      const unpadded = value.replace(/=+$/, "");
      return unpadded.length % 4 !== 1 && Math.floor((unpadded.length * 3) / 4) === bytes;
    }, `must be ${what}`);
}

export const vapidEnvShape = {
  /** The uncompressed P-256 point browsers subscribe with (applicationServerKey). */
  VAPID_PUBLIC_KEY: base64urlOfLength(65, "an uncompressed P-256 public key, 65 bytes")
    .refine((value) => value.startsWith("B"), "must be an uncompressed P-256 point (0x04 …)"),
  VAPID_PRIVATE_KEY: base64urlOfLength(32, "a P-256 private key, 32 bytes"),
  /** Who the push services may contact about this sender (RFC 8292 §2.1). */
  VAPID_SUBJECT: z.string().regex(
    /^(mailto:\S+@\S+|https:\/\/\S+)$/,
    "must be a mailto: or https: URL",
  ),
} as const;

export type VapidEnv = z.output<z.ZodObject<typeof vapidEnvShape>>;

/** Read once at boot: a missing or malformed key fails `push` alone. */
export function readVapidEnv(source?: Record<string, string | undefined>): VapidEnv {
  return readEnv(vapidEnvShape, source);
}

export interface PushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** One message as push_deliveries (SQL) describes it. */
export interface PushMessage {
  payload: Record<string, unknown>;
  ttl_seconds: number;
  urgency: "very-low" | "low" | "normal" | "high";
}

export type PushOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "gone"; status: number }
  /** Worth another attempt later; a 429's Retry-After in seconds when it gave one. */
  | { kind: "failed"; reason: string; retryAfterSeconds?: number }
  /** Refused for good: the same request would be refused again. */
  | { kind: "rejected"; reason: string; status: number; configurationError: boolean };

/** Statuses that say our request (or its VAPID signature) is refused as such. */
const CONFIGURATION_ERRORS = new Set([400, 401, 403]);

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; seconds from
 * `now`, never negative; undefined when absent or unreadable.
 */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Math.min(Number(text), 2 ** 31 - 1);
  // An HTTP-date starts with the day's name (IMF-fixdate and the two obsolete forms).
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** What a push service's answer means for this device and this message (see the header). */
export function pushOutcomeOf(
  status: number,
  headers: Headers,
  origin: string,
  now = Date.now(),
): PushOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  if (status === 404 || status === 410) return { kind: "gone", status };
  const reason = `push service ${origin} answered HTTP ${status}`;
  if (status === 413) {
    return {
      kind: "rejected",
      status,
      configurationError: false,
      reason: `${reason} (payload too large)`,
    };
  }
  if (CONFIGURATION_ERRORS.has(status)) {
    return {
      kind: "rejected",
      status,
      configurationError: true,
      reason: `${reason} (request or VAPID signature refused: check the VAPID keys and subject)`,
    };
  }
  if (status === 429) {
    const wait = retryAfterSeconds(headers.get("retry-after"), now);
    return wait === undefined ? { kind: "failed", reason: `${reason} (rate-limited)` } : {
      kind: "failed",
      reason: `${reason} (rate-limited, retry after ${wait} s)`,
      retryAfterSeconds: wait,
    };
  }
  return { kind: "failed", reason };
}

export type SendPush = (
  subscription: PushSubscription,
  message: PushMessage,
) => Promise<PushOutcome>;

/** A push service that does not answer in this time is a failed attempt. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The sender. Errors name the push service's origin only: the endpoint's path
 * is the device's capability URL and stays out of logs and the queue.
 */
export function webPushSender(vapid: VapidEnv, timeoutMs = REQUEST_TIMEOUT_MS): SendPush {
  const vapidDetails = {
    subject: vapid.VAPID_SUBJECT,
    publicKey: vapid.VAPID_PUBLIC_KEY,
    privateKey: vapid.VAPID_PRIVATE_KEY,
  };
  return async (subscription, message) => {
    let origin: string;
    try {
      origin = new URL(subscription.endpoint).origin;
    } catch {
      return { kind: "failed", reason: "the subscription's endpoint is not a URL" };
    }
    let request: {
      endpoint: string;
      headers: Record<string, string | number>;
      body: Uint8Array<ArrayBuffer> | null;
    };
    try {
      request = webpush.generateRequestDetails(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        JSON.stringify(message.payload),
        {
          vapidDetails,
          TTL: message.ttl_seconds,
          urgency: message.urgency,
          contentEncoding: "aes128gcm",
        },
      );
    } catch (error) {
      return {
        kind: "failed",
        reason: `cannot encrypt for this subscription: ${safeErrorMessage(error)}`,
      };
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      // fetch computes the length of the body it sends.
      if (name.toLowerCase() !== "content-length") headers.set(name, String(value));
    }
    try {
      const res = await fetch(request.endpoint, {
        method: "POST",
        headers,
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      return pushOutcomeOf(res.status, res.headers, origin);
    } catch (error) {
      return {
        kind: "failed",
        reason: `push service ${origin} unreachable: ${safeErrorMessage(error)}`,
      };
    }
  };
}

/**
 * The one outside service send-email talks to, behind one interface:
 *   - Resend (production), with its SDK: the notification id is the
 *     idempotency key (`Idempotency-Key`, kept 24 h by Resend), so a retry
 *     after a lost answer never sends twice; the id is also a tag, which
 *     Resend's webhook events carry back (resend-webhook).
 *   - SMTP (local development): the stack's mail catcher (maildev), through
 *     nodemailer. Hosted functions cannot open SMTP ports: SMTP is local only.
 */
import { Buffer } from "node:buffer";
import nodemailer from "nodemailer";
import { Resend } from "resend";

export interface Attachment {
  filename: string;
  content: Uint8Array;
  contentType: string;
}

export interface OutgoingEmail {
  /** The notification id: idempotency key and tag. */
  id: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  attachments: Attachment[];
}

export interface MailTransport {
  readonly name: "resend" | "smtp";
  /** Resolves with the provider's message id once the provider accepted the email; throws otherwise. */
  send(email: OutgoingEmail): Promise<{ providerId: string }>;
}

/** What a failed attempt means for the next one (mark_notification_failed's arguments). */
export interface FailureOutcome {
  /** Trying again cannot help: the provider refused this email itself. */
  permanent: boolean;
  /** The provider said when to come back (a rate limit's Retry-After). */
  retryAfterSeconds: number | null;
}

const RETRY: FailureOutcome = { permanent: false, retryAfterSeconds: null };

/** A refusal or failure of the provider, with what it said (stored as the row's last_error). */
export class ProviderError extends Error {
  constructor(message: string, readonly outcome: FailureOutcome = RETRY) {
    super(message);
    this.name = "ProviderError";
  }
}

/**
 * Resend's refusals (its error reference): 400 and 422 are about this email (an invalid
 * address, a missing field) and come back the same on every attempt; 429 (rate limit, daily
 * or monthly quota) carries Retry-After; 401/403 (a key being fixed), 409 and 5xx are tried
 * again with the usual backoff.
 */
export function resendOutcome(
  statusCode: number | null | undefined,
  headers: Record<string, string> | null,
): FailureOutcome {
  if (statusCode === 400 || statusCode === 422) return { permanent: true, retryAfterSeconds: null };
  if (statusCode === 429) {
    const seconds = Number(headers?.["retry-after"]);
    return {
      permanent: false,
      retryAfterSeconds: Number.isInteger(seconds) && seconds >= 0 ? seconds : null,
    };
  }
  return RETRY;
}

/** SMTP: a 5xx reply is a permanent refusal of this message (RFC 5321 §4.2.1); 4xx and no reply are transient. */
export function smtpOutcome(responseCode: unknown): FailureOutcome {
  return typeof responseCode === "number" && responseCode >= 500 && responseCode < 600
    ? { permanent: true, retryAfterSeconds: null }
    : RETRY;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function resendTransport(apiKey: string, baseUrl?: string): MailTransport {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    name: "resend",
    async send(email) {
      // The SDK returns { data, error }; it does not throw on a refusal.
      const { data, error, headers } = await resend.emails.send(
        {
          from: email.from,
          to: [email.to],
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers: email.headers,
          tags: [{ name: "notification_id", value: email.id }],
          attachments: email.attachments.map((a) => ({
            filename: a.filename,
            content: base64(a.content),
            contentType: a.contentType,
          })),
        },
        { idempotencyKey: email.id },
      );
      if (error || !data) {
        throw new ProviderError(
          `resend: ${error?.name ?? "error"}: ${error?.message ?? "no answer"}`,
          resendOutcome(error?.statusCode, headers),
        );
      }
      return { providerId: data.id };
    },
  };
}

export function smtpTransport(url: string): MailTransport {
  const target = new URL(url);
  const transporter = nodemailer.createTransport({
    host: target.hostname,
    port: Number(target.port || 25),
    secure: target.protocol === "smtps:",
    // The local catcher speaks plain SMTP on loopback.
    ignoreTLS: target.protocol === "smtp:",
    // EHLO name given, so nodemailer does not ask the OS for the host name.
    name: "terrain.local",
    ...(target.username
      ? {
        auth: {
          user: decodeURIComponent(target.username),
          pass: decodeURIComponent(target.password),
        },
      }
      : {}),
  });
  return {
    name: "smtp",
    async send(email) {
      try {
        const info = await transporter.sendMail({
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers: { ...email.headers, "X-Notification-Id": email.id },
          attachments: email.attachments.map((a) => ({
            filename: a.filename,
            content: Buffer.from(a.content),
            contentType: a.contentType,
          })),
        }) as { messageId?: string };
        return { providerId: String(info.messageId) };
      } catch (error) {
        throw new ProviderError(
          `smtp: ${error instanceof Error ? error.message : String(error)}`,
          smtpOutcome((error as { responseCode?: unknown } | null)?.responseCode),
        );
      }
    },
  };
}

/**
 * POST /functions/v1/send-email — see handler.ts. verify_jwt = true and the
 * service role only (supabase/config.toml).
 *
 * Environment (validated at boot):
 *   RESEND_API_KEY      production: send with Resend; RESEND_BASE_URL points the SDK elsewhere (tests)
 *   SMTP_URL            local development without a Resend key: smtp://host:port (the stack's maildev)
 *   EMAIL_FROM          sender, default "Terrain <no-reply@terrain.local>"
 *   UNSUBSCRIBE_URL     default <SUPABASE_URL>/functions/v1/unsubscribe
 * One of RESEND_API_KEY or SMTP_URL must be set: without either the function does not boot.
 */
import { z } from "zod";
import { db } from "../_shared/db.ts";
import { EnvError, httpUrl, postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createSendEmailHandler, invoicePdfFetcher } from "./handler.ts";
import { type MailTransport, resendTransport, smtpTransport } from "./transport.ts";

const env = readEnv({
  SUPABASE_URL: httpUrl,
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_DB_URL: postgresUrl,
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: httpUrl.optional(),
  SMTP_URL: z.string().regex(
    /^smtps?:\/\/[^\s/]+\/?$/,
    "must be smtp://host:port or smtps://host:port",
  ).optional(),
  EMAIL_FROM: z.string().min(3).max(200).default("Terrain <no-reply@terrain.local>"),
  UNSUBSCRIBE_URL: httpUrl.optional(),
});

let transport: MailTransport;
if (env.RESEND_API_KEY) transport = resendTransport(env.RESEND_API_KEY, env.RESEND_BASE_URL);
else if (env.SMTP_URL) transport = smtpTransport(env.SMTP_URL);
else throw new EnvError(["RESEND_API_KEY (missing; or SMTP_URL for a local mail catcher)"]);

Deno.serve(
  createHandler(
    "send-email",
    createSendEmailHandler({
      sql: () => db({ url: env.SUPABASE_DB_URL }),
      transport,
      from: env.EMAIL_FROM,
      unsubscribeUrl: env.UNSUBSCRIBE_URL ??
        `${env.SUPABASE_URL.replace(/\/$/, "")}/functions/v1/unsubscribe`,
      fetchInvoicePdf: invoicePdfFetcher(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY),
    }),
  ),
);

/**
 * POST /functions/v1/resend-webhook — see handler.ts.
 *
 * RESEND_WEBHOOK_SECRET (the endpoint's signing secret, `whsec_…`, from
 * Resend's dashboard) is required: without it this function does not boot,
 * and only this one. Locally the stack generates one into its state directory.
 */
import { z } from "zod";
import { db } from "../_shared/db.ts";
import { postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createResendWebhookHandler, type RecordedEvent } from "./handler.ts";

const env = readEnv({
  SUPABASE_DB_URL: postgresUrl,
  RESEND_WEBHOOK_SECRET: z.string().regex(
    /^whsec_[A-Za-z0-9+/=]{16,}$/,
    "must be a whsec_… signing secret",
  ),
});

Deno.serve(
  createHandler(
    "resend-webhook",
    createResendWebhookHandler({
      secret: env.RESEND_WEBHOOK_SECRET,
      record: async (id, type, payload) => {
        const sql = db({ url: env.SUPABASE_DB_URL });
        const [row] = await sql<[{ result: RecordedEvent }]>`
          select public.record_email_event(${id}, ${type}, ${
          sql.json(payload as never)
        }) as result`;
        return row!.result;
      },
    }),
  ),
);

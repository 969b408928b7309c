/**
 * POST /functions/v1/push — delivers pending push notifications with Web Push
 * (VAPID). service_role only; see handler.ts for the round, web_push.ts for
 * the protocol and store.ts for the SQL it calls. verify_jwt is on
 * (supabase/config.toml) and the handler also requires the service role.
 */
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { serviceClient } from "../_shared/supabase.ts";
import { createPushHandler } from "./handler.ts";
import { sqlPushQueue } from "./store.ts";
import { readVapidEnv, webPushSender } from "./web_push.ts";

// Validated at boot: without its VAPID keys (or Supabase's variables) `push`
// fails to start, alone, with every missing variable named.
readSupabaseEnv();
const vapid = readVapidEnv();

Deno.serve(
  createHandler(
    "push",
    createPushHandler({ queue: sqlPushQueue(serviceClient), send: webPushSender(vapid) }),
  ),
);

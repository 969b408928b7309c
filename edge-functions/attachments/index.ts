/**
 * POST /functions/v1/attachments — see handler.ts for the actions. verify_jwt
 * is on (supabase/config.toml): callers are signed-in users (their token is
 * what RLS checks) or the service role (cleanup).
 */
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { callerClient, serviceClient } from "../_shared/supabase.ts";
import { createAttachmentsHandler } from "./handler.ts";

// Validated at boot: a deployment without the Supabase variables fails here, loudly.
readSupabaseEnv();

Deno.serve(
  createHandler(
    "attachments",
    createAttachmentsHandler({ caller: callerClient, service: serviceClient }),
  ),
);

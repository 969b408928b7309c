/**
 * GET|POST /functions/v1/unsubscribe?token=… — see handler.ts.
 * verify_jwt = false (supabase/config.toml): the token is the credential.
 */
import { createHandler } from "../_shared/http.ts";
import { readSupabaseEnv } from "../_shared/env.ts";
import { rpc, serviceClient } from "../_shared/supabase.ts";
import { createUnsubscribeHandler } from "./handler.ts";

// Validated at boot: a misconfigured deployment fails here, loudly, not per request.
readSupabaseEnv();

Deno.serve(
  createHandler(
    "unsubscribe",
    createUnsubscribeHandler({
      unsubscribe: (token) => rpc<number>(serviceClient(), "unsubscribe", { p_token: token }),
    }),
  ),
);

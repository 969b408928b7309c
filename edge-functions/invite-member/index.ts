/**
 * /functions/v1/invite-member — adds a member by email (contract in
 * handler.ts). verify_jwt is on (supabase/config.toml): callers present a JWT,
 * and SQL decides on the caller's own token whether they may add the member.
 */
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { callerClient, serviceClient } from "../_shared/supabase.ts";
import { createInviteMemberHandler } from "./handler.ts";
import { supabaseMemberDirectory } from "./store.ts";

// Validated at boot: a missing variable is this function's boot error, not a 500 later.
readSupabaseEnv();

Deno.serve(
  createHandler(
    "invite-member",
    createInviteMemberHandler(supabaseMemberDirectory(callerClient, serviceClient)),
  ),
);

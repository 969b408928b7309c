/**
 * /functions/v1/fec — the FEC download of a fiscal year (contract in
 * handler.ts). verify_jwt is on (supabase/config.toml): callers present a JWT,
 * and SQL decides on the caller's own token whether they may export.
 */
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { callerClient } from "../_shared/supabase.ts";
import { createFecHandler } from "./handler.ts";
import { postgrestFecStore } from "./store.ts";

// Validated at boot: a missing variable is this function's boot error, not a 500 later.
readSupabaseEnv();

Deno.serve(createHandler("fec", createFecHandler(postgrestFecStore(callerClient))));

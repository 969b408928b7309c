/**
 * /functions/v1/fec — the FEC download of a fiscal year (contract in
 * handler.ts). verify_jwt is on (supabase/config.toml): callers present a
 * verified JWT, and SQL decides on the caller's own claims (store.ts sets
 * them on the function's connection) whether they may export.
 */
import { db } from "../_shared/db.ts";
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createFecHandler } from "./handler.ts";
import { sqlFecStore } from "./store.ts";

// Validated at boot: a missing variable is this function's boot error, not a 500 later.
readSupabaseEnv();

Deno.serve(createHandler("fec", createFecHandler(sqlFecStore(() => db()))));

/**
 * POST /functions/v1/events — external events authenticated with an API key
 * (scope events:write). See handler.ts for the contract and store.ts for the
 * SQL functions it calls. verify_jwt is off for this function
 * (supabase/config.toml): it authenticates API keys, not user JWTs.
 */
import { db } from "../_shared/db.ts";
import { postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createEventsHandler } from "./handler.ts";
import { sqlEventsStore } from "./store.ts";

// Validated at boot: a misconfigured deployment fails here, loudly, not per request.
const env = readEnv({ SUPABASE_DB_URL: postgresUrl });

Deno.serve(
  createHandler(
    "events",
    createEventsHandler(sqlEventsStore(() => db({ url: env.SUPABASE_DB_URL }))),
  ),
);

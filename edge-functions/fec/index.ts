/**
 * /functions/v1/fec — the FEC download of a fiscal year (contract in
 * handler.ts). SQL decides on the caller's own claims (store.ts sets them on
 * the function's connection) whether they may export. Those claims are read
 * from the token, and this connection could act as any role: so the token is
 * first checked by PostgREST (fec_file_name called as the caller, which also
 * runs the export's refusals), whatever verify_jwt says — a function deployed
 * without it, or called past the gateway, still refuses a forged token (401).
 */
import { ownConnection } from "../_shared/db.ts";
import { readSupabaseEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { callerClient, rpc } from "../_shared/supabase.ts";
import { createFecHandler } from "./handler.ts";
import { sqlFecStore } from "./store.ts";

// Validated at boot: a missing variable is this function's boot error, not a 500 later.
readSupabaseEnv();

const checkedByPostgrest = async (req: Request, request: { org_id: string; year_end: string }) => {
  await rpc(callerClient(req), "fec_file_name", {
    p_org_id: request.org_id,
    p_fiscal_year_end: request.year_end,
  });
};

// Each download on a connection of its own (store.ts), named for pg_stat_activity.
const connect = (onclose: () => void) =>
  ownConnection({ applicationName: "terrain-fec-download", onclose });

Deno.serve(
  createHandler("fec", createFecHandler(sqlFecStore(connect, { authorize: checkedByPostgrest }))),
);

/**
 * GET /functions/v1/health — is this deployment able to serve?
 *
 * Anyone with a valid JWT (the anon key included) gets liveness only:
 * `{"status":"ok"}` (200) or `{"status":"degraded"}` (503). The service role
 * gets the details below.
 *
 *   database    reachable, `select 1` latency, server version
 *   migrations  supabase_migrations.schema_migrations has ≥ 1 applied version
 *   pg_cron     extension installed and its launcher worker running
 *   functions   local stack only: functions the runtime could not boot, with
 *               their errors (TERRAIN_RUNTIME_STATUS_URL, set by the local
 *               runtime's supervisor; unset on hosted Supabase: no check)
 *   summary.ops the daily operator checks (ops.health_checks): passed/failed
 *               counts and failing names; informational, not part of status
 *
 * 200 with status "ok" when every check passes, 503 with status "degraded" and
 * the failing check's error otherwise. HEAD gives the status without a body.
 */
import { z } from "zod";
import { db } from "../_shared/db.ts";
import { appVersion, httpUrl, postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import {
  createHealthHandler,
  DEFAULT_CHECK_TIMEOUT_MS,
  postgresQuery,
  type RuntimeStatus,
} from "./checks.ts";

// Validated at boot: a misconfigured deployment fails here, loudly, not per request.
const env = readEnv({
  SUPABASE_DB_URL: postgresUrl,
  TERRAIN_VERSION: appVersion,
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_CHECK_TIMEOUT_MS),
  TERRAIN_RUNTIME_STATUS_URL: httpUrl.optional(),
});

const statusUrl = env.TERRAIN_RUNTIME_STATUS_URL;
const runtimeStatus = statusUrl === undefined ? undefined : async (): Promise<RuntimeStatus> => {
  const res = await fetch(statusUrl, { signal: AbortSignal.timeout(env.HEALTH_CHECK_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`functions runtime status: HTTP ${res.status}`);
  return await res.json() as RuntimeStatus;
};

Deno.serve(
  createHandler(
    "health",
    createHealthHandler({
      // The pool is created on the first request, not at boot.
      query: postgresQuery(() => db({ url: env.SUPABASE_DB_URL })),
      version: env.TERRAIN_VERSION,
      timeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
      runtimeStatus,
    }),
  ),
);

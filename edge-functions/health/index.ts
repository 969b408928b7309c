/**
 * GET /functions/v1/health — is this deployment able to serve?
 *
 *   database    reachable, `select 1` latency, server version
 *   migrations  supabase_migrations.schema_migrations has ≥ 1 applied version
 *   pg_cron     extension installed and its launcher worker running
 *   summary.ops the daily operator checks (ops.health_checks): passed/failed
 *               counts and failing names; informational, not part of status
 *
 * 200 with status "ok" when every check passes, 503 with status "degraded" and
 * the failing check's error otherwise. HEAD gives the status without a body.
 */
import { z } from "zod";
import { db } from "../_shared/db.ts";
import { appVersion, postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createHealthHandler, DEFAULT_CHECK_TIMEOUT_MS, postgresQuery } from "./checks.ts";

// Validated at boot: a misconfigured deployment fails here, loudly, not per request.
const env = readEnv({
  SUPABASE_DB_URL: postgresUrl,
  TERRAIN_VERSION: appVersion,
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_CHECK_TIMEOUT_MS),
});

Deno.serve(
  createHandler(
    "health",
    createHealthHandler({
      // The pool is created on the first request, not at boot.
      query: postgresQuery(() => db({ url: env.SUPABASE_DB_URL })),
      version: env.TERRAIN_VERSION,
      timeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    }),
  ),
);

/**
 * GET /functions/v1/metrics — Prometheus exposition of ops.metrics():
 * open alerts, notification backlog, cron failures, invoice totals and the
 * operator health checks. service_role only (see handler.ts).
 */
import { db } from "../_shared/db.ts";
import { postgresUrl, readEnv } from "../_shared/env.ts";
import { createHandler } from "../_shared/http.ts";
import { createMetricsHandler } from "./handler.ts";
import type { Sample } from "./exposition.ts";

// Validated at boot: a misconfigured deployment fails here, loudly, not per request.
const env = readEnv({ SUPABASE_DB_URL: postgresUrl });

Deno.serve(
  createHandler(
    "metrics",
    createMetricsHandler({
      load: async () => {
        const rows = await db({ url: env.SUPABASE_DB_URL })
          .unsafe("select metric, labels, value from ops.metrics()");
        return rows as unknown as Sample[];
      },
    }),
  ),
);

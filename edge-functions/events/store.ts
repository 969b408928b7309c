/**
 * The SQL side of the events function: every decision is a database function.
 *   authenticate     private.authenticate_api_key (updates last_used_at)
 *   consumeRateLimit private.consume_rate_limit('key:<id>', 'WRITE')
 *   ingest           private.ingest_event, in a transaction that first sets
 *                    terrain.api_key_id so the rows it writes are audited as
 *                    made with the key.
 */
import type { Sql } from "../_shared/db.ts";
import { HttpError } from "../_shared/http.ts";
import type { ApiKey, EventBody, EventsStore, IngestResult, RateLimitVerdict } from "./handler.ts";

interface PgError {
  code?: string;
  message?: string;
}

export function sqlEventsStore(sql: () => Sql): EventsStore {
  return {
    async authenticate(secret: string): Promise<ApiKey | null> {
      const rows = await sql()<{ key_id: string; org_id: string; scopes: string[] }[]>`
        select key_id, org_id, scopes from private.authenticate_api_key(${secret})`;
      const row = rows[0];
      return row ? { keyId: row.key_id, orgId: row.org_id, scopes: row.scopes } : null;
    },

    async consumeRateLimit(keyId: string): Promise<RateLimitVerdict> {
      const rows = await sql()<{ allowed: boolean; retry_after_seconds: number }[]>`
        select allowed, retry_after_seconds from private.consume_rate_limit(${
        "key:" + keyId
      }, 'WRITE')`;
      const row = rows[0];
      return { allowed: row?.allowed ?? false, retryAfterSeconds: row?.retry_after_seconds ?? 60 };
    },

    async ingest(key: ApiKey, event: EventBody): Promise<IngestResult> {
      try {
        return await sql().begin(async (tx) => {
          await tx`select pg_catalog.set_config('terrain.api_key_id', ${key.keyId}, true)`;
          const rows = await tx<{ result: IngestResult }[]>`
            select private.ingest_event(${key.orgId}::uuid, ${key.keyId}::uuid, ${event.id}, ${event.type},
                                        ${event.occurred_at}::timestamptz, ${
            tx.json(event.payload as never)
          }) as result`;
          return rows[0]!.result;
        });
      } catch (error) {
        const pg = error as PgError;
        // The SQL function's own input checks (the body was validated already; kept as a safety net).
        if (pg.code === "54000") {
          throw new HttpError(413, "payload_too_large", pg.message ?? "Payload too large");
        }
        if (
          pg.code === "22023" || pg.code === "22004" || pg.code === "22007" || pg.code === "22008"
        ) {
          throw new HttpError(400, "invalid_event", pg.message ?? "Invalid event");
        }
        throw error;
      }
    },
  };
}

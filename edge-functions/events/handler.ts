/**
 * POST /functions/v1/events — external systems (connected equipment, partner
 * software) send events with an API key carrying the scope `events:write`.
 *
 *   x-api-key: trn_…   (or Authorization: Bearer trn_…)
 *   { "id": "<sender's id>", "type": "boiler.reading",
 *     "occurred_at": "2026-11-23T08:00:00Z", "payload": { … } }
 *
 * → 202 { event_id, duplicate, fired, suppressed }. The sender's id is the
 * idempotency key: a replay answers the first result with duplicate: true.
 *
 * This module is HTTP only: the key is authenticated, rate-limited and the
 * event ingested by SQL functions (private.authenticate_api_key,
 * private.consume_rate_limit, private.ingest_event) behind `EventsStore`;
 * no business rule lives here.
 */
import { z } from "zod";
import { readBodyWithin } from "../_shared/body.ts";
import { HttpError, json, methodNotAllowed, type RequestContext } from "../_shared/http.ts";

/** The largest body accepted (the payload limit of public.events is the same). */
export const MAX_BODY_BYTES = 64 * 1024;
export const REQUIRED_SCOPE = "events:write";

export const eventBody = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  occurred_at: z.string().datetime({ offset: true }),
  payload: z.record(z.string(), z.unknown()),
}).strict();
export type EventBody = z.output<typeof eventBody>;

export interface ApiKey {
  keyId: string;
  orgId: string;
  scopes: string[];
}

export interface RateLimitVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface IngestResult {
  event_id: string;
  duplicate: boolean;
  fired: unknown[];
  suppressed: unknown[];
}

/** What the handler needs from the database (see store.ts for the SQL one). */
export interface EventsStore {
  /** The key a secret authenticates as now, or null (unknown, wrong, revoked, expired). */
  authenticate(secret: string): Promise<ApiKey | null>;
  /** Counts one request of the key in the WRITE bucket. */
  consumeRateLimit(keyId: string): Promise<RateLimitVerdict>;
  ingest(key: ApiKey, event: EventBody): Promise<IngestResult>;
}

/** The secret from `x-api-key`, else from `Authorization: Bearer trn_…`; null when absent. */
export function apiKeyOf(req: Request): string | null {
  const header = req.headers.get("x-api-key")?.trim();
  if (header) return header;
  const match = /^Bearer\s+(trn_\S+)$/i.exec(req.headers.get("authorization")?.trim() ?? "");
  return match?.[1] ?? null;
}

/**
 * The body, read up to `limit` bytes: 413 as soon as it is larger (a
 * Content-Length over the limit is refused without reading).
 */
export async function readBodyLimited(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(413, "payload_too_large", `The request body exceeds the ${limit}-byte limit`);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const body = await readBodyWithin(req.body, limit);
  if (body === null) throw tooLarge();
  return body;
}

function parseEvent(bytes: Uint8Array): EventBody {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  const parsed = eventBody.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      400,
      "validation_failed",
      "The request body is invalid",
      parsed.error.issues.map((issue) => ({
        path: issue.path.join("."),
        message: issue.message,
        code: issue.code,
      })),
    );
  }
  return parsed.data;
}

const invalidKey = () =>
  new HttpError(401, "invalid_api_key", "Missing, invalid, revoked or expired API key", undefined, {
    "WWW-Authenticate": 'Bearer realm="terrain-events"',
  });

export function createEventsHandler(store: EventsStore) {
  return async (req: Request, ctx: RequestContext): Promise<Response> => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST"]);

    const secret = apiKeyOf(req);
    if (secret === null) throw invalidKey();
    const bytes = await readBodyLimited(req);

    const key = await store.authenticate(secret);
    if (key === null) throw invalidKey();
    if (!key.scopes.includes(REQUIRED_SCOPE)) {
      throw new HttpError(
        403,
        "insufficient_scope",
        `This API key lacks the scope ${REQUIRED_SCOPE}`,
      );
    }
    const verdict = await store.consumeRateLimit(key.keyId);
    if (!verdict.allowed) {
      throw new HttpError(
        429,
        "rate_limited",
        `Too many requests for this API key: retry in ${verdict.retryAfterSeconds} seconds`,
        undefined,
        { "Retry-After": String(verdict.retryAfterSeconds) },
      );
    }

    const event = parseEvent(bytes);
    const result = await store.ingest(key, event);
    ctx.log.info("event ingested", {
      key_id: key.keyId,
      event_id: result.event_id,
      duplicate: result.duplicate,
      fired: result.fired.length,
    });
    return json(result, 202);
  };
}

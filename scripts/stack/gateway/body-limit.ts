/**
 * The stack's body limit (MAX_BODY_BYTES, scripts/stack/http.ts) at the
 * gateway: a declared Content-Length over it is refused before anything is
 * read; what streams in is counted (upstream.ts for proxied routes; the auth and
 * storage stand-ins count their own) and refused the moment it passes the limit.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson as sendAuthJson, wantsApiVersion20240101 } from "../auth/errors.ts";
import { MAX_BODY_BYTES } from "../http.ts";
import { type Middleware, sendJson } from "./exchange.ts";

/** The routes with a request body, each with its own error shape. */
export type Route = "rest" | "auth" | "functions" | "storage";

/** Requests refused mid-body: the abort of their upstream request is ours, not an upstream failure. */
export type Oversized = WeakSet<IncomingMessage>;

/**
 * 413 in the shape the route's clients already read: PostgREST's for
 * /rest/v1 (as the 429 above), GoTrue's for /auth/v1, the functions'
 * `{error:{code,message}}` for /functions/v1, storage-api's for /storage/v1.
 * The connection stays open and the rest of the body is drained (and
 * dropped): closing it would make many clients report a broken pipe
 * instead of reading the 413.
 */
export function payloadTooLarge(req: IncomingMessage, res: ServerResponse, route: Route) {
  const message = `Request body too large (limit ${MAX_BODY_BYTES} bytes)`;
  if (res.headersSent) return void res.end();
  // Drain what the client is still sending so it reads our answer rather than a reset.
  req.resume();
  if (route === "auth") {
    const body = wantsApiVersion20240101(req)
      ? { code: "request_entity_too_large", message }
      : { code: 413, error_code: "request_entity_too_large", msg: message };
    return sendAuthJson(req, res, 413, body);
  }
  if (route === "rest") return sendJson(res, 413, { code: "payload_too_large", details: null, hint: null, message });
  if (route === "storage") return sendJson(res, 413, { statusCode: "413", error: "Payload too large", message });
  return sendJson(res, 413, { error: { code: "payload_too_large", message } });
}

/** A body that announces more than the limit is refused before any of it is read. */
export function declaredBodyLimit(route: Route): Middleware {
  return ({ req, res }, next) => {
    if (Number(req.headers["content-length"] ?? 0) <= MAX_BODY_BYTES) return next();
    payloadTooLarge(req, res, route);
  };
}

/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * Request bodies: read with a size cap, parsed as a JSON object, and typed
 * field by field. A field of the wrong JSON type is a `bad_json` error, as it
 * is in GoTrue, where `json.Unmarshal` into a typed struct fails the same way
 * (internal/api/helpers.go `retrieveRequestParams`).
 */
import type { IncomingMessage } from "node:http";
import { AuthHttpError, badRequest } from "./errors.ts";

/** Largest body the stand-in accepts; auth payloads are a few hundred bytes. */
export const MAX_AUTH_BODY_BYTES = 1024 * 1024;

function tooLarge(): AuthHttpError {
  return new AuthHttpError(
    413,
    "request_entity_too_large",
    `Request body too large (max ${MAX_AUTH_BODY_BYTES} bytes)`,
  );
}

/** Reads the whole body, refusing (413) as soon as it exceeds the cap. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_AUTH_BODY_BYTES) {
    // Discard what the client keeps sending, so it reads the 413 instead of a reset connection.
    req.resume();
    throw tooLarge();
  }
  // Plain listeners rather than `for await`: leaving an async iterator early
  // destroys the request, and with it the socket the 413 must be written to.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return; // keep draining, keep nothing
      size += chunk.length;
      if (size > MAX_AUTH_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!refused) reject(err);
    });
  });
}

export type JsonObject = Record<string, unknown>;

function badJson(detail: string): AuthHttpError {
  return badRequest("bad_json", `Could not parse request body as JSON: ${detail}`);
}

/** Parses the body as a JSON object (GoTrue decodes into a struct, so arrays and scalars fail). */
export function parseJsonObject(raw: Buffer): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw badJson(e instanceof Error ? e.message : String(e));
  }
  // `null` decodes into an empty struct in Go: treat it as {}.
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badJson(`cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into an object`);
  }
  return value as JsonObject;
}

export async function readJsonObject(req: IncomingMessage): Promise<JsonObject> {
  return parseJsonObject(await readBody(req));
}

/** A string field; absent or null reads as "" (Go's zero value). */
export function stringField(body: JsonObject, key: string): string {
  const v = body[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw badJson(`field "${key}" must be a string`);
  return v;
}

/** A string field where absent/null must stay distinguishable from "" (Go's *string). */
export function optionalStringField(body: JsonObject, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badJson(`field "${key}" must be a string`);
  return v;
}

export function booleanField(body: JsonObject, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw badJson(`field "${key}" must be a boolean`);
  return v;
}

/** A JSON object field (Go's map[string]interface{}); absent/null reads as undefined. */
export function objectField(body: JsonObject, key: string): JsonObject | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw badJson(`field "${key}" must be an object`);
  return v as JsonObject;
}

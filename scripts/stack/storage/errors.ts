/**
 * LOCAL STORAGE STAND-IN — not Supabase Storage (production uses the real one).
 *
 * Errors in Storage's shape (supabase/storage, src/internal/errors/codes.ts and
 * the error handler): `{ statusCode: "<status>", code, error, message }`.
 * storage-js reads `statusCode` and `message` into its StorageApiError.
 */
import type { ServerResponse } from "node:http";

export class StorageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Storage's `error` field (defaults to the code). */
    readonly error = code,
  ) {
    super(message);
    this.name = "StorageHttpError";
  }
}

export const bucketNotFound = () => new StorageHttpError(404, "NoSuchBucket", "Bucket not found", "Bucket not found");
export const objectNotFound = () => new StorageHttpError(404, "NoSuchKey", "Object not found", "not_found");
export const invalidJwt = (message: string) => new StorageHttpError(400, "InvalidJWT", message, "Invalid JWT");
export const invalidSignature = () =>
  new StorageHttpError(400, "InvalidSignature", "The url do not match the signature", "Invalid Signature");
export const invalidRequest = (message: string) => new StorageHttpError(400, "InvalidRequest", message, "Bad Request");
export const invalidKey = (key: string) => new StorageHttpError(400, "InvalidKey", `Invalid key: ${key}`, "Invalid Input");
export const accessDenied = (message: string) => new StorageHttpError(403, "AccessDenied", message, "Unauthorized");
export const duplicate = () => new StorageHttpError(409, "Duplicate", "The resource already exists", "Duplicate");
export const entityTooLarge = (message = "The object exceeded the maximum allowed size") =>
  new StorageHttpError(413, "EntityTooLarge", message, "Payload too large");
export const invalidMimeType = (mime: string) =>
  new StorageHttpError(415, "InvalidMimeType", `mime type ${mime} is not supported`, "invalid_mime_type");
export const notFoundRoute = (path: string) =>
  new StorageHttpError(404, "NotFound", `The local storage stand-in does not serve ${path}`, "Not Found");

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: StorageHttpError): void {
  sendJson(res, err.status, { statusCode: String(err.status), code: err.code, error: err.error, message: err.message });
}

/**
 * A database error of a request run as the caller, in Storage's terms: an RLS
 * refusal is 403 (Storage answers `new row violates row-level security
 * policy`), a unique violation 409, a missing bucket 404. Anything else is ours.
 */
export function fromDatabaseError(err: unknown): StorageHttpError | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code === "42501") return accessDenied(e.message ?? "permission denied");
  if (e?.code === "23505") return duplicate();
  if (e?.code === "23503") return bucketNotFound();
  return undefined;
}

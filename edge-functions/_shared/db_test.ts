import assert from "node:assert/strict";
import { HttpError } from "./http.ts";
import { httpErrorOfPostgres } from "./db.ts";

/** What private.raise_api_error raises inside a request (request.method set): SQLSTATE PGRST. */
const catalogueError = (
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) => ({
  code: "PGRST",
  message: JSON.stringify({ code, message, details: null, hint: null }),
  detail: JSON.stringify({ status, headers }),
});

Deno.test("a catalogue error keeps its status, code and message", () => {
  const error = httpErrorOfPostgres(
    catalogueError(
      403,
      "forbidden_role",
      "Permission denied: export_fec requires one of the roles owner, admin, accountant",
    ),
  );
  assert.ok(error instanceof HttpError);
  assert.deepEqual([error.status, error.code, error.message, error.details, error.headers], [
    403,
    "forbidden_role",
    "Permission denied: export_fec requires one of the roles owner, admin, accountant",
    undefined,
    undefined,
  ]);
});

Deno.test("a 429 keeps its Retry-After header", () => {
  const error = httpErrorOfPostgres(
    catalogueError(429, "rate_limited", "Too many requests", { "Retry-After": "30" }),
  );
  assert.deepEqual([error?.status, error?.headers], [429, { "Retry-After": "30" }]);
});

Deno.test("insufficient privilege is 403", () => {
  const error = httpErrorOfPostgres({
    code: "42501",
    message: "permission denied for function export_fec",
  });
  assert.deepEqual([error?.status, error?.code], [403, "forbidden"]);
});

Deno.test("anything else is not a caller's error: null, for the 500 path", () => {
  assert.equal(httpErrorOfPostgres(catalogueError(500, "internal_error", "boom")), null);
  assert.equal(httpErrorOfPostgres({ code: "PGRST", message: "not json", detail: "{}" }), null);
  assert.equal(httpErrorOfPostgres({ code: "57P01", message: "terminating connection" }), null);
  assert.equal(httpErrorOfPostgres(new Error("network")), null);
  assert.equal(httpErrorOfPostgres(undefined), null);
});

/**
 * The API error contract through the real stack (gateway → PostgREST 12 →
 * PostgreSQL), as a browser sees it with supabase-js: every business error
 * comes out of the catalogue (private.api_errors, docs/errors.md) with its
 * HTTP status and stable code, and the same plain message psql would show.
 *  - an unknown invoice → 404 not_found (it was a 500 before the catalogue);
 *  - editing a sent invoice → 409 invoice_locked;
 *  - an invalid mission transition → 409 invalid_transition;
 *  - a technician calling an owner/admin RPC → 403 forbidden_role;
 *  - a bulk call reports each refused item's plain message and code;
 *  - docs/errors.md is what scripts/docs/errors.ts generates from the catalogue.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { ERRORS_DOC_PATH, generateErrorsDoc } from "../../scripts/docs/errors.ts";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const SENT_INVOICE = "a0000000-0000-4000-8000-000000004004"; // FAC-2026-00004, sent (supabase/seeds/40_invoicing.sql)
const NEW_MISSION = "a0000000-0000-4000-8000-000000002001"; // status new (supabase/seeds/20_missions.sql)

let owner: TerrainClient;
let technician: TerrainClient;

async function signedIn(email: string): Promise<TerrainClient> {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password: LOCAL_DEV_DEMO_PASSWORD });
  expect(error).toBeNull();
  return supabaseClient(stack.anonKey, data.session!.access_token);
}

beforeAll(async () => {
  owner = await signedIn("admin@chaleur-express.test");
  technician = await signedIn("tech1@chaleur-express.test");
});

describe("business errors answer their catalogue status and code", () => {
  it("issue_invoice with an unknown id: 404 not_found with the plain message", async () => {
    const id = randomUUID();
    const { data, error, status } = await owner.rpc("issue_invoice", { p_invoice_id: id });
    expect(data).toBeNull();
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: "not_found", message: `Invoice ${id} not found`, details: null, hint: null });
  });

  it("editing a sent invoice: 409 invoice_locked, and nothing changes", async () => {
    const before = await withDb((c) => c.query("select notes from public.invoices where id = $1", [SENT_INVOICE]));
    const { error, status } = await owner.from("invoices").update({ notes: "changed after sending" }).eq("id", SENT_INVOICE);
    expect(status).toBe(409);
    expect(error).toMatchObject({ code: "invoice_locked", message: "Invoice FAC-2026-00004 is locked (status: sent)" });
    const after = await withDb((c) => c.query("select notes from public.invoices where id = $1", [SENT_INVOICE]));
    expect(after.rows).toEqual(before.rows);
  });

  it("an invalid mission transition: 409 invalid_transition", async () => {
    const { error, status } = await owner.rpc("transition_mission", {
      p_mission_id: NEW_MISSION,
      p_to_status: "done",
      p_idempotency_key: `api-errors-${randomUUID()}`,
    });
    expect(status).toBe(409);
    expect(error).toMatchObject({ code: "invalid_transition", message: "Invalid transition: new → done" });
    const { rows } = await withDb((c) => c.query("select status from public.missions where id = $1", [NEW_MISSION]));
    expect(rows[0].status).toBe("new");
  });

  it("a technician calling an owner/admin RPC: 403 forbidden_role", async () => {
    const { error, status } = await technician.rpc("create_api_key", {
      p_org_id: ORG_A,
      p_name: "not mine to create",
      p_scopes: ["events:write"],
      p_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(status).toBe(403);
    expect(error).toMatchObject({
      code: "forbidden_role",
      message: "Only an owner or admin of the organization can manage its API keys",
    });
  });

  it("a malformed parameter: 400 invalid_parameter", async () => {
    const { error, status } = await owner.rpc("audit_log_page", { p_org_id: ORG_A, p_limit: 501 });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: "invalid_parameter", message: "p_limit must be between 1 and 500 (got 501)" });
  });

  it("a bulk call reports each refused item's plain message and code (not the JSON body)", async () => {
    const missing = randomUUID();
    const { data, error, status } = await owner.rpc("bulk_transition_missions", {
      p_mission_ids: [NEW_MISSION, missing],
      p_to_status: "done",
    });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect((data as unknown as { results: unknown[] }).results).toEqual([
      { id: NEW_MISSION, ok: false, error: "Invalid transition: new → done", code: "invalid_transition" },
      { id: missing, ok: false, error: `Mission ${missing} not found`, code: "not_found" },
    ]);
  });
});

describe("docs/errors.md", () => {
  it("is what scripts/docs/errors.ts generates from private.api_errors (run `npm run docs:errors`)", async () => {
    const generated = await generateErrorsDoc(stack.dbUrl);
    expect(readFileSync(ERRORS_DOC_PATH, "utf8")).toBe(generated);
  });
});

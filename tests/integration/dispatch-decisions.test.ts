/**
 * The dispatch functions the back office calls, through the API as the
 * browser calls them (supabase-js → gateway → PostgREST): each refusal with
 * its catalogue status and code (docs/errors.md), and a request decided by
 * two dispatchers at once becoming exactly one mission.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { stack, supabaseClient, withDb, type TerrainClient } from "./harness.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const SOPHIE = "a0000000-0000-4000-8000-000000000004"; // technician
const run = randomUUID().slice(0, 8);

async function signedIn(email: string): Promise<TerrainClient> {
  const client = supabaseClient();
  const { error } = await client.auth.signInWithPassword({ email, password: "terrain-demo" });
  if (error) throw error;
  return client;
}

let dispatcher: TerrainClient;
let otherDispatcher: TerrainClient;
let technician: TerrainClient;

async function request(subject: string): Promise<string> {
  return withDb(async (db) =>
    (
      await db.query<{ id: string }>("insert into public.client_requests (org_id, client_id, site_id, subject) values ($1, $2, $3, $4) returning id", [
        ORG,
        CLIENT,
        SITE,
        subject,
      ])
    ).rows[0]!.id,
  );
}

beforeAll(async () => {
  [dispatcher, otherDispatcher, technician] = await Promise.all([
    signedIn("dispatch@chaleur-express.test"),
    signedIn("dispatch@chaleur-express.test"),
    signedIn("tech1@chaleur-express.test"),
  ]);
});

describe("client request decisions through the API", () => {
  it("refuses with the catalogue's status and code, changing nothing", async () => {
    const id = await request(`Refus API ${run}`);
    const cases = [
      { call: () => technician.rpc("decline_client_request", { p_request_id: id, p_reason: "non" }), status: 403, code: "forbidden_role" },
      { call: () => dispatcher.rpc("convert_client_request", { p_request_id: randomUUID() }), status: 404, code: "not_found" },
      { call: () => dispatcher.rpc("decline_client_request", { p_request_id: id, p_reason: " " }), status: 422, code: "validation_failed" },
      { call: () => dispatcher.rpc("convert_client_request", { p_request_id: id, p_site_id: "a0000000-0000-4000-8000-0000000000d2" }), status: 409, code: "unknown_reference" },
    ];
    for (const c of cases) {
      const { error, status } = await c.call();
      expect({ status, code: error?.code }).toEqual({ status: c.status, code: c.code });
    }
    const stored = await withDb((db) => db.query("select status from public.client_requests where id = $1", [id]));
    expect(stored.rows[0]).toEqual({ status: "open" });
  });

  it("turns a request decided by two dispatchers at once into exactly one mission", async () => {
    const id = await request(`Concurrence API ${run}`);
    const outcomes = await Promise.all([
      dispatcher.rpc("convert_client_request", { p_request_id: id }),
      otherDispatcher.rpc("convert_client_request", { p_request_id: id }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 409]);
    const refused = outcomes.find((o) => o.error)!;
    expect(refused.error!.message).toBe(`Client request ${id} is already converted`);
    const missions = await withDb((db) => db.query("select count(*)::int as n from public.missions where client_request_id = $1", [id]));
    expect(missions.rows[0]).toEqual({ n: 1 });
  });
});

describe("dispatching an emergency and bulk assignment through the API", () => {
  it("dispatches once; a second dispatch is a conflict", async () => {
    const id = await withDb(async (db) =>
      (
        await db.query<{ id: string }>(
          "insert into public.emergency_requests (org_id, client_id, site_id, description, source) values ($1, $2, $3, $4, 'phone') returning id",
          [ORG, CLIENT, SITE, `Fuite API ${run}`],
        )
      ).rows[0]!.id,
    );
    const forbidden = await technician.rpc("dispatch_emergency", { p_emergency_id: id });
    expect({ status: forbidden.status, code: forbidden.error?.code }).toEqual({ status: 403, code: "forbidden_role" });
    const first = await dispatcher.rpc("dispatch_emergency", { p_emergency_id: id, p_technician_id: SOPHIE });
    expect(first.error).toBeNull();
    expect(first.data).toMatchObject({ emergency_id: id, status: "dispatched", mission_status: "assigned", technician_id: SOPHIE });
    const second = await dispatcher.rpc("dispatch_emergency", { p_emergency_id: id });
    expect({ status: second.status, code: second.error?.code, message: second.error?.message }).toEqual({
      status: 409,
      code: "invalid_transition",
      message: `Emergency ${id} is already dispatched`,
    });
  });

  it("bulk assignment needs a technician (400) and reports each mission", async () => {
    const missing = await dispatcher.rpc("bulk_assign_missions", { p_mission_ids: [randomUUID()], p_technician_id: null as unknown as string });
    expect({ status: missing.status, code: missing.error?.code }).toEqual({ status: 400, code: "missing_parameter" });
    const unknown = randomUUID();
    const { data, error } = await dispatcher.rpc("bulk_assign_missions", { p_mission_ids: [unknown], p_technician_id: SOPHIE });
    expect(error).toBeNull();
    expect(data).toEqual({
      results: [{ id: unknown, ok: false, error: `Mission ${unknown} not found`, code: "not_found" }],
      summary: { requested: 1, succeeded: 0, failed: 1 },
    });
  });
});

/**
 * External events through the real stack: the demo admin creates an API key
 * (scope events:write) and a rule with supabase-js; a partner POSTs an event
 * to /functions/v1/events with the key: 202 and the rule's emergency exists; a
 * replay is a duplicate and creates nothing; forged keys, malformed JSON and
 * oversized bodies are refused (401, 400, 413).
 */
import { randomUUID } from "node:crypto";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const CLIENT_A = "a0000000-0000-4000-8000-0000000000c1";
const ADMIN = "admin@chaleur-express.test";
const RUN = randomUUID().slice(0, 8);
const EVENT_TYPE = `it.boiler.${RUN}`;
const URL = () => `${stack.apiUrl}/functions/v1/events`;

let admin: TerrainClient;
let secret: string;
let keyId: string;
let ruleId: string;

async function post(body: string, headers: Record<string, string> = { "x-api-key": secret }): Promise<Response> {
  return fetch(URL(), { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

function event(id: string, payload: Record<string, unknown>) {
  return JSON.stringify({ id, type: EVENT_TYPE, occurred_at: new Date().toISOString(), payload });
}

beforeAll(async () => {
  const { data: session, error: signInError } = await supabaseClient().auth.signInWithPassword({
    email: ADMIN,
    password: LOCAL_DEV_DEMO_PASSWORD,
  });
  expect(signInError).toBeNull();
  admin = supabaseClient(stack.anonKey, session.session!.access_token);

  const { data: key, error: keyError } = await admin.rpc("create_api_key", {
    p_org_id: ORG_A,
    p_name: `it events ${RUN}`,
    p_scopes: ["events:write"],
    p_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(keyError).toBeNull();
  // create_api_key returns jsonb: its shape is the function's contract, not the generated types'.
  ({ secret, id: keyId } = key as unknown as { secret: string; id: string });

  const { data: rule, error: ruleError } = await admin.rpc("create_rule", {
    p_org_id: ORG_A,
    p_name: `Surchauffe ${RUN}`,
    p_event_type: EVENT_TYPE,
    p_condition: '$.temperature > 90 && $.site == "boiler-1"',
    p_action: "create_emergency",
    p_action_params: { client_id: CLIENT_A, title: `Surchauffe ${RUN}` },
    p_severity: "critical",
  });
  expect(ruleError).toBeNull();
  ruleId = rule!.id;
});

afterAll(async () => {
  await withDb(async (c) => {
    await c.query("delete from public.emergency_requests where org_id = $1 and description like $2", [ORG_A, `Surchauffe ${RUN}%`]);
    await c.query("delete from public.events where org_id = $1 and type = $2", [ORG_A, EVENT_TYPE]);
    await c.query("delete from public.rules where id = $1", [ruleId]);
    await c.query("delete from public.notifications where entity_table in ('public.api_keys', 'public.rules') and entity_id = any ($1::uuid[])", [[keyId, ruleId]]);
    await c.query("delete from public.api_keys where id = $1", [keyId]);
  });
});

async function emergencies(): Promise<number> {
  return withDb(async (c) => {
    const { rows } = await c.query(
      "select count(*)::int as n from public.emergency_requests where org_id = $1 and source = 'external' and description like $2",
      [ORG_A, `Surchauffe ${RUN}%`],
    );
    return rows[0].n as number;
  });
}

describe("events edge function", () => {
  it("a matching event → 202 and the rule's emergency exists; a replay is a duplicate and creates nothing", async () => {
    const body = event(`evt-${RUN}`, { temperature: 97, site: "boiler-1" });
    const res = await post(body);
    expect(res.status).toBe(202);
    const first = await res.json();
    expect(first.duplicate).toBe(false);
    expect(first.fired).toHaveLength(1);
    expect(first.fired[0]).toMatchObject({ rule_id: ruleId, action: "create_emergency", entity_table: "public.emergency_requests" });
    expect(await emergencies()).toBe(1);

    // The admin sees it through the API, with the rule's severity.
    const { data, error } = await admin.from("emergency_requests").select("severity, source, status").eq("id", first.fired[0].entity_id);
    expect(error).toBeNull();
    expect(data).toEqual([{ severity: "critical", source: "external", status: "pending" }]);

    const replay = await post(body, { authorization: `Bearer ${secret}` });
    expect(replay.status).toBe(202);
    const second = await replay.json();
    expect(second.duplicate).toBe(true);
    expect(second.event_id).toBe(first.event_id);
    expect(second.fired).toEqual(first.fired);
    expect(await emergencies()).toBe(1);
  });

  it("a non-matching event is stored and fires nothing", async () => {
    const res = await post(event(`evt-cold-${RUN}`, { temperature: 40, site: "boiler-1" }));
    expect(res.status).toBe(202);
    expect((await res.json()).fired).toEqual([]);
  });

  it("a forged or missing key → 401 invalid_api_key", async () => {
    const body = event(`evt-forged-${RUN}`, { temperature: 97, site: "boiler-1" });
    for (const headers of [{ "x-api-key": `${secret.slice(0, 13)}${"A".repeat(43)}` }, {} as Record<string, string>]) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("invalid_api_key");
    }
  });

  it("malformed JSON → 400 with the shared error shape", async () => {
    const res = await post('{"id": "x", ');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "invalid_json" });
    expect(typeof body.error.message).toBe("string");
  });

  it("an invalid body → 400 validation_failed", async () => {
    const res = await post(JSON.stringify({ id: "", type: EVENT_TYPE, occurred_at: "now", payload: {} }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("validation_failed");
  });

  it("a body over 64 KiB → 413", async () => {
    const res = await post(event(`evt-big-${RUN}`, { blob: "x".repeat(70_000) }));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("payload_too_large");
  });

  it("concurrent matching events respect max_firings (the rule row is locked while firings are counted)", async () => {
    const type = `${EVENT_TYPE}.burst`;
    const { data: created, error } = await admin.rpc("create_rule", {
      p_org_id: ORG_A,
      p_name: `Burst ${RUN}`,
      p_event_type: type,
      p_condition: "$.level >= 1",
      p_action: "create_client_request",
      p_action_params: { client_id: CLIENT_A, title: `Burst ${RUN}` },
      p_max_firings: 2,
      p_per_seconds: 3600,
    });
    expect(error).toBeNull();
    expect(created).not.toBeNull();
    const rule = created!;
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          post(JSON.stringify({ id: `burst-${RUN}-${i}`, type, occurred_at: new Date().toISOString(), payload: { level: 3 } }))
            .then(async (r) => ({ status: r.status, body: await r.json() }))),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(202));
      expect(results.filter((r) => r.body.fired.length === 1)).toHaveLength(2);
      expect(results.filter((r) => r.body.suppressed.length === 1)).toHaveLength(6);
      const summaries = await withDb(async (c) =>
        (await c.query(
          "select count(*)::int as n from public.notifications where type = 'rule_suppressed_summary' and entity_id = $1 and channel = 'in_app'",
          [rule.id],
        )).rows[0].n as number);
      expect(summaries).toBe(1); // the demo organization has one owner/admin
    } finally {
      await withDb(async (c) => {
        await c.query("delete from public.client_requests where org_id = $1 and subject = $2", [ORG_A, `Burst ${RUN}`]);
        await c.query("delete from public.events where org_id = $1 and type = $2", [ORG_A, type]);
        await c.query("delete from public.notifications where entity_id = $1", [rule.id]);
        await c.query("delete from public.rules where id = $1", [rule.id]);
      });
    }
  });

  it("GET → 405", async () => {
    const res = await fetch(URL(), { headers: { "x-api-key": secret } });
    expect(res.status).toBe(405);
  });
});

/**
 * API keys through the real stack: the demo owner creates a key with
 * supabase-js and gets the secret once; the database keeps only its SHA-256;
 * an edge function (service_role) authenticates it with
 * private.authenticate_api_key; revoked, expired and rotated-out keys are
 * refused; other roles cannot manage keys.
 */
import { createHash, randomUUID } from "node:crypto";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const OWNER = "admin@chaleur-express.test";
const TECHNICIAN = "tech1@chaleur-express.test";
const OTHER_ORG_OWNER = "admin@plomberie-rhone.test";
const RUN = randomUUID().slice(0, 8);
const SECRET_FORMAT = /^trn_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$/;

interface CreatedKey {
  id: string;
  prefix: string;
  secret: string;
  scopes: string[];
  expires_at: string;
}

const created: string[] = [];
let owner: TerrainClient;
let technician: TerrainClient;
let otherOwner: TerrainClient;

async function signedIn(email: string): Promise<TerrainClient> {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password: LOCAL_DEV_DEMO_PASSWORD });
  expect(error).toBeNull();
  return supabaseClient(stack.anonKey, data.session!.access_token);
}

/** What an edge function does with the key a partner sent: authenticate it as service_role. */
async function authenticate(secret: string) {
  return withDb(async (c) => {
    await c.query("begin");
    try {
      await c.query("set local role service_role");
      const { rows } = await c.query("select key_id, org_id, scopes from private.authenticate_api_key($1)", [secret]);
      await c.query("commit");
      return rows as { key_id: string; org_id: string; scopes: string[] }[];
    } catch (e) {
      await c.query("rollback");
      throw e;
    }
  });
}

async function createKey(client: TerrainClient, name: string, scopes = ["events:write"]): Promise<CreatedKey> {
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const { data, error } = await client.rpc("create_api_key", { p_org_id: ORG_A, p_name: `${name} ${RUN}`, p_scopes: scopes, p_expires_at: expires });
  expect(error).toBeNull();
  const key = data as unknown as CreatedKey;
  created.push(key.id);
  return key;
}

beforeAll(async () => {
  [owner, technician, otherOwner] = await Promise.all([signedIn(OWNER), signedIn(TECHNICIAN), signedIn(OTHER_ORG_OWNER)]);
});

afterAll(async () => {
  await withDb(async (c) => {
    // Rotation links keys together: the successors first.
    await c.query("delete from public.notifications where entity_table = 'public.api_keys' and entity_id = any ($1::uuid[])", [created]);
    await c.query("delete from public.api_keys where id = any ($1::uuid[]) and rotated_from is not null", [created]);
    await c.query("delete from public.api_keys where id = any ($1::uuid[])", [created]);
  });
});

describe("API keys", () => {
  it("create returns the secret once; the database keeps only its sha256 and an edge function authenticates it", async () => {
    const key = await createKey(owner, "it partner");
    expect(key.secret).toMatch(SECRET_FORMAT);
    expect(key.prefix).toBe(key.secret.slice(0, 12));
    expect(key.scopes).toEqual(["events:write"]);

    const stored = await withDb(async (c) => {
      const row = (await c.query("select to_jsonb(k) as row, secret_hash from public.api_keys k where id = $1", [key.id])).rows[0];
      const audit = (await c.query("select coalesce(string_agg(l::text, ' '), '') as t from audit.log l where table_name = 'public.api_keys' and row_id = $1", [key.id])).rows[0].t as string;
      const notes = (await c.query("select coalesce(string_agg(n::text, ' '), '') as t from public.notifications n where entity_id = $1", [key.id])).rows[0].t as string;
      return { row: JSON.stringify(row.row), hash: row.secret_hash as string, audit, notes };
    });
    expect(stored.hash).toBe(createHash("sha256").update(key.secret).digest("hex"));
    const randomPart = key.secret.slice(13);
    for (const text of [stored.row, stored.audit, stored.notes]) {
      expect(text).not.toContain(randomPart);
    }
    expect(stored.audit).toContain("api_key_created");
    expect(stored.audit).not.toContain(stored.hash); // the hash is redacted in the trail

    const auth = await authenticate(key.secret);
    expect(auth).toEqual([{ key_id: key.id, org_id: ORG_A, scopes: ["events:write"] }]);
    expect(await authenticate(key.secret.slice(0, -1) + (key.secret.endsWith("A") ? "B" : "A"))).toEqual([]);
  });

  it("the owner lists keys without any hash and cannot read secret_hash directly; the owners are notified", async () => {
    const key = await createKey(owner, "it listed");
    const { data, error } = await owner.rpc("list_api_keys", { p_org_id: ORG_A });
    expect(error).toBeNull();
    const row = (data as Record<string, unknown>[]).find((k) => k.id === key.id)!;
    expect(row).toMatchObject({ prefix: key.prefix, status: "active", scopes: ["events:write"], last_used_at: null });
    expect(Object.keys(row)).not.toContain("secret_hash");

    const direct = await owner.from("api_keys").select("id, prefix, scopes").eq("id", key.id);
    expect(direct.error).toBeNull();
    expect(direct.data).toEqual([{ id: key.id, prefix: key.prefix, scopes: ["events:write"] }]);
    const hash = await owner.from("api_keys").select("secret_hash").eq("id", key.id);
    expect(hash.error).toMatchObject({ code: "42501" });

    const alerts = await owner.from("notifications").select("channel, type, delivery_status").eq("entity_id", key.id).order("channel");
    expect(alerts.data).toEqual([
      { channel: "email", type: "security.api_key_created", delivery_status: "pending" },
      { channel: "in_app", type: "security.api_key_created", delivery_status: "sent" },
    ]);
  });

  it("a revoked key is refused", async () => {
    const key = await createKey(owner, "it revoked");
    expect(await authenticate(key.secret)).toHaveLength(1);
    const { data, error } = await owner.rpc("revoke_api_key", { p_key_id: key.id });
    expect(error).toBeNull();
    expect(data).toMatchObject({ id: key.id, status: "revoked" });
    expect(await authenticate(key.secret)).toEqual([]);
    const alerts = await owner.from("notifications").select("type").eq("entity_id", key.id).eq("channel", "in_app").order("created_at");
    expect(alerts.data?.map((n) => n.type)).toEqual(["security.api_key_created", "security.api_key_revoked"]);
  });

  it("an expired key is refused", async () => {
    const key = await createKey(owner, "it expired");
    await withDb((c) => c.query("update public.api_keys set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where id = $1", [key.id]));
    expect(await authenticate(key.secret)).toEqual([]);
  });

  it("a rotated key keeps working during its grace period only; the new one works", async () => {
    const old = await createKey(owner, "it rotated");
    const { data, error } = await owner.rpc("rotate_api_key", { p_key_id: old.id, p_grace: "1 hour" });
    expect(error).toBeNull();
    const next = data as unknown as CreatedKey & { rotated_from: { id: string; grace_until: string } };
    created.push(next.id);
    expect(next.secret).toMatch(SECRET_FORMAT);
    expect(next.rotated_from.id).toBe(old.id);
    expect(await authenticate(old.secret)).toHaveLength(1);
    expect(await authenticate(next.secret)).toHaveLength(1);
    await withDb((c) => c.query("update public.api_keys set grace_until = now() - interval '1 second' where id = $1", [old.id]));
    expect(await authenticate(old.secret)).toEqual([]);
    expect(await authenticate(next.secret)).toHaveLength(1);
  });

  it("a technician and another organization's owner can neither create, list nor revoke the organization's keys", async () => {
    const key = await createKey(owner, "it guarded");
    for (const client of [technician, otherOwner]) {
      // Business refusals answer the error catalogue's 403 forbidden_role (docs/errors.md).
      const create = await client.rpc("create_api_key", { p_org_id: ORG_A, p_name: "nope", p_scopes: ["events:write"] });
      expect(create).toMatchObject({ status: 403, error: { code: "forbidden_role" } });
      const list = await client.rpc("list_api_keys", { p_org_id: ORG_A });
      expect(list).toMatchObject({ status: 403, error: { code: "forbidden_role" } });
      const revoke = await client.rpc("revoke_api_key", { p_key_id: key.id });
      expect(revoke).toMatchObject({ status: 403, error: { code: "forbidden_role" } });
      const direct = await client.from("api_keys").select("id").eq("id", key.id);
      expect(direct.data).toEqual([]);
    }
    expect(await authenticate(key.secret)).toHaveLength(1);
  });
});

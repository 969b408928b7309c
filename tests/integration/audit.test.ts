/**
 * The audit trail through the API gateway (issue 4 item 6), as a signed-in
 * owner with supabase-js:
 *  - an audited action made through an RPC (a mission transition) is read back
 *    with rpc/audit_log_page, with the x-request-id the request carried;
 *  - rpc/audit_log_page also answers GET (it is STABLE) and paginates by cursor;
 *  - rpc/audit_log_csv with `Accept: text/csv` answers the raw RFC 4180 CSV
 *    (Content-Type text/csv, Content-Disposition attachment): the function
 *    returns the "text/csv" domain, a PostgREST media type handler; supabase-js
 *    `.csv()` gets the same text; the export is itself audited;
 *  - a GET of the export is refused (it writes its audit row: POST only);
 *  - other roles and other organizations get 403, never rows.
 *
 * The mission is created for this file (as the system) so the rows asserted
 * here are this run's. The owner signs in through /auth/v1; the users who are
 * only refused get a token signed with the project's JWT secret (what the
 * auth server would issue), to stay clear of the TOKEN rate limit the suite
 * shares.
 */
import { randomUUID } from "node:crypto";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const ORG_B = "b0000000-0000-4000-8000-0000000000b0";
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const OWNER_A = "a0000000-0000-4000-8000-000000000001";
const DISPATCHER_A = "a0000000-0000-4000-8000-000000000002";
const OWNER_B = "b0000000-0000-4000-8000-000000000001";
const RUN = randomUUID().slice(0, 8);
const mission = randomUUID();
const requestId = `audit-it-${RUN}`;

interface AuditRow {
  id: number;
  occurred_at: string;
  org_id: string;
  actor_user_id: string | null;
  actor_email: string | null;
  actor_role: string;
  action: string;
  table_name: string;
  row_id: string | null;
  diff: Record<string, unknown> | null;
  reason: string | null;
  request_id: string | null;
}
interface AuditPage {
  rows: AuditRow[];
  next_before_id: number | null;
}

let ownerToken = "";
let owner: TerrainClient;

async function signIn(email: string): Promise<string> {
  const { data, error } = await supabaseClient().auth.signInWithPassword({ email, password: LOCAL_DEV_DEMO_PASSWORD });
  expect(error).toBeNull();
  return data.session!.access_token;
}

/** An access token as the auth server issues it (HS256, the project's secret). */
function tokenFor(user: string): Promise<string> {
  return new SignJWT({ sub: user, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(stack.jwtSecret));
}

function rest(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.apiUrl}/rest/v1/${path}`, {
    ...init,
    headers: { apikey: stack.anonKey, Authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
}

beforeAll(async () => {
  await withDb((c) =>
    c.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, $5)", [
      mission,
      ORG_A,
      CLIENT,
      SITE,
      `Audit IT ${RUN}`,
    ]),
  );
  ownerToken = await signIn("admin@chaleur-express.test");
  owner = supabaseClient(stack.anonKey, ownerToken);
});

afterAll(async () => {
  // The mission goes; its audit rows stay (append-only, no cascade).
  await withDb((c) => c.query("delete from public.missions where id = $1", [mission]));
});

describe("audit trail through the API", () => {
  it("records an RPC's change with its actor and x-request-id, and reads it back", async () => {
    const { error } = await owner
      .rpc("transition_mission", { p_mission_id: mission, p_to_status: "published", p_idempotency_key: `audit-it-${RUN}-1` })
      .setHeader("x-request-id", requestId);
    expect(error).toBeNull();

    const { data, error: readError } = await owner.rpc("audit_log_page", {
      p_org_id: ORG_A,
      p_table_name: "missions",
      p_actor: OWNER_A,
      p_limit: 20,
    });
    expect(readError).toBeNull();
    const page = data as unknown as AuditPage;
    const row = page.rows.find((r) => r.row_id === mission);
    expect(row).toMatchObject({
      org_id: ORG_A,
      actor_user_id: OWNER_A,
      actor_email: "admin@chaleur-express.test",
      actor_role: "authenticated",
      action: "status_change",
      table_name: "public.missions",
      request_id: requestId,
    });
    expect(row!.diff).toEqual({ status: { old: "new", new: "published" } });
    expect(row!.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    // The gateway's request id is the one the row carries.
    const inDb = await withDb((c) =>
      c.query("select count(*)::int as n from audit.log where request_id = $1 and row_id = $2", [requestId, mission]),
    );
    expect(inDb.rows[0].n).toBe(1);
  });

  it("serves audit_log_page on GET too, with a cursor to the next page", async () => {
    const first = await owner.rpc("audit_log_page", { p_org_id: ORG_A, p_limit: 2 }, { get: true });
    expect(first.error).toBeNull();
    const p1 = first.data as unknown as AuditPage;
    expect(p1.rows).toHaveLength(2);
    const lastOfFirst = p1.rows[1]!.id;
    expect(p1.next_before_id).toBe(lastOfFirst);
    const second = await owner.rpc("audit_log_page", { p_org_id: ORG_A, p_limit: 2, p_before_id: p1.next_before_id ?? undefined }, { get: true });
    const p2 = second.data as unknown as AuditPage;
    expect(p2.rows).toHaveLength(2);
    expect(p2.rows[0]!.id).toBeLessThan(lastOfFirst);
  });

  it("downloads the CSV with Accept: text/csv", async () => {
    const res = await rest("rpc/audit_log_csv", ownerToken, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/csv", "x-request-id": `${requestId}-csv` },
      body: JSON.stringify({ p_org_id: ORG_A, p_table_name: "missions", p_actor: OWNER_A, p_limit: 50 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-a0000000-0000-4000-8000-0000000000a0-\d{8}T\d{6}Z\.csv"$/);
    const csv = await res.text();
    const [header, ...records] = csv.split("\r\n");
    expect(header).toBe(
      "id,occurred_at,org_id,actor_user_id,actor_email,actor_api_key_id,actor_role,action,table_name,row_id,diff,reason,request_id,txid",
    );
    expect(csv.endsWith("\r\n")).toBe(true);
    const ours = records.find((r) => r.includes(mission));
    expect(ours).toContain(`,authenticated,status_change,public.missions,${mission},"{""status"": {""new"": ""published"", ""old"": ""new""}}",,${requestId},`);

    // The export itself is audited, with the export request's id.
    const exported = await withDb((c) =>
      c.query("select action, table_name, actor_user_id, diff from audit.log where request_id = $1", [`${requestId}-csv`]),
    );
    expect(exported.rows).toHaveLength(1);
    expect(exported.rows[0]).toMatchObject({ action: "audit_export", table_name: "audit.log", actor_user_id: OWNER_A });
    expect(exported.rows[0].diff.filters).toMatchObject({ table_name: "public.missions", actor: OWNER_A, limit: 50 });
  });

  it("gives the same CSV text to supabase-js .csv(), and says where a truncated export stops", async () => {
    const { data, error } = await owner.rpc("audit_log_csv", { p_org_id: ORG_A, p_limit: 3 }).csv();
    expect(error).toBeNull();
    const text = data as unknown as string;
    expect(text.startsWith("id,occurred_at,")).toBe(true);
    expect(text.split("\r\n").filter((l) => /^\d+,/.test(l))).toHaveLength(3);

    const res = await rest("rpc/audit_log_csv", ownerToken, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/csv" },
      body: JSON.stringify({ p_org_id: ORG_A, p_limit: 3 }),
    });
    const lastId = (await res.text()).trimEnd().split("\r\n").at(-1)!.split(",")[0];
    expect(res.headers.get("x-audit-next-before-id")).toBe(lastId);
  });

  it("with the default Accept, the CSV comes as one JSON string", async () => {
    const { data, error } = await owner.rpc("audit_log_csv", { p_org_id: ORG_A, p_limit: 1 });
    expect(error).toBeNull();
    expect(typeof data).toBe("string");
    expect((data as string).split("\r\n")[0]).toMatch(/^id,occurred_at,/);
  });

  it("refuses a GET of the export: it writes its audit row, and GET runs read-only", async () => {
    const res = await rest(`rpc/audit_log_csv?p_org_id=${ORG_A}&p_limit=1`, ownerToken, { headers: { accept: "text/csv" } });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ code: "25006", message: "cannot execute INSERT in a read-only transaction" });
  });

  it("refuses other roles and other organizations (403, no rows)", async () => {
    const dispatcher = supabaseClient(stack.anonKey, await tokenFor(DISPATCHER_A));
    const d = await dispatcher.rpc("audit_log_page", { p_org_id: ORG_A });
    expect(d.data).toBeNull();
    expect(d.error?.code).toBe("forbidden_role"); // the error catalogue's code (docs/errors.md)
    expect(d.status).toBe(403);

    const otherOwnerToken = await tokenFor(OWNER_B);
    const otherOwner = supabaseClient(stack.anonKey, otherOwnerToken);
    const o = await otherOwner.rpc("audit_log_page", { p_org_id: ORG_A });
    expect(o.data).toBeNull();
    expect(o.status).toBe(403);
    const csv = await rest("rpc/audit_log_csv", otherOwnerToken, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/csv" },
      body: JSON.stringify({ p_org_id: ORG_A }),
    });
    expect(csv.status).toBe(403);

    const anon = await supabaseClient().rpc("audit_log_page", { p_org_id: ORG_A });
    expect(anon.data).toBeNull();
    expect(anon.error).not.toBeNull();
  });
});

/**
 * Row-level security through the real API (issue 4): supabase-js signed in
 * as the seeded demo users, through the gateway and PostgREST, as a browser
 * would. The pgTAP suite (supabase/tests/5*-rls-*.sql) proves the matrix row
 * by row in SQL; this file proves the same boundaries hold over HTTP, where
 * filters (`or=`, `neq.`) and embedded resources are built by PostgREST:
 *  - a technician cannot read another technician's missions nor any other
 *    organization's; a client user cannot list other clients;
 *  - `or=(org_id.neq.<own org>)`, `org_id=neq.X` and embeddings
 *    (`clients?select=*,missions(*)`, `missions?select=*,clients(*)`,
 *    `invoices?select=*,invoice_lines(*)`) leak no row;
 *  - anon gets nothing from any table or view;
 *  - writes outside the scope are refused with PostgREST's answer (403 /
 *    42501) or reach 0 rows;
 *  - docs/permissions.md is what scripts/docs/permissions.ts generates from
 *    the matrix (fails when the committed file is stale).
 */
import { readFileSync } from "node:fs";
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { DOC_PATH, generatePermissionsDoc } from "../../scripts/docs/permissions.ts";
import { LOCAL_DEV_DEMO_PASSWORD } from "../../scripts/stack/config.ts";
import { stack, supabaseClient, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const ORG_B = "b0000000-0000-4000-8000-0000000000b0";
const CLIENT_A1 = "a0000000-0000-4000-8000-0000000000c1"; // Syndic Lumière (portal user gestion@…)
const CLIENT_A2 = "a0000000-0000-4000-8000-0000000000c2"; // Boulangerie des Pentes
const CLIENT_B1 = "b0000000-0000-4000-8000-0000000000c1";
const SITE_B1 = "b0000000-0000-4000-8000-0000000000d1";
const KARIM = "a0000000-0000-4000-8000-000000000003"; // technician, org A
const SOPHIE = "a0000000-0000-4000-8000-000000000004"; // technician, org A
const SOPHIE_BLOCKED_MISSION = "a0000000-0000-4000-8000-000000002005";
const KARIM_MISSION = "a0000000-0000-4000-8000-000000002003";

const USERS = {
  karim: "tech1@chaleur-express.test",
  dispatcherA: "dispatch@chaleur-express.test",
  accountantA: "compta@chaleur-express.test",
  ownerA: "admin@chaleur-express.test",
  clientA1: "gestion@syndic-lumiere.test",
  techB: "tech1@plomberie-rhone.test",
} as const;
type Who = keyof typeof USERS;

const tokens = {} as Record<Who, string>;
const as = (who: Who): TerrainClient => supabaseClient(stack.anonKey, tokens[who]);
const rest = `${stack.apiUrl}/rest/v1`;

beforeAll(async () => {
  for (const who of Object.keys(USERS) as Who[]) {
    const { data, error } = await supabaseClient().auth.signInWithPassword({ email: USERS[who], password: LOCAL_DEV_DEMO_PASSWORD });
    if (error || !data.session) throw new Error(`sign-in failed for ${USERS[who]}: ${error?.message}`);
    tokens[who] = data.session.access_token;
  }
});

/** A raw PostgREST GET as a user (or anon), for the wire-level filters. */
async function get(path: string, who?: Who): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${rest}/${path}`, {
    headers: { apikey: stack.anonKey, Authorization: `Bearer ${who ? tokens[who] : stack.anonKey}` },
  });
  return { status: res.status, body: await res.json() };
}

describe("technicians", () => {
  it("read their own missions and the open pool, nothing of another technician", async () => {
    const { data, error } = await as("karim").from("missions").select("id, org_id, status, technician_id");
    expect(error).toBeNull();
    expect(data!.length).toBeGreaterThan(3);
    for (const m of data!) {
      expect(m.org_id).toBe(ORG_A);
      expect(m.technician_id === KARIM || (m.status === "published" && m.technician_id === null)).toBe(true);
    }
  });

  it("cannot read another technician's missions, even by id or by filtering on them", async () => {
    const byTech = await as("karim").from("missions").select("id").eq("technician_id", SOPHIE);
    expect(byTech.error).toBeNull();
    expect(byTech.data).toEqual([]);
    const byId = await as("karim").from("missions").select("id").eq("id", SOPHIE_BLOCKED_MISSION);
    expect(byId.data).toEqual([]);
    const hours = await as("karim").from("timesheets").select("id").eq("technician_id", SOPHIE);
    expect(hours.data).toEqual([]);
  });

  it("cannot read any other organization's missions, clients or stock", async () => {
    for (const table of ["missions", "clients", "sites", "stock_items"] as const) {
      const { data, error } = await as("techB").from(table).select("org_id").eq("org_id", ORG_A);
      expect(error, table).toBeNull();
      expect(data, table).toEqual([]);
    }
  });

  it("see the clients of their own missions only through an embedding", async () => {
    const { data, error } = await as("karim").from("missions").select("id, technician_id, client:clients(id, org_id)");
    expect(error).toBeNull();
    for (const m of data! as unknown as { client: { org_id: string } | null }[]) {
      expect(m.client?.org_id).toBe(ORG_A);
    }
    const back = await as("karim").from("clients").select("id, missions(id, technician_id, status)");
    expect(back.error).toBeNull();
    for (const c of back.data! as unknown as { missions: { technician_id: string | null; status: string }[] }[]) {
      for (const m of c.missions) expect(m.technician_id === KARIM || (m.status === "published" && m.technician_id === null)).toBe(true);
    }
  });
});

describe("filters that try to step outside the organization", () => {
  it("or=(org_id.neq.<own org>) returns nothing", async () => {
    for (const who of ["karim", "dispatcherA", "accountantA", "clientA1"] as const) {
      const r = await get(`missions?select=id,org_id&or=(org_id.neq.${ORG_A})`, who);
      expect(r.status, who).toBe(200);
      expect(r.body, who).toEqual([]);
    }
  });

  it("org_id=neq.<own org> returns nothing, on every table the user may read", async () => {
    for (const table of ["missions", "clients", "sites", "invoices", "invoice_lines", "payments", "quotes", "timesheets", "stock_movements"]) {
      const r = await get(`${table}?select=org_id&org_id=neq.${ORG_A}`, "ownerA");
      expect(r.status, table).toBe(200);
      expect(r.body, table).toEqual([]);
    }
  });

  it("org_id=eq.<other org> returns nothing", async () => {
    const r = await get(`invoices?select=id&org_id=eq.${ORG_B}`, "accountantA");
    expect(r).toEqual({ status: 200, body: [] });
  });
});

describe("client-portal users", () => {
  it("list only their own client", async () => {
    const { data, error } = await as("clientA1").from("clients").select("id, org_id");
    expect(error).toBeNull();
    expect(data).toEqual([{ id: CLIENT_A1, org_id: ORG_A }]);
    const other = await as("clientA1").from("clients").select("id").eq("id", CLIENT_A2);
    expect(other.data).toEqual([]);
  });

  it("clients?select=*,missions(*) embeds their own missions only", async () => {
    const r = await get("clients?select=*,missions(*)", "clientA1");
    expect(r.status).toBe(200);
    const rows = r.body as { id: string; missions: { client_id: string; org_id: string }[] }[];
    expect(rows.map((c) => c.id)).toEqual([CLIENT_A1]);
    expect(rows[0]!.missions.length).toBeGreaterThan(0);
    for (const m of rows[0]!.missions) expect([m.client_id, m.org_id]).toEqual([CLIENT_A1, ORG_A]);
  });

  it("missions?select=*,clients(*) never shows another client", async () => {
    const r = await get("missions?select=id,client_id,clients(id)", "clientA1");
    expect(r.status).toBe(200);
    for (const m of r.body as { client_id: string; clients: { id: string } | null }[]) {
      expect(m.client_id).toBe(CLIENT_A1);
      expect(m.clients?.id).toBe(CLIENT_A1);
    }
  });

  it("invoices?select=*,invoice_lines(*) shows issued documents of their client, never drafts", async () => {
    const r = await get("invoices?select=*,invoice_lines(*)", "clientA1");
    expect(r.status).toBe(200);
    const invoices = r.body as { client_id: string; status: string; invoice_lines: { invoice_id: string }[] }[];
    expect(invoices.length).toBeGreaterThan(0);
    for (const i of invoices) {
      expect(i.client_id).toBe(CLIENT_A1);
      expect(i.status).not.toBe("draft");
      expect(i.invoice_lines.length).toBeGreaterThan(0);
    }
    const payments = await as("clientA1").from("payments").select("id");
    expect(payments.data).toEqual([]);
  });
});

describe("embedded resources for staff", () => {
  it("invoices?select=*,invoice_lines(*) stays within the accountant's organization", async () => {
    const r = await get("invoices?select=id,org_id,invoice_lines(org_id)", "accountantA");
    expect(r.status).toBe(200);
    for (const i of r.body as { org_id: string; invoice_lines: { org_id: string }[] }[]) {
      expect(i.org_id).toBe(ORG_A);
      for (const l of i.invoice_lines) expect(l.org_id).toBe(ORG_A);
    }
  });

  it("a dispatcher (no money) gets no invoices, embedded or not", async () => {
    expect(await get("invoices?select=*,invoice_lines(*)", "dispatcherA")).toEqual({ status: 200, body: [] });
    const r = await get("clients?select=id,invoices(id)", "dispatcherA");
    for (const c of r.body as { invoices: unknown[] }[]) expect(c.invoices).toEqual([]);
  });
});

describe("anon", () => {
  it("gets nothing from any table or view of public", async () => {
    const relations = await withDb(async (c) =>
      (
        await c.query<{ relname: string }>(
          `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`,
        )
      ).rows.map((r) => r.relname),
    );
    expect(relations.length).toBeGreaterThan(20);
    for (const rel of relations) {
      const r = await get(`${rel}?select=*&limit=1`);
      // PostgREST answers 401 with 42501 (permission denied) to anon.
      if (r.status === 200) expect(r.body, rel).toEqual([]);
      else {
        expect(r.status, rel).toBe(401);
        expect((r.body as { code: string }).code, rel).toBe("42501");
      }
    }
  });

  it("cannot write", async () => {
    const { error, status } = await supabaseClient()
      .from("emergency_requests")
      .insert({ org_id: ORG_A, client_id: CLIENT_A1, description: "anon" });
    expect(status).toBe(401);
    expect(error?.code).toBe("42501");
  });
});

describe("writes outside the scope", () => {
  it("a technician cannot insert a mission (403, RLS)", async () => {
    const { error, status } = await as("karim")
      .from("missions")
      .insert({ org_id: ORG_A, client_id: CLIENT_A1, site_id: "a0000000-0000-4000-8000-0000000000d1", title: "not mine to create" });
    expect(status).toBe(403);
    expect(error?.code).toBe("42501");
    expect(error?.message).toBe('new row violates row-level security policy for table "missions"');
  });

  it("a technician cannot move a mission by a direct update (403: status is not writable)", async () => {
    const { error, status } = await as("karim").from("missions").update({ status: "in_progress" }).eq("id", KARIM_MISSION);
    expect(status).toBe(403);
    expect(error?.code).toBe("42501");
    expect(error?.message).toBe("permission denied for table missions");
  });

  it("a technician's update of a planning column reaches 0 rows", async () => {
    const { data, error } = await as("karim").from("missions").update({ description: "changed" }).eq("id", KARIM_MISSION).select("id");
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });

  it("a client user cannot file a request for another client (403)", async () => {
    const { error, status } = await as("clientA1").from("client_requests").insert({ org_id: ORG_A, client_id: CLIENT_A2, subject: "for someone else" });
    expect(status).toBe(403);
    expect(error?.code).toBe("42501");
  });

  it("a dispatcher cannot create a client in another organization (403)", async () => {
    const { error, status } = await as("dispatcherA").from("clients").insert({ org_id: ORG_B, name: "Intrus" });
    expect(status).toBe(403);
    expect(error?.code).toBe("42501");
  });

  it("an owner's delete or update of another organization's rows reaches 0 rows", async () => {
    const del = await as("ownerA").from("sites").delete().eq("id", SITE_B1).select("id");
    expect(del.error).toBeNull();
    expect(del.data).toEqual([]);
    const upd = await as("ownerA").from("clients").update({ notes: "touched" }).eq("id", CLIENT_B1).select("id");
    expect(upd.error).toBeNull();
    expect(upd.data).toEqual([]);
    const still = await withDb((c) =>
      c.query("select (select count(*) from public.sites where id = $1)::int as sites, (select notes from public.clients where id = $2) as notes", [
        SITE_B1,
        CLIENT_B1,
      ]),
    );
    expect(still.rows[0]).toEqual({ sites: 1, notes: null });
  });
});

describe("docs/permissions.md", () => {
  it("is what scripts/docs/permissions.ts generates from the matrix (run `npm run docs:permissions`)", async () => {
    const generated = await generatePermissionsDoc(stack.dbUrl);
    expect(readFileSync(DOC_PATH, "utf8")).toBe(generated);
  });
});

/**
 * The global search and the chart RPCs over the real API (supabase-js through
 * the gateway and PostgREST), signed in as the seeded demo users: what a
 * portal user's search can reach (the portal shows no search box, so the RPC
 * itself is the boundary), the refusals with their HTTP status and catalogue
 * code, and who may read which chart. The pgTAP files 190-194 prove the rules
 * row by row in SQL; this file proves they hold on the wire.
 */
import type { TerrainClient } from "../../scripts/stack/supabase-client.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { demoUserTokens, stack, supabaseClient } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const CLIENT_A1 = "a0000000-0000-4000-8000-0000000000c1"; // Syndic Lumière, whose portal user is gestion@…
const CLIENT_A2 = "a0000000-0000-4000-8000-0000000000c2"; // Boulangerie des Pentes, another client of org A
const USERS = {
  portal: "gestion@syndic-lumiere.test",
  dispatcher: "dispatch@chaleur-express.test",
  accountant: "compta@chaleur-express.test",
  otherOrgAdmin: "admin@plomberie-rhone.test",
} as const;
type Who = keyof typeof USERS;

let tokens: Record<Who, string>;
const as = (who: Who): TerrainClient => supabaseClient(stack.anonKey, tokens[who]);

beforeAll(async () => {
  tokens = await demoUserTokens(USERS);
});

/** The client each row belongs to, read as the service role (no RLS). */
async function clientOf(kind: string, id: string): Promise<string> {
  const admin = supabaseClient(stack.serviceRoleKey);
  if (kind === "client") return id;
  const table = ({ mission: "missions", site: "sites", invoice: "invoices", quote: "quotes" } as const)[kind as "mission"];
  const { data, error } = await admin.from(table).select("client_id").eq("id", id).single();
  if (error) throw error;
  return data.client_id;
}

describe("search through the API", () => {
  it("finds another client's rows for the dispatcher, nothing of them for the portal user", async () => {
    const staff = await as("dispatcher").rpc("search", { p_org_id: ORG_A, p_query: "Boulangerie des Pentes" });
    expect(staff.error).toBeNull();
    expect(staff.data!.some((r) => r.kind === "client" && r.id === CLIENT_A2)).toBe(true);
    expect(staff.data!.some((r) => r.kind === "mission")).toBe(true);

    const portal = await as("portal").rpc("search", { p_org_id: ORG_A, p_query: "Boulangerie des Pentes" });
    expect(portal.error).toBeNull();
    for (const row of portal.data!) expect(await clientOf(row.kind, row.id)).toBe(CLIENT_A1);
  });

  it("gives the portal user their own client's rows only, whatever the query", async () => {
    for (const query of ["Tilleuls", "chauffage", "FAC-2026", "Lyon"]) {
      const { data, error } = await as("portal").rpc("search", { p_org_id: ORG_A, p_query: query, p_limit: 50 });
      expect(error).toBeNull();
      for (const row of data!) expect(await clientOf(row.kind, row.id), `${query}: ${row.kind} ${row.title}`).toBe(CLIENT_A1);
    }
    const own = await as("portal").rpc("search", { p_org_id: ORG_A, p_query: "Tilleuls" });
    expect(own.data!.length).toBeGreaterThan(0);
  });

  it("answers nothing in an organization the caller does not belong to", async () => {
    const { data, error } = await as("otherOrgAdmin").rpc("search", { p_org_id: ORG_A, p_query: "Syndic Lumière" });
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });

  it("refuses a query too short or too long with the catalogue's 400s, and anon altogether", async () => {
    const short = await as("dispatcher").rpc("search", { p_org_id: ORG_A, p_query: " a " });
    expect(short.status).toBe(400);
    expect(short.error).toMatchObject({ code: "invalid_parameter", message: "Type at least 2 characters to search" });
    const long = await as("dispatcher").rpc("search", { p_org_id: ORG_A, p_query: "x".repeat(101) });
    expect(long.status).toBe(400);
    expect(long.error).toMatchObject({ code: "value_too_long", message: "A search is at most 100 characters (got 101)" });
    const anon = await supabaseClient().rpc("search", { p_org_id: ORG_A, p_query: "Syndic" });
    expect(anon.status).toBe(401);
    expect(anon.error?.code).toBe("42501");
  });
});

describe("chart data through the API", () => {
  it("revenue_by_month: the accountant reads it, the dispatcher gets 403 forbidden_role, another organization 404", async () => {
    const ok = await as("accountant").rpc("revenue_by_month", { p_org_id: ORG_A, p_from: "2026-01-01", p_to: "2026-12-31" });
    expect(ok.error).toBeNull();
    expect(ok.data!.map((r) => r.month)).toHaveLength(12);
    const refused = await as("dispatcher").rpc("revenue_by_month", { p_org_id: ORG_A, p_from: "2026-01-01", p_to: "2026-12-31" });
    expect(refused.status).toBe(403);
    expect(refused.error?.code).toBe("forbidden_role");
    const stranger = await as("otherOrgAdmin").rpc("revenue_by_month", { p_org_id: ORG_A, p_from: "2026-01-01", p_to: "2026-12-31" });
    expect(stranger.status).toBe(404);
    expect(stranger.error?.code).toBe("not_found");
  });

  it("alerts_over_time: the dispatcher reads a dense series, the accountant gets 403, a reversed period 400", async () => {
    const ok = await as("dispatcher").rpc("alerts_over_time", { p_org_id: ORG_A, p_from: "2026-11-01", p_to: "2026-11-30" });
    expect(ok.error).toBeNull();
    expect(ok.data).toHaveLength(30 * 3);
    const refused = await as("accountant").rpc("alerts_over_time", { p_org_id: ORG_A, p_from: "2026-11-01", p_to: "2026-11-30" });
    expect(refused.status).toBe(403);
    const reversed = await as("dispatcher").rpc("alerts_over_time", { p_org_id: ORG_A, p_from: "2026-11-30", p_to: "2026-11-01" });
    expect(reversed.status).toBe(400);
    expect(reversed.error?.code).toBe("invalid_parameter");
  });

  it("stock_level_history: one row per day for the dispatcher, 404 for an item of another organization", async () => {
    const admin = supabaseClient(stack.serviceRoleKey);
    const { data: item } = await admin.from("stock_items").select("id").eq("org_id", ORG_A).limit(1).single();
    const ok = await as("dispatcher").rpc("stock_level_history", { p_item_id: item!.id, p_from: "2026-11-01", p_to: "2026-11-07" });
    expect(ok.error).toBeNull();
    expect(ok.data!.map((r) => r.day)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07"]);
    const stranger = await as("otherOrgAdmin").rpc("stock_level_history", { p_item_id: item!.id, p_from: "2026-11-01", p_to: "2026-11-07" });
    expect(stranger.status).toBe(404);
  });
});

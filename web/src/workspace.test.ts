import { describe, expect, it } from "vitest";
import type { TerrainClient } from "./supabase.ts";
import { appFor, currentMembership, homeOf, loadMemberships, pathBelongsTo, type Membership, type MembershipStore } from "./workspace.ts";

const chaleur: Membership = { orgId: "org-a", orgName: "Chaleur Express", role: "admin", clientId: null };
const rhone: Membership = { orgId: "org-b", orgName: "Plomberie du Rhône", role: "technician", clientId: null };

function memoryStore(): MembershipStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, read: (key) => values.get(key) ?? null, write: (key, value) => void values.set(key, value) };
}

/** A client whose memberships read answers `answer` (or throws it when it is an Error). */
function clientAnswering(answer: { data: unknown; error: unknown } | Error): TerrainClient {
  const query = {
    select: () => query,
    eq: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
  };
  return { from: () => query } as unknown as TerrainClient;
}

describe("which app a role gets", () => {
  it("sends technicians to the phone app, clients to the portal, everyone else to the office", () => {
    expect(appFor("technician")).toBe("technician");
    expect(appFor("client")).toBe("portal");
    for (const role of ["owner", "admin", "dispatcher", "accountant"] as const) expect(appFor(role)).toBe("office");
    expect([homeOf("technician"), homeOf("office"), homeOf("portal")]).toEqual(["/", "/office", "/portal"]);
  });

  it("keeps each app's paths to itself", () => {
    expect(pathBelongsTo("office", "/office/missions/x")).toBe(true);
    expect(pathBelongsTo("office", "/officer")).toBe(false);
    expect(pathBelongsTo("office", "/portal")).toBe(false);
    expect(pathBelongsTo("portal", "/portal/invoices/x")).toBe(true);
    expect(pathBelongsTo("portal", "/office")).toBe(false);
    expect(pathBelongsTo("technician", "/missions/x")).toBe(true);
    expect(pathBelongsTo("technician", "/office/alerts")).toBe(false);
    expect(pathBelongsTo("technician", "/portal")).toBe(false);
  });

  it("works in the organization chosen last on this device, else the first one", () => {
    expect(currentMembership([chaleur, rhone], "org-b")).toBe(rhone);
    expect(currentMembership([chaleur, rhone], "gone")).toBe(chaleur);
    expect(currentMembership([chaleur, rhone], null)).toBe(chaleur);
    expect(currentMembership([], "org-a")).toBeNull();
  });
});

describe("loadMemberships", () => {
  const rows = [
    { org_id: "org-b", role: "technician", client_id: null, organizations: { name: "Plomberie du Rhône" } },
    { org_id: "org-a", role: "admin", client_id: null, organizations: { name: "Chaleur Express" } },
  ];

  it("reads them from the server, sorted by organization name, and keeps them on the device", async () => {
    const store = memoryStore();
    const loaded = await loadMemberships(clientAnswering({ data: rows, error: null }), "user-1", store);
    expect(loaded).toEqual({ kind: "loaded", memberships: [chaleur, rhone], fromCache: false });
    expect(JSON.parse(store.values.get("terrain.memberships.user-1")!)).toEqual([chaleur, rhone]);
  });

  it("falls back to what this device saw last when the server does not answer", async () => {
    const store = memoryStore();
    await loadMemberships(clientAnswering({ data: rows, error: null }), "user-1", store);
    const offline = await loadMemberships(clientAnswering(new TypeError("Failed to fetch")), "user-1", store);
    expect(offline).toEqual({ kind: "loaded", memberships: [chaleur, rhone], fromCache: true });
    const refused = await loadMemberships(clientAnswering({ data: null, error: { message: "JWT expired" } }), "user-1", store);
    expect(refused).toMatchObject({ kind: "loaded", fromCache: true });
  });

  it("fails, with the reason, when neither the server nor the device knows", async () => {
    const store = memoryStore();
    expect(await loadMemberships(clientAnswering({ data: null, error: { message: "JWT expired" } }), "user-2", store)).toEqual({
      kind: "failed",
      message: "JWT expired",
    });
    expect(await loadMemberships(clientAnswering(new TypeError("Failed to fetch")), "user-2", store)).toMatchObject({ kind: "failed" });
    // Another user's memberships are never used.
    await loadMemberships(clientAnswering({ data: rows, error: null }), "user-1", store);
    expect(await loadMemberships(clientAnswering(new TypeError("Failed to fetch")), "user-2", store)).toMatchObject({ kind: "failed" });
  });
});

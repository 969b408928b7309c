import { lazy } from "react";
import { describe, expect, it } from "vitest";
import { areasFor, homeAreaFor, matchArea, type AreaDefinition } from "./areas.ts";

const component = lazy(async () => ({ default: () => null }));
const area = (id: string, path: string, order: number, roles: AreaDefinition["roles"], homeFor?: AreaDefinition["roles"]): AreaDefinition => ({
  id,
  path,
  order,
  roles,
  homeFor,
  label: { fr: id, en: id },
  component,
});
const alerts = area("alerts", "/office/alerts", 10, ["owner", "admin", "dispatcher"], ["owner", "admin"]);
const alertSettings = area("alert-settings", "/office/alerts/settings", 11, ["owner", "admin"]);
const missions = area("missions", "/office/missions", 20, ["owner", "admin", "dispatcher"], ["dispatcher"]);
const invoices = area("invoices", "/office/invoices", 30, ["owner", "admin", "accountant"]);
const all = [alerts, alertSettings, missions, invoices];

describe("back-office areas", () => {
  it("offers each role the areas it works in", () => {
    expect(areasFor("accountant", all).map((a) => a.id)).toEqual(["invoices"]);
    expect(areasFor("dispatcher", all).map((a) => a.id)).toEqual(["alerts", "missions"]);
    expect(areasFor("technician", all)).toEqual([]);
  });

  it("lands each role on its declared home, else on its first area", () => {
    expect(homeAreaFor("admin", all)?.id).toBe("alerts");
    expect(homeAreaFor("dispatcher", all)?.id).toBe("missions");
    expect(homeAreaFor("accountant", all)?.id).toBe("invoices");
    expect(homeAreaFor("client", all)).toBeNull();
  });

  it("matches a path to the most specific area and gives it the rest", () => {
    expect(matchArea("/office/missions", all)).toEqual({ area: missions, rest: "" });
    expect(matchArea("/office/missions/abc", all)).toEqual({ area: missions, rest: "/abc" });
    expect(matchArea("/office/alerts/settings/x", all)).toEqual({ area: alertSettings, rest: "/x" });
    expect(matchArea("/office/alertsx", all)).toBeNull();
    expect(matchArea("/office/unknown", all)).toBeNull();
  });
});

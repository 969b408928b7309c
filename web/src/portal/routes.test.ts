import { describe, expect, it } from "vitest";
import { matchPortalRoute } from "./routes.ts";

describe("matchPortalRoute", () => {
  it("names the lists and the home", () => {
    expect(matchPortalRoute("/portal")).toEqual({ name: "home", section: "home" });
    expect(matchPortalRoute("/portal/")).toEqual({ name: "home", section: "home" });
    expect(matchPortalRoute("/portal/invoices")).toEqual({ name: "invoices", section: "invoices" });
    expect(matchPortalRoute("/portal/requests/new")).toEqual({ name: "newRequest", section: "requests" });
    expect(matchPortalRoute("/portal/emergency")).toEqual({ name: "emergency", section: "emergency" });
  });

  it("passes any id to the detail screen, which asks the database", () => {
    expect(matchPortalRoute("/portal/invoices/abc")).toEqual({ name: "invoice", section: "invoices", id: "abc" });
    expect(matchPortalRoute("/portal/missions/a0000000-0000-4000-8000-000000000001")).toMatchObject({ name: "mission", id: "a0000000-0000-4000-8000-000000000001" });
  });

  it("answers not found for anything else", () => {
    for (const path of ["/portal/nothing", "/portal/invoices/x/y", "/portal/requests/x", "/portal/emergency/x", "/office"]) {
      expect(matchPortalRoute(path).name, path).toBe("notFound");
    }
  });
});

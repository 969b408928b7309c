/**
 * The health page (/office/health): an owner sees the organization-level
 * checks counted on the organization's own rows (here, the seed's overdue
 * emergency of Chaleur Express), never the platform checks; a dispatcher is
 * not offered it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { stack, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, freshDesktopPage, launchBrowser, logAxeReport, pathOf, signIn } from "./browser.ts";

const CHALEUR = "a0000000-0000-4000-8000-0000000000a0"; // supabase/seeds
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  logAxeReport("office health");
  await browser?.close();
});

const freshPage = () => freshDesktopPage(browser, stack.apiUrl);

describe("the health page", () => {
  it("lists the organization's checks with their counts, and no platform check", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "admin@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Santé" }).click();
      await expect.poll(() => pathOf(page)).toBe("/office/health");
      await page.getByRole("heading", { level: 1, name: "Santé de l’organisation" }).waitFor();
      const table = page.getByRole("table", { name: "Vérifications" });
      await table.waitFor();
      // Eight organization-level checks (a header row and one row each).
      await expect.poll(() => table.getByRole("row").count()).toBe(9);
      for (const name of ["Articles en stock négatif", "Chaîne d’intégrité des factures", "Urgences en attente au-delà du seuil d’alerte"]) {
        expect(await table.getByText(name).count(), name).toBe(1);
      }
      // Platform checks are the operator's: their names never appear.
      const text = (await table.textContent()) ?? "";
      for (const platform of ["rls_coverage", "cron_failures_24h", "orphaned_attachments", "RLS"]) expect(text).not.toContain(platform);

      // The count is the organization's own rows, as the database counts them.
      const expected = await withDb(async (db) =>
        Number((await db.query<{ n: string }>("select count(*) as n from ops.check_emergencies_pending_overdue where org_id = $1", [CHALEUR])).rows[0]!.n),
      );
      expect(expected).toBeGreaterThan(0); // the seed's overdue emergency
      const row = table.getByRole("row").filter({ hasText: "Urgences en attente au-delà du seuil d’alerte" });
      expect(await row.getByText("À traiter").count()).toBe(1);
      expect((await row.getByRole("cell").nth(3).textContent())?.trim()).toBe(String(expected));
      await page.getByTestId("health-summary").waitFor();

      await checkDesktopScreen(page, "office-health");
    } finally {
      await context.close();
    }
  });

  it("is not offered to a dispatcher: no link, and the path is a not-found page", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "dispatch@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      expect(await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Santé" }).count()).toBe(0);
      await page.goto("/office/health");
      await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    } finally {
      await context.close();
    }
  });
});

/**
 * Reports (/office/reports): the charts, each with its data as a table, shown to
 * the roles its RPC serves — the admin sees alerts, revenue and stock; the
 * dispatcher no revenue; the accountant no alerts. The stock chart of an item of
 * this test's own reads the ledger's end-of-day level. axe on each; desktop screenshots.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { stack, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, expectAxeClean, launchBrowser, logAxeReport, officePage } from "./browser.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const run = randomUUID().slice(0, 8);
const NAME = `Vase d'expansion ${run}`;
let itemId: string;
let browser: Browser;

beforeAll(async () => {
  itemId = await withDb(async (db) => {
    const id = (
      await db.query<{ id: string }>("insert into public.stock_items (org_id, sku, name, unit, price_cents) values ($1, $2, $3, 'u', 3900) returning id", [
        ORG,
        `REP-${run}`,
        NAME,
      ])
    ).rows[0]!.id;
    await db.query("insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values ($1, $2, 'in', 17, 'réception')", [ORG, id]);
    return id;
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  logAxeReport("office reports");
  await browser?.close();
});

async function openReports(email: string): Promise<Page> {
  const { page } = await officePage(browser, stack.apiUrl, email);
  await page.getByRole("link", { name: "Rapports" }).click();
  await page.getByRole("heading", { level: 1, name: "Rapports" }).waitFor();
  return page;
}

const chartTitles = (page: Page) => page.locator("figure.chart figcaption").allTextContents();

describe("reports", () => {
  it("shows the admin alerts, revenue and the stock level of an item, each drawn and each readable as a table", async () => {
    const page = await openReports("admin@chaleur-express.test");
    try {
      await expect.poll(() => page.locator("figure.chart").count()).toBe(3);
      expect((await chartTitles(page)).join(" | ")).toMatch(/Alertes déclenchées par jour.*Chiffre d’affaires et impayés par mois.*Niveau de stock par jour/);
      // uPlot loaded and drew on a canvas in every figure.
      await expect.poll(() => page.locator("figure.chart canvas").count()).toBeGreaterThanOrEqual(3);
      // This test's item: today's end-of-day level is 17.
      await page.getByLabel("Article").selectOption(itemId);
      const stock = page.locator("figure.chart").nth(2);
      // The table is there for screen readers, visually hidden until the toggle shows it.
      const toggle = stock.getByRole("button", { name: "Afficher les données en tableau" });
      expect(await toggle.getAttribute("aria-pressed")).toBe("false");
      expect(await stock.locator("table.data-table").locator("..").getAttribute("class")).toBe("visually-hidden");
      await toggle.click();
      expect(await toggle.getAttribute("aria-pressed")).toBe("true");
      await stock.getByRole("region", { name: /^Niveau de stock par jour/ }).waitFor();
      const lastRow = stock.locator("table tbody tr").last();
      await expect.poll(() => lastRow.textContent()).toContain("17");
      await checkDesktopScreen(page, "office-reports");
    } finally {
      await page.context().close();
    }
  });

  it("shows each role only the charts its data is for", async () => {
    const dispatcher = await openReports("dispatch@chaleur-express.test");
    try {
      await expect.poll(() => dispatcher.locator("figure.chart").count()).toBe(2);
      const titles = (await chartTitles(dispatcher)).join(" | ");
      expect(titles).toContain("Alertes déclenchées par jour");
      expect(titles).not.toContain("Chiffre d’affaires");
    } finally {
      await dispatcher.context().close();
    }
    const accountant = await openReports("compta@chaleur-express.test");
    try {
      await expect.poll(() => accountant.locator("figure.chart").count()).toBe(2);
      const titles = (await chartTitles(accountant)).join(" | ");
      expect(titles).toContain("Chiffre d’affaires et impayés par mois");
      expect(titles).not.toContain("Alertes");
      await expectAxeClean(accountant, "reports-accountant");
    } finally {
      await accountant.context().close();
    }
  });
});

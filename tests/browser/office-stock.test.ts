/**
 * Stock in the back office: the items with their level in words (critical,
 * below minimum, enough), an item's movement ledger (newest first, a cursor
 * for older pages), and an admin recording movements: a quantity that is not
 * a number is refused next to the field before anything is sent, "2,5" is two
 * and a half, negative stock is refused by the database and its message shown.
 * The item is this run's own.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { stack, withDb } from "../integration/harness.ts";
import { desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, officePage } from "./browser.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const run = randomUUID().slice(0, 8);
const SKU = `STK-${run}`;
const NAME = `Vase d'expansion ${run}`;
let itemId: string;

let browser: Browser;

beforeAll(async () => {
  itemId = await withDb(async (db) => {
    const id = (
      await db.query<{ id: string }>("insert into public.stock_items (org_id, sku, name, unit, min_stock, price_cents) values ($1, $2, $3, 'u', 8, 4500) returning id", [
        ORG,
        SKU,
        NAME,
      ])
    ).rows[0]!.id;
    // 55 receptions of 1: more than one page of ledger (50 a page).
    await db.query(
      `insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
       select $1, $2, 'in', 1, 'réception ' || n from generate_series(1, 55) n`,
      [ORG, id],
    );
    return id;
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  logAxeReport("office stock");
});

describe("stock", () => {
  it("lists the items with their level in words, and pages an item's ledger with a cursor", async () => {
    const { context, page } = await officePage(browser, stack.apiUrl, "dispatch@chaleur-express.test");
    try {
      await page.goto("/office/stock");
      await page.getByRole("heading", { level: 1, name: "Stock" }).waitFor();
      await page.getByLabel("Rechercher un article (référence, nom)").fill(SKU);
      const mine = page.locator(`[data-testid="stock-row"][data-item-id="${itemId}"]`);
      await expect.poll(() => mine.getByTestId("stock-level").textContent()).toBe("Suffisant");
      // The seeded demo data has items below their minimum: the filter keeps only those, named in words.
      await page.getByLabel("Rechercher un article (référence, nom)").fill("");
      await page.getByLabel("Seulement les articles sous le minimum").check();
      await expect.poll(() => page.getByTestId("stock-row").count()).toBeGreaterThan(0);
      const levels = await page.getByTestId("stock-level").allTextContents();
      expect(levels.every((l) => /Critique|Sous le minimum/.test(l))).toBe(true);
      await expectAxeClean(page, "stock");
      await desktopScreenshot(page, "office-stock");

      await page.goto(`/office/stock/${itemId}`);
      await page.getByRole("heading", { level: 1, name: `${NAME} (${SKU})` }).waitFor();
      await expect.poll(() => page.getByTestId("ledger-row").count()).toBe(50);
      expect(await page.getByTestId("ledger-row").first().locator("td").first().textContent()).toBe("55");
      await page.getByRole("button", { name: "Afficher les mouvements plus anciens" }).click();
      await expect.poll(() => page.getByTestId("ledger-row").count()).toBe(55);
      expect(await page.getByTestId("ledger-row").last().locator("td").first().textContent()).toBe("1");
      // A dispatcher reads the stock; recording movements is for owners and admins.
      await page.getByText("Seuls un propriétaire ou un administrateur enregistrent des mouvements de stock.").waitFor();
    } finally {
      await context.close();
    }
  });

  it("lets an admin record movements; negative stock is refused with the database's message", async () => {
    const { context, page } = await officePage(browser, stack.apiUrl, "admin@chaleur-express.test");
    try {
      await page.goto(`/office/stock/${itemId}`);
      await expect.poll(() => page.getByTestId("item-on-hand").textContent()).toBe("55 u");
      // Not a number: refused in the form, next to the field, before anything is sent.
      const quantity = page.getByLabel("Quantité");
      for (const typed of ["abc", "1,2,3", "2,,5", "1e3"]) {
        await quantity.fill(typed);
        await page.getByRole("button", { name: "Enregistrer" }).click();
        await expect.poll(() => quantity.getAttribute("aria-invalid")).toBe("true");
        const describedBy = (await quantity.getAttribute("aria-describedby"))!;
        expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe("Saisissez un nombre, par exemple 2 ou 2,5.");
        expect(await page.getByText(/invalid input syntax/).count()).toBe(0);
      }
      await expectAxeClean(page, "stock-item-not-a-number");
      const untouched = await withDb((db) => db.query("select movement_count::int from public.stock_items where id = $1", [itemId]));
      expect(untouched.rows[0]).toEqual({ movement_count: 55 });

      // "2,5" is two and a half (the French keyboard types a comma).
      await page.getByLabel("Type de mouvement").selectOption("in");
      await quantity.fill("2,5");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByText("Mouvement enregistré. En stock : 57,5.").waitFor();
      expect(await quantity.getAttribute("aria-invalid")).toBeNull();
      await page.getByLabel("Type de mouvement").selectOption("out");
      await quantity.fill("2.5");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByText("Mouvement enregistré. En stock : 55.").waitFor();

      await page.getByLabel("Type de mouvement").selectOption("out");
      await page.getByLabel("Quantité").fill("60");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByText("Stock insuffisant : 55 disponible(s), 60 demandé(s).").waitFor();
      await expectAxeClean(page, "stock-item-refused");

      await page.getByLabel("Type de mouvement").selectOption("down");
      await page.getByLabel("Quantité").fill("50");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      // An adjustment without a reason: the table's CHECK refuses it.
      await page.getByRole("alert").waitFor();
      await page.getByLabel("Motif (obligatoire pour un ajustement)").fill("Inventaire annuel");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByText("Mouvement enregistré. En stock : 5.").waitFor();
      await expect.poll(() => page.getByTestId("item-on-hand").textContent()).toBe("5 u");
      await expect.poll(() => page.getByTestId("stock-level").textContent()).toContain("Sous le minimum");
      const first = page.getByTestId("ledger-row").first();
      await expect.poll(() => first.textContent()).toContain("Ajustement −");
      expect(await first.textContent()).toContain("Inventaire annuel");
      await expectAxeClean(page, "stock-item");
      await desktopScreenshot(page, "office-stock-item");

      const stored = await withDb((db) => db.query("select trim_scale(on_hand)::text as on_hand, movement_count::int from public.stock_items where id = $1", [itemId]));
      expect(stored.rows[0]).toEqual({ on_hand: "5", movement_count: 58 });
    } finally {
      await context.close();
    }
  });
});

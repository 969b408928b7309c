/**
 * The back office's global search (Ctrl+K): the dispatcher finds a mission by
 * its client's name, even misspelt, and Enter opens the mission's page; the
 * palette follows the ARIA combobox pattern (aria-activedescendant moves with
 * the arrow keys) and passes axe; Escape closes it and the focus goes back.
 * The rows are the test's own (a client of its own name in Chaleur Express,
 * with a site and a mission), created and removed with the service role's
 * database connection, so the test can run in any order and again. What a
 * portal user can reach is proved on the RPC (tests/integration/global-search.test.ts):
 * the portal has no search box.
 */
import { randomUUID } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, desktopContext, launchBrowser, logAxeReport, signIn } from "./browser.ts";

const CHALEUR = "a0000000-0000-4000-8000-0000000000a0"; // supabase/seeds
// Letters only, so the name is one word to the full-text search.
const token = randomUUID().replace(/[^a-f]/g, "").slice(0, 6).padEnd(6, "x");
const clientName = `Résidence Azurine ${token}`;
const typo = `Residence Azurnie ${token}`;
const ids = { client: randomUUID(), site: randomUUID(), mission: randomUUID() };
const missionTitle = "Visite annuelle de la chaufferie collective";

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await withDb(async (c) => {
    await c.query("insert into public.clients (id, org_id, name, email) values ($1, $2, $3, $4)", [ids.client, CHALEUR, clientName, `syndic-${token}@example.test`]);
    await c.query("insert into public.sites (id, org_id, client_id, name, address, postal_code, city) values ($1, $2, $3, 'Chaufferie', '4 rue des Essais', '69003', 'Lyon')", [
      ids.site,
      CHALEUR,
      ids.client,
    ]);
    await c.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, $5)", [ids.mission, CHALEUR, ids.client, ids.site, missionTitle]);
  });
  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, "dispatch@chaleur-express.test");
  await page.waitForURL(/\/office(\/|$)/);
  // The header's search button is there once the palette's code has loaded.
  await page.getByTestId("search-open").waitFor();
});

afterAll(async () => {
  logAxeReport("office search");
  await context?.close();
  await browser?.close();
  // The audit trail keeps what it recorded; the rows themselves go (history first, then the mission, site, client).
  await withDb(async (c) => {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    await c.query("delete from public.mission_status_history where mission_id = $1", [ids.mission]);
    await c.query("delete from public.missions where id = $1", [ids.mission]);
    await c.query("delete from public.sites where id = $1", [ids.site]);
    await c.query("delete from public.clients where id = $1", [ids.client]);
    await c.query("commit");
  });
});

const palette = () => page.getByRole("dialog", { name: "Recherche globale" });
const combobox = () => palette().getByRole("combobox");
const missionOption = () => palette().getByRole("group", { name: "Missions" }).getByRole("option", { name: new RegExp(missionTitle) });

describe("global search palette", () => {
  it("Ctrl+K opens it; a client's name finds the mission; Enter opens the mission's page", async () => {
    await page.keyboard.press("Control+k");
    await palette().waitFor();
    expect(await combobox().evaluate((el) => el === document.activeElement)).toBe(true);
    await combobox().fill(clientName);
    await missionOption().waitFor();
    expect(await palette().getByRole("group", { name: "Clients" }).getByRole("option", { name: new RegExp(clientName) }).count()).toBe(1);

    await checkDesktopScreen(page, "office-search-palette");

    // The arrow keys move the active option; the combobox names it.
    await combobox().press("ArrowDown");
    const activeId = await combobox().getAttribute("aria-activedescendant");
    expect(activeId).toBeTruthy();
    expect(await missionOption().getAttribute("id")).toBe(activeId);
    expect(await missionOption().getAttribute("aria-selected")).toBe("true");

    await combobox().press("Enter");
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/office/missions/${ids.mission}`);
    expect(await palette().isVisible()).toBe(false);
  });

  it("a misspelt client name still finds the mission", async () => {
    await page.keyboard.press("Control+k");
    await palette().waitFor();
    await combobox().fill(typo);
    await missionOption().waitFor();
  });

  it("Escape closes it and the focus returns to where it was (the header's search button)", async () => {
    await page.keyboard.press("Escape");
    await palette().waitFor({ state: "hidden" });
    const button = page.getByTestId("search-open");
    await button.click();
    await palette().waitFor();
    await page.keyboard.press("Escape");
    await palette().waitFor({ state: "hidden" });
    expect(await button.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it("says when nothing matches, and asks for 2 characters first", async () => {
    await page.keyboard.press("Control+k");
    await combobox().fill("z");
    await palette().getByText("Tapez au moins 2 caractères", { exact: false }).waitFor();
    await combobox().fill(`qqq${token}zzz`);
    await palette().getByText(`Aucun résultat pour « qqq${token}zzz ».`).waitFor();
    await page.keyboard.press("Escape");
  });
});

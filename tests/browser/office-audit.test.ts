/**
 * The audit log viewer, as an organization's admin on a desktop: filters by
 * row, action, actor and date range (public.audit_log_page), pages forward and
 * back through the keyset cursors, the diff of an update (old → new), and the
 * CSV export (public.audit_log_csv: formula-safe, and itself audited). A
 * dispatcher has no audit screen: its URL is the not-found page.
 *
 * Works in an organization of its own whose trail is known: a tracked client
 * inserted then updated 30 times by the admin (31 rows: two pages of 25), a
 * client updated with a reason that looks like a spreadsheet formula, and a
 * deleted client.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { desktopContext, desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, signIn } from "./browser.ts";

const run = randomUUID().slice(0, 8);
const ORG = randomUUID();
const TRACKED = randomUUID();
const FORMULA = randomUUID();
const DELETED = randomUUID();
const PASSWORD = `audit-${run}-secret`;
const ADMIN_EMAIL = `admin-audit-${run}@audit-browser.test`;
const createdUsers: string[] = [];
let adminId: string;

let browser: Browser;
let context: BrowserContext;
let page: Page;

const entries = () => page.getByRole("table", { name: "Entrées du journal, les plus récentes d’abord" }).locator("tbody tr");
const pageLabel = () => page.getByTestId("audit-page").textContent();

async function applyFilters(values: Partial<Record<"Table" | "Action" | "Identifiant de ligne" | "Du" | "Au (inclus)", string>>) {
  await page.getByRole("button", { name: "Effacer les filtres" }).click();
  for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole("button", { name: "Filtrer" }).click();
}

/** The text of every row's cell in one column (1-based), once the table has settled on `count` rows. */
async function columnTexts(column: number, count: number): Promise<string[]> {
  await expect.poll(() => entries().count()).toBe(count);
  return entries().locator(`td:nth-child(${column})`).allTextContents();
}

beforeAll(async () => {
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email: ADMIN_EMAIL, password: PASSWORD, email_confirm: true });
  if (created.error) throw created.error;
  adminId = created.data.user.id;
  createdUsers.push(adminId);
  await withDb(async (c) => {
    await c.query("insert into public.organizations (id, name) values ($1, $2)", [ORG, `Audit Navigateur ${run}`]);
    await c.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'admin')", [ORG, adminId]);
    await c.query("update public.profiles set full_name = 'Alice Audit' where id = $1", [adminId]);
    await c.query(
      `insert into public.clients (id, org_id, name) values ($1, $4, $5), ($2, $4, '=HYPERLINK("http://evil.test","x")'), ($3, $4, $6)`,
      [TRACKED, FORMULA, DELETED, ORG, `Client suivi ${run}`, `Client supprimé ${run}`],
    );
    // Thirty updates of the tracked client made as the admin (the audit trigger reads the actor from the JWT claims).
    await c.query("begin");
    await c.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: adminId, role: "authenticated" })]);
    for (let i = 1; i <= 30; i++) await c.query("update public.clients set notes = $2 where id = $1", [TRACKED, `note ${i}`]);
    await c.query("commit");
    // A reason that a spreadsheet would run as a formula.
    await c.query("begin");
    await c.query("select set_config('terrain.audit_reason', '=1+2', true)");
    await c.query("update public.clients set notes = 'formule' where id = $1", [FORMULA]);
    await c.query("commit");
    await c.query("delete from public.clients where id = $1", [DELETED]);
  });

  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, ADMIN_EMAIL, PASSWORD);
  await page.waitForURL((url) => url.pathname.startsWith("/office"));
});

afterAll(async () => {
  logAxeReport("office audit");
  await browser?.close();
  await removeTestOrganization(ORG);
  await withDb((c) => c.query("delete from auth.users where id = any($1::uuid[])", [createdUsers]));
});

describe("the audit log viewer", () => {
  it("opens from the navigation, newest entries first", async () => {
    await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Journal d’audit" }).click();
    await page.getByRole("heading", { level: 1, name: "Journal d’audit" }).waitFor();
    await expect.poll(() => entries().count()).toBe(25);
    // The newest entry is the deletion.
    await expect.poll(() => entries().first().textContent()).toMatch(/Suppression.*public\.clients/);
    expect(await pageLabel()).toBe("Page 1");
    await expectAxeClean(page, "audit");
    await desktopScreenshot(page, "office-audit");
  });

  it("filters by row, pages forward and back through the cursors", async () => {
    await applyFilters({ "Identifiant de ligne": TRACKED });
    const firstPage = await columnTexts(3, 25);
    expect(new Set(firstPage)).toEqual(new Set(["Modification"]));
    const firstRowText = await entries().first().textContent();

    await page.getByRole("button", { name: "Page suivante" }).click();
    await expect.poll(pageLabel).toBe("Page 2");
    const secondPage = await columnTexts(3, 6);
    expect(secondPage).toEqual(["Modification", "Modification", "Modification", "Modification", "Modification", "Création"]);
    expect(await page.getByRole("button", { name: "Page suivante" }).isDisabled()).toBe(true);
    await expectAxeClean(page, "audit-page-2");

    await page.getByRole("button", { name: "Page précédente" }).click();
    await expect.poll(pageLabel).toBe("Page 1");
    await expect.poll(() => entries().first().textContent()).toBe(firstRowText);
    expect(await page.getByRole("button", { name: "Page précédente" }).isDisabled()).toBe(true);
  });

  it("shows an update's diff as old → new per column", async () => {
    const newest = entries().first();
    await newest.getByText(/^Détail \(1\)$/).click();
    const diff = newest.getByTestId("audit-diff");
    await diff.waitFor();
    expect(await diff.textContent()).toMatch(/^notes\s*avant : note 29\s+→\s+après : note 30$/);
    await expect.poll(() => newest.locator("td:nth-child(2)").textContent()).toBe(ADMIN_EMAIL);
    await expectAxeClean(page, "audit-diff");
    await desktopScreenshot(page, "office-audit-diff");
  });

  it("filters by action, by actor and by date range", async () => {
    await applyFilters({ Action: "delete" });
    expect(await columnTexts(3, 1)).toEqual(["Suppression"]);

    await page.getByRole("button", { name: "Effacer les filtres" }).click();
    await page.getByLabel("Auteur").selectOption({ value: adminId });
    await page.getByRole("button", { name: "Filtrer" }).click();
    expect(new Set(await columnTexts(2, 25))).toEqual(new Set([ADMIN_EMAIL]));
    await page.getByRole("button", { name: "Page suivante" }).click();
    expect(new Set(await columnTexts(2, 5))).toEqual(new Set([ADMIN_EMAIL]));

    const today = await page.evaluate(() => new Date().toLocaleDateString("sv-SE"));
    const tomorrow = await page.evaluate(() => new Date(Date.now() + 86_400_000).toLocaleDateString("sv-SE"));
    await applyFilters({ "Identifiant de ligne": TRACKED, Du: today, "Au (inclus)": today });
    await columnTexts(3, 25);
    await applyFilters({ "Identifiant de ligne": TRACKED, Du: tomorrow });
    await page.getByText("Rien à afficher.").waitFor();
    await expectAxeClean(page, "audit-empty");
  });

  it("exports the filtered log as CSV, formula-safe, and the export is itself in the log", async () => {
    await applyFilters({ "Identifiant de ligne": FORMULA });
    await columnTexts(3, 2);
    await entries().first().getByText("Motif : =1+2").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Exporter en CSV" }).click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    const [header, ...records] = csv.trimEnd().split("\r\n");
    expect(header).toBe("id,occurred_at,org_id,actor_user_id,actor_email,actor_api_key_id,actor_role,action,table_name,row_id,diff,reason,request_id,txid");
    expect(records).toHaveLength(2);
    expect(records[0]).toContain(`update,public.clients,${FORMULA}`);
    expect(records[1]).toContain(`insert,public.clients,${FORMULA}`);
    // The reason starts with "=": the database prefixed it with a quote, so a spreadsheet shows it as text.
    expect(records[0]).toContain(",'=1+2,");
    expect(csv).not.toMatch(/(^|,)=/m);
    await expect.poll(() => page.getByTestId("audit-export-status").textContent()).toBe("Export téléchargé : 2 entrées.");

    const exports = await withDb((c) =>
      c.query("select actor_user_id, diff -> 'filters' ->> 'row_id' as row_id, diff ->> 'rows' as rows from audit.log where org_id = $1 and action = 'audit_export'", [ORG]),
    );
    expect(exports.rows).toEqual([{ actor_user_id: adminId, row_id: FORMULA, rows: "2" }]);
    await expectAxeClean(page, "audit-export");
  });

  it("is not a dispatcher's: no link, and its URL is the not-found page", async () => {
    const dispatcherContext = await desktopContext(browser, stack.apiUrl);
    const dispatcher = await dispatcherContext.newPage();
    try {
      await dispatcher.goto("/");
      await signIn(dispatcher, "dispatch@chaleur-express.test");
      await dispatcher.waitForURL((url) => url.pathname.startsWith("/office"));
      await dispatcher.goto("/office/audit");
      await dispatcher.getByTestId("not-found").waitFor();
      expect(await dispatcher.getByRole("link", { name: "Journal d’audit" }).count()).toBe(0);
    } finally {
      await dispatcherContext.close();
    }
  });
});

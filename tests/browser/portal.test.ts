/**
 * The client portal, as a client's portal user on a desktop: their invoice and
 * its PDF (through the invoice-pdf function, as themselves; its refusal in
 * French), their missions
 * with the technician's first name only, a new request and an emergency
 * (rows in SQL for their client, source 'portal'), and nothing of another
 * client of the same organization: that client's invoice, mission and site by
 * URL are the not-found page an unknown id gets, and supabase-js as the
 * portal user reads nothing of them either (RLS, portal_missions, the PDF
 * function). axe-core on every screen; desktop screenshots.
 *
 * Works in an organization of its own (legal identity complete, so invoices
 * can be issued), created through the database and removed afterwards.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { desktopContext, desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, signIn } from "./browser.ts";

const run = randomUUID().slice(0, 8);
const ORG = randomUUID();
const CLIENT_A = randomUUID();
const CLIENT_B = randomUUID();
const SITE_A = randomUUID();
const SITE_B = randomUUID();
const INVOICE_A = randomUUID();
const INVOICE_B = randomUUID();
const MISSION_A = randomUUID();
const MISSION_B = randomUUID();
const PASSWORD = `portal-${run}-secret`;
const PORTAL_EMAIL = `portail-${run}@copro-a.test`;
const TECH_EMAIL = `tech-${run}@portal-org.test`;
const createdUsers: string[] = [];
let portalUserId: string;
let invoiceANumber: string;
let invoiceBNumber: string;

let browser: Browser;
let context: BrowserContext;
let page: Page;

async function createUser(email: string): Promise<string> {
  const { data, error } = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
  if (error) throw error;
  createdUsers.push(data.user.id);
  return data.user.id;
}

const heading = (name: string | RegExp) => page.getByRole("heading", { level: 1, name });

beforeAll(async () => {
  portalUserId = await createUser(PORTAL_EMAIL);
  const techId = await createUser(TECH_EMAIL);
  await withDb(async (c) => {
    await c.query(
      `insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                         address_line1, postal_code, city, default_payment_terms_days, late_penalty_rate, phone)
       values ($1, $2, 'SAS', 1500000, '443061841', '44306184100005', 'FR40443061841', 'Lyon',
               '4 quai des Portails', '69005', 'Lyon', 30, 10.5, '04 72 00 00 00')`,
      [ORG, `Portail Chauffage ${run}`],
    );
    // Two clients of the same organization; neither has an email address, so completing a mission queues nothing.
    await c.query(
      `insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
         ($1, $3, $4, '552081317', '10 rue Alpha', '69007', 'Lyon'),
         ($2, $3, $5, '552100554', '20 rue Bravo', '69008', 'Lyon')`,
      [CLIENT_A, CLIENT_B, ORG, `Copropriété Alpha ${run}`, `Copropriété Bravo ${run}`],
    );
    await c.query(
      `insert into public.sites (id, org_id, client_id, name, address, postal_code, city, access_notes) values
         ($1, $3, $4, $6, '10 rue Alpha', '69007', 'Lyon', 'Code portail 1234'),
         ($2, $3, $5, $7, '20 rue Bravo', '69008', 'Lyon', null)`,
      [SITE_A, SITE_B, ORG, CLIENT_A, CLIENT_B, `Chaufferie Alpha ${run}`, `Chaufferie Bravo ${run}`],
    );
    await c.query("update public.profiles set full_name = 'Camille Dupont' where id = $1", [techId]);
    await c.query(
      `insert into public.memberships (org_id, user_id, role, client_id) values ($1, $2, 'client', $3), ($1, $4, 'technician', null)`,
      [ORG, portalUserId, CLIENT_A, techId],
    );
    // One issued invoice per client.
    for (const [invoice, client, description] of [
      [INVOICE_A, CLIENT_A, `Entretien chaudière Alpha ${run}`],
      [INVOICE_B, CLIENT_B, `Entretien chaudière Bravo ${run}`],
    ] as const) {
      await c.query(
        `insert into public.invoices (id, org_id, client_id, service_date) values ($1, $2, $3, current_date - 2)`,
        [invoice, ORG, client],
      );
      await c.query(
        `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate)
         values ($1, $2, 1, $3, 1, 'forfait', 123456, 20)`,
        [ORG, invoice, description],
      );
      await c.query("select public.issue_invoice($1)", [invoice]);
    }
    const numbers = await c.query<{ id: string; number: string }>("select id, number from public.invoices where id = any($1::uuid[])", [[INVOICE_A, INVOICE_B]]);
    invoiceANumber = numbers.rows.find((r) => r.id === INVOICE_A)!.number;
    invoiceBNumber = numbers.rows.find((r) => r.id === INVOICE_B)!.number;
    // A's mission, done by Camille; B's mission, planned.
    for (const [mission, client, site, title] of [
      [MISSION_A, CLIENT_A, SITE_A, `Réparation brûleur Alpha ${run}`],
      [MISSION_B, CLIENT_B, SITE_B, `Réparation brûleur Bravo ${run}`],
    ] as const) {
      await c.query(
        `insert into public.missions (id, org_id, client_id, site_id, title, scheduled_start, scheduled_end)
         values ($1, $2, $3, $4, $5, now() - interval '1 day', now() - interval '22 hours')`,
        [mission, ORG, client, site, title],
      );
      await c.query("update public.missions set status = 'published' where id = $1", [mission]);
      await c.query("update public.missions set status = 'assigned', technician_id = $2 where id = $1", [mission, techId]);
    }
    await c.query("update public.missions set status = 'in_progress' where id = $1", [MISSION_A]);
    await c.query("update public.missions set status = 'done' where id = $1", [MISSION_A]);
  });

  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, PORTAL_EMAIL, PASSWORD);
  await page.waitForURL((url) => url.pathname === "/portal");
});

afterAll(async () => {
  logAxeReport("portal");
  await browser?.close();
  await removeTestOrganization(ORG);
  await withDb((c) => c.query("delete from auth.users where id = any($1::uuid[])", [createdUsers]));
});

describe("the client portal", () => {
  it("opens on the home screen: what is coming, what to pay, what was asked", async () => {
    await heading("Bienvenue").waitFor();
    await page.getByRole("link", { name: invoiceANumber }).waitFor();
    expect(await page.getByText(invoiceBNumber).count()).toBe(0);
    // Nothing internal in the frame: no version, no system status.
    const text = (await page.locator("body").textContent()) ?? "";
    expect(text).not.toMatch(/version|santé|health/i);
    expect(text).not.toContain(TECH_EMAIL);
    await expectAxeClean(page, "home");
    await desktopScreenshot(page, "portal-home");
  });

  it("lists their invoices, opens one and downloads its PDF through invoice-pdf", async () => {
    await page.getByRole("navigation", { name: "Navigation de l’espace client" }).getByRole("link", { name: "Factures" }).click();
    await heading("Vos factures et avoirs").waitFor();
    await page.getByRole("link", { name: invoiceANumber }).waitFor();
    expect(await page.getByText(invoiceBNumber).count()).toBe(0);
    await expect.poll(() => page.getByRole("row").filter({ hasText: invoiceANumber }).textContent()).toMatch(/À régler/);
    await expectAxeClean(page, "invoices");
    await desktopScreenshot(page, "portal-invoices");

    await page.getByRole("link", { name: invoiceANumber }).click();
    await heading(`Facture ${invoiceANumber}`).waitFor();
    // 1 234,56 € HT at 20 %: 1 481,47 € TTC.
    await expect.poll(() => page.getByTestId("invoice-total").textContent()).toMatch(/1\s481,47\s€/);
    await page.getByRole("cell", { name: `Entretien chaudière Alpha ${run}` }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Télécharger le PDF" }).click()]);
    expect(download.suggestedFilename()).toBe(`${invoiceANumber}.pdf`);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    await expect.poll(() => page.getByRole("status").filter({ hasText: "téléchargé" }).count()).toBe(1);
    await expectAxeClean(page, "invoice");
    await desktopScreenshot(page, "portal-invoice");
  });

  it("a PDF the function refuses reads in French, naming the invoice, and nothing is downloaded", async () => {
    // The open invoice page stays; meanwhile the office moves the portal user to the other client (RLS: no longer theirs).
    await heading(`Facture ${invoiceANumber}`).waitFor();
    await withDb((db) => db.query("update public.memberships set client_id = $3 where org_id = $1 and user_id = $2", [ORG, portalUserId, CLIENT_B]));
    let downloads = 0;
    const countDownload = () => downloads++;
    page.on("download", countDownload);
    try {
      await page.getByRole("button", { name: "Télécharger le PDF" }).click();
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.locator(".error-message").textContent()).toBe("Cette facture est introuvable, ou vous n’y avez pas accès.");
      expect(await alert.locator(".error-message").getAttribute("data-error-code")).toBe("not_found");
      // The catalogue's "Invoice <id> not found" is translated whole: no English beside it.
      expect(await alert.locator(".error-original").count()).toBe(0);
      expect(downloads).toBe(0);
    } finally {
      page.off("download", countDownload);
      await withDb((db) => db.query("update public.memberships set client_id = $3 where org_id = $1 and user_id = $2", [ORG, portalUserId, CLIENT_A]));
    }
  });

  it("shows another client's invoice, mission and site by URL as the not-found page an unknown id gets", async () => {
    for (const path of [
      `/portal/invoices/${INVOICE_B}`,
      `/portal/invoices/${randomUUID()}`,
      "/portal/invoices/not-a-uuid",
      `/portal/missions/${MISSION_B}`,
      `/portal/sites/${SITE_B}`,
    ]) {
      await page.goto(path);
      await page.getByTestId("not-found").waitFor();
      await heading("Page introuvable").waitFor();
      const text = (await page.locator("main").textContent()) ?? "";
      expect(text, path).not.toContain(invoiceBNumber);
      expect(text, path).not.toContain("Bravo");
      expect(await page.getByRole("alert").count(), `${path}: no error message`).toBe(0);
    }
    await expectAxeClean(page, "not-found");
    await desktopScreenshot(page, "portal-not-found");
  });

  it("and the database agrees: supabase-js as the portal user reads nothing of the other client", async () => {
    const client = supabaseClient();
    const { error: signInError } = await client.auth.signInWithPassword({ email: PORTAL_EMAIL, password: PASSWORD });
    expect(signInError).toBeNull();
    const invoices = await client.from("invoices").select("id, number").eq("id", INVOICE_B);
    expect(invoices.error).toBeNull();
    expect(invoices.data).toEqual([]);
    const own = await client.from("invoices").select("id").eq("id", INVOICE_A);
    expect(own.data).toEqual([{ id: INVOICE_A }]);
    const lines = await client.from("invoice_lines").select("id").eq("invoice_id", INVOICE_B);
    expect(lines.data).toEqual([]);
    const sites = await client.from("sites").select("id").eq("id", SITE_B);
    expect(sites.data).toEqual([]);
    const missions = await client.rpc("portal_missions", { p_mission_id: MISSION_B });
    expect(missions.error).toBeNull();
    expect(missions.data).toEqual([]);
    const table = await client.from("missions").select("id").eq("id", MISSION_B);
    expect(table.data).toEqual([]);
    const { data: session } = await client.auth.getSession();
    const pdf = await fetch(`${stack.apiUrl}/functions/v1/invoice-pdf?invoice_id=${INVOICE_B}`, {
      headers: { Authorization: `Bearer ${session.session!.access_token}`, apikey: stack.anonKey },
    });
    expect(pdf.status).toBe(404);
    await client.auth.signOut();
  });

  it("lists their missions with the technician's first name, and the intervention report of a done one", async () => {
    await page.goto("/portal/missions");
    await heading("Vos interventions").waitFor();
    const row = page.getByRole("row").filter({ hasText: `Réparation brûleur Alpha ${run}` });
    await expect.poll(() => row.textContent()).toMatch(/Terminée.*Camille/);
    expect(await page.getByText("Dupont").count()).toBe(0);
    expect(await page.getByText(`Réparation brûleur Bravo ${run}`).count()).toBe(0);
    await expectAxeClean(page, "missions");
    await desktopScreenshot(page, "portal-missions");

    await row.getByRole("link").click();
    await heading(`Réparation brûleur Alpha ${run}`).waitFor();
    await expect.poll(() => page.getByTestId("intervention-report").textContent()).toMatch(/terminée le .* par Camille\.$/);
    expect(await page.getByText("Dupont").count()).toBe(0);
    await expectAxeClean(page, "mission");
    await desktopScreenshot(page, "portal-mission");
  });

  it("shows their sites and quotes", async () => {
    await page.goto("/portal/sites");
    await heading("Vos sites").waitFor();
    await page.getByRole("link", { name: `Chaufferie Alpha ${run}` }).click();
    await heading(`Chaufferie Alpha ${run}`).waitFor();
    await page.getByText("Code portail 1234").waitFor();
    await page.getByRole("link", { name: `Réparation brûleur Alpha ${run}` }).waitFor();
    await expectAxeClean(page, "site");
    await desktopScreenshot(page, "portal-site");

    await page.goto("/portal/quotes");
    await heading("Vos devis").waitFor();
    await page.getByText("Rien à afficher.").waitFor();
    await expectAxeClean(page, "quotes");
    await desktopScreenshot(page, "portal-quotes");
  });

  it("files a request for their client, confirmed on screen and in the database", async () => {
    await page.goto("/portal/requests/new");
    await heading("Nouvelle demande d’intervention").waitFor();
    await expectAxeClean(page, "new-request");
    await page.getByLabel("Site concerné").selectOption({ label: `Chaufferie Alpha ${run}` });
    await page.getByLabel("Objet").fill(`Radiateurs froids ${run}`);
    await page.getByLabel("Description").fill("Les radiateurs du 3e étage restent froids depuis lundi.");
    await desktopScreenshot(page, "portal-new-request");
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    await expect.poll(() => page.getByTestId("request-sent").textContent()).toContain(`Radiateurs froids ${run}`);
    await expectAxeClean(page, "request-sent");

    const rows = await withDb((c) =>
      c.query("select org_id, client_id, site_id, status, created_by from public.client_requests where subject = $1", [`Radiateurs froids ${run}`]),
    );
    expect(rows.rows).toEqual([{ org_id: ORG, client_id: CLIENT_A, site_id: SITE_A, status: "open", created_by: portalUserId }]);
  });

  it("refuses an empty subject in the form, and sends nothing", async () => {
    await page.getByRole("button", { name: "Faire une autre demande" }).click();
    await page.getByLabel("Objet").fill("   ");
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    expect(await page.getByLabel("Objet").evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(false);
    expect(await page.getByTestId("request-sent").count()).toBe(0);
    const count = await withDb((c) => c.query("select count(*)::int as n from public.client_requests where client_id = $1", [CLIENT_A]));
    expect(count.rows[0].n).toBe(1);
  });

  it("reports an emergency with source portal, then follows both in the requests list", async () => {
    await page.getByRole("navigation", { name: "Navigation de l’espace client" }).getByRole("link", { name: "Urgence" }).click();
    await heading("Signaler une urgence").waitFor();
    await page.getByText("04 72 00 00 00", { exact: false }).waitFor();
    await expectAxeClean(page, "emergency");
    // A description of spaces only: the database refuses it (validation_failed, in the catalogue's English),
    // the French portal says so in French, and nothing is stored.
    await page.getByLabel("Que se passe-t-il ?").fill("   \n  ");
    await page.getByRole("button", { name: "Signaler l’urgence" }).click();
    await expect.poll(() => page.getByRole("alert").textContent())
      .toBe("Décrivez l’urgence : la description est obligatoire (10 000 caractères au plus).");
    expect(await page.getByRole("alert").locator("[data-error-code]").getAttribute("data-error-code")).toBe("validation_failed");
    await expectAxeClean(page, "emergency-refused");
    // In English, the same refusal reads as the catalogue words it; back to French for what follows.
    await page.getByLabel("Langue").selectOption("en");
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("An emergency needs a description of 1 to 10000 characters");
    await page.getByLabel("Language").selectOption("fr");
    await expect.poll(() => page.getByRole("alert").textContent())
      .toBe("Décrivez l’urgence : la description est obligatoire (10 000 caractères au plus).");
    const refused = await withDb((c) => c.query("select count(*)::int as n from public.emergency_requests where client_id = $1", [CLIENT_A]));
    expect(refused.rows[0].n).toBe(0);

    await page.getByLabel("Site concerné").selectOption({ label: `Chaufferie Alpha ${run}` });
    await page.getByLabel("Gravité").selectOption({ label: "Critique" });
    await page.getByLabel("Que se passe-t-il ?").fill(`Plus de chauffage dans tout l’immeuble ${run}`);
    await desktopScreenshot(page, "portal-emergency");
    await page.getByRole("button", { name: "Signaler l’urgence" }).click();
    await page.getByTestId("emergency-sent").waitFor();
    await expectAxeClean(page, "emergency-sent");

    const rows = await withDb((c) =>
      c.query("select org_id, client_id, site_id, severity, status, source, created_by from public.emergency_requests where description = $1", [
        `Plus de chauffage dans tout l’immeuble ${run}`,
      ]),
    );
    expect(rows.rows).toEqual([{ org_id: ORG, client_id: CLIENT_A, site_id: SITE_A, severity: "critical", status: "pending", source: "portal", created_by: portalUserId }]);

    await page.getByRole("link", { name: "Suivre dans vos demandes" }).click();
    await heading("Vos demandes").waitFor();
    await expect.poll(() => page.getByRole("table", { name: "Urgences signalées" }).textContent()).toMatch(new RegExp(`Critique.*Plus de chauffage dans tout l’immeuble ${run}.*Reçue`));
    await expect.poll(() => page.getByRole("table", { name: "Demandes d’intervention" }).textContent()).toMatch(new RegExp(`Radiateurs froids ${run}.*Chaufferie Alpha ${run}.*Reçue`));
    await expectAxeClean(page, "requests");
    await desktopScreenshot(page, "portal-requests");
  });
});

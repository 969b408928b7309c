/**
 * The client portal's intervention screen on a phone: the photos and the
 * client's signature of a done mission, as thumbnails named for screen
 * readers, loaded lazily from URLs the attachments function signs for the
 * portal user; a mission still in progress shows none (RLS hides them until
 * it is done); another client's done mission is the not-found page. axe-core
 * on each screen; phone screenshots.
 *
 * Works in an organization of its own, created through the database; the
 * technician uploads the files as the app does (the attachments function and
 * storage-js). Everything is removed afterwards.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type AttachedFile, attachMissionPhoto, removeTestOrganization, solidPng, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { createTechnician, expectAxeClean, launchBrowser, logAxeReport, phoneContext, screenshot, signIn } from "./browser.ts";

const run = randomUUID().slice(0, 8);
const ORG = randomUUID();
const CLIENT = randomUUID();
const OTHER_CLIENT = randomUUID();
const SITE = randomUUID();
const OTHER_SITE = randomUUID();
const DONE = randomUUID();
const IN_PROGRESS = randomUUID();
const OTHER_DONE = randomUUID();
const PASSWORD = `photos-${run}-secret`;
const PORTAL_EMAIL = `portail-${run}@copro-photos.test`;
const TECH_EMAIL = `tech-${run}@photos-org.test`;
const createdUsers: string[] = [];
const attached: AttachedFile[] = [];

let browser: Browser;
let context: BrowserContext;
let page: Page;

const photosSection = () => page.getByRole("region", { name: "Photos de l’intervention" });

beforeAll(async () => {
  const portal = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email: PORTAL_EMAIL, password: PASSWORD, email_confirm: true });
  if (portal.error) throw portal.error;
  createdUsers.push(portal.data.user.id);
  await withDb(async (c) => {
    await c.query("insert into public.organizations (id, name) values ($1, $2)", [ORG, `Photos Chauffage ${run}`]);
    await c.query("insert into public.clients (id, org_id, name) values ($1, $3, $4), ($2, $3, $5)", [
      CLIENT, OTHER_CLIENT, ORG, `Copropriété Photos ${run}`, `Copropriété Voisine ${run}`,
    ]);
    await c.query(
      `insert into public.sites (id, org_id, client_id, name, address) values ($1, $3, $4, $6, '1 rue Photo'), ($2, $3, $5, $7, '2 rue Voisine')`,
      [SITE, OTHER_SITE, ORG, CLIENT, OTHER_CLIENT, `Chaufferie Photos ${run}`, `Chaufferie Voisine ${run}`],
    );
    await c.query("insert into public.memberships (org_id, user_id, role, client_id) values ($1, $2, 'client', $3)", [ORG, portal.data.user.id, CLIENT]);
  });
  const techId = await createTechnician(ORG, TECH_EMAIL, PASSWORD, "Camille Dupont");
  createdUsers.push(techId);
  await withDb(async (c) => {
    for (const [mission, client, site, title] of [
      [DONE, CLIENT, SITE, `Remplacement vanne ${run}`],
      [IN_PROGRESS, CLIENT, SITE, `Recherche de fuite ${run}`],
      [OTHER_DONE, OTHER_CLIENT, OTHER_SITE, `Vanne voisine ${run}`],
    ] as const) {
      await c.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, $5)", [mission, ORG, client, site, title]);
      await c.query("update public.missions set status = 'published' where id = $1", [mission]);
      await c.query("update public.missions set status = 'assigned', technician_id = $2 where id = $1", [mission, techId]);
      await c.query("update public.missions set status = 'in_progress' where id = $1", [mission]);
    }
  });
  // The technician's files, uploaded while the missions are under way.
  const signedIn = await supabaseClient().auth.signInWithPassword({ email: TECH_EMAIL, password: PASSWORD });
  if (signedIn.error) throw signedIn.error;
  const token = signedIn.data.session.access_token;
  for (const [mission, name, rgb] of [
    [DONE, "avant.png", [180, 60, 40]],
    [DONE, "apres.png", [40, 140, 60]],
    [DONE, "signature-client.png", [250, 250, 250]],
    [IN_PROGRESS, "fuite.png", [30, 30, 160]],
    [OTHER_DONE, "voisine.png", [120, 120, 0]],
  ] as const) {
    attached.push(await attachMissionPhoto(token, mission, { name, mime: "image/png", bytes: solidPng([...rgb]) }));
  }
  await withDb((c) => c.query("update public.missions set status = 'done' where id = any($1::uuid[])", [[DONE, OTHER_DONE]]));

  browser = await launchBrowser();
  context = await phoneContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, PORTAL_EMAIL, PASSWORD);
  await page.waitForURL((url) => url.pathname === "/portal");
});

afterAll(async () => {
  logAxeReport("portal-photos");
  await browser?.close();
  if (attached.length > 0) await supabaseClient(stack.serviceRoleKey).storage.from("attachments").remove(attached.map((a) => a.path));
  await removeTestOrganization(ORG);
  await withDb((c) => c.query("delete from auth.users where id = any($1::uuid[])", [createdUsers]));
});

describe("the portal's intervention screen shows the intervention's photos", () => {
  it("a done mission: each photo and the signature as a thumbnail with a name, loaded lazily, the page fitting the phone", async () => {
    await page.goto(`/portal/missions/${DONE}`);
    await page.getByRole("heading", { level: 1, name: `Remplacement vanne ${run}` }).waitFor();
    const section = photosSection();
    const thumbnails = [
      section.getByRole("img", { name: /^Photo 1 sur 2, ajoutée le / }),
      section.getByRole("img", { name: /^Photo 2 sur 2, ajoutée le / }),
      section.getByRole("img", { name: "Signature du client" }),
    ];
    for (const img of thumbnails) {
      await img.scrollIntoViewIfNeeded();
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(64);
      expect(await img.getAttribute("loading")).toBe("lazy");
      // Each opens the full picture: a link named by its thumbnail.
      const link = img.locator("xpath=ancestor::a[1]");
      expect(await link.getAttribute("href")).toMatch(/\/storage\/v1\/object\/sign\/attachments\//);
    }
    expect(await section.getByRole("img").count()).toBe(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectAxeClean(page, "portal-mission-photos");
    await screenshot(page, "phone-portal-mission-photos");
  });

  it("a mission still in progress: no photo yet, and the screen says when they come", async () => {
    await page.goto(`/portal/missions/${IN_PROGRESS}`);
    await page.getByRole("heading", { level: 1, name: `Recherche de fuite ${run}` }).waitFor();
    await photosSection().getByText("Les photos seront visibles une fois l’intervention terminée.").waitFor();
    expect(await photosSection().getByRole("img").count()).toBe(0);
    await expectAxeClean(page, "portal-mission-photos-pending");
  });

  it("another client's done mission by URL: the not-found page, no photo", async () => {
    await page.goto(`/portal/missions/${OTHER_DONE}`);
    await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    expect(await page.getByRole("img").count()).toBe(0);
  });
});

/**
 * The dispatcher's screens against the real stack: the missions board
 * (filters in the URL, publish and assign a mission of this run's own, a
 * technician's completion appearing on refresh, bulk moves with one result per
 * mission), a mission's page, the emergency queue, the client requests and the
 * clients. Every screen passes axe (0 serious/critical) and is photographed at
 * desktop size (tests/browser/screenshots/desktop-*.png).
 *
 * This run works in an organization of its own, with its own dispatcher,
 * technician, clients and sites (unique names, created below and removed
 * afterwards): it reads nothing another run or another test left behind, so
 * it passes again on the same database, and leaves the seeded organizations
 * as they were.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { createTechnician, desktopContext, desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, signIn } from "./browser.ts";

const ORG = randomUUID();
const run = randomUUID().slice(0, 8);
const CLIENT_NAME = `Copropriété Essai ${run}`;
const PASSWORD = `dispatch-${run}-secret`;
const emailOf = (who: string) => `${who}-${run}@office-dispatch.terrain.test`;
const DISPATCHER_NAME = `Répartiteur ${run}`;
const TECH_NAME = `Technicien Essai ${run}`;
const TECH_EMAIL = emailOf("tech");
const TECH_PASSWORD = PASSWORD;
let dispatcherId: string;
let clientId: string;
let siteId: string;
let otherSiteId: string;
let techId: string;

let browser: Browser;
let context: BrowserContext;
let page: Page;

/** A mission of this run's client, brought to a status by the system actor. */
async function missionAt(
  title: string,
  status: "new" | "published" | "assigned",
  startInDays: number | null,
  where: { client: string; site: string } = { client: clientId, site: siteId },
): Promise<string> {
  return withDb(async (db) => {
    const id = (
      await db.query<{ id: string }>(
        `insert into public.missions (org_id, client_id, site_id, title, scheduled_start, scheduled_end)
         values ($1, $2, $3, $4, date_trunc('day', now()) + make_interval(days => $5) + interval '9 hours',
                 date_trunc('day', now()) + make_interval(days => $5) + interval '11 hours') returning id`,
        [ORG, where.client, where.site, title, startInDays],
      )
    ).rows[0]!.id;
    if (status !== "new") await db.query("select public.transition_mission($1, 'published', $2)", [id, `dispatch-${randomUUID()}`]);
    if (status === "assigned") await db.query("select public.transition_mission($1, 'assigned', $2, null, $3)", [id, `dispatch-${randomUUID()}`, techId]);
    return id;
  });
}

const row = (missionId: string): Locator => page.locator(`[data-testid="board-row"][data-mission-id="${missionId}"]`);
const chipOf = (missionId: string) => row(missionId).getByTestId("status-chip");

beforeAll(async () => {
  const dispatcher = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({
    email: emailOf("dispatcher"), password: PASSWORD, email_confirm: true, user_metadata: { full_name: DISPATCHER_NAME },
  });
  if (dispatcher.error) throw dispatcher.error;
  dispatcherId = dispatcher.data.user.id;
  await withDb(async (db) => {
    await db.query("insert into public.organizations (id, name) values ($1, $2)", [ORG, `Dispatch ${run}`]);
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'dispatcher')", [ORG, dispatcherId]);
    // A fresh user keeps the API's per-user rate limits (only the demo users are exempt in the relaxed
    // test mode); these screens read a lot in a short time, as a whole working day would.
    await db.query(
      `insert into private.rate_limit_overrides (key, bucket, max_hits, reason) values ('user:' || $1::text, '*', 1000000, 'office-dispatch browser test')`,
      [dispatcherId]);
  });
  techId = await createTechnician(ORG, TECH_EMAIL, TECH_PASSWORD, TECH_NAME);
  await withDb(async (db) => {
    clientId = (await db.query<{ id: string }>("insert into public.clients (org_id, name, billing_city) values ($1, $2, 'Lyon') returning id", [ORG, CLIENT_NAME])).rows[0]!.id;
    siteId = (
      await db.query<{ id: string }>("insert into public.sites (org_id, client_id, name, address, city) values ($1, $2, 'Chaufferie A', '1 rue Essai', 'Lyon') returning id", [
        ORG,
        clientId,
      ])
    ).rows[0]!.id;
    otherSiteId = (
      await db.query<{ id: string }>("insert into public.sites (org_id, client_id, name, address, city) values ($1, $2, 'Local B', '3 rue Essai', 'Lyon') returning id", [
        ORG,
        clientId,
      ])
    ).rows[0]!.id;
  });
  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, emailOf("dispatcher"), PASSWORD);
  await page.waitForURL((url) => url.pathname === "/office/missions");
});

afterAll(async () => {
  await browser?.close();
  logAxeReport("office dispatch");
  await removeTestOrganization(ORG);
  await withDb(async (db) => {
    await db.query("delete from private.rate_limit_overrides where key = $1", [`user:${dispatcherId}`]);
    await db.query("delete from auth.users where email like $1", [`%-${run}@office-dispatch.terrain.test`]);
  });
});

describe("missions board", () => {
  it("is the dispatcher's home; a mission of this run is published, then assigned, from its row", async () => {
    const title = `Entretien chaudière ${run}`;
    const missionId = await missionAt(title, "new", 3);
    await page.getByRole("heading", { level: 1, name: "Missions" }).waitFor();
    await expectAxeClean(page, "board-default");

    // The client filter goes into the URL: the view can be reloaded or shared.
    await page.getByLabel("Client", { exact: true }).selectOption(clientId);
    await expect.poll(() => new URL(page.url()).searchParams.get("client")).toBe(clientId);
    await page.reload();
    await expect.poll(() => page.getByLabel("Client", { exact: true }).inputValue()).toBe(clientId);
    await expect.poll(() => chipOf(missionId).textContent()).toBe("Nouvelle");
    expect(await page.getByTestId("board-row").count()).toBe(1);

    await row(missionId).getByRole("button", { name: "Publier" }).click();
    await expect.poll(() => chipOf(missionId).textContent()).toBe("Publiée");
    await row(missionId).getByLabel(`Technicien pour ${title}`).selectOption(techId);
    await row(missionId).getByRole("button", { name: "Assigner" }).click();
    await expect.poll(() => chipOf(missionId).textContent()).toBe("Assignée");
    expect(await row(missionId).textContent()).toContain(TECH_NAME);

    const stored = await withDb((db) => db.query("select status, technician_id from public.missions where id = $1", [missionId]));
    expect(stored.rows[0]).toEqual({ status: "assigned", technician_id: techId });
    await expectAxeClean(page, "board-filtered");
    await desktopScreenshot(page, "office-missions-board");
  });

  it("shows a technician's completion, made through the API as that technician, after a refresh", async () => {
    const title = `Dépannage brûleur ${run}`;
    const missionId = await missionAt(title, "assigned", 1);
    await page.goto(`/office/missions?status=all&client=${clientId}`);
    await expect.poll(() => chipOf(missionId).textContent()).toBe("Assignée");

    const technician = supabaseClient();
    const signedIn = await technician.auth.signInWithPassword({ email: TECH_EMAIL, password: TECH_PASSWORD });
    expect(signedIn.error).toBeNull();
    for (const to of ["in_progress", "done"] as const) {
      const { error } = await technician.rpc("transition_mission", { p_mission_id: missionId, p_to_status: to, p_idempotency_key: `tech-${randomUUID()}` });
      expect(error).toBeNull();
    }
    await page.getByTestId("board-refresh").click();
    await expect.poll(() => chipOf(missionId).textContent()).toBe("Terminée");
  });

  it("moves several missions at once and shows one result per mission, refusals with the database's reason", async () => {
    const a = await missionAt(`Lot A ${run}`, "new", 10);
    const b = await missionAt(`Lot B ${run}`, "new", 11);
    const c = await missionAt(`Lot C ${run}`, "assigned", 12);
    await page.goto(`/office/missions?client=${clientId}&from=${dayIn(10)}&to=${dayIn(12)}`);
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(3);
    await page.getByLabel("Sélectionner toutes les missions affichées").check();
    await page.getByLabel("Action", { exact: true }).selectOption("published");
    await page.getByRole("button", { name: "Appliquer" }).click();

    await expect.poll(() => page.getByTestId("item-results-summary").textContent()).toBe("2 sur 3 actions réussies");
    const lines = await page.getByTestId("item-result").allTextContents();
    expect(lines).toEqual([
      `Réussi · Lot A ${run}`,
      `Réussi · Lot B ${run}`,
      `Refusé · Lot C ${run} — Changement de statut impossible : une intervention « Assignée » ne peut pas passer à « Publiée ».`,
    ]);
    // The refusal keeps its catalogue code on the line, for support.
    expect(await page.getByTestId("item-result").last().locator("[data-error-code]").getAttribute("data-error-code")).toBe("invalid_transition");
    await expect.poll(() => chipOf(a).textContent()).toBe("Publiée");
    await expect.poll(() => chipOf(b).textContent()).toBe("Publiée");
    expect(await chipOf(c).textContent()).toBe("Assignée");

    // The refused one stays selected; now assign the two published ones in one go.
    await page.getByLabel(`Sélectionner Lot C ${run}`).uncheck();
    await page.getByLabel(`Sélectionner Lot A ${run}`).check();
    await page.getByLabel(`Sélectionner Lot B ${run}`).check();
    await page.getByLabel("Action", { exact: true }).selectOption("assign");
    await page.getByLabel("Technicien", { exact: true }).last().selectOption(techId);
    await page.getByRole("button", { name: "Appliquer" }).click();
    await expect.poll(() => page.getByTestId("item-results-summary").textContent()).toBe("2 sur 2 actions réussies");
    await expect.poll(() => chipOf(a).textContent()).toBe("Assignée");
    await expect.poll(() => chipOf(b).textContent()).toBe("Assignée");
    await expectAxeClean(page, "board-bulk-results");
    await desktopScreenshot(page, "office-missions-bulk");
  });

  it("pages through the missions with a cursor (never OFFSET) in scheduled order, unscheduled ones last", async () => {
    // A client of its own: its 26 scheduled missions and 1 unscheduled are the whole list.
    const where = await withDb(async (db) => {
      const client = (await db.query<{ id: string }>("insert into public.clients (org_id, name) values ($1, $2) returning id", [ORG, `Série ${run}`])).rows[0]!.id;
      const site = (
        await db.query<{ id: string }>("insert into public.sites (org_id, client_id, name, address) values ($1, $2, 'Site série', '5 rue Essai') returning id", [ORG, client])
      ).rows[0]!.id;
      return { client, site };
    });
    const unscheduled = await missionAt(`Série sans date ${run}`, "new", null, where);
    const ids: string[] = [];
    for (let i = 0; i < 26; i++) ids.push(await missionAt(`Série ${String(i).padStart(2, "0")} ${run}`, "new", 30 + i, where));
    await page.goto(`/office/missions?client=${where.client}`);
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(25);
    await page.getByRole("button", { name: "Afficher les missions suivantes" }).click();
    await expect.poll(() => page.getByTestId("board-row").count()).toBe(27);
    const shown = await page.getByTestId("board-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-mission-id")));
    expect(shown).toEqual([...ids, unscheduled]);
    await page.getByText("Fin de la liste.").waitFor();
  });
});

function dayIn(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

describe("a mission's page", () => {
  it("shows the client, site, technician and status history, and offers the moves the role may make", async () => {
    const title = `Visite détaillée ${run}`;
    const missionId = await missionAt(title, "published", 5);
    await page.goto(`/office/missions/${missionId}`);
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    expect(await page.getByRole("link", { name: CLIENT_NAME }).getAttribute("href")).toBe(`/office/clients/${clientId}`);
    await page.getByLabel("Technicien", { exact: true }).selectOption(techId);
    await page.getByRole("button", { name: "Assigner" }).click();
    await expect.poll(() => page.getByTestId("mission-technician").textContent()).toBe(TECH_NAME);
    const history = page.getByRole("table", { name: "Changements de statut, du plus ancien au plus récent" });
    await expect.poll(() => history.locator("tbody tr").count()).toBe(3);
    expect(await history.locator("tbody tr").last().textContent()).toContain("Assignée");

    // A note for the technician: an empty one is refused by the database, a real one is listed with its author.
    await page.getByRole("button", { name: "Ajouter la note" }).click();
    await page.getByText("A note is 1 to 10000 characters").waitFor();
    await page.getByLabel("Nouvelle note (lue par le technicien)").fill(`Code portail 4512 ${run}`);
    await page.getByRole("button", { name: "Ajouter la note" }).click();
    await page.getByText(`Code portail 4512 ${run}`).waitFor();
    await page.getByText(new RegExp(`^${DISPATCHER_NAME} ·`)).waitFor();
    await expectAxeClean(page, "mission-detail");
    await desktopScreenshot(page, "office-mission-detail");
  });

  it("is a not-found page for a mission the dispatcher cannot see", async () => {
    await page.goto(`/office/missions/${randomUUID()}`);
    await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
  });
});

describe("emergency queue", () => {
  it("lists pending emergencies oldest first, takes one on and turns it into an assigned urgent mission", async () => {
    const emergencyId = await withDb(async (db) => {
      return (
        await db.query<{ id: string }>(
          `insert into public.emergency_requests (org_id, client_id, site_id, severity, description, source, created_at)
           values ($1, $2, null, 'critical', $3, 'phone', now() - interval '20 minutes') returning id`,
          [ORG, clientId, `Plus d'eau chaude ${run}`],
        )
      ).rows[0]!.id;
    });
    await page.goto("/office/emergencies");
    await page.getByRole("heading", { level: 1, name: "Urgences" }).waitFor();
    const mine = page.getByTestId("emergency-row").filter({ hasText: `Plus d'eau chaude ${run}` });
    await mine.waitFor();
    const created = await page.getByTestId("emergency-row").evaluateAll((rows) => rows.length);
    expect(created).toBeGreaterThanOrEqual(1);
    expect(await mine.textContent()).toContain("Critique");
    await expectAxeClean(page, "emergencies");
    await desktopScreenshot(page, "office-emergencies");

    // Taken on first: the others see someone is on it (the status trigger stamps who).
    await mine.getByRole("button", { name: "Prendre en charge" }).click();
    await expect.poll(() => mine.textContent()).toContain("Prise en charge");
    const acknowledged = await withDb((db) => db.query("select status::text, acknowledged_by from public.emergency_requests where id = $1", [emergencyId]));
    expect(acknowledged.rows[0]).toEqual({ status: "acknowledged", acknowledged_by: dispatcherId });

    // No site on the emergency: the database asks for one, and the screen says so in French.
    await mine.getByRole("button", { name: "Créer la mission" }).click();
    await mine.getByText("Choisissez d’abord le site de l’intervention.").waitFor();
    await mine.getByRole("combobox").first().selectOption(otherSiteId);
    await mine.getByRole("combobox").last().selectOption(techId);
    await mine.getByRole("button", { name: "Créer la mission" }).click();
    await page.getByRole("link", { name: "Ouvrir la mission" }).waitFor();
    await expect.poll(() => page.getByTestId("emergency-row").filter({ hasText: `Plus d'eau chaude ${run}` }).count()).toBe(0);

    const stored = await withDb((db) =>
      db.query(
        `select e.status::text as emergency, m.status::text as mission, m.priority::text, m.technician_id, m.site_id
         from public.emergency_requests e join public.missions m on m.emergency_request_id = e.id where e.id = $1`,
        [emergencyId],
      ),
    );
    expect(stored.rows).toEqual([{ emergency: "dispatched", mission: "assigned", priority: "urgent", technician_id: techId, site_id: otherSiteId }]);
  });
});

describe("client requests", () => {
  it("turns one request into a mission and declines another with the reason the client reads", async () => {
    const [toConvert, toDecline] = await withDb(async (db) => {
      const insert = (subject: string) =>
        db
          .query<{ id: string }>("insert into public.client_requests (org_id, client_id, site_id, subject) values ($1, $2, $3, $4) returning id", [ORG, clientId, siteId, subject])
          .then((r) => r.rows[0]!.id);
      return [await insert(`Radiateur froid ${run}`), await insert(`Devis piscine ${run}`)];
    });
    await page.goto("/office/requests");
    await page.getByRole("heading", { level: 1, name: "Demandes clients" }).waitFor();
    const convertRow = page.getByTestId("request-row").filter({ hasText: `Radiateur froid ${run}` });
    const declineRow = page.getByTestId("request-row").filter({ hasText: `Devis piscine ${run}` });
    await convertRow.waitFor();
    await expectAxeClean(page, "requests");
    await desktopScreenshot(page, "office-requests");

    await convertRow.getByRole("button", { name: "Créer la mission" }).click();
    await page.getByText(`Mission créée pour « Radiateur froid ${run} ».`).waitFor();
    // The list reloads after the notice: the converted request leaves it and the rows below move up. Acting before
    // that lands the click where the row was (failed once on CI: the confirmation never opened).
    await expect.poll(() => convertRow.count()).toBe(0);

    await declineRow.getByRole("button", { name: "Refuser" }).click();
    await declineRow.getByRole("button", { name: "Confirmer le refus" }).click();
    await declineRow.getByText("Indiquez la raison du refus : le client la lira.").waitFor();
    await declineRow.getByLabel(`Motif du refus de « Devis piscine ${run} » (lu par le client)`).fill("Nous n'intervenons pas sur les piscines.");
    await declineRow.getByRole("button", { name: "Confirmer le refus" }).click();
    await page.getByText(`Demande « Devis piscine ${run} » refusée.`).waitFor();

    const stored = await withDb((db) =>
      db.query(
        `select r.id, r.status, r.decline_reason, (select count(*)::int from public.missions m where m.client_request_id = r.id) as missions
         from public.client_requests r where r.id = any ($1::uuid[]) order by r.subject desc`,
        [[toConvert, toDecline]],
      ),
    );
    expect(stored.rows).toEqual([
      { id: toConvert, status: "converted", decline_reason: null, missions: 1 },
      { id: toDecline, status: "rejected", decline_reason: "Nous n'intervenons pas sur les piscines.", missions: 0 },
    ]);
  });
});

describe("emergencies and client requests, from a stale screen", () => {
  // The screen still lists the item as open when someone else decides it (the caller found a plumber, another
  // dispatcher converted the request, or removed it): "Créer la mission" is then refused by the database, the row
  // says why in French only (no English beside it; the code kept on the element), and this click creates no mission.
  // Each screen: where its row is, how this test adds an open item to it, how a mission points back to it.
  const emergencyScreen = {
    screen: "/office/emergencies",
    testId: "emergency-row",
    insert: `insert into public.emergency_requests (org_id, client_id, site_id, severity, description, source)
             values ($1, $2, $3, 'high', $4, 'phone') returning id`,
    missionColumn: "emergency_request_id",
  };
  const requestScreen = {
    screen: "/office/requests",
    testId: "request-row",
    insert: "insert into public.client_requests (org_id, client_id, site_id, subject) values ($1, $2, $3, $4) returning id",
    missionColumn: "client_request_id",
  };
  const staleCases = [
    {
      ...emergencyScreen,
      item: "an emergency closed meanwhile",
      subject: "Fuite au plafond",
      meanwhile: "update public.emergency_requests set status = 'closed' where id = $1",
      missionsAfter: 0,
      code: "invalid_transition",
      refusal: "Cette urgence est déjà au statut « Close » : on ne peut plus en créer de mission.",
    },
    {
      ...emergencyScreen,
      item: "an emergency removed meanwhile",
      subject: "Chaudière en panne",
      meanwhile: "delete from public.emergency_requests where id = $1",
      missionsAfter: 0,
      code: "not_found",
      refusal: "Cette urgence est introuvable, ou vous n’y avez pas accès.",
    },
    {
      ...requestScreen,
      item: "a request converted meanwhile",
      subject: "Volet bloqué",
      meanwhile: "select public.convert_client_request($1)",
      missionsAfter: 1,
      code: "invalid_transition",
      refusal: "Cette demande est déjà au statut « Convertie en mission » : elle ne peut plus être convertie ni refusée.",
    },
    {
      ...requestScreen,
      item: "a request removed meanwhile",
      subject: "Porte de garage",
      meanwhile: "delete from public.client_requests where id = $1",
      missionsAfter: 0,
      code: "not_found",
      refusal: "Cette demande client est introuvable, ou vous n’y avez pas accès.",
    },
  ];
  it.each(staleCases)("says in French that $item can no longer become a mission", async (stale) => {
    const subject = `${stale.subject} ${run}`;
    const id = await withDb(async (db) => (await db.query<{ id: string }>(stale.insert, [ORG, clientId, siteId, subject])).rows[0]!.id);
    await page.goto(stale.screen);
    const mine = page.getByTestId(stale.testId).filter({ hasText: subject });
    await mine.waitFor();
    await withDb((db) => db.query(stale.meanwhile, [id]));
    await mine.getByRole("button", { name: "Créer la mission" }).click();
    await mine.getByText(stale.refusal).waitFor();
    expect(await mine.locator("[data-error-code]").getAttribute("data-error-code")).toBe(stale.code);
    expect(await mine.locator('[lang="en"]').count()).toBe(0);
    const missions = await withDb((db) => db.query(`select count(*)::int as n from public.missions where ${stale.missionColumn} = $1`, [id]));
    expect(missions.rows[0]).toEqual({ n: stale.missionsAfter });
  });
});

describe("clients", () => {
  it("finds a client by name and shows its sites and recent missions", async () => {
    await page.goto("/office/clients");
    await page.getByRole("heading", { level: 1, name: "Clients" }).waitFor();
    await page.getByLabel("Rechercher un client (nom, ville, e-mail)").fill(`Essai ${run}`);
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe(`Essai ${run}`);
    await page.getByRole("link", { name: CLIENT_NAME }).waitFor();
    await expectAxeClean(page, "clients");
    await desktopScreenshot(page, "office-clients");

    await page.getByRole("link", { name: CLIENT_NAME }).click();
    await page.getByRole("heading", { level: 1, name: CLIENT_NAME }).waitFor();
    const sites = page.getByRole("table", { name: "Sites du client" });
    await expect.poll(() => sites.locator("tbody tr").count()).toBe(2);
    const missions = page.getByRole("table", { name: "Les 20 dernières missions du client, par date prévue" });
    await expect.poll(() => missions.locator("tbody tr").count()).toBeGreaterThan(1);
    // A dispatcher has the missions area: the link to the client's missions on the board is there.
    expect(await page.getByRole("link", { name: "Voir toutes ses missions sur le tableau" }).getAttribute("href")).toBe(`/office/missions?status=all&client=${clientId}`);
    await expectAxeClean(page, "client-detail");
    await desktopScreenshot(page, "office-client-detail");

    await page.goto(`/office/clients/${randomUUID()}`);
    await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
  });
});

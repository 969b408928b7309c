/**
 * The technician's day, offline, in a real browser (Debian's Chromium) against
 * the real stack: the gateway serves the built app at /, the service worker
 * precaches it, the data lives in IndexedDB, actions wait in the outbox.
 *
 * Sign in → go offline → accept, start, block with a reason, resume, log hours,
 * record a part (and one the stock cannot cover), add a note, complete → reload, still offline: the app
 * opens and every action is still pending → back online: each action lands
 * exactly once (checked in the database), the one the server refuses is shown
 * with its reason and can be discarded. One reply is lost on the way back (the
 * server applied log_hours, the browser saw a reset connection): its replay with
 * the same key changes nothing. Then the notifications inbox, English, and two
 * tabs coming back online together: one flushes (Web Locks), each action is
 * sent once. The update banner has its own file: update-banner.test.ts. axe-core runs on every screen; screenshots at phone size.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { stack, supabaseClient, withDb } from "../integration/harness.ts";
import { launchBrowser, phoneContext, screenshot, seriousAxeViolations } from "./browser.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const run = randomUUID().slice(0, 8);
// A technician of Chaleur Express of its own, so the day's hours, notifications and
// outbox keys counted below are this run's only (the demo technicians are shared).
const TECH_EMAIL = `tech-browser-${run}@chaleur-express.test`;
const PASSWORD = `browser-${run}-secret`;
const missionTitle = `Remplacement circulateur ${run}`;
const partName = `Circulateur test ${run}`;
const partSku = `BRW-${run}`;
let missionId: string;
let itemId: string;
let techId: string;
let startedAt: Date;

let browser: Browser;
let context: BrowserContext;
let page: Page;
const axeReport: Record<string, number> = {};

/** axe-core finds no serious or critical violation, and nothing overflows the phone's width. */
async function expectNoSeriousAxeViolations(screen: string) {
  const violations = await seriousAxeViolations(page);
  axeReport[screen] = violations.length;
  expect(violations, `${screen}: ${JSON.stringify(violations)}`).toEqual([]);
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content, `${screen} is wider than the phone`).toBeLessThanOrEqual(widths.viewport);
}

async function pendingBannerText() {
  return (await page.getByTestId("offline-banner").textContent()) ?? "";
}

beforeAll(async () => {
  startedAt = new Date();
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email: TECH_EMAIL, password: PASSWORD, email_confirm: true });
  if (created.error) throw created.error;
  techId = created.data.user.id;
  await withDb(async (db) => {
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'technician')", [ORG, techId]);
    // A mission of its own, published to the pool (as the system actor), scheduled today,
    // and a part with 10 in stock: nothing another test touches.
    missionId = (
      await db.query<{ id: string }>(
        `insert into public.missions (org_id, client_id, site_id, title, description, scheduled_start)
         values ($1, $2, $3, $4, 'Circulateur bruyant, chaufferie sous-sol.', now() + interval '1 hour') returning id`,
        [ORG, CLIENT, SITE, missionTitle],
      )
    ).rows[0]!.id;
    await db.query("select public.transition_mission($1, 'published', $2)", [missionId, `browser-publish-${run}`]);
    itemId = (
      await db.query<{ id: string }>(
        `insert into public.stock_items (org_id, sku, name, unit, price_cents) values ($1, $2, $3, 'u', 12345) returning id`,
        [ORG, partSku, partName],
      )
    ).rows[0]!.id;
    await db.query(`insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values ($1, $2, 'in', 10, 'browser test')`, [ORG, itemId]);
  });
  browser = await launchBrowser();
  context = await phoneContext(browser, stack.apiUrl);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  console.log(`axe (serious + critical violations per screen): ${JSON.stringify(axeReport)}`);
});

describe("technician PWA", () => {
  it("signs in and caches the day's missions; the service worker takes the page", async () => {
    await page.goto("/");
    await expect.poll(() => page.getByRole("heading", { name: "Connexion à Terrain" }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
    await expectNoSeriousAxeViolations("sign-in");
    await screenshot(page, "01-sign-in");
    // Installable: the manifest the page links, with the icons an install needs.
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href;
      return (await fetch(href)).json() as Promise<{ start_url: string; display: string; icons: Array<{ sizes: string }> }>;
    });
    expect(manifest).toMatchObject({ start_url: "/", display: "standalone" });
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));

    await page.getByLabel("E-mail").fill(TECH_EMAIL);
    await page.getByLabel("Mot de passe").fill(PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.getByRole("heading", { name: "Mes missions" }).waitFor();
    await page.getByRole("link", { name: new RegExp(missionTitle) }).waitFor();
    // The first service worker claims the open page (clientsClaim): from now on the shell is precached.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    await expectNoSeriousAxeViolations("missions");
    await screenshot(page, "02-missions");
  });

  it("works offline: accept, start, block, resume, hours, parts, a note, complete — all kept in the outbox", async () => {
    await context.setOffline(true);
    await expect.poll(pendingBannerText).toContain("Hors ligne");

    await page.getByRole("link", { name: new RegExp(missionTitle) }).click();
    await page.getByRole("heading", { name: missionTitle }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: "Ouvrir dans Plans" }).count()).toBe(1);
    await expectNoSeriousAxeViolations("mission (published)");
    await screenshot(page, "03-mission-published");

    const status = page.getByTestId("mission-status");
    await page.getByRole("button", { name: "Accepter la mission" }).click();
    await expect.poll(() => status.textContent()).toBe("Assignée");
    await page.getByRole("button", { name: "Démarrer" }).click();
    await expect.poll(() => status.textContent()).toBe("En cours");
    await page.getByRole("button", { name: "Bloquer" }).click();
    await page.getByLabel("Motif du blocage").fill("Attente du gardien pour l'accès.");
    await page.getByRole("button", { name: "Confirmer le blocage" }).click();
    await expect.poll(() => status.textContent()).toBe("Bloquée");
    await page.getByRole("button", { name: "Reprendre" }).click();
    await expect.poll(() => status.textContent()).toBe("En cours");

    await page.getByLabel("Heures travaillées").fill("2,5");
    await page.getByRole("button", { name: "Enregistrer les heures" }).click();
    await page.getByText("2,5 h").waitFor();

    for (const quantity of ["2", "99"]) {
      await page.getByLabel("Rechercher une pièce (nom ou référence)").fill(partSku.toLowerCase());
      const choice = page.getByRole("button", { name: new RegExp(partName) });
      // Stock and price in the user's locale: "10 u en stock · 123,45 €".
      expect(await choice.textContent()).toContain("123,45\u00a0€");
      await choice.click();
      await page.getByLabel("Quantité").fill(quantity);
      await page.getByRole("button", { name: "Enregistrer la pièce" }).click();
      // Saved to the outbox: the form clears itself (typing before that would be lost).
      await expect.poll(() => page.getByLabel("Rechercher une pièce (nom ou référence)").inputValue()).toBe("");
    }
    await page.getByLabel("Nouvelle note").fill("Circulateur remplacé, purge faite.");
    await page.getByRole("button", { name: "Ajouter la note" }).click();
    await expect.poll(() => page.getByLabel("Nouvelle note").inputValue()).toBe("");
    await page.getByRole("button", { name: "Terminer" }).click();
    await expect.poll(() => status.textContent()).toBe("Terminée");
    await expect.poll(pendingBannerText).toBe("Hors ligne · 9 actions en attente");
    await expectNoSeriousAxeViolations("mission (done, pending)");
    await screenshot(page, "04-mission-done-offline");

    // Nothing reached the server.
    const landed = await withDb((db) =>
      db.query<{ status: string; hours: string }>(
        "select m.status, (select count(*) from public.timesheets t where t.mission_id = m.id)::text as hours from public.missions m where m.id = $1",
        [missionId],
      ),
    );
    expect(landed.rows[0]).toEqual({ status: "published", hours: "0" });
  });

  it("reopens offline after a reload, with every action still pending", async () => {
    await page.reload();
    await page.getByRole("heading", { name: missionTitle }).waitFor();
    await expect.poll(() => page.getByTestId("mission-status").textContent()).toBe("Terminée");
    await expect.poll(pendingBannerText).toBe("Hors ligne · 9 actions en attente");
    await page.getByRole("link", { name: "Synchro", exact: true }).click();
    await page.getByRole("heading", { name: "Synchronisation" }).waitFor();
    expect(await page.getByTestId("pending-actions").getByRole("listitem").count()).toBe(9);
    await expectNoSeriousAxeViolations("sync (offline)");
    await screenshot(page, "05-sync-offline-after-reload");
  });

  it("back online, replays in order: each action lands once, a lost reply is replayed safely, a refusal is shown", async () => {
    // The first log_hours call reaches the server, but its reply is lost (connection reset):
    // the outbox must retry with the same key and the server must not apply it twice.
    let logHoursCalls = 0;
    await page.route("**/rest/v1/rpc/log_hours", async (route) => {
      logHoursCalls++;
      if (logHoursCalls === 1) {
        await route.fetch();
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });
    await context.setOffline(false);

    const rpcLog: string[] = [];
    // "response" hands the status synchronously: a listener awaiting request.response() outlives the page when the
    // test ends first and rejects unhandled ("Target page … has been closed").
    page.on("response", (response) => {
      if (response.url().includes("/rpc/")) rpcLog.push(`${response.url().split("/rpc/")[1]} ${response.status()}`);
    });
    page.on("requestfailed", (request) => rpcLog.push(`${request.url().split("/").pop()} failed ${request.failure()?.errorText}`));
    try {
      await expect.poll(() => page.getByTestId("pending-actions").count(), { timeout: 60_000 }).toBe(0);
    } catch (error) {
      // What was still waiting, and what the page sent: the first thing to read when this fails.
      console.log(`still pending: ${await page.getByTestId("pending-actions").textContent()}\nrequests: ${rpcLog.join(", ")}`);
      throw error;
    }
    const refused = page.getByTestId("refused-actions").getByRole("listitem");
    await expect.poll(() => refused.count()).toBe(1);
    // The server's refusal, in French (the catalogue's words translated, its values kept), readable offline.
    expect(await refused.first().textContent()).toContain("Motif : Stock insuffisant : 8 disponible(s), 99 demandé(s).");
    expect(logHoursCalls).toBe(2);
    await expectNoSeriousAxeViolations("sync (needs attention)");
    await screenshot(page, "06-sync-needs-attention");

    const facts = await withDb(async (db) => {
      const q = async (sql: string) => (await db.query<{ n: string }>(sql, [missionId])).rows[0]!.n;
      return {
        status: await q("select status::text as n from public.missions where id = $1"),
        accepted: await q("select count(*)::text as n from public.mission_status_history where mission_id = $1 and to_status = 'assigned'"),
        started: await q("select count(*)::text as n from public.mission_status_history where mission_id = $1 and to_status = 'in_progress'"),
        blocked: await q("select string_agg(reason, ',') as n from public.mission_status_history where mission_id = $1 and to_status = 'blocked'"),
        completed: await q("select count(*)::text as n from public.mission_status_history where mission_id = $1 and to_status = 'done'"),
        timesheets: await q("select coalesce(string_agg(hours::text, ','), '') as n from public.timesheets where mission_id = $1"),
        parts: await q("select coalesce(string_agg(quantity::text, ','), '') as n from public.stock_movements where mission_id = $1"),
        notes: await q("select count(*)::text as n from public.mission_notes where mission_id = $1"),
        technician: await q("select technician_id::text as n from public.missions where id = $1"),
      };
    });
    expect(facts).toEqual({
      status: "done",
      accepted: "1",
      started: "2", // started, then resumed after the block
      blocked: "Attente du gardien pour l'accès.",
      completed: "1",
      timesheets: "2.50",
      parts: "2",
      notes: "1",
      technician: techId,
    });
    const onHand = await withDb(async (db) => (await db.query<{ on_hand: string }>("select on_hand::text from public.stock_items where id = $1", [itemId])).rows[0]!.on_hand);
    expect(Number(onHand)).toBe(8);
    const keys = await withDb(async (db) =>
      (await db.query<{ n: string }>("select count(*)::text as n from public.idempotency_keys where user_id = $1 and created_at >= $2", [techId, startedAt])).rows[0]!.n,
    );
    // accept, start, block, resume, hours, part, note, complete: eight actions applied, each under its own key.
    expect(keys).toBe("8");
    console.log(`offline scenario: 9 actions queued, 8 applied once, 1 refused and shown, log_hours sent ${logHoursCalls}× (1 reply lost), duplicates 0, lost 0`);

    // Offline again, after a reload: the refusal still reads in French (its translation is part of the app shell).
    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Synchronisation" }).waitFor();
    await expect.poll(() => refused.first().textContent()).toContain("Motif : Stock insuffisant : 8 disponible(s), 99 demandé(s).");
    await context.setOffline(false);

    await page.getByRole("button", { name: /Abandonner/ }).click();
    await page.getByText("Aucune action refusée.").waitFor();
    await page.unroute("**/rest/v1/rpc/log_hours");
  });

  it("shows unread notifications with a badge and marks one read", async () => {
    const notificationId = await withDb(async (db) =>
      (
        await db.query<{ id: string }>(
          `insert into public.notifications (org_id, user_id, channel, type, title, body, delivery_status, sent_at)
           values ($1, $2, 'in_app', 'mission.assigned', $3, 'Nouvelle mission planifiée demain matin.', 'sent', now()) returning id`,
          [ORG, techId, `Mission ajoutée ${run}`],
        )
      ).rows[0]!.id,
    );
    const unreadBefore = await withDb(async (db) =>
      Number((await db.query<{ n: number }>("select count(*)::int as n from public.notifications where user_id = $1 and channel = 'in_app' and read_at is null", [techId])).rows[0]!.n),
    );
    await page.getByRole("button", { name: "Synchroniser" }).click();
    const badge = page.getByTestId("unread-badge");
    await expect.poll(() => badge.textContent()).toBe(String(unreadBefore));

    await page.getByRole("link", { name: /^Notifications/ }).click();
    await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
    await expectNoSeriousAxeViolations("notifications");
    await screenshot(page, "07-notifications");
    await page.getByRole("button", { name: `Marquer comme lue · Mission ajoutée ${run}` }).click();
    await expect.poll(async () => ((await badge.count()) === 0 ? "0" : await badge.textContent())).toBe(String(unreadBefore - 1));
    await expect
      .poll(() => withDb(async (db) => (await db.query("select 1 from public.notifications where id = $1 and read_at is not null", [notificationId])).rowCount), { timeout: 30_000 })
      .toBe(1);
  });

  it("switches to English, and the choice holds after a reload", async () => {
    await page.getByLabel("Langue").selectOption("en");
    await page.getByRole("link", { name: "Missions", exact: true }).click();
    await page.getByRole("heading", { name: "My missions" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "My missions" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    await expectNoSeriousAxeViolations("missions (English)");
    await screenshot(page, "09-missions-english");
  });

  it("with two tabs open, one flushes the outbox: each action is sent once (Web Locks)", async () => {
    const second = await context.newPage();
    await second.goto(`/missions/${missionId}`);
    await second.getByRole("heading", { name: missionTitle }).waitFor();
    const noteCalls: string[] = [];
    for (const [tab, p] of [["first", page], ["second", second]] as const) {
      p.on("request", (request) => {
        if (request.url().endsWith("/rest/v1/rpc/add_mission_note")) noteCalls.push(tab);
      });
    }
    await context.setOffline(true);
    // The language chosen in the first tab holds in the second (same device).
    await second.getByLabel("New note").fill("Second visit planned for the pressure test.");
    await second.getByRole("button", { name: "Add note" }).click();
    await second.getByText("Second visit planned for the pressure test.").waitFor();

    // Both tabs see the network return at the same moment and both try to flush.
    await context.setOffline(false);
    await expect
      .poll(() => withDb(async (db) => (await db.query("select 1 from public.mission_notes where mission_id = $1 and body like 'Second visit%'", [missionId])).rowCount))
      .toBe(1);
    await expect.poll(() => page.getByTestId("pending-banner").count()).toBe(0);
    await expect.poll(() => second.getByTestId("pending-banner").count()).toBe(0);
    expect(noteCalls).toHaveLength(1);
    await second.close();
  });
});

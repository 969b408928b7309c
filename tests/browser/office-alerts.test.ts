/**
 * The alert dashboard and its settings, as an owner uses them (issue "Back
 * office and client portal"): a new emergency alert appears without a reload
 * within the polling interval (no Realtime server runs locally), is
 * acknowledged and silenced through the SQL API (refusals shown as the
 * database words them), resolves into the "resolved" tab; the settings show
 * the database's message for a bad threshold and save a good one; the sound
 * setting is off by default and plays for new critical alerts once turned on.
 *
 * Everything happens in an organization of this run's own (its alert_config
 * is seeded by the organizations trigger), so the test can run again and
 * alongside the others.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, expectAxeClean, freshDesktopPage, launchBrowser, logAxeReport, pathOf, signIn } from "./browser.ts";

/** The dashboard's polling interval (web/src/office/alerts/live.ts DEFAULT_TIMING). */
const POLL_SECONDS = 10;

const run = randomUUID().slice(0, 8);
const email = `alerts-owner-${run}@alertes.test`;
const password = `alerts-${run}-secret`;
let browser: Browser;
let userId: string;
let orgId: string;
let clientId: string;

beforeAll(async () => {
  browser = await launchBrowser();
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email, password, email_confirm: true });
  if (created.error) throw created.error;
  userId = created.data.user.id;
  await withDb(async (db) => {
    orgId = (await db.query<{ id: string }>("insert into public.organizations (name) values ('Alertes ' || $1::text) returning id", [run])).rows[0]!.id;
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [orgId, userId]);
    clientId = (await db.query<{ id: string }>("insert into public.clients (org_id, name) values ($1, 'Résidence des Tests') returning id", [orgId])).rows[0]!.id;
  });
});

afterAll(async () => {
  logAxeReport("office alerts");
  await browser?.close();
  if (orgId) await removeTestOrganization(orgId);
  if (userId) await supabaseClient(stack.serviceRoleKey).auth.admin.deleteUser(userId);
});

const freshPage = () => freshDesktopPage(browser, stack.apiUrl);

/** The alert checks, as pg_cron runs them every minute; a run that finds the lock taken (cron's) is tried again. */
async function runAlertChecks(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await withDb((db) => db.query<{ r: { skipped: boolean } }>("select public.run_all_alert_checks() as r"));
    if (!rows[0]!.r.skipped) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("run_all_alert_checks stayed locked");
}

/** An emergency pending for 10 minutes (past the 5-minute emergency_pending threshold). */
async function overdueEmergency(description: string): Promise<string> {
  return withDb(async (db) =>
    (
      await db.query<{ id: string }>(
        "insert into public.emergency_requests (org_id, client_id, description, source, created_at) values ($1, $2, $3, 'phone', now() - interval '10 minutes') returning id",
        [orgId, clientId, description],
      )
    ).rows[0]!.id,
  );
}

async function alertOf(emergencyId: string) {
  return withDb(async (db) =>
    (
      await db.query<{ id: string; status: string; acknowledged_by: string | null; silenced_until: Date | null; silenced_by: string | null }>(
        "select id, status, acknowledged_by, silenced_until, silenced_by from public.alerts where org_id = $1 and entity_id = $2 order by first_fired_at desc limit 1",
        [orgId, emergencyId],
      )
    ).rows[0],
  );
}

/** A tenth of a second of silence: a valid 8 kHz mono 8-bit PCM WAV file. */
function silentWav(): Buffer {
  const samples = 800;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write("data", 36);
  header.writeUInt32LE(samples, 40);
  return Buffer.concat([header, Buffer.alloc(samples, 128)]);
}

describe("the alert dashboard", () => {
  it("shows a new emergency alert within the polling interval; acknowledge, silence (refused in the past), resolved tab", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, email, password);
      // The owner's home.
      await expect.poll(() => pathOf(page)).toBe("/office/alerts");
      await page.getByRole("heading", { level: 1, name: "Alertes" }).waitFor();
      await page.getByTestId("no-open-alerts").waitFor();
      // No Realtime server here: the hook falls back to polling and says how often.
      await expect.poll(() => page.getByTestId("live-status").getAttribute("data-mode")).toBe("polling");
      expect(await page.getByTestId("live-status").textContent()).toContain(`toutes les ${POLL_SECONDS} s`);
      // Sound: off for the organization by default.
      expect(await page.getByText("Son des alertes désactivé pour l’organisation").isVisible()).toBe(true);
      await checkDesktopScreen(page, "office-alerts-empty");

      // A new emergency, past its threshold, and the alert check that pg_cron runs every minute.
      const description = `Chaudière en panne ${run}`;
      const emergencyId = await overdueEmergency(description);
      await runAlertChecks();
      expect((await alertOf(emergencyId))?.status).toBe("firing");

      // It appears on the open page, without a reload, within one polling interval (and some slack for a loaded machine).
      await page.getByText(description).waitFor({ timeout: (POLL_SECONDS + 10) * 1000 });
      await page.getByRole("table", { name: "Critiques (1)" }).waitFor();
      const row = page.getByRole("row").filter({ hasText: description });
      expect(await row.getByRole("link", { name: "File des urgences" }).getAttribute("href")).toBe("/office/emergencies");
      await checkDesktopScreen(page, "office-alerts-firing");

      // Acknowledge: it leaves the firing list for the acknowledged one.
      await row.getByRole("button", { name: "Acquitter l’alerte « Urgence en attente »" }).click();
      await page.getByRole("status").filter({ hasText: "Alerte « Urgence en attente » acquittée." }).waitFor();
      await page.getByRole("table", { name: "Acquittées, condition toujours présente (1)" }).waitFor();
      expect(await page.getByRole("table", { name: "Critiques (1)" }).count()).toBe(0);
      const acknowledged = await alertOf(emergencyId);
      expect(acknowledged?.status).toBe("acknowledged");
      expect(acknowledged?.acknowledged_by).toBe(userId);

      // Silence: a time in the past is refused by the database, as it words it; nothing changes.
      const ackRow = page.getByRole("row").filter({ hasText: description });
      await ackRow.getByRole("button", { name: "Mettre en sourdine l’alerte « Urgence en attente »" }).click();
      const until = ackRow.getByLabel("En sourdine jusqu’au");
      await until.fill("2020-01-01T08:00");
      await ackRow.getByRole("button", { name: "Confirmer la sourdine" }).click();
      await page.getByRole("alert").filter({ hasText: "A silence ends in the future" }).waitFor();
      expect((await alertOf(emergencyId))?.silenced_until).toBeNull();

      // … and a time two hours ahead is kept.
      const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
      const pad = (n: number) => String(n).padStart(2, "0");
      // The browser runs in Paris time (desktopContext): the input takes Paris wall-clock time.
      const paris = new Date(later.toLocaleString("en-US", { timeZone: "Europe/Paris" }));
      await until.fill(`${paris.getFullYear()}-${pad(paris.getMonth() + 1)}-${pad(paris.getDate())}T${pad(paris.getHours())}:${pad(paris.getMinutes())}`);
      await ackRow.getByRole("button", { name: "Confirmer la sourdine" }).click();
      await page.getByRole("status").filter({ hasText: "Alerte « Urgence en attente » en sourdine jusqu’au" }).waitFor();
      const silenced = await alertOf(emergencyId);
      expect(silenced?.silenced_by).toBe(userId);
      expect(Math.abs(silenced!.silenced_until!.getTime() - later.getTime())).toBeLessThan(60_000);
      await page.getByRole("row").filter({ hasText: description }).getByText("En sourdine jusqu’au").waitFor();
      await checkDesktopScreen(page, "office-alerts-acknowledged");

      // The emergency is handled: the alert resolves and moves to the resolved tab.
      await withDb((db) => db.query("update public.emergency_requests set status = 'acknowledged' where id = $1", [emergencyId]));
      await runAlertChecks();
      expect((await alertOf(emergencyId))?.status).toBe("resolved");
      await page.getByTestId("no-open-alerts").waitFor({ timeout: (POLL_SECONDS + 10) * 1000 });
      await page.getByRole("link", { name: "Résolues" }).click();
      await expect.poll(() => pathOf(page)).toBe("/office/alerts/resolved");
      await page.getByRole("table", { name: /dernières alertes résolues/ }).getByText(description).waitFor();
      await checkDesktopScreen(page, "office-alerts-resolved");
    } finally {
      await context.close();
    }
  });
});

describe("the alert settings", () => {
  it("shows the database's message for a bad threshold, saves a good one, and turns the sound on", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, email, password);
      await expect.poll(() => pathOf(page)).toBe("/office/alerts");
      await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Réglages des alertes" }).click();
      await expect.poll(() => pathOf(page)).toBe("/office/alerts/settings");
      await page.getByRole("heading", { level: 1, name: "Configuration des alertes" }).waitFor();
      const form = page.getByTestId("alert-config-emergency_pending");
      const threshold = form.getByLabel("Seuil");
      expect(await threshold.inputValue()).toBe("5");
      await checkDesktopScreen(page, "office-alert-settings");

      const configured = () =>
        withDb(async (db) =>
          (await db.query<{ threshold: string; repeat_interval: string }>(
            "select threshold::text, repeat_interval::text from public.alert_config where org_id = $1 and alert_type = 'emergency_pending'",
            [orgId],
          )).rows[0],
        );

      // A negative threshold: refused by the alert_config trigger, its message shown as written.
      await threshold.fill("-5");
      await form.getByRole("button", { name: "Enregistrer" }).click();
      await form.getByRole("alert").filter({ hasText: "Alert emergency_pending needs a threshold greater than 0, got -5" }).waitFor();
      expect((await configured())?.threshold).toBe("5");
      await checkDesktopScreen(page, "office-alert-settings-refused");

      // A good one, and a repeat interval of 90 minutes.
      await threshold.fill("15");
      await form.getByLabel("Répéter la notification toutes les", { exact: true }).fill("90");
      await form.getByLabel("Répéter la notification toutes les (Unité)").selectOption("minutes");
      await form.getByRole("button", { name: "Enregistrer" }).click();
      await form.getByRole("status").filter({ hasText: "Configuration « Urgence en attente » enregistrée." }).waitFor();
      expect(await configured()).toEqual({ threshold: "15", repeat_interval: "01:30:00" });

      // The sound: off by default, turned on here.
      const soundSetting = page.getByTestId("alert-sound-enabled");
      expect(await soundSetting.isChecked()).toBe(false);
      // Checked once the database has it (the box shows the saved value, not a hope).
      await soundSetting.click();
      await page.getByRole("status").filter({ hasText: "Réglage du son enregistré." }).waitFor();
      const enabled = await withDb(async (db) => (await db.query<{ on: boolean }>("select alert_sound_enabled as on from public.organizations where id = $1", [orgId])).rows[0]!.on);
      expect(enabled).toBe(true);
      await expect.poll(() => soundSetting.isChecked()).toBe(true);

      // The organization's own sound, through the attachments function: a text file is refused
      // with the function's message; a WAV is stored and becomes the current sound.
      expect(await page.getByText("Aucun fichier : un bip est joué.").isVisible()).toBe(true);
      const fileInput = page.getByLabel("Fichier son (MP3, OGG ou WAV, 1 Mo au plus)");
      await fileInput.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("pas un son") });
      await page.getByRole("button", { name: "Envoyer le fichier" }).click();
      await page.getByRole("alert").filter({ hasText: "text/plain is not accepted for alert_sound attachments" }).waitFor();
      await fileInput.setInputFiles({ name: "sirene.wav", mimeType: "audio/wav", buffer: silentWav() });
      await page.getByRole("button", { name: "Envoyer le fichier" }).click();
      await page.getByRole("status").filter({ hasText: "Son « sirene.wav » enregistré." }).waitFor();
      await page.getByText("Son actuel : sirene.wav").waitFor();
      const sounds = await withDb(async (db) =>
        (await db.query<{ original_name: string; status: string }>(
          "select original_name, status from public.attachments where org_id = $1 and owner_type = 'alert_sound'", [orgId],
        )).rows,
      );
      expect(sounds).toEqual([{ original_name: "sirene.wav", status: "ready" }]);

      // On the dashboard, the person turns the sound on once (the click browsers require), and a
      // new critical alert plays it; what was open before does not.
      await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Alertes", exact: true }).click();
      await expect.poll(() => pathOf(page)).toBe("/office/alerts");
      const soundButton = page.getByTestId("alert-sound");
      await soundButton.click();
      await expect.poll(() => soundButton.getAttribute("aria-pressed")).toBe("true");
      expect(await soundButton.getAttribute("data-played")).toBe("0");
      // The threshold is now 15 minutes: an emergency 20 minutes old.
      const description = `Fuite sous pression ${run}`;
      const emergencyId = await overdueEmergency(description);
      await withDb((db) => db.query("update public.emergency_requests set created_at = now() - interval '20 minutes' where id = $1", [emergencyId]));
      await runAlertChecks();
      await page.getByText(description).waitFor({ timeout: (POLL_SECONDS + 10) * 1000 });
      await expect.poll(() => soundButton.getAttribute("data-played")).toBe("1");
      await expectAxeClean(page, "alerts-sound-played");
    } finally {
      await context.close();
    }
  });

  it("is not offered to a dispatcher, whose dashboard has no settings link", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "dispatch@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      await page.goto("/office/alerts");
      await page.getByRole("heading", { level: 1, name: "Alertes" }).waitFor();
      expect(await page.getByRole("link", { name: "Configuration" }).count()).toBe(0);
      await expectAxeClean(page, "alerts-dispatcher");
      await page.goto("/office/alerts/settings");
      await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    } finally {
      await context.close();
    }
  });
});

/**
 * Timesheet approval in the back office: a dispatcher approves several lines
 * at once and sees one result per line (a refused one with the database's
 * reason), and an admin corrects a locked line with a required reason. The
 * hours are this run's own: a technician created here logs them through the
 * API on a mission of their own.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { stack, supabaseClient, withDb } from "../integration/harness.ts";
import { createTechnician, desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, officePage } from "./browser.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const run = randomUUID().slice(0, 8);
const TECH_NAME = `Technicienne Heures ${run}`;
const TECH_EMAIL = `tech-approvals-${run}@chaleur-express.test`;
const TECH_PASSWORD = `approvals-${run}-secret`;
const MISSION_TITLE = `Chantier heures ${run}`;
let techId: string;
let timesheetIds: string[] = [];

let browser: Browser;

beforeAll(async () => {
  techId = await createTechnician(ORG, TECH_EMAIL, TECH_PASSWORD, TECH_NAME);
  const missionId = await withDb(async (db) => {
    const id = (
      await db.query<{ id: string }>("insert into public.missions (org_id, client_id, site_id, title, scheduled_start) values ($1, $2, $3, $4, now()) returning id", [
        ORG,
        CLIENT,
        SITE,
        MISSION_TITLE,
      ])
    ).rows[0]!.id;
    await db.query("select public.transition_mission($1, 'published', $2)", [id, `approvals-${randomUUID()}`]);
    await db.query("select public.transition_mission($1, 'assigned', $2, null, $3)", [id, `approvals-${randomUUID()}`, techId]);
    return id;
  });
  // The technician logs three days of hours through the API, as the phone app does.
  const technician = supabaseClient();
  const signedIn = await technician.auth.signInWithPassword({ email: TECH_EMAIL, password: TECH_PASSWORD });
  if (signedIn.error) throw signedIn.error;
  for (const [daysAgo, hours] of [[3, 2], [2, 3.5], [1, 4]] as const) {
    const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const { data, error } = await technician.rpc("log_hours", {
      p_mission_id: missionId,
      p_work_date: day,
      p_hours: hours,
      p_note: `jour -${daysAgo}`,
      p_idempotency_key: `approvals-${randomUUID()}`,
    });
    if (error) throw error;
    timesheetIds.push((data as { id: string }).id);
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  logAxeReport("office approvals");
});

describe("timesheet approval", () => {
  it("approves the selected lines in bulk and shows each line's result, a refusal with the database's reason", async () => {
    const { context, page } = await officePage(browser, stack.apiUrl, "dispatch@chaleur-express.test");
    try {
      await page.goto("/office/approvals");
      await page.getByRole("heading", { level: 1, name: "Validation des heures" }).waitFor();
      await page.getByLabel("Technicien", { exact: true }).selectOption(techId);
      await expect.poll(() => new URL(page.url()).searchParams.get("tech")).toBe(techId);
      await expect.poll(() => page.getByTestId("pending-row").count()).toBe(3);
      await expectAxeClean(page, "approvals");
      await page.getByLabel("Sélectionner toutes les lignes affichées").check();

      // Meanwhile someone else approves the first line: the bulk approval must say so for that line only.
      await withDb((db) => db.query("select public.bulk_approve_timesheets(array[$1]::uuid[])", [timesheetIds[0]]));
      await page.getByRole("button", { name: "Valider la sélection" }).click();

      await expect.poll(() => page.getByTestId("item-results-summary").textContent()).toBe("2 sur 3 actions réussies");
      const lines = await page.getByTestId("item-result").allTextContents();
      expect(lines.filter((l) => l.startsWith("Réussi"))).toHaveLength(2);
      expect(lines.filter((l) => l.startsWith("Refusé"))).toEqual([expect.stringMatching(/— Ces heures sont déjà validées\.$/)]);
      expect(lines.every((l) => l.includes(TECH_NAME) && l.includes(MISSION_TITLE))).toBe(true);
      await expect.poll(() => page.getByTestId("pending-row").count()).toBe(0);

      const stored = await withDb((db) => db.query("select count(*)::int as approved from public.timesheets where id = any ($1::uuid[]) and approved_at is not null", [timesheetIds]));
      expect(stored.rows[0]).toEqual({ approved: 3 });
      await expectAxeClean(page, "approvals-results");
      await desktopScreenshot(page, "office-approvals");
      // A dispatcher cannot override a lock: no button, and the page says who can.
      expect(await page.getByTestId("approved-row").getByRole("button").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("lets an admin correct a locked line only with a reason, and records the override", async () => {
    const { context, page } = await officePage(browser, stack.apiUrl, "admin@chaleur-express.test");
    try {
      await page.goto(`/office/approvals?tech=${techId}`);
      const locked = page.getByTestId("approved-row").filter({ hasText: "3,5" });
      await locked.getByRole("button", { name: /^Corriger/ }).click();
      await page.getByLabel("Nouvelles heures (vide : inchangées)").fill("3");
      await page.getByLabel("Motif de la correction").fill("erreur");
      await page.getByRole("button", { name: "Enregistrer la correction" }).click();
      await page.getByText("An override needs a reason of at least 10 characters").waitFor();
      await expectAxeClean(page, "approvals-override");
      await desktopScreenshot(page, "office-approvals-override");

      await page.getByLabel("Motif de la correction").fill("Pause déjeuner comptée par erreur");
      await page.getByRole("button", { name: "Enregistrer la correction" }).click();
      await page.getByText(/^Correction enregistrée/).waitFor();
      const stored = await withDb((db) =>
        db.query(
          `select t.hours::text, o.reason from public.timesheets t join public.lock_overrides o on o.row_id = t.id
           where t.id = $1`,
          [timesheetIds[1]],
        ),
      );
      expect(stored.rows).toEqual([{ hours: "3.00", reason: "Pause déjeuner comptée par erreur" }]);
    } finally {
      await context.close();
    }
  });
});

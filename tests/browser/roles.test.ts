/**
 * Every demo login lands on a screen made for their job (docs/design.md, "Who
 * uses it"): the technician on the phone app, the office roles in the back
 * office, the client's portal user in the portal. A path of another app sends a
 * person back to their own; an unknown path is a proper not-found page; someone
 * who belongs to two organizations switches between them from the header, and
 * the app follows the role they hold in each.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, freshDesktopPage, launchBrowser, logAxeReport, pathOf, signIn } from "./browser.ts";

const CHALEUR = "a0000000-0000-4000-8000-0000000000a0"; // supabase/seeds
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  logAxeReport("roles");
  await browser?.close();
});

const freshPage = () => freshDesktopPage(browser, stack.apiUrl);

describe("each role lands on its own app", () => {
  const cases = [
    { email: "tech1@chaleur-express.test", home: /^\/$/, heading: "Mes missions" },
    { email: "admin@chaleur-express.test", home: /^\/office(\/|$)/, org: "Chaleur Express" },
    { email: "dispatch@chaleur-express.test", home: /^\/office(\/|$)/, org: "Chaleur Express" },
    { email: "compta@chaleur-express.test", home: /^\/office(\/|$)/, org: "Chaleur Express" },
    { email: "gestion@syndic-lumiere.test", home: /^\/portal$/, heading: "Bienvenue" },
  ];

  for (const { email, home, heading, org } of cases) {
    it(`${email} lands on ${home.source}`, async () => {
      const { context, page } = await freshPage();
      try {
        await signIn(page, email);
        await expect.poll(() => pathOf(page)).toMatch(home);
        if (heading) await page.getByRole("heading", { level: 1, name: heading }).waitFor();
        if (org) await expect.poll(() => page.getByTestId("org-name").textContent()).toBe(org);
        await checkDesktopScreen(page, `home-${email.split("@")[0]}-${email.split("@")[1]!.split(".")[0]}`);
      } finally {
        await context.close();
      }
    });
  }
});

describe("paths that are not the person's", () => {
  it("sends a technician who opens /office back to the missions, and the portal user who opens /office to the portal", async () => {
    const tech = await freshPage();
    try {
      await signIn(tech.page, "tech1@chaleur-express.test");
      await tech.page.getByRole("heading", { name: "Mes missions" }).waitFor();
      await tech.page.goto("/office/alerts");
      await expect.poll(() => pathOf(tech.page)).toBe("/");
      await tech.page.getByRole("heading", { name: "Mes missions" }).waitFor();
    } finally {
      await tech.context.close();
    }
    const client = await freshPage();
    try {
      await signIn(client.page, "gestion@syndic-lumiere.test");
      await expect.poll(() => pathOf(client.page)).toBe("/portal");
      await client.page.goto("/office");
      await expect.poll(() => pathOf(client.page)).toBe("/portal");
      await client.page.goto("/portal/nothing-here");
      await client.page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
      expect(await client.page.getByTestId("not-found").isVisible()).toBe(true);
    } finally {
      await client.context.close();
    }
  });

  it("shows the back office's not-found page for an unknown office path", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "admin@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      await page.goto("/office/no-such-screen");
      await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
      expect(pathOf(page)).toBe("/office/no-such-screen");
      await checkDesktopScreen(page, "office-not-found");
    } finally {
      await context.close();
    }
  });
});

describe("someone in two organizations", () => {
  const run = randomUUID().slice(0, 8);
  const email = `two-orgs-${run}@chaleur-express.test`;
  const password = `roles-${run}-secret`;
  let userId: string;
  let otherOrg: string;

  beforeAll(async () => {
    const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email, password, email_confirm: true });
    if (created.error) throw created.error;
    userId = created.data.user.id;
    await withDb(async (db) => {
      // A second organization of this run's own, where the same person is a technician.
      otherOrg = (
        await db.query<{ id: string }>(
          "insert into public.organizations (name) values ('Zeta Dépannage ' || $1::text) returning id",
          [run],
        )
      ).rows[0]!.id;
      await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $3, 'dispatcher'), ($2, $3, 'technician')", [CHALEUR, otherOrg, userId]);
    });
  });

  afterAll(async () => {
    await withDb((db) => db.query("delete from public.memberships where user_id = $1 and org_id = $2", [userId, CHALEUR]));
    await removeTestOrganization(otherOrg);
    await supabaseClient(stack.serviceRoleKey).auth.admin.deleteUser(userId);
  });

  it("opens the first organization's app, and the header switches to the other one's", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, email, password);
      // Sorted by name: Chaleur Express (dispatcher) comes first.
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      const switcher = page.getByTestId("org-switch");
      await expect.poll(() => switcher.locator("option").count()).toBe(2);
      await switcher.selectOption(otherOrg);
      await expect.poll(() => pathOf(page)).toBe("/");
      await page.getByRole("heading", { name: "Mes missions" }).waitFor();
      // The choice is kept on the device: a reload stays in that organization.
      await page.reload();
      await page.getByRole("heading", { name: "Mes missions" }).waitFor();
      expect(pathOf(page)).toBe("/");
      // The phone holds the work of the organization where they are a technician only: none of
      // Chaleur Express's open missions, which they may read there as its dispatcher.
      await page.getByText("Aucune mission.").waitFor();
      expect(await page.locator(".mission-card").count()).toBe(0);
      // The technician's header switches back to the office.
      const techSwitch = page.getByTestId("org-switch");
      await expect.poll(() => techSwitch.locator("option").count()).toBe(2);
      await techSwitch.selectOption(CHALEUR);
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
    } finally {
      await context.close();
    }
  });
});

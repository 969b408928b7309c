/**
 * The health page (/office/health): an owner sees the organization-level
 * checks counted on the organization's own rows (here, the seed's overdue
 * emergency of Chaleur Express), never the platform checks; a dispatcher is
 * not offered it. "Vérifier maintenant" runs the full verification of the
 * invoice chain and log in steps to its end and the page shows when it
 * finished, or the invoice where it failed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { stack, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, freshDesktopPage, launchBrowser, logAxeReport, pathOf, signIn } from "./browser.ts";

const CHALEUR = "a0000000-0000-4000-8000-0000000000a0"; // supabase/seeds
let browser: Browser;
let verificationsBefore = 0;

beforeAll(async () => {
  browser = await launchBrowser();
  verificationsBefore = await withDb(async (db) =>
    Number((await db.query<{ id: string }>("select coalesce(max(id), 0) as id from private.invoice_chain_verifications")).rows[0]!.id),
  );
});

afterAll(async () => {
  logAxeReport("office health");
  await browser?.close();
  // The verifications these tests recorded (a failed one among them) are not the seed's.
  await withDb((db) => db.query("delete from private.invoice_chain_verifications where id > $1", [verificationsBefore]));
});

/** Changes an issued invoice behind the guards, as only a superuser can (the lock trigger off), or puts it back. */
const tamper = (position: number, cents: number) =>
  withDb(async (db) => {
    await db.query("begin");
    await db.query("set local session_replication_role = replica");
    await db.query("update public.invoices set total_ht_cents = total_ht_cents + $3 where org_id = $1 and chain_position = $2", [CHALEUR, position, cents]);
    await db.query("commit");
  });

const freshPage = () => freshDesktopPage(browser, stack.apiUrl);

describe("the health page", () => {
  it("lists the organization's checks with their counts, and no platform check", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "admin@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Santé" }).click();
      await expect.poll(() => pathOf(page)).toBe("/office/health");
      await page.getByRole("heading", { level: 1, name: "Santé de l’organisation" }).waitFor();
      const table = page.getByRole("table", { name: "Vérifications" });
      await table.waitFor();
      // Eight organization-level checks (a header row and one row each).
      await expect.poll(() => table.getByRole("row").count()).toBe(9);
      for (const name of ["Articles en stock négatif", "Chaîne d’intégrité des factures", "Urgences en attente au-delà du seuil d’alerte"]) {
        expect(await table.getByText(name).count(), name).toBe(1);
      }
      // Platform checks are the operator's: their names never appear.
      const text = (await table.textContent()) ?? "";
      for (const platform of ["rls_coverage", "cron_failures_24h", "orphaned_attachments", "RLS"]) expect(text).not.toContain(platform);

      // The count is the organization's own rows, as the database counts them.
      const expected = await withDb(async (db) =>
        Number((await db.query<{ n: string }>("select count(*) as n from ops.check_emergencies_pending_overdue where org_id = $1", [CHALEUR])).rows[0]!.n),
      );
      expect(expected).toBeGreaterThan(0); // the seed's overdue emergency
      const row = table.getByRole("row").filter({ hasText: "Urgences en attente au-delà du seuil d’alerte" });
      expect(await row.getByText("À traiter").count()).toBe(1);
      expect((await row.getByRole("cell").nth(3).textContent())?.trim()).toBe(String(expected));
      await page.getByTestId("health-summary").waitFor();

      await checkDesktopScreen(page, "office-health");
    } finally {
      await context.close();
    }
  });

  it("runs the invoice chain verification to its end, then shows when it finished, or the invoice where it failed", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "admin@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      await page.goto("/office/health");
      const panel = page.getByRole("region", { name: "Chaîne d’intégrité des factures" });
      await panel.waitFor();
      await panel.getByRole("button", { name: "Vérifier maintenant" }).click();
      const chain = panel.getByTestId("chain-last-chain");
      await chain.waitFor();
      await expect.poll(() => panel.getByRole("button", { name: "Vérifier maintenant" }).isEnabled()).toBe(true);

      // The page shows the pass the database recorded: its time, its rows, passed.
      const recorded = await withDb(async (db) =>
        (await db.query<{ finished_at: Date; rows_checked: string }>(
          "select finished_at, rows_checked from private.invoice_chain_verifications where org_id = $1 and kind = 'chain' and id > $2 and ok",
          [CHALEUR, verificationsBefore],
        )).rows,
      );
      expect(recorded).toHaveLength(1);
      const finished = await page.evaluate(
        (iso) => new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" }).format(new Date(iso)),
        recorded[0]!.finished_at.toISOString(),
      );
      const text = (await chain.textContent()) ?? "";
      expect(text).toContain(finished.split(" ").pop()!); // the time it finished (hh:mm)
      expect(text).toContain(`${recorded[0]!.rows_checked} lignes vérifiées`);
      expect(text).toContain("réussie");
      await checkDesktopScreen(page, "office-health-invoice-chain");

      // An issued invoice changed behind the guards: the next verification fails on it, and the page names it.
      const number = await withDb(async (db) =>
        (await db.query<{ number: string }>("select number from public.invoices where org_id = $1 and chain_position = 2", [CHALEUR])).rows[0]!.number,
      );
      await tamper(2, 1);
      try {
        await panel.getByRole("button", { name: "Vérifier maintenant" }).click();
        await expect.poll(async () => (await chain.textContent()) ?? "").toContain(`facture ${number} (position 2)`);
        expect(await chain.textContent()).toContain("échec");
        // The refreshed invoice_chain check says it too, in words.
        const row = page.getByRole("table", { name: "Vérifications" }).getByRole("row").filter({ hasText: "Chaîne d’intégrité des factures" });
        await expect.poll(async () => (await row.textContent()) ?? "").toContain(`facture ${number} (position 2)`);
        expect(await row.getByText("À traiter").count()).toBe(1);
        await checkDesktopScreen(page, "office-health-invoice-chain-failed");
      } finally {
        await tamper(2, -1);
      }
    } finally {
      await context.close();
    }
  });

  it("is not offered to a dispatcher: no link, and the path is a not-found page", async () => {
    const { context, page } = await freshPage();
    try {
      await signIn(page, "dispatch@chaleur-express.test");
      await expect.poll(() => pathOf(page)).toMatch(/^\/office/);
      expect(await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Santé" }).count()).toBe(0);
      await page.goto("/office/health");
      await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    } finally {
      await context.close();
    }
  });
});

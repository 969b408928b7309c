/**
 * The administration screens of the back office, driven as an admin (not the
 * owner) of an organization of this run's own: members (invite by email, the
 * invitation pending until revoked, a role change, an ownership rule refused by SQL in its own words), API keys
 * (the secret shown once, gone after a reload; rotate; revoke) and the rules
 * editor (an invalid condition answered inline by SQL as the user types, then
 * fixed and saved; disable). axe-core finds nothing serious on any screen.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { desktopContext, desktopScreenshot, expectAxeClean, launchBrowser, logAxeReport, signIn } from "./browser.ts";

const run = randomUUID().slice(0, 8);
const org = randomUUID();
const password = `office-admin-${run}-secret`;
const emailOf = (who: string) => `${who}-${run}@office-admin.terrain.test`;
const users = { owner: "", admin: "", dispatcher: "" };

let browser: Browser;
let context: BrowserContext;
let page: Page;

async function open(label: string, heading: string) {
  await page.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: label }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

beforeAll(async () => {
  const service = supabaseClient(stack.serviceRoleKey);
  for (const who of Object.keys(users) as (keyof typeof users)[]) {
    const created = await service.auth.admin.createUser({
      email: emailOf(who), password, email_confirm: true, user_metadata: { full_name: `${who} ${run}` },
    });
    if (created.error) throw created.error;
    users[who] = created.data.user.id;
  }
  await withDb(async (db) => {
    await db.query(`insert into public.organizations (id, name) values ($1, $2)`, [org, `Administration ${run}`]);
    await db.query(
      `insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'admin'), ($1, $4, 'dispatcher')`,
      [org, users.owner, users.admin, users.dispatcher]);
  });
  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, emailOf("admin"), password);
  await page.getByTestId("org-name").waitFor();
}, 60_000);

afterAll(async () => {
  logAxeReport("office admin");
  await context?.close();
  await browser?.close();
  await removeTestOrganization(org);
  await withDb((db) => db.query(`delete from auth.users where email like $1`, [`%-${run}@office-admin.terrain.test`]));
});

describe("members", () => {
  it("invites a new member by email: the account and the membership exist, the invitation email is queued", async () => {
    await open("Membres", "Membres");
    await page.getByRole("cell", { name: `dispatcher ${run}`, exact: true }).waitFor();
    await expectAxeClean(page, "members");
    await desktopScreenshot(page, "office-members");

    await page.getByLabel("Adresse email").fill(emailOf("newcomer"));
    await page.getByLabel("Rôle", { exact: true }).selectOption("technician");
    await page.getByRole("button", { name: "Inviter", exact: true }).click();
    await expect.poll(() => page.getByTestId("members-notice").textContent())
      .toBe(`${emailOf("newcomer")} est invité en tant que Technicien ; son compte a été créé. L’email d’invitation est en file d’envoi.`);
    await page.getByRole("row").filter({ hasText: emailOf("newcomer") }).waitFor();

    const rows = await withDb(async (db) => (await db.query(
      `select m.role::text as role, u.invited_at is not null as invited,
              (select count(*)::int from public.notifications n where n.user_id = u.id and n.type = 'invitation' and n.channel = 'email') as emails
         from public.memberships m join auth.users u on u.id = m.user_id
        where m.org_id = $1 and u.email = $2`, [org, emailOf("newcomer")])).rows);
    expect(rows).toEqual([{ role: "technician", invited: true, emails: 1 }]);
  });

  it("lists the invitation as pending (who invited, when) apart from the members; resending within the minute is refused in French", async () => {
    const pending = page.getByRole("table", { name: "Invitations en attente" });
    const row = pending.getByRole("row").filter({ hasText: emailOf("newcomer") });
    await row.waitFor();
    expect(await row.textContent()).toContain("Technicien");
    expect(await row.textContent()).toContain(`admin ${run}`);
    expect(await page.getByRole("table", { name: "Membres de l’organisation" }).getByText(emailOf("newcomer")).count()).toBe(0);
    await expectAxeClean(page, "members-pending");
    await desktopScreenshot(page, "office-members-pending");

    await row.getByRole("button", { name: `Renvoyer · ${emailOf("newcomer")}` }).click();
    await page.getByRole("alert")
      .getByText(`L’invitation à ${emailOf("newcomer")} a été envoyée il y a moins d’une minute. Réessayez dans un instant.`).waitFor();
    expect(await withDb(async (db) =>
      (await db.query(`select send_count from public.member_invitations where org_id = $1 and email = $2`, [org, emailOf("newcomer")])).rows))
      .toEqual([{ send_count: 1 }]);
  });

  it("revokes a pending invitation after confirmation: the membership, the invitation and the account it created are gone", async () => {
    await page.getByRole("button", { name: `Annuler l’invitation · ${emailOf("newcomer")}` }).click();
    await page.getByRole("group", { name: `Annuler l’invitation de ${emailOf("newcomer")} ?` }).waitFor();
    await page.getByRole("button", { name: "Confirmer l’annulation" }).click();
    await expect.poll(() => page.getByTestId("members-notice").textContent()).toBe(`L’invitation de ${emailOf("newcomer")} est annulée ; le compte créé pour elle est supprimé.`);
    await expect.poll(() => page.getByRole("table", { name: "Invitations en attente" }).count()).toBe(0);
    expect(await withDb(async (db) => (await db.query(
      `select (select count(*)::int from public.memberships m join auth.users u on u.id = m.user_id where m.org_id = $1 and u.email = $2) as memberships,
              (select count(*)::int from public.member_invitations where org_id = $1 and email = $2) as invitations,
              (select count(*)::int from auth.users where email = $2) as accounts`,
      [org, emailOf("newcomer")])).rows)).toEqual([{ memberships: 0, invitations: 0, accounts: 0 }]);
  });

  it("changes a role, and shows SQL's refusal when an admin tries to make someone owner", async () => {
    const name = `dispatcher ${run}`;
    await page.getByLabel(`Rôle de ${name}`).selectOption("owner");
    await page.getByRole("button", { name: `Changer le rôle · ${name}` }).click();
    await page.getByRole("alert").getByText("Seul un propriétaire peut donner ou retirer le rôle de propriétaire, ou modifier l’accès d’un propriétaire.").waitFor();
    await expectAxeClean(page, "members-refusal");
    await desktopScreenshot(page, "office-members-refusal");
    expect(await withDb(async (db) =>
      (await db.query(`select role::text from public.memberships where org_id = $1 and user_id = $2`, [org, users.dispatcher])).rows[0].role))
      .toBe("dispatcher");

    await page.getByLabel(`Rôle de ${name}`).selectOption("accountant");
    await page.getByRole("button", { name: `Changer le rôle · ${name}` }).click();
    await expect.poll(() => page.getByTestId("members-notice").textContent()).toBe(`${name} est maintenant Comptable.`);
    expect(await withDb(async (db) =>
      (await db.query(`select role::text from public.memberships where org_id = $1 and user_id = $2`, [org, users.dispatcher])).rows[0].role))
      .toBe("accountant");
  });

  it("asks before removing a member, and shows SQL's refusal when an admin removes the owner", async () => {
    const owner = `owner ${run}`;
    await page.getByRole("button", { name: `Retirer · ${owner}` }).click();
    await page.getByRole("group", { name: `Retirer ${owner} de l’organisation ?` }).waitFor();
    await expectAxeClean(page, "members-remove-confirm");
    await page.getByRole("button", { name: "Confirmer le retrait" }).click();
    await page.getByRole("alert").getByText("Seul un propriétaire peut donner ou retirer le rôle de propriétaire, ou modifier l’accès d’un propriétaire.").waitFor();
    expect(await withDb(async (db) =>
      (await db.query(`select count(*)::int as n from public.memberships where org_id = $1 and user_id = $2`, [org, users.owner])).rows[0].n))
      .toBe(1);
  });
});

describe("API keys", () => {
  let firstSecret = "";

  it("creates a key: the secret is shown once, authenticates, and is gone after a reload", async () => {
    await open("Clés d’API", "Clés d’API");
    await expectAxeClean(page, "api-keys");
    await page.getByLabel("Nom", { exact: true }).fill(`Supervision ${run}`);
    await page.getByRole("button", { name: "Créer la clé" }).click();
    const panel = page.getByTestId("api-key-secret-panel");
    await panel.getByText("il ne sera plus jamais affiché").waitFor();
    firstSecret = await page.getByTestId("api-key-secret").inputValue();
    expect(firstSecret.length).toBeGreaterThan(20);
    await expectAxeClean(page, "api-keys-secret");
    await desktopScreenshot(page, "office-api-keys-secret");
    const stored = await withDb(async (db) => (await db.query(
      `select k.name, k.secret_hash, private.api_key_id_for_secret($2) = k.id as authenticates
         from public.api_keys k where k.org_id = $1`, [org, firstSecret])).rows);
    expect(stored).toEqual([{ name: `Supervision ${run}`, secret_hash: createHash("sha256").update(firstSecret).digest("hex"), authenticates: true }]);

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Clés d’API" }).waitFor();
    await page.getByRole("cell", { name: `Supervision ${run}`, exact: true }).waitFor();
    expect(await page.getByTestId("api-key-secret-panel").count()).toBe(0);
    expect(await page.content()).not.toContain(firstSecret);
  });

  it("rotates (a new secret, once) and revokes with a confirmation", async () => {
    await page.getByRole("button", { name: `Renouveler · Supervision ${run}` }).click();
    await page.getByTestId("api-key-secret-panel").getByText("reste valide jusqu’au").waitFor();
    const rotated = await page.getByTestId("api-key-secret").inputValue();
    expect(rotated).not.toBe(firstSecret);
    await page.getByRole("button", { name: "J’ai copié le secret" }).click();
    expect(await page.getByTestId("api-key-secret-panel").count()).toBe(0);

    const statuses = () => withDb(async (db) => (await db.query(
      `select private.api_key_status(k) as status from public.api_keys k where k.org_id = $1 order by k.created_at`, [org])).rows.map((r) => r.status));
    expect(await statuses()).toEqual(["rotating", "active"]);

    // The new key is the one still "active": revoke it, after confirming.
    const active = page.getByRole("row").filter({ hasText: "active" }).filter({ hasNotText: "rotation" });
    await active.getByRole("button", { name: /^Révoquer/ }).click();
    await page.getByRole("group", { name: /^Révoquer Supervision/ }).waitFor();
    await expectAxeClean(page, "api-keys-revoke-confirm");
    await page.getByRole("button", { name: "Confirmer la révocation" }).click();
    await page.getByText(`La clé Supervision ${run} est révoquée.`).waitFor();
    expect(await statuses()).toEqual(["rotating", "revoked"]);
    await desktopScreenshot(page, "office-api-keys");
  });
});

describe("rules editor", () => {
  it("answers an invalid condition inline in SQL's words, saves once fixed, and disables the rule", async () => {
    await open("Règles", "Règles sur les événements");
    await expectAxeClean(page, "rules");
    await page.getByRole("link", { name: "Nouvelle règle" }).click();
    await page.getByRole("heading", { level: 1, name: "Nouvelle règle" }).waitFor();

    await page.getByLabel("Nom", { exact: true }).fill(`Surchauffe ${run}`);
    await page.getByLabel("Type d’événement").fill("boiler.reading");
    const condition = page.getByLabel("Condition");
    await condition.pressSequentially("$.temperature >");
    const feedback = page.getByTestId("condition-feedback");
    const expected = await withDb(async (db) =>
      (await db.query(`select public.check_rule_condition('$.temperature >') ->> 'message' as m`)).rows[0].m as string);
    expect(expected).toMatch(/^Invalid rule condition: /);
    await expect.poll(() => feedback.textContent()).toBe(`✗ ${expected}`);
    expect(await condition.getAttribute("aria-invalid")).toBe("true");
    await expectAxeClean(page, "rules-editor-invalid");
    await desktopScreenshot(page, "office-rules-editor-invalid");

    await condition.pressSequentially(" 90");
    await expect.poll(() => feedback.textContent()).toBe("✓ Condition valide.");
    expect(await condition.getAttribute("aria-invalid")).toBe("false");
    await page.getByLabel("Action").selectOption("notify_roles");
    await page.getByRole("button", { name: "Enregistrer" }).click();

    await page.getByRole("heading", { level: 1, name: "Règles sur les événements" }).waitFor();
    await page.getByRole("link", { name: `Surchauffe ${run}` }).waitFor();
    const saved = await withDb(async (db) => (await db.query(
      `select condition, action, action_params, enabled from public.rules where org_id = $1`, [org])).rows);
    expect(saved).toEqual([{ condition: "$.temperature > 90", action: "notify_roles", action_params: { roles: ["dispatcher"] }, enabled: true }]);

    await page.getByRole("button", { name: `Désactiver · Surchauffe ${run}` }).click();
    await page.getByText(`La règle Surchauffe ${run} est désactivée.`).waitFor();
    expect(await withDb(async (db) => (await db.query(`select enabled from public.rules where org_id = $1`, [org])).rows[0].enabled)).toBe(false);
    await expectAxeClean(page, "rules-list");
    await desktopScreenshot(page, "office-rules");

    await page.getByRole("link", { name: `Surchauffe ${run}` }).click();
    await page.getByRole("heading", { level: 1, name: `Modifier la règle Surchauffe ${run}` }).waitFor();
    await page.getByLabel("Condition").fill("$.temperature > 95");
    await expect.poll(() => feedback.textContent()).toBe("✓ Condition valide.");
    await page.getByLabel("Règle active").check();
    await expectAxeClean(page, "rules-editor-edit");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.getByRole("heading", { level: 1, name: "Règles sur les événements" }).waitFor();
    expect(await withDb(async (db) => (await db.query(`select condition, enabled from public.rules where org_id = $1`, [org])).rows))
      .toEqual([{ condition: "$.temperature > 95", enabled: true }]);
  });

  it("shows a not-found page for a rule that is not the organization's", async () => {
    await page.goto(`/office/rules/${randomUUID()}`);
    await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
  });
});

describe("ownership", () => {
  it("the owner hands ownership over to the admin and stays admin", async () => {
    const ownerContext = await desktopContext(browser, stack.apiUrl);
    try {
      const ownerPage = await ownerContext.newPage();
      await ownerPage.goto("/");
      await signIn(ownerPage, emailOf("owner"), password);
      await ownerPage.getByRole("navigation", { name: "Navigation du bureau" }).getByRole("link", { name: "Membres" }).click();
      await ownerPage.getByRole("heading", { level: 1, name: "Membres" }).waitFor();
      await ownerPage.getByLabel("Nouveau propriétaire").selectOption({ label: `admin ${run}` });
      await ownerPage.getByRole("button", { name: "Transférer" }).click();
      await expect.poll(() => ownerPage.getByTestId("members-notice").textContent()).toBe(`admin ${run} est maintenant propriétaire.`);
      // The screen follows the new role at once, without a reload: an admin's header, no owner controls.
      await expect.poll(() => ownerPage.getByText(`Connecté : ${emailOf("owner")} (Administrateur)`).count()).toBe(1);
      await expect.poll(() => ownerPage.getByRole("heading", { level: 2, name: "Transférer la propriété" }).count()).toBe(0);
      expect(await ownerPage.getByRole("button", { name: "Transférer" }).count()).toBe(0);
      expect(await ownerPage.getByTestId("members-notice").textContent()).toBe(`admin ${run} est maintenant propriétaire.`);
      const roles = await withDb(async (db) => (await db.query(
        `select user_id, role::text from public.memberships where org_id = $1 and user_id in ($2, $3) order by role::text`,
        [org, users.owner, users.admin])).rows);
      expect(roles).toEqual([{ user_id: users.owner, role: "admin" }, { user_id: users.admin, role: "owner" }]);
    } finally {
      await ownerContext.close();
    }
  });
});

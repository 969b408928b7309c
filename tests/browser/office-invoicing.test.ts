/**
 * The accountant's invoicing day, in the back office, on rows of the test's
 * own (an organization with its legal identity, a client with an address, a
 * done mission that used parts): invoice the mission, see issuing refused while
 * the client has no SIREN, issue the draft (SQL numbers it), see a stale draft screen's edit refused by SQL, send it (the
 * email queued, then delivered by send-email, the invoice sent), check the
 * PDF's hash, record the payment and reconcile (paid, lettered), issue a
 * partial credit note, download the FEC and a CSV journal; quotes sent from
 * their screen. axe-core finds nothing serious on any screen.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeTestOrganization, stack, supabaseClient, withDb } from "../integration/harness.ts";
import { checkDesktopScreen, desktopContext, desktopScreenshot, launchBrowser, logAxeReport, pathOf, signIn } from "./browser.ts";

const run = randomUUID().slice(0, 8);
const ORG = randomUUID();
const CLIENT = randomUUID();
const SITE = randomUUID();
const ITEM = randomUUID();
const MISSION = randomUUID();
const QUOTE = randomUUID();
const accountantEmail = `compta-${run}@invoicing.test`;
const technicianEmail = `tech-${run}@invoicing.test`;
const password = `invoicing-${run}-secret`;
const missionTitle = `Remplacement vanne ${run}`;
const YEAR = new Date().getFullYear();

const FEC_HEADER = [
  "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib",
  "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
];

let browser: Browser;
let context: BrowserContext;
let page: Page;
// The invoice the first describe invoices, pays and credits; the payment corrections act on its payment.
let invoiceId: string;
let invoiceNumber: string;
const userIds: string[] = [];

async function createUser(email: string): Promise<string> {
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email, password, email_confirm: true });
  if (created.error) throw created.error;
  userIds.push(created.data.user.id);
  return created.data.user.id;
}

beforeAll(async () => {
  const accountant = await createUser(accountantEmail);
  const technician = await createUser(technicianEmail);
  await withDb(async (db) => {
    // A whole day of invoicing in a minute is more writes than the per-user
    // preset allows a fresh user (the relaxed test profile lifts it for the demo users only).
    await db.query(
      `insert into private.rate_limit_overrides (key, bucket, max_hits, reason) values ('user:' || $1::text, '*', 1000000, 'office-invoicing browser test')`,
      [accountant],
    );
    await db.query(
      `insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                         address_line1, postal_code, city, default_payment_terms_days, late_penalty_rate)
       values ($1, 'Factures ' || $2::text || ' SAS', 'SAS', 1500000, '443061841', '44306184100005', 'FR40443061841', 'Lyon',
               '4 quai des Factures', '69005', 'Lyon', 30, 10.5)`,
      [ORG, run],
    );
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'accountant'), ($1, $3, 'technician')", [ORG, accountant, technician]);
    await db.query(
      `insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city, email)
       values ($1, $2, 'Copropriété ' || $3::text, '552081317', '10 rue Client', '69007', 'Lyon', 'syndic-' || $3::text || '@invoicing.test')`,
      [CLIENT, ORG, run],
    );
    await db.query("insert into public.sites (id, org_id, client_id, name, address, postal_code, city) values ($1, $2, $3, 'Chaufferie', '10 rue Client', '69007', 'Lyon')", [SITE, ORG, CLIENT]);
    // A part in stock (120 € excl. VAT, 20 %), two of them used on the mission.
    await db.query("insert into public.stock_items (id, org_id, sku, name, unit, price_cents, vat_rate) values ($1, $2, 'VANNE-' || $3::text, 'Vanne 3 voies', 'u', 12000, 20)", [ITEM, ORG, run]);
    await db.query("insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values ($1, $2, 'in', 10, 'Livraison')", [ORG, ITEM]);
    await db.query("insert into public.missions (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, $5)", [MISSION, ORG, CLIENT, SITE, missionTitle]);
    await db.query("update public.missions set status = 'published' where id = $1", [MISSION]);
    await db.query("update public.missions set status = 'assigned', technician_id = $2 where id = $1", [MISSION, technician]);
    await db.query("update public.missions set status = 'in_progress' where id = $1", [MISSION]);
    await db.query("insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id) values ($1, $2, 'out', 2, $3)", [ORG, ITEM, MISSION]);
    await db.query("update public.missions set status = 'done', completed_at = now() where id = $1", [MISSION]);
    // A draft quote of one line.
    await db.query("insert into public.quotes (id, org_id, client_id, site_id, title) values ($1, $2, $3, $4, 'Désembouage ' || $5::text)", [QUOTE, ORG, CLIENT, SITE, run]);
    await db.query(
      "insert into public.quote_lines (org_id, quote_id, position, description, quantity, unit_price_cents, vat_rate) values ($1, $2, 1, 'Désembouage du circuit', 1, 45000, 10)",
      [ORG, QUOTE],
    );
  });
  browser = await launchBrowser();
  context = await desktopContext(browser, stack.apiUrl);
  page = await context.newPage();
  await page.goto("/");
  await signIn(page, accountantEmail, password);
});

afterAll(async () => {
  logAxeReport("office invoicing");
  await context?.close();
  await browser?.close();
  await removeTestOrganization(ORG);
  await withDb((db) => db.query("delete from private.rate_limit_overrides where key = any($1::text[])", [userIds.map((id) => `user:${id}`)]));
  for (const id of userIds) await supabaseClient(stack.serviceRoleKey).auth.admin.deleteUser(id);
});

const expectAccessible = (p: Page, screen: string) => checkDesktopScreen(p, `office-invoicing-${screen}`);

async function invoiceRow(id: string) {
  return withDb(async (db) => (await db.query("select status, number, pdf_sha256 from public.invoices where id = $1", [id])).rows[0]);
}

describe("the accountant invoices a done mission", () => {

  it("lands on the invoices and invoices the done mission of a client, with a result per mission", async () => {
    await expect.poll(() => pathOf(page)).toBe("/office/invoices");
    await page.getByRole("heading", { level: 1, name: "Factures" }).waitFor();
    await expectAccessible(page, "list");

    await page.getByRole("link", { name: "Facturer des missions terminées" }).click();
    await page.getByRole("heading", { level: 1, name: "Facturer des missions terminées" }).waitFor();
    await page.getByLabel("Client", { exact: true }).selectOption(CLIENT);
    await page.getByLabel(`Facturer « ${missionTitle} »`).check();
    await expectAccessible(page, "create-from-missions");
    await page.getByRole("button", { name: "Créer 1 facture brouillon" }).click();
    await expect.poll(() => page.getByTestId("item-results-summary").textContent()).toBe("1 sur 1 action réussie");
    await page.getByRole("link", { name: `Ouvrir la facture brouillon de « ${missionTitle} »` }).click();
    await page.getByRole("heading", { level: 1, name: "Facture brouillon" }).waitFor();
    invoiceId = pathOf(page).split("/").pop()!;
    expect((await invoiceRow(invoiceId)).status).toBe("draft");
    // 2 × 120 € + 20 % VAT.
    expect(await page.getByTestId("invoice-total").textContent()).toMatch(/288,00\s€/);
    await expectAccessible(page, "draft");
  });

  it("a business client without SIREN: issuing is refused by SQL with the missing mention, and the client's page says it is needed", async () => {
    await withDb((db) => db.query("update public.clients set siren = null where id = $1", [CLIENT]));
    await page.getByRole("button", { name: "Émettre la facture" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Invoice cannot be issued, missing legal mentions: client SIREN");
    expect(await invoiceRow(invoiceId)).toMatchObject({ status: "draft", number: null });

    await page.goto(`/office/clients/${CLIENT}`);
    await page.getByRole("heading", { level: 1, name: `Copropriété ${run}` }).waitFor();
    await page.getByText("Non renseigné — obligatoire pour facturer une entreprise ou un organisme public").waitFor();
    await expectAccessible(page, "client-without-siren");

    await withDb((db) => db.query("update public.clients set siren = '552081317' where id = $1", [CLIENT]));
    await page.goto(`/office/invoices/${invoiceId}`);
    await page.getByRole("heading", { level: 1, name: "Facture brouillon" }).waitFor();
  });

  it("issues the draft (the number comes from SQL); a stale draft screen's edit is refused by SQL", async () => {
    const stale = await context.newPage();
    await stale.goto(`/office/invoices/${invoiceId}`);
    await stale.getByRole("heading", { level: 1, name: "Facture brouillon" }).waitFor();

    await page.getByRole("button", { name: "Émettre la facture" }).click();
    await page.getByRole("heading", { level: 1, name: /^Facture FAC-\d{4}-\d{5}$/ }).waitFor();
    invoiceNumber = (await page.getByTestId("invoice-number").textContent())!;
    expect((await invoiceRow(invoiceId)).number).toBe(invoiceNumber);
    expect(await page.getByTestId("locked-note").isVisible()).toBe(true);
    // Locked: no edit is offered.
    expect(await page.getByRole("heading", { name: "Nouvelle ligne" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Supprimer la ligne/ }).count()).toBe(0);

    // The screen opened while it was a draft still offers the form: SQL refuses.
    await stale.getByLabel("Désignation").fill("Ligne ajoutée après émission");
    await stale.getByLabel("Prix unitaire HT (€)").fill("10");
    await stale.getByRole("button", { name: "Ajouter la ligne" }).click();
    await expect.poll(() => stale.getByRole("alert").textContent()).toContain(`Invoice ${invoiceNumber} is locked (status: issued)`);
    await desktopScreenshot(stale, "office-invoicing-locked-refusal");
    await stale.close();
    const lines = await withDb(async (db) => (await db.query("select count(*)::int as n from public.invoice_lines where invoice_id = $1", [invoiceId])).rows[0].n);
    expect(lines).toBe(1);
  });

  it("sends it: the email is queued, delivered by send-email, and the invoice is sent", async () => {
    await page.getByRole("button", { name: "Envoyer au client" }).click();
    await expect.poll(() => page.getByTestId("email-state").getAttribute("data-state")).toMatch(/^(pending|sent)$/);
    const queued = await withDb(async (db) =>
      (await db.query("select recipient_email, type from public.notifications where org_id = $1 and dedupe_key = $2", [ORG, `invoice_sent:${invoiceId}`])).rows,
    );
    expect(queued).toEqual([{ recipient_email: `syndic-${run}@invoicing.test`, type: "invoice_sent" }]);

    // What the delivery dispatcher (or pg_cron in production) does: one round of send-email.
    await expect
      .poll(async () => {
        await fetch(`${stack.apiUrl}/functions/v1/send-email`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.serviceRoleKey}`, "content-type": "application/json" },
          body: JSON.stringify({ limit: 100 }),
        });
        return (await invoiceRow(invoiceId)).status;
      }, { timeout: 60_000, interval: 2_000 })
      .toBe("sent");
    await page.getByRole("button", { name: "Actualiser l’état" }).click();
    await expect.poll(() => page.getByTestId("email-state").getAttribute("data-state")).toBe("sent");
    await expect.poll(() => page.getByTestId("status").first().textContent()).toBe("Envoyée");
  });

  it("downloads the PDF and checks its hash: match, with the SHA-256 recorded", async () => {
    await page.getByRole("button", { name: "Préparer le PDF" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: `Enregistrer ${invoiceNumber}.pdf` }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${invoiceNumber}.pdf`);
    expect(readFileSync((await file.path())!).subarray(0, 5).toString()).toBe("%PDF-");

    await page.getByRole("button", { name: "Vérifier l’empreinte" }).click();
    const verdict = page.getByTestId("pdf-verdict");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-ok")).toBe("true");
    expect(await verdict.textContent()).toContain("Empreinte conforme");
    const recorded = (await invoiceRow(invoiceId)).pdf_sha256 as string;
    expect(recorded).toMatch(/^[0-9a-f]{64}$/);
    expect(await verdict.textContent()).toContain(recorded);
    expect(await page.getByTestId("pdf-sha").textContent()).toBe(recorded);
    await expectAccessible(page, "sent");
  });

  it("records the payment and reconciles: the invoice is paid and lettered", async () => {
    await page.getByRole("link", { name: "Enregistrer un paiement pour cette facture" }).click();
    await page.getByRole("heading", { level: 1, name: "Paiements" }).waitFor();
    await expect.poll(() => page.getByLabel("Facture", { exact: true }).inputValue()).toBe(invoiceId);
    // A refusal first: not an amount.
    await page.getByRole("textbox", { name: "Montant (€)" }).fill("deux cents");
    await page.getByRole("button", { name: "Enregistrer le paiement" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("Montant invalide");
    await page.getByRole("textbox", { name: "Montant (€)" }).fill("288,00");
    await page.getByLabel("Référence (virement, chèque…)").fill(`VIR-${run}`);
    await page.getByRole("button", { name: "Enregistrer le paiement" }).click();
    await expect.poll(() => page.getByTestId("payment-result").textContent()).toBe("Paiement enregistré.");
    await page.getByRole("button", { name: "Rapprocher les paiements" }).click();
    await page.getByTestId("reconcile-report").waitFor();
    expect(await page.getByTestId("paid-count").textContent()).toBe("Factures payées : 1");
    await expectAccessible(page, "payments");
    expect((await invoiceRow(invoiceId)).status).toBe("paid");

    await page.goto(`/office/invoices/${invoiceId}`);
    await page.getByRole("heading", { level: 1, name: `Facture ${invoiceNumber}` }).waitFor();
    await expect.poll(() => page.getByTestId("status").first().textContent()).toBe("Payée");
    await expect.poll(() => page.getByTestId("lettering").textContent()).toMatch(/^A \(soldée le .+\)$/);
  });

  it("issues a partial credit note that references the invoice", async () => {
    await page.getByRole("textbox", { name: "Montant HT (€)" }).fill("50");
    await page.getByRole("button", { name: "Créer l’avoir brouillon" }).click();
    await page.getByRole("heading", { level: 1, name: "Avoir brouillon" }).waitFor();
    await page.getByRole("link", { name: `Avoir de la facture ${invoiceNumber}` }).waitFor();
    await page.getByRole("button", { name: "Émettre la facture" }).click();
    await page.getByRole("heading", { level: 1, name: /^Avoir AV-\d{4}-\d{5}$/ }).waitFor();
    const creditId = pathOf(page).split("/").pop()!;
    const credit = await withDb(async (db) =>
      (await db.query("select kind, status, credited_invoice_id, total_ttc_cents::int as total from public.invoices where id = $1", [creditId])).rows[0],
    );
    expect(credit).toEqual({ kind: "credit_note", status: "issued", credited_invoice_id: invoiceId, total: 6000 });
    // Un avoir is masculine: its status reads "Émis", not the invoice's "Émise".
    await expect.poll(() => page.getByTestId("status").first().textContent()).toBe("Émis");
    await expectAccessible(page, "credit-note");

    // The credited invoice lists its credit note with the masculine word too, and keeps its own feminine one.
    await page.goto(`/office/invoices/${invoiceId}`);
    await page.getByRole("heading", { level: 1, name: `Facture ${invoiceNumber}` }).waitFor();
    await expect.poll(() => page.getByRole("list", { name: "Avoirs" }).getByTestId("status").textContent()).toBe("Émis");
    expect(await page.getByTestId("invoice-facts").getByTestId("status").textContent()).toBe("Payée");

    // The list: the credit note's row says "Émis", the invoice's row "Payée".
    await page.goto("/office/invoices");
    await page.getByRole("heading", { level: 1, name: "Factures" }).waitFor();
    const creditRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: /^AV-\d{4}-\d{5}$/ }) });
    await expect.poll(() => creditRow.getByTestId("status").textContent()).toBe("Émis");
    const invoiceRowInList = page.getByRole("row").filter({ has: page.getByRole("link", { name: invoiceNumber, exact: true }) });
    expect(await invoiceRowInList.getByTestId("status").textContent()).toBe("Payée");
  });
});

describe("the accountant corrects a payment", () => {
  it("a reversal without a reason is refused by SQL, shown as written; the assignment is cancelled with one", async () => {
    await page.goto("/office/payments");
    await page.getByRole("heading", { level: 1, name: "Paiements" }).waitFor();
    const ref = `VIR-${run}`;
    // Refused: no reason. The confirmation stays open with SQL's message beside it.
    await page.getByRole("button", { name: `Contre-passer · ${ref}` }).click();
    const reverse = page.getByRole("group", { name: `Contre-passer le paiement ${ref}, enregistré par erreur ? Une écriture annule l’encaissement en banque.` });
    await reverse.getByRole("button", { name: "Contre-passer" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent())
      .toContain("Indiquez le motif de la correction : il figure dans l’écriture comptable.");
    await reverse.getByRole("button", { name: "Ne rien changer" }).click();
    const untouched = await withDb(async (db) => (await db.query(
      "select p.invoice_id, p.reversed_at, (select count(*)::int from public.payment_corrections c where c.payment_id = p.id) as corrections from public.payments p where p.org_id = $1 and p.external_ref = $2",
      [ORG, ref])).rows[0]);
    expect(untouched).toEqual({ invoice_id: invoiceId, reversed_at: null, corrections: 0 });

    // Cancelling the assignment, with a reason.
    await page.getByRole("button", { name: `Annuler l’affectation · ${ref}` }).click();
    const unassign = page.getByRole("group", { name: new RegExp(`^Annuler l’affectation du paiement ${ref} à la facture ${invoiceNumber}`) });
    await unassign.getByLabel("Motif (inscrit dans l’écriture)").fill("Virement d’un autre chantier");
    await unassign.getByRole("button", { name: "Annuler l’affectation" }).click();
    await expect.poll(() => page.getByTestId("payment-result").textContent())
      .toMatch(new RegExp(`^Affectation du paiement ${ref} annulée \\(écriture BQ ${YEAR}-\\d+\\) : il est à affecter de nouveau\\.$`));
    // The row offers the matching again.
    await page.getByLabel(`Affecter le paiement ${ref} à`).waitFor();
    await expectAccessible(page, "payment-corrections");
    const after = await withDb(async (db) => (await db.query(
      `select p.invoice_id, i.status, c.reason from public.payments p join public.payment_corrections c on c.payment_id = p.id
       join public.invoices i on i.id = c.invoice_id where p.org_id = $1 and p.external_ref = $2`, [ORG, ref])).rows);
    expect(after).toEqual([{ invoice_id: null, status: "sent", reason: "Virement d’un autre chantier" }]);
  });
});

describe("the accountant on a client's page", () => {
  it("sees the client's missions without links into the missions area, which an accountant cannot open", async () => {
    await page.goto(`/office/clients/${CLIENT}`);
    await page.getByRole("heading", { level: 1, name: `Copropriété ${run}` }).waitFor();
    const missions = page.getByRole("table", { name: "Les 20 dernières missions du client, par date prévue" });
    await expect.poll(() => missions.textContent()).toContain(missionTitle);
    expect(await missions.getByRole("link").count()).toBe(0);
    expect(await page.getByRole("link", { name: "Voir toutes ses missions sur le tableau" }).count()).toBe(0);
    await expectAccessible(page, "client-detail");
  });
});

describe("exports and quotes", () => {
  it("downloads the FEC of the year, whose first line is the 18 headers, and the sales journal", async () => {
    await page.goto("/office/exports");
    await page.getByRole("heading", { level: 1, name: "Exports comptables" }).waitFor();
    await page.getByLabel("Exercice (clôture au 31 décembre)").selectOption(String(YEAR));
    await page.getByRole("button", { name: "Préparer le FEC" }).click();
    const fecDownload = page.waitForEvent("download");
    await page.getByRole("link", { name: `Enregistrer 443061841FEC${YEAR}1231.txt` }).click();
    const fec = await fecDownload;
    expect(fec.suggestedFilename()).toBe(`443061841FEC${YEAR}1231.txt`);
    const lines = readFileSync((await fec.path())!, "utf8").split(/\r?\n/);
    expect(lines[0]!.split("\t")).toEqual(FEC_HEADER);
    expect(lines.filter((l) => l.startsWith("VT\t")).length).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Préparer le journal" }).click();
    const csvDownload = page.waitForEvent("download");
    await page.getByRole("link", { name: /^Enregistrer journal-VT-/ }).click();
    const csv = await csvDownload;
    expect(csv.suggestedFilename()).toMatch(/^journal-VT-\d{4}-01-01-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(readFileSync((await csv.path())!, "utf8").replace(/^\uFEFF/, "").split("\r\n")[0]).toBe("date;journal;piece;account;auxiliary;label;debit;credit");

    // A refusal: a period that ends before it starts.
    await page.getByRole("textbox", { name: "Du", exact: true }).fill(`${YEAR}-06-30`);
    await page.getByRole("textbox", { name: "Au", exact: true }).fill(`${YEAR}-01-01`);
    await page.getByRole("button", { name: "Préparer le journal" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("ends");
    await expectAccessible(page, "exports");
  });

  it("sends a draft quote from its screen: SQL numbers it", async () => {
    await page.goto("/office/quotes");
    await page.getByRole("heading", { level: 1, name: "Devis" }).waitFor();
    await expectAccessible(page, "quotes");
    await page.goto(`/office/quotes/${QUOTE}`);
    await page.getByRole("heading", { level: 1, name: `Devis brouillon : Désembouage ${run}` }).waitFor();
    await page.getByRole("button", { name: "Envoyer le devis" }).click();
    await page.getByRole("heading", { level: 1, name: new RegExp(`^Devis DEV-\\d{4}-\\d{5} : Désembouage ${run}$`) }).waitFor();
    await expect.poll(() => page.getByTestId("status").first().textContent()).toBe("Envoyé");
    await expectAccessible(page, "quote");
  });

  it("keeps the quotes filter in the URL: the filtered list reopens as it was left", async () => {
    await page.goto("/office/quotes");
    const filter = page.getByLabel("Afficher", { exact: true });
    await filter.selectOption({ label: "Envoyés" });
    await expect.poll(() => new URL(page.url()).search).toBe("?status=sent");
    await page.reload();
    await expect.poll(() => filter.inputValue()).toBe("sent");
    await expect.poll(() => page.getByRole("link", { name: /^DEV-\d{4}-\d{5}$/ }).count()).toBe(1);
    await filter.selectOption({ label: "Brouillons" });
    await page.getByText("Aucun devis pour ce filtre.").waitFor();
    expect(new URL(page.url()).search).toBe("?status=draft");
  });

  it("says in French that a quote decided meanwhile cannot be decided again, and keeps the first decision", async () => {
    await page.goto(`/office/quotes/${QUOTE}`);
    await page.getByRole("button", { name: "Marquer refusé" }).waitFor();
    // The client accepted it by phone and a colleague recorded it while this screen still shows it sent.
    await withDb((db) => db.query("update public.quotes set status = 'accepted' where id = $1", [QUOTE]));
    await page.getByRole("button", { name: "Marquer refusé" }).click();
    await page.getByText("Changement de statut impossible : un devis « Accepté » ne peut pas passer à « Refusé ».").waitFor();
    expect(await page.getByRole("alert").locator("[data-error-code]").getAttribute("data-error-code")).toBe("invalid_transition");
    const stored = await withDb((db) => db.query("select status from public.quotes where id = $1", [QUOTE]));
    expect(stored.rows[0]).toEqual({ status: "accepted" });
  });

  it("shows the not-found page for an invoice of another organization", async () => {
    const foreign = await withDb(async (db) => (await db.query("select id from public.invoices where org_id <> $1 limit 1", [ORG])).rows[0]?.id as string | undefined);
    await page.goto(`/office/invoices/${foreign ?? randomUUID()}`);
    await page.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
  });
});

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { localizeApiError, TRANSLATED_CODES } from "./apiErrors.ts";

describe("localizeApiError", () => {
  const blankEmergency = { code: "validation_failed", message: "An emergency needs a description of 1 to 10000 characters" };
  const locked = { code: "invoice_locked", message: "Invoice FAC-2026-00001 is locked (status: sent)" };

  it("English shows the catalogue's message as it is", () => {
    expect(localizeApiError(blankEmergency, "en")).toEqual({ message: "An emergency needs a description of 1 to 10000 characters" });
    expect(localizeApiError(locked, "en")).toEqual({ message: "Invoice FAC-2026-00001 is locked (status: sent)" });
  });

  it("French translates a known message, keeping its values", () => {
    expect(localizeApiError(blankEmergency, "fr"))
      .toEqual({ message: "Décrivez l’urgence : la description est obligatoire (10 000 caractères au plus)." });
    expect(localizeApiError({ code: "insufficient_stock", message: "Insufficient stock. Available: 57.5, Requested: 100" }, "fr"))
      .toEqual({ message: "Stock insuffisant : 57,5 disponible(s), 100 demandé(s)." });
    expect(localizeApiError({ code: "rate_limited", message: "The invitation to a@b.test was sent less than a minute ago" }, "fr"))
      .toEqual({ message: "L’invitation à a@b.test a été envoyée il y a moins d’une minute. Réessayez dans un instant." });
  });

  const id = "5a1c0f4e-0000-4000-8000-000000000001";
  // [code, the catalogue's message, its French]: bulk actions' per-item refusals and offline moves, statuses in
  // French, ids left to the line that names the item; a status the app does not know stays as the database wrote it.
  const translated: Array<[string | undefined, string, string]> = [
    ["invalid_transition", "Invalid transition: assigned → published", "Changement de statut impossible : une intervention « Assignée » ne peut pas passer à « Publiée »."],
    ["invalid_transition", "Invalid transition: assigned → archived", "Changement de statut impossible : une intervention « Assignée » ne peut pas passer à « archived »."],
    ["invalid_transition", "Invalid transition: constructor → done", "Changement de statut impossible : une intervention « constructor » ne peut pas passer à « Terminée »."],
    ["invalid_transition", `Timesheet ${id} is already approved`, "Ces heures sont déjà validées."],
    ["timesheet_locked", `Timesheet ${id} is invoiced and locked`, "Ces heures sont facturées : elles ne peuvent plus être validées ni modifiées."],
    ["forbidden_role", "A technician cannot approve their own hours", "Un technicien ne peut pas valider ses propres heures."],
    ["forbidden_role", "Only an owner, admin or dispatcher can approve timesheets", "Seuls les propriétaires, administrateurs et planificateurs peuvent valider des heures."],
    ["invalid_transition", `Mission ${id} is not done (status: in_progress)`, "L’intervention n’est pas terminée (statut « En cours ») : elle ne peut pas encore être facturée."],
    ["already_assigned", `Mission ${id} is already assigned to another technician`, "Cette intervention est déjà attribuée à un autre technicien."],
    ["not_assigned", "Technicians may only move missions assigned to them", "Cette intervention ne vous est pas attribuée."],
    ["invalid_transition", "Cannot record stock use on a mission in status done", "Impossible de saisir des pièces sur une intervention au statut « Terminée »."],
    ["invalid_transition", "Cannot log hours on a mission in status cancelled", "Impossible de saisir des heures sur une intervention au statut « Annulée »."],
    // The outbox's own refusal of a photo whose bytes are gone.
    ["file_missing", "The file is no longer on this device", "Le fichier n’est plus sur cet appareil : reprenez la photo ou la signature."],
    // The portal's own refusal of an invoice-pdf answer that is not a PDF.
    ["pdf_unreadable", "The PDF could not be read.", "Le PDF n’a pas pu être lu. Réessayez."],
    // The emergency queue: statuses in the queue's words.
    ["invalid_transition", "Invalid emergency transition: dispatched → acknowledged", "Changement de statut impossible : une urgence « Mission créée » ne peut pas passer à « Prise en charge »."],
    ["invalid_transition", `Emergency ${id} is already dispatched`, "Cette urgence est déjà au statut « Mission créée » : on ne peut plus en créer de mission."],
    ["invalid_transition", `Emergency ${id} is already closed`, "Cette urgence est déjà au statut « Close » : on ne peut plus en créer de mission."],
    ["forbidden_role", "Only an owner, admin or dispatcher can dispatch an emergency", "Seuls les propriétaires, administrateurs et planificateurs peuvent créer une mission pour une urgence."],
    ["value_too_long", "A mission title is at most 200 characters (got 250)", "Le titre de la mission compte au plus 200 caractères (ici 250)."],
    // Client requests.
    ["invalid_transition", `Client request ${id} is already converted`, "Cette demande est déjà au statut « Convertie en mission » : elle ne peut plus être convertie ni refusée."],
    ["invalid_transition", `Client request ${id} is already rejected`, "Cette demande est déjà au statut « Refusée » : elle ne peut plus être convertie ni refusée."],
    ["forbidden_role", "Only an owner, admin or dispatcher can decide on a client request", "Seuls les propriétaires, administrateurs et planificateurs peuvent traiter une demande client."],
    ["value_too_long", "A reason is at most 2000 characters (got 2500)", "Le motif du refus compte au plus 2 000 caractères (ici 2\u202f500)."],
    ["unknown_reference", `Site ${id} is not a site of this client`, "Ce site n’est pas un site de ce client : choisissez l’un des siens."],
    // Quotes: statuses in the quotes screen's words, dates the French way.
    ["invalid_transition", "Quote DEV-2026-00001 is already sent (status: accepted)", "Ce devis est déjà envoyé (statut « Accepté ») : il ne peut pas être envoyé à nouveau."],
    ["rule_violation", "Quote has no lines: nothing to send", "Ce devis n’a aucune ligne : il n’y a rien à envoyer."],
    ["rule_violation", "Quote validity date 2026-11-30 is already past", "La date de validité du devis (30 nov. 2026) est déjà passée : choisissez une date à venir."],
    ["invalid_transition", "Invalid quote transition: draft → accepted (quotes are sent with send_quote())", "Un devis brouillon ne passe pas à « Accepté » : envoyez-le d’abord."],
    ["invalid_transition", "Invalid quote transition: accepted → rejected", "Changement de statut impossible : un devis « Accepté » ne peut pas passer à « Refusé »."],
    ["invalid_transition", "Quote DEV-2026-00001 expired on 2026-11-30: it can no longer be accepted", "Ce devis a expiré le 30 nov. 2026 : il ne peut plus être accepté."],
    ["quote_locked", "Quote DEV-2026-00001 is locked (status: sent)", "Ce devis est au statut « Envoyé » : il ne peut plus être modifié."],
    // The invoicing RPCs' role check: the roles as the role picker names them.
    ["forbidden_role", "Permission denied: send_quote requires one of the roles owner, admin, dispatcher, accountant",
      "Votre rôle ne permet pas cette action. Rôles autorisés : Propriétaire, Administrateur, Planificateur et Comptable."],
    ["forbidden_role", "Permission denied: issue_invoice requires one of the roles owner, admin, accountant",
      "Votre rôle ne permet pas cette action. Rôles autorisés : Propriétaire, Administrateur et Comptable."],
    ["forbidden_role", "Permission denied: set_accounting_settings requires one of the roles owner, admin",
      "Votre rôle ne permet pas cette action. Rôles autorisés : Propriétaire et Administrateur."],
    ["forbidden_role", "Permission denied: export_fec requires one of the roles owner, auditor",
      "Votre rôle ne permet pas cette action. Rôles autorisés : Propriétaire et auditor."],
    // The attachments function's role check (attachment_upload_url): the role in the role picker's words.
    ["forbidden_role", "An accountant may not upload mission_photo attachments", "Le rôle « Comptable » ne permet pas d’envoyer ce type de fichier."],
    ["forbidden_role", "A client may not upload timesheet_receipt attachments", "Le rôle « Client » ne permet pas d’envoyer ce type de fichier."],
    // An item gone, or of an organization the caller does not belong to: the item named in French, its id left out.
    ["not_found", "Quote DEV-2026-00001 not found", "Ce devis est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Quote ${id} not found`, "Ce devis est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Emergency ${id} not found`, "Cette urgence est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Client request ${id} not found`, "Cette demande client est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Invoice ${id} not found`, "Cette facture est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Mission ${id} not found`, "Cette intervention est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Payment ${id} not found`, "Ce paiement est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Stock item ${id} not found`, "Cet article de stock est introuvable, ou vous n’y avez pas accès."],
    ["not_found", `Organization ${id} not found`, "Cette organisation est introuvable, ou vous n’en êtes pas membre."],
    ["not_found", `Timesheet ${id} not found`, "Ces heures sont introuvables, ou vous n’y avez pas accès."],
    ["not_found", `Alert ${id} not found`, "Cette alerte est introuvable, ou vous n’y avez pas accès."],
    // A refusal recorded without its code (an outbox record of an earlier version): known by its words alone.
    [undefined, "Insufficient stock. Available: 8, Requested: 99", "Stock insuffisant : 8 disponible(s), 99 demandé(s)."],
    [undefined, "Something the app never saw", "Something the app never saw"],
  ];
  it.each(translated)("French for %s «%s»", (code, message, french) => {
    expect(localizeApiError({ code, message }, "fr")).toEqual({ message: french });
    expect(localizeApiError({ code, message }, "en")).toEqual({ message });
  });

  // Near misses: a wording close to a known one is only the code's sentence, with the catalogue's words beside it.
  const nearMisses: Array<[string, string]> = [
    ["invalid_transition", "Emergency is already dispatched"],
    ["invalid_transition", `Client request ${id} is already converted to a mission`],
    ["invalid_transition", "Invalid quote transition: sent → accepted, twice"],
    ["invalid_transition", "Quote DEV-2026-00001 expired on 30/11/2026: it can no longer be accepted"],
    ["quote_locked", "Quote DEV-2026-00001 is locked"],
    ["value_too_long", "A reason is at most 2000 characters"],
    ["forbidden_role", "Only an owner or admin can dispatch an emergency"],
    ["forbidden_role", "Permission denied: send_quote requires the role owner"],
    ["forbidden_role", "Permission denied: requires one of the roles owner, admin"],
    ["not_found", "Quote not found"],
    ["forbidden_role", "An accountant may not upload"],
    ["not_found", `Supplier ${id} not found`],
    ["not_found", `Quote ${id} not found in this organization`],
  ];
  it.each(nearMisses)("a near miss of a known wording is not taken for it: %s «%s»", (code, message) => {
    const codeSentence = localizeApiError({ code, message: "" }, "fr").message;
    expect(localizeApiError({ code, message }, "fr")).toEqual({ message: codeSentence, original: message });
  });
  it("a near miss keeps the code's sentence, not a known wording's", () => {
    expect(localizeApiError({ code: "quote_locked", message: "Quote DEV-2026-00001 is locked" }, "fr"))
      .toEqual({ message: "Ce devis est envoyé ou clos : il ne peut plus être modifié.", original: "Quote DEV-2026-00001 is locked" });
  });

  it("a status the screens do not name stays as the database wrote it", () => {
    expect(localizeApiError({ code: "invalid_transition", message: `Emergency ${id} is already archived` }, "fr").message)
      .toBe("Cette urgence est déjà au statut « archived » : on ne peut plus en créer de mission.");
    // A mission status is not an emergency's: each kind of item has its own words.
    expect(localizeApiError({ code: "invalid_transition", message: "Invalid emergency transition: done → in_progress" }, "fr").message)
      .toBe("Changement de statut impossible : une urgence « done » ne peut pas passer à « in_progress ».");
  });

  it("a known wording under another code is not taken for it", () => {
    expect(localizeApiError({ code: "rule_violation", message: blankEmergency.message }, "fr").message)
      .toBe("La demande enfreint une règle de gestion.");
  });

  it("French translates the code of a message it does not know, and keeps the catalogue's words beside it", () => {
    expect(localizeApiError(locked, "fr")).toEqual({
      message: "Cette facture est émise et ne peut plus être modifiée : corrigez-la par un avoir.",
      original: "Invoice FAC-2026-00001 is locked (status: sent)",
    });
  });

  it("falls back to the catalogue's message for a code without a translation, and to a sentence without a message", () => {
    expect(localizeApiError({ code: "42501", message: "permission denied for table missions" }, "fr"))
      .toEqual({ message: "permission denied for table missions" });
    expect(localizeApiError({ message: "Failed to fetch" }, "fr")).toEqual({ message: "Failed to fetch" });
    // A code named like what every object inherits is not a translation.
    expect(localizeApiError({ code: "constructor", message: "Odd refusal" }, "fr")).toEqual({ message: "Odd refusal" });
    expect(localizeApiError({ message: "" }, "fr")).toEqual({ message: "L’action a échoué. Réessayez." });
    expect(localizeApiError({ code: "not_found", message: "" }, "fr")).toEqual({ message: "Élément introuvable, ou vous n’y avez pas accès." });
    expect(localizeApiError({ code: "not_found", message: "" }, "en")).toEqual({ message: "Not found, or you do not have access to it." });
  });

  it("the shapes read as the invoicing role check and as an item not found are the ones SQL raises (supabase/schema.sql)", () => {
    const schema = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../supabase/schema.sql"), "utf8");
    expect(schema).toContain("format('Permission denied: %s requires one of the roles %s', p_action, pg_catalog.array_to_string(p_allowed, ', '))");
    expect(schema).toContain("format('%s not found', p_what)");
    expect(schema).toContain("format('%s %s may not upload %s attachments',");
    expect(schema).toContain("then 'An' else 'A' end, v_role, p_owner_type)");
    // Each item named in French is one the SQL names, in its own refusal or as the role check's p_what.
    for (const item of ["Quote", "Emergency", "Client request", "Invoice", "Mission", "Payment", "Stock item", "Organization", "Timesheet", "Alert"]) {
      expect(schema.includes(`format('${item} %s not found'`) || schema.includes(`format('${item} %s', `), item).toBe(true);
    }
  });

  it("every code of the catalogue (docs/errors.md) has a translation, and no translation names a code it lacks", () => {
    const catalogue = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../docs/errors.md"), "utf8");
    const codes = [...catalogue.matchAll(/^\| [^|]+ \| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((code) => !TRANSLATED_CODES.includes(code))).toEqual([]);
    expect(TRANSLATED_CODES.filter((code) => !codes.includes(code))).toEqual([]);
  });
});

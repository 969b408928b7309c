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

  it("French translates the refusals of bulk actions and offline moves, statuses in French, ids left to the line's label", () => {
    expect(localizeApiError({ code: "invalid_transition", message: "Invalid transition: assigned → published" }, "fr"))
      .toEqual({ message: "Changement de statut impossible : une intervention « Assignée » ne peut pas passer à « Publiée »." });
    expect(localizeApiError({ code: "invalid_transition", message: "Timesheet 5a1c0f4e-0000-4000-8000-000000000001 is already approved" }, "fr"))
      .toEqual({ message: "Ces heures sont déjà validées." });
    expect(localizeApiError({ code: "timesheet_locked", message: "Timesheet 5a1c0f4e-0000-4000-8000-000000000001 is invoiced and locked" }, "fr"))
      .toEqual({ message: "Ces heures sont facturées : elles ne peuvent plus être validées ni modifiées." });
    expect(localizeApiError({ code: "forbidden_role", message: "A technician cannot approve their own hours" }, "fr"))
      .toEqual({ message: "Un technicien ne peut pas valider ses propres heures." });
    expect(localizeApiError({ code: "forbidden_role", message: "Only an owner, admin or dispatcher can approve timesheets" }, "fr"))
      .toEqual({ message: "Seuls les propriétaires, administrateurs et répartiteurs peuvent valider des heures." });
    expect(localizeApiError({ code: "invalid_transition", message: "Mission 5a1c0f4e-0000-4000-8000-000000000001 is not done (status: in_progress)" }, "fr"))
      .toEqual({ message: "L’intervention n’est pas terminée (statut « En cours ») : elle ne peut pas encore être facturée." });
    expect(localizeApiError({ code: "already_assigned", message: "Mission 5a1c0f4e-0000-4000-8000-000000000001 is already assigned to another technician" }, "fr"))
      .toEqual({ message: "Cette intervention est déjà attribuée à un autre technicien." });
    expect(localizeApiError({ code: "not_assigned", message: "Technicians may only move missions assigned to them" }, "fr"))
      .toEqual({ message: "Cette intervention ne vous est pas attribuée." });
    expect(localizeApiError({ code: "invalid_transition", message: "Cannot record stock use on a mission in status done" }, "fr"))
      .toEqual({ message: "Impossible de saisir des pièces sur une intervention au statut « Terminée »." });
    expect(localizeApiError({ code: "invalid_transition", message: "Cannot log hours on a mission in status cancelled" }, "fr"))
      .toEqual({ message: "Impossible de saisir des heures sur une intervention au statut « Annulée »." });
    // English keeps the catalogue's words.
    expect(localizeApiError({ code: "invalid_transition", message: "Invalid transition: assigned → published" }, "en"))
      .toEqual({ message: "Invalid transition: assigned → published" });
  });

  it("a status the app does not know stays as the database wrote it", () => {
    expect(localizeApiError({ code: "invalid_transition", message: "Invalid transition: assigned → archived" }, "fr"))
      .toEqual({ message: "Changement de statut impossible : une intervention « Assignée » ne peut pas passer à « archived »." });
    expect(localizeApiError({ code: "invalid_transition", message: "Invalid transition: constructor → done" }, "fr"))
      .toEqual({ message: "Changement de statut impossible : une intervention « constructor » ne peut pas passer à « Terminée »." });
  });

  it("the outbox's own refusal of a photo whose bytes are gone is translated too", () => {
    expect(localizeApiError({ code: "file_missing", message: "The file is no longer on this device" }, "fr"))
      .toEqual({ message: "Le fichier n’est plus sur cet appareil : reprenez la photo ou la signature." });
  });

  it("a refusal recorded without its code (an older outbox record) is still translated when its wording is known", () => {
    expect(localizeApiError({ message: "Insufficient stock. Available: 8, Requested: 99" }, "fr"))
      .toEqual({ message: "Stock insuffisant : 8 disponible(s), 99 demandé(s)." });
    expect(localizeApiError({ message: "Something the app never saw" }, "fr")).toEqual({ message: "Something the app never saw" });
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
    expect(localizeApiError({ message: "" }, "fr")).toEqual({ message: "L’action a échoué. Réessayez." });
    expect(localizeApiError({ code: "not_found", message: "" }, "fr")).toEqual({ message: "Élément introuvable, ou vous n’y avez pas accès." });
    expect(localizeApiError({ code: "not_found", message: "" }, "en")).toEqual({ message: "Not found, or you do not have access to it." });
  });

  it("every code of the catalogue (docs/errors.md) has a translation, and no translation names a code it lacks", () => {
    const catalogue = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../docs/errors.md"), "utf8");
    const codes = [...catalogue.matchAll(/^\| [^|]+ \| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((code) => !TRANSLATED_CODES.includes(code))).toEqual([]);
    expect(TRANSLATED_CODES.filter((code) => !codes.includes(code))).toEqual([]);
  });
});

/**
 * Refusals from the database and the edge functions, in the user's language.
 *
 * The API error catalogue (docs/errors.md) gives every refusal a stable `code`
 * and an English `message` written for people. English screens show that
 * message as it is: it is the most precise wording there is. In French (the
 * default) the message is translated:
 *   1. a catalogue message this file knows word for word (or by pattern, when
 *      it carries values such as an email or a quantity) gets its own
 *      translation, values kept;
 *   2. otherwise the code's translation says what kind of refusal it is, and
 *      the catalogue's message stays beside it (it names what was refused:
 *      a missing legal mention, a date), marked as English;
 *   3. a code without a translation (an SQLSTATE outside the catalogue, a
 *      network failure) keeps the catalogue's message.
 */
import { fr as appFr } from "./fr.ts";
import { formatDate, formatNumber, i18n, LANGUAGES, registerNamespace, type Language, type Translations } from "./index.ts";
import { missionStatusEn, missionStatusFr } from "./missionStatus.ts";
import { clientRequestStatusEn, clientRequestStatusFr, emergencyStatusEn, emergencyStatusFr, quoteStatusEn, quoteStatusFr } from "./officeStatuses.ts";

/** The language the catalogue's messages are written in. */
const CATALOGUE_LANGUAGE: Language = "en";

/** What an API error carries that matters here (PostgREST's body, an edge function's `error`). */
export interface RefusalLike {
  message: string;
  code?: string;
}

/**
 * Catalogue messages with a translation of their own: the code alone would say
 * less (validation_failed, forbidden_role …). Named groups become the
 * translation's values; the groups listed in `statuses` hold the status of
 * a mission, an emergency, a client request or a quote as the database names
 * it (in_progress), shown in the user's words; the groups listed in `dates`
 * hold a calendar day (2026-12-03), written the language's way; the groups
 * listed in `roles` hold organization roles as SQL lists them ("owner, admin"),
 * shown as the role picker names them (nav.role), joined the language's way.
 * An id in a message (Timesheet <uuid> …) is left out of the translation: the
 * screen names the item already (the line of a bulk result, the offline action).
 */
const KNOWN_MESSAGES: ReadonlyArray<{
  code: string;
  pattern: RegExp;
  key: keyof typeof fr.messages;
  statuses?: Readonly<Record<string, keyof typeof fr.status>>;
  dates?: readonly string[];
  roles?: readonly string[];
}> = [
  { code: "validation_failed", pattern: /^An emergency needs a description of 1 to 10000 characters$/, key: "emergencyDescription" },
  { code: "validation_failed", pattern: /^A reason is required to decline a request: the client reads it$/, key: "declineReason" },
  { code: "missing_parameter", pattern: /^The (?:request|emergency) names no site: choose the site of the mission$/, key: "siteRequired" },
  { code: "forbidden_role", pattern: /^Only an owner can grant or remove the owner role, or change an owner's membership$/, key: "ownerRoleOnly" },
  { code: "forbidden_role", pattern: /^Only an owner or admin of the organization can add members$/, key: "addMembersOnly" },
  { code: "insufficient_stock", pattern: /^Insufficient stock\. Available: (?<available>\S+), Requested: (?<requested>\S+)$/, key: "insufficientStock" },
  { code: "already_member", pattern: /^(?<email>\S+) is already a member of this organization \((?<role>[a-z]+)\)$/, key: "alreadyMember" },
  { code: "invitation_not_pending", pattern: /^(?<email>\S+) has already joined the organization$/, key: "invitationAccepted" },
  {
    code: "account_being_removed",
    pattern: /^The account of (?<email>\S+) is being removed after a revoked invitation: invite this address again in a few minutes$/,
    key: "accountBeingRemoved",
  },
  { code: "missing_parameter", pattern: /^(?:unassign_payment|reverse_payment) requires a reason \(it is written in the ledger entry\)$/, key: "correctionReason" },
  { code: "invalid_parameter", pattern: /^The reason must be 3 to 500 characters on one line$/, key: "correctionReasonLength" },
  { code: "rate_limited", pattern: /^The invitation to (?<email>\S+) was sent less than a minute ago$/, key: "invitationSentRecently" },
  // The mission state machine (the missions trigger) and the moves around it: bulk moves, offline actions.
  { code: "invalid_transition", pattern: /^Invalid transition: (?<from>[a-z_]+) → (?<to>[a-z_]+)$/, key: "missionTransition", statuses: { from: "mission", to: "mission" } },
  { code: "already_assigned", pattern: /^Mission \S+ is already assigned to another technician$/, key: "missionAlreadyAssigned" },
  { code: "not_assigned", pattern: /^Technicians may only move missions assigned to them$/, key: "missionNotAssigned" },
  { code: "invalid_transition", pattern: /^Cannot log hours on a mission in status (?<status>[a-z_]+)$/, key: "hoursOnClosedMission", statuses: { status: "mission" } },
  { code: "invalid_transition", pattern: /^Cannot record stock use on a mission in status (?<status>[a-z_]+)$/, key: "partsOnClosedMission", statuses: { status: "mission" } },
  // bulk_approve_timesheets' per-line refusals.
  { code: "invalid_transition", pattern: /^Timesheet \S+ is already approved$/, key: "timesheetAlreadyApproved" },
  { code: "timesheet_locked", pattern: /^Timesheet \S+ is invoiced and locked$/, key: "timesheetInvoiced" },
  { code: "forbidden_role", pattern: /^Only an owner, admin or dispatcher can approve timesheets$/, key: "approveTimesheetsRole" },
  { code: "forbidden_role", pattern: /^A technician cannot approve their own hours$/, key: "approveOwnHours" },
  // bulk_invoice_missions' per-mission refusal.
  { code: "invalid_transition", pattern: /^Mission \S+ is not done \(status: (?<status>[a-z_]+)\)$/, key: "missionNotDone", statuses: { status: "mission" } },
  // The emergency queue: its status trigger, and dispatch_emergency on an emergency dispatched or closed meanwhile.
  { code: "invalid_transition", pattern: /^Invalid emergency transition: (?<from>[a-z_]+) → (?<to>[a-z_]+)$/, key: "emergencyTransition", statuses: { from: "emergency", to: "emergency" } },
  { code: "invalid_transition", pattern: /^Emergency \S+ is already (?<status>[a-z_]+)$/, key: "emergencyAlreadyDecided", statuses: { status: "emergency" } },
  { code: "forbidden_role", pattern: /^Only an owner, admin or dispatcher can dispatch an emergency$/, key: "dispatchEmergencyRole" },
  { code: "value_too_long", pattern: /^A mission title is at most 200 characters \(got (?<length>\d+)\)$/, key: "missionTitleLength" },
  // Client requests: convert_client_request and decline_client_request on a request decided meanwhile.
  { code: "invalid_transition", pattern: /^Client request \S+ is already (?<status>[a-z_]+)$/, key: "clientRequestAlreadyDecided", statuses: { status: "clientRequest" } },
  { code: "forbidden_role", pattern: /^Only an owner, admin or dispatcher can decide on a client request$/, key: "decideClientRequestRole" },
  { code: "value_too_long", pattern: /^A reason is at most 2000 characters \(got (?<length>\d+)\)$/, key: "declineReasonLength" },
  // Both: the site chosen for the mission.
  { code: "unknown_reference", pattern: /^Site \S+ is not a site of this client$/, key: "siteOfAnotherClient" },
  // Quotes: send_quote and the quotes trigger (a quote is decided once, from sent).
  { code: "invalid_transition", pattern: /^Quote \S+ is already sent \(status: (?<status>[a-z_]+)\)$/, key: "quoteAlreadySent", statuses: { status: "quote" } },
  { code: "rule_violation", pattern: /^Quote has no lines: nothing to send$/, key: "quoteWithoutLines" },
  { code: "rule_violation", pattern: /^Quote validity date (?<date>\d{4}-\d{2}-\d{2}) is already past$/, key: "quoteValidityPast", dates: ["date"] },
  { code: "invalid_transition", pattern: /^Invalid quote transition: draft → (?<to>[a-z_]+) \(quotes are sent with send_quote\(\)\)$/, key: "quoteDraftTransition", statuses: { to: "quote" } },
  { code: "invalid_transition", pattern: /^Invalid quote transition: (?<from>[a-z_]+) → (?<to>[a-z_]+)$/, key: "quoteTransition", statuses: { from: "quote", to: "quote" } },
  { code: "invalid_transition", pattern: /^Quote \S+ expired on (?<date>\d{4}-\d{2}-\d{2}): it can no longer be accepted$/, key: "quoteExpired", dates: ["date"] },
  { code: "quote_locked", pattern: /^Quote \S+ is locked \(status: (?<status>[a-z_]+)\)$/, key: "quoteLocked", statuses: { status: "quote" } },
  // The role check of the invoicing, quote and accounting RPCs (private.authorize_invoicing): the action is a
  // function name, left out (the screen names it); the roles are what the user can act on.
  { code: "forbidden_role", pattern: /^Permission denied: [a-z_]+ requires one of the roles (?<roles>[a-z_]+(?:, [a-z_]+)*)$/, key: "invoicingRole", roles: ["roles"] },
  // The attachments function's role check (attachment_upload_url): the kind of file is the screen's. The
  // article follows the role ("An accountant", "A client").
  { code: "forbidden_role", pattern: /^An? (?<role>[a-z_]+) may not upload [a-z_]+ attachments$/, key: "attachmentRole", roles: ["role"] },
  // An item gone, or of an organization the caller is not a member of (the two answers are the same on purpose):
  // the dispatch of an emergency, the decision on a client request, a line of a bulk approval, an alert's
  // acknowledgement, and the role check above, whose p_what names the item the RPC was called on.
  ...Object.entries({
    Quote: "quoteNotFound",
    Emergency: "emergencyNotFound",
    "Client request": "clientRequestNotFound",
    Invoice: "invoiceNotFound",
    Mission: "missionNotFound",
    Payment: "paymentNotFound",
    "Stock item": "stockItemNotFound",
    Organization: "organizationNotFound",
    Timesheet: "timesheetNotFound",
    Alert: "alertNotFound",
  } as const).map(([item, key]) => ({ code: "not_found", pattern: new RegExp(`^${item} \\S+ not found$`), key })),
  // Not the catalogue's: the outbox's own refusal of a photo or signature whose bytes are gone (attachments/upload.ts).
  { code: "file_missing", pattern: /^The file is no longer on this device$/, key: "fileMissing" },
  // Not the catalogue's: the portal's refusal of an invoice-pdf answer that is not a PDF (portal/data.ts).
  { code: "pdf_unreadable", pattern: /^The PDF could not be read\.$/, key: "pdfUnreadable" },
];

const fr = {
  generic: "L’action a échoué. Réessayez.",
  messages: {
    emergencyDescription: "Décrivez l’urgence : la description est obligatoire (10 000 caractères au plus).",
    declineReason: "Indiquez la raison du refus : le client la lira.",
    siteRequired: "Choisissez d’abord le site de l’intervention.",
    ownerRoleOnly: "Seul un propriétaire peut donner ou retirer le rôle de propriétaire, ou modifier l’accès d’un propriétaire.",
    addMembersOnly: "Seuls les propriétaires et administrateurs de l’organisation peuvent ajouter des membres.",
    insufficientStock: "Stock insuffisant : {{available}} disponible(s), {{requested}} demandé(s).",
    alreadyMember: "{{email}} fait déjà partie de l’organisation : modifiez son rôle plutôt.",
    invitationAccepted: "{{email}} a déjà rejoint l’organisation : l’invitation ne peut plus être renvoyée ni annulée.",
    accountBeingRemoved: "Le compte de {{email}} est en cours de suppression après l’annulation de son invitation : invitez cette adresse à nouveau dans quelques minutes.",
    invitationSentRecently: "L’invitation à {{email}} a été envoyée il y a moins d’une minute. Réessayez dans un instant.",
    correctionReason: "Indiquez le motif de la correction : il figure dans l’écriture comptable.",
    correctionReasonLength: "Le motif doit compter de 3 à 500 caractères, sur une seule ligne.",
    missionTransition: "Changement de statut impossible : une intervention « {{from}} » ne peut pas passer à « {{to}} ».",
    missionAlreadyAssigned: "Cette intervention est déjà attribuée à un autre technicien.",
    missionNotAssigned: "Cette intervention ne vous est pas attribuée.",
    hoursOnClosedMission: "Impossible de saisir des heures sur une intervention au statut « {{status}} ».",
    partsOnClosedMission: "Impossible de saisir des pièces sur une intervention au statut « {{status}} ».",
    timesheetAlreadyApproved: "Ces heures sont déjà validées.",
    timesheetInvoiced: "Ces heures sont facturées : elles ne peuvent plus être validées ni modifiées.",
    approveTimesheetsRole: "Seuls les propriétaires, administrateurs et planificateurs peuvent valider des heures.",
    approveOwnHours: "Un technicien ne peut pas valider ses propres heures.",
    missionNotDone: "L’intervention n’est pas terminée (statut « {{status}} ») : elle ne peut pas encore être facturée.",
    fileMissing: "Le fichier n’est plus sur cet appareil : reprenez la photo ou la signature.",
    pdfUnreadable: "Le PDF n’a pas pu être lu. Réessayez.",
    emergencyTransition: "Changement de statut impossible : une urgence « {{from}} » ne peut pas passer à « {{to}} ».",
    emergencyAlreadyDecided: "Cette urgence est déjà au statut « {{status}} » : on ne peut plus en créer de mission.",
    dispatchEmergencyRole: "Seuls les propriétaires, administrateurs et planificateurs peuvent créer une mission pour une urgence.",
    missionTitleLength: "Le titre de la mission compte au plus 200 caractères (ici {{length}}).",
    clientRequestAlreadyDecided: "Cette demande est déjà au statut « {{status}} » : elle ne peut plus être convertie ni refusée.",
    decideClientRequestRole: "Seuls les propriétaires, administrateurs et planificateurs peuvent traiter une demande client.",
    declineReasonLength: "Le motif du refus compte au plus 2 000 caractères (ici {{length}}).",
    siteOfAnotherClient: "Ce site n’est pas un site de ce client : choisissez l’un des siens.",
    quoteAlreadySent: "Ce devis est déjà envoyé (statut « {{status}} ») : il ne peut pas être envoyé à nouveau.",
    quoteWithoutLines: "Ce devis n’a aucune ligne : il n’y a rien à envoyer.",
    quoteValidityPast: "La date de validité du devis ({{date}}) est déjà passée : choisissez une date à venir.",
    quoteDraftTransition: "Un devis brouillon ne passe pas à « {{to}} » : envoyez-le d’abord.",
    quoteTransition: "Changement de statut impossible : un devis « {{from}} » ne peut pas passer à « {{to}} ».",
    quoteExpired: "Ce devis a expiré le {{date}} : il ne peut plus être accepté.",
    quoteLocked: "Ce devis est au statut « {{status}} » : il ne peut plus être modifié.",
    invoicingRole: "Votre rôle ne permet pas cette action. Rôles autorisés : {{roles}}.",
    attachmentRole: "Le rôle « {{role}} » ne permet pas d’envoyer ce type de fichier.",
    quoteNotFound: "Ce devis est introuvable, ou vous n’y avez pas accès.",
    emergencyNotFound: "Cette urgence est introuvable, ou vous n’y avez pas accès.",
    clientRequestNotFound: "Cette demande client est introuvable, ou vous n’y avez pas accès.",
    invoiceNotFound: "Cette facture est introuvable, ou vous n’y avez pas accès.",
    missionNotFound: "Cette intervention est introuvable, ou vous n’y avez pas accès.",
    paymentNotFound: "Ce paiement est introuvable, ou vous n’y avez pas accès.",
    stockItemNotFound: "Cet article de stock est introuvable, ou vous n’y avez pas accès.",
    organizationNotFound: "Cette organisation est introuvable, ou vous n’en êtes pas membre.",
    timesheetNotFound: "Ces heures sont introuvables, ou vous n’y avez pas accès.",
    alertNotFound: "Cette alerte est introuvable, ou vous n’y avez pas accès.",
  },
  /** Statuses as a refusal names them (the back office's words). */
  status: { mission: missionStatusFr, emergency: emergencyStatusFr, clientRequest: clientRequestStatusFr, quote: quoteStatusFr },
  codes: {
    account_not_found: "Aucun compte n’utilise cette adresse email.",
    already_assigned: "Cette intervention est déjà attribuée à un autre technicien.",
    already_exists: "Cet élément existe déjà.",
    already_member: "Cette personne fait déjà partie de l’organisation : modifiez son rôle plutôt.",
    append_only: "Cet historique ne peut être ni modifié ni supprimé.",
    attachment_mismatch: "Le fichier reçu ne correspond pas à celui annoncé : envoyez-le à nouveau.",
    attachment_not_uploaded: "Le fichier n’a pas été reçu : envoyez-le à nouveau.",
    authentication_required: "Connectez-vous pour continuer.",
    client_without_email: "Ce client n’a pas d’adresse email : ajoutez-en une avant de lui envoyer un document.",
    computed_field: "Ce champ est calculé automatiquement et ne peut pas être modifié.",
    feature_not_supported: "Cette opération n’est pas prise en charge.",
    forbidden_role: "Votre rôle dans l’organisation ne permet pas cette action.",
    idempotency_key_reused: "Cette action a déjà été envoyée avec un contenu différent.",
    insufficient_stock: "Stock insuffisant pour la quantité demandée.",
    invalid_parameter: "Une valeur saisie n’est pas acceptée.",
    invalid_state: "L’état actuel ne permet pas cette action.",
    invalid_transition: "Ce changement de statut n’est pas possible depuis le statut actuel.",
    invitation_not_pending: "Cette personne a déjà rejoint l’organisation : l’invitation ne peut plus être renvoyée ni annulée.",
    account_being_removed: "Le compte de cette adresse est en cours de suppression après l’annulation de son invitation : invitez-la à nouveau dans quelques minutes.",
    invoice_locked: "Cette facture est émise et ne peut plus être modifiée : corrigez-la par un avoir.",
    invoice_not_issued: "Cette facture est encore un brouillon : elle n’a ni numéro ni PDF.",
    last_owner: "L’organisation doit garder au moins un propriétaire.",
    ledger_unbalanced: "L’écriture n’est pas équilibrée : le débit doit égaler le crédit.",
    missing_parameter: "Une information obligatoire manque.",
    mission_closed: "L’intervention est terminée : on ne peut plus y saisir d’heures ni de pièces.",
    not_assigned: "Cette intervention ne vous est pas attribuée.",
    not_found: "Élément introuvable, ou vous n’y avez pas accès.",
    payload_too_large: "Le contenu envoyé est trop volumineux.",
    payment_not_assigned: "Ce paiement n’est affecté à aucune facture : il n’y a pas d’affectation à annuler.",
    payment_reversed: "Ce paiement a été contre-passé : il ne peut plus être affecté, désaffecté ni contre-passé.",
    pdf_hash_mismatch: "Le PDF ne correspond pas à celui enregistré pour cette facture.",
    quote_locked: "Ce devis est envoyé ou clos : il ne peut plus être modifié.",
    rate_limited: "Trop de demandes en peu de temps. Réessayez dans un instant.",
    rule_violation: "La demande enfreint une règle de gestion.",
    sign_in_required: "Votre session a pris fin : reconnectez-vous.",
    technician_has_open_missions: "Ce technicien a encore des interventions en cours : réattribuez-les d’abord.",
    timesheet_locked: "Cette feuille de temps est validée : seul un propriétaire ou un administrateur peut la modifier, avec un motif.",
    unknown_reference: "Un élément référencé n’existe pas dans votre organisation.",
    unsupported_media_type: "Ce type de fichier n’est pas accepté.",
    validation_failed: "Une valeur saisie ne respecte pas les règles.",
    value_too_long: "Un texte saisi est trop long.",
  },
};

// English is the catalogue's language: its messages are shown as they are;
// these strings serve only when a refusal comes without a message.
const en: Translations<typeof fr> = {
  generic: "The action failed. Try again.",
  messages: {
    emergencyDescription: "An emergency needs a description of 1 to 10000 characters",
    declineReason: "A reason is required to decline a request: the client reads it",
    siteRequired: "Choose the site of the mission first.",
    ownerRoleOnly: "Only an owner can grant or remove the owner role, or change an owner's membership",
    addMembersOnly: "Only an owner or admin of the organization can add members",
    insufficientStock: "Insufficient stock. Available: {{available}}, Requested: {{requested}}",
    alreadyMember: "{{email}} is already a member of this organization",
    invitationAccepted: "{{email}} has already joined the organization",
    accountBeingRemoved: "The account of {{email}} is being removed after its invitation was revoked: invite this address again in a few minutes.",
    invitationSentRecently: "The invitation to {{email}} was sent less than a minute ago",
    correctionReason: "A correction needs a reason: it is written in the ledger entry",
    correctionReasonLength: "The reason must be 3 to 500 characters on one line",
    missionTransition: "Invalid transition: {{from}} → {{to}}",
    missionAlreadyAssigned: "The mission is already assigned to another technician",
    missionNotAssigned: "Technicians may only move missions assigned to them",
    hoursOnClosedMission: "Cannot log hours on a mission in status {{status}}",
    partsOnClosedMission: "Cannot record stock use on a mission in status {{status}}",
    timesheetAlreadyApproved: "The timesheet is already approved",
    timesheetInvoiced: "The timesheet is invoiced and locked",
    approveTimesheetsRole: "Only an owner, admin or dispatcher can approve timesheets",
    approveOwnHours: "A technician cannot approve their own hours",
    missionNotDone: "The mission is not done (status: {{status}})",
    fileMissing: "The file is no longer on this device",
    pdfUnreadable: "The PDF could not be read.",
    emergencyTransition: "Invalid emergency transition: {{from}} → {{to}}",
    emergencyAlreadyDecided: "The emergency is already {{status}}",
    dispatchEmergencyRole: "Only an owner, admin or dispatcher can dispatch an emergency",
    missionTitleLength: "A mission title is at most 200 characters (got {{length}})",
    clientRequestAlreadyDecided: "The client request is already {{status}}",
    decideClientRequestRole: "Only an owner, admin or dispatcher can decide on a client request",
    declineReasonLength: "A reason is at most 2000 characters (got {{length}})",
    siteOfAnotherClient: "The site is not a site of this client",
    quoteAlreadySent: "The quote is already sent (status: {{status}})",
    quoteWithoutLines: "Quote has no lines: nothing to send",
    quoteValidityPast: "Quote validity date {{date}} is already past",
    quoteDraftTransition: "Invalid quote transition: draft → {{to}} (quotes are sent with send_quote())",
    quoteTransition: "Invalid quote transition: {{from}} → {{to}}",
    quoteExpired: "The quote expired on {{date}}: it can no longer be accepted",
    quoteLocked: "The quote is locked (status: {{status}})",
    invoicingRole: "Your role does not allow this action. Allowed roles: {{roles}}.",
    attachmentRole: "The {{role}} role does not allow sending this kind of file.",
    quoteNotFound: "The quote was not found, or you do not have access to it.",
    emergencyNotFound: "The emergency was not found, or you do not have access to it.",
    clientRequestNotFound: "The client request was not found, or you do not have access to it.",
    invoiceNotFound: "The invoice was not found, or you do not have access to it.",
    missionNotFound: "The mission was not found, or you do not have access to it.",
    paymentNotFound: "The payment was not found, or you do not have access to it.",
    stockItemNotFound: "The stock item was not found, or you do not have access to it.",
    organizationNotFound: "The organization was not found, or you are not a member of it.",
    timesheetNotFound: "The timesheet was not found, or you do not have access to it.",
    alertNotFound: "The alert was not found, or you do not have access to it.",
  },
  status: { mission: missionStatusEn, emergency: emergencyStatusEn, clientRequest: clientRequestStatusEn, quote: quoteStatusEn },
  codes: {
    account_not_found: "No account uses that email address.",
    already_assigned: "The mission is already assigned to another technician.",
    already_exists: "That already exists.",
    already_member: "That person is already a member of the organization: change their role instead.",
    append_only: "This history is never changed nor removed.",
    attachment_mismatch: "The file received differs from the one announced: upload it again.",
    attachment_not_uploaded: "The file was not received: upload it again.",
    authentication_required: "Sign in to continue.",
    client_without_email: "The client has no email address: add one before sending it a document.",
    computed_field: "This field is computed and cannot be changed.",
    feature_not_supported: "This operation is not supported.",
    forbidden_role: "Your role in the organization does not allow this action.",
    idempotency_key_reused: "This action was already sent with a different content.",
    insufficient_stock: "Not enough stock for the quantity requested.",
    invalid_parameter: "A value is not accepted.",
    invalid_state: "The current state does not allow this action.",
    invalid_transition: "This status change is not possible from the current status.",
    invitation_not_pending: "The person has already joined: the invitation can no longer be sent again or revoked.",
    account_being_removed: "The account of that address is being removed after its invitation was revoked: invite it again in a few minutes.",
    invoice_locked: "The invoice is issued and can no longer change: correct it with a credit note.",
    invoice_not_issued: "The invoice is still a draft: it has no number nor PDF.",
    last_owner: "The organization must keep at least one owner.",
    ledger_unbalanced: "The entry is not balanced: debits must equal credits.",
    missing_parameter: "A required value is missing.",
    mission_closed: "The mission is closed: no more hours or parts can be recorded.",
    not_assigned: "This mission is not assigned to you.",
    not_found: "Not found, or you do not have access to it.",
    payload_too_large: "What was sent is too large.",
    payment_not_assigned: "The payment is not assigned to an invoice: there is no assignment to cancel.",
    payment_reversed: "The payment was reversed: it can no longer be assigned, unassigned nor reversed.",
    pdf_hash_mismatch: "The PDF does not match the one recorded for this invoice.",
    quote_locked: "The quote is sent or closed: it can no longer be edited.",
    rate_limited: "Too many requests in a short time. Try again in a moment.",
    rule_violation: "The request breaks a business rule.",
    sign_in_required: "Your session has ended: sign in again.",
    technician_has_open_missions: "This technician still holds open missions: reassign them first.",
    timesheet_locked: "The timesheet is approved: only an owner or admin can change it, with a reason.",
    unknown_reference: "A referenced item does not exist in your organization.",
    unsupported_media_type: "This type of file is not accepted.",
    validation_failed: "A value breaks a rule.",
    value_too_long: "A text is too long.",
  },
};

registerNamespace("apiErrors", { fr, en });

/** The codes of the catalogue with a French translation (for the catalogue coverage test). */
export const TRANSLATED_CODES: readonly string[] = Object.keys(fr.codes);

/** The Intl locale of `language` (fr → fr-FR). */
function localeOf(language: string): string {
  return LANGUAGES.find((l) => l.code === language)?.locale ?? "fr-FR";
}

/** The values a message carries, numbers written the language's way ("57.5" → "57,5" in French). */
function localValues(values: Record<string, string>, language: string): Record<string, string> {
  const locale = localeOf(language);
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, /^-?\d+(\.\d+)?$/.test(value) ? formatNumber(Number(value), locale) : value]),
  );
}

/** Roles as SQL lists them ("owner, admin") in the role picker's words, a role the app does not know as SQL wrote it. */
function roleList(roles: string, language: string): string {
  const t = i18n.getFixedT(language);
  const names = roles.split(", ").map((role) => (Object.hasOwn(appFr.nav.role, role) ? t(`nav.role.${role}`) : role));
  return new Intl.ListFormat(localeOf(language), { type: "conjunction" }).format(names);
}

/** A refusal as a screen shows it: its words, and the catalogue's own when the words are only the code's. */
export interface LocalizedRefusal {
  message: string;
  /** The catalogue's English message, kept beside a translation that says only what kind of refusal it is. */
  original?: string;
}

/**
 * The refusal's words for the current language (or `language`): the
 * catalogue's own message in English; in French, the translation of a known
 * message, else the code's translation with the catalogue's message kept as
 * `original` (it names what was refused: a missing mention, a date), else the
 * catalogue's message; a generic sentence only when there is no message at all.
 */
export function localizeApiError(error: RefusalLike, language: string = i18n.language): LocalizedRefusal {
  const t = i18n.getFixedT(language, "apiErrors");
  const byCode = error.code && Object.hasOwn(fr.codes, error.code) ? t(`codes.${error.code}`) : null;
  if (language === CATALOGUE_LANGUAGE) return { message: error.message || byCode || t("generic") };
  for (const known of KNOWN_MESSAGES) {
    // A refusal kept without its code (an outbox record of an earlier version) is known by its words alone.
    if (error.code && known.code !== error.code) continue;
    const match = known.pattern.exec(error.message);
    if (!match) continue;
    const values = localValues(match.groups ?? {}, language);
    for (const [group, kind] of Object.entries(known.statuses ?? {})) {
      const status = values[group];
      if (status && Object.hasOwn(fr.status[kind], status)) values[group] = t(`status.${kind}.${status}`);
    }
    for (const group of known.dates ?? []) {
      const day = match.groups?.[group];
      if (day) values[group] = formatDate(day, localeOf(language));
    }
    for (const group of known.roles ?? []) {
      const roles = match.groups?.[group];
      if (roles) values[group] = roleList(roles, language);
    }
    return { message: t(`messages.${known.key}`, values) };
  }
  if (byCode) return error.message ? { message: byCode, original: error.message } : { message: byCode };
  return { message: error.message || t("generic") };
}

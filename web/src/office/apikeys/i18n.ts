/** Strings of the API keys screen (namespace "apikeys"). */
import { registerNamespace, type Translations } from "../../i18n/index.ts";

export const fr = {
  title: "Clés d’API",
  intro: "Les systèmes extérieurs (supervision de chaudières, outils des clients) s’authentifient avec une clé. Son secret n’est affiché qu’une fois.",
  caption: "Clés d’API de l’organisation",
  columns: { name: "Nom", prefix: "Préfixe", scopes: "Droits", status: "État", created: "Créée le", lastUsed: "Dernier usage", expires: "Expire le", actions: "Actions" },
  never: "jamais",
  status: { active: "active", rotating: "en rotation (ancienne clé encore valide)", rotated: "remplacée", expired: "expirée", revoked: "révoquée" },
  graceUntil: "valide jusqu’au {{date}}",
  rotate: "Renouveler",
  revoke: "Révoquer",
  revokeConfirm: "Révoquer {{name}} ? Elle cessera aussitôt de fonctionner.",
  confirmRevoke: "Confirmer la révocation",
  cancel: "Annuler",
  revoked: "La clé {{name}} est révoquée.",
  create: {
    title: "Créer une clé",
    name: "Nom",
    scopes: "Droits",
    expires: "Date d’expiration (facultatif, 1 an par défaut, 2 ans au plus)",
    submit: "Créer la clé",
  },
  scope: { "events:write": "Envoyer des événements", "missions:read": "Lire les missions", "invoices:read": "Lire les factures" },
  secret: {
    title: "Secret de la clé {{name}}",
    warning: "Copiez ce secret maintenant : il ne sera plus jamais affiché. Seule son empreinte est conservée.",
    label: "Secret",
    copy: "Copier le secret",
    copied: "Secret copié dans le presse-papiers.",
    copyFailed: "Copie impossible : sélectionnez le secret et copiez-le à la main.",
    rotatedFrom: "L’ancienne clé {{prefix}} reste valide jusqu’au {{date}}.",
    dismiss: "J’ai copié le secret",
  },
};

export const en: Translations<typeof fr> = {
  title: "API keys",
  intro: "External systems (boiler monitoring, clients’ tools) authenticate with a key. Its secret is shown only once.",
  caption: "API keys of the organization",
  columns: { name: "Name", prefix: "Prefix", scopes: "Scopes", status: "Status", created: "Created", lastUsed: "Last used", expires: "Expires", actions: "Actions" },
  never: "never",
  status: { active: "active", rotating: "rotating (old key still valid)", rotated: "replaced", expired: "expired", revoked: "revoked" },
  graceUntil: "valid until {{date}}",
  rotate: "Rotate",
  revoke: "Revoke",
  revokeConfirm: "Revoke {{name}}? It stops working at once.",
  confirmRevoke: "Confirm revocation",
  cancel: "Cancel",
  revoked: "Key {{name}} is revoked.",
  create: {
    title: "Create a key",
    name: "Name",
    scopes: "Scopes",
    expires: "Expiry date (optional, 1 year by default, 2 years at most)",
    submit: "Create key",
  },
  scope: { "events:write": "Send events", "missions:read": "Read missions", "invoices:read": "Read invoices" },
  secret: {
    title: "Secret of key {{name}}",
    warning: "Copy this secret now: it will never be shown again. Only its fingerprint is kept.",
    label: "Secret",
    copy: "Copy secret",
    copied: "Secret copied to the clipboard.",
    copyFailed: "Could not copy: select the secret and copy it by hand.",
    rotatedFrom: "The old key {{prefix}} stays valid until {{date}}.",
    dismiss: "I have copied the secret",
  },
};

registerNamespace("apikeys", { fr, en });

/** Strings of the global search palette (namespace "search"). */
import { registerNamespace, type Translations } from "../../i18n/index.ts";

export const fr = {
  open: "Rechercher",
  shortcut: "Ctrl K",
  dialogLabel: "Recherche globale",
  inputLabel: "Rechercher des missions, clients, sites, factures, devis",
  placeholder: "Nom de client, mission, adresse, n° de facture…",
  hint: "Tapez au moins 2 caractères. Flèches pour choisir, Entrée pour ouvrir, Échap pour fermer.",
  searching: "Recherche…",
  noResults: "Aucun résultat pour « {{query}} ».",
  count_one: "{{count}} résultat",
  count_other: "{{count}} résultats",
  close: "Fermer",
  kind: {
    mission: "Missions",
    client: "Clients",
    site: "Sites",
    invoice: "Factures",
    quote: "Devis",
  },
};

export const en: Translations<typeof fr> = {
  open: "Search",
  shortcut: "Ctrl K",
  dialogLabel: "Global search",
  inputLabel: "Search missions, clients, sites, invoices, quotes",
  placeholder: "Client name, mission, address, invoice number…",
  hint: "Type at least 2 characters. Arrow keys to choose, Enter to open, Escape to close.",
  searching: "Searching…",
  noResults: "No results for “{{query}}”.",
  count_one: "{{count}} result",
  count_other: "{{count}} results",
  close: "Close",
  kind: {
    mission: "Missions",
    client: "Clients",
    site: "Sites",
    invoice: "Invoices",
    quote: "Quotes",
  },
};

registerNamespace("search", { fr, en });

/** Strings the back office's shell and shared components use (namespace "office"). Areas have their own. */
import { registerNamespace, type Translations } from "../i18n/index.ts";

export const fr = {
  shell: {
    title: "Terrain · bureau",
    navLabel: "Navigation du bureau",
    signedInAs: "Connecté : {{email}} ({{role}})",
    noArea: "Aucun écran du bureau n’est prévu pour ce rôle.",
  },
  notFound: {
    title: "Page introuvable",
    body: "Cette page n’existe pas, ou vous n’y avez pas accès.",
    home: "Retour à l’accueil",
  },
  common: {
    loading: "Chargement…",
    retry: "Réessayer",
    error: "Une erreur est survenue.",
    empty: "Rien à afficher.",
    sortAscending: "trié par ordre croissant",
    sortDescending: "trié par ordre décroissant",
    sortBy: "Trier par {{column}}",
    filters: "Filtres",
    firstPage: "Première page",
    nextPage: "Page suivante",
  },
  results: {
    summary_one: "{{ok}} sur {{count}} action réussie",
    summary_other: "{{ok}} sur {{count}} actions réussies",
    ok: "Réussi",
    failed: "Refusé",
  },
};

export const en: Translations<typeof fr> = {
  shell: {
    title: "Terrain · office",
    navLabel: "Office navigation",
    signedInAs: "Signed in: {{email}} ({{role}})",
    noArea: "No office screen is made for this role.",
  },
  notFound: {
    title: "Page not found",
    body: "This page does not exist, or you do not have access to it.",
    home: "Back to the home screen",
  },
  common: {
    loading: "Loading…",
    retry: "Try again",
    error: "Something went wrong.",
    empty: "Nothing to show.",
    sortAscending: "sorted ascending",
    sortDescending: "sorted descending",
    sortBy: "Sort by {{column}}",
    filters: "Filters",
    firstPage: "First page",
    nextPage: "Next page",
  },
  results: {
    summary_one: "{{ok}} of {{count}} action succeeded",
    summary_other: "{{ok}} of {{count}} actions succeeded",
    ok: "Succeeded",
    failed: "Refused",
  },
};

registerNamespace("office", { fr, en });

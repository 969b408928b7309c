/** The client portal's strings (namespace "portal"). */
import { registerNamespace, type Translations } from "../i18n/index.ts";

export const fr = {
  title: "Espace client",
  navLabel: "Navigation de l’espace client",
  home: {
    title: "Bienvenue",
    intro: "Votre espace client chez {{org}} : vos sites, vos interventions et vos factures.",
  },
};

export const en: Translations<typeof fr> = {
  title: "Client portal",
  navLabel: "Client portal navigation",
  home: {
    title: "Welcome",
    intro: "Your client portal at {{org}}: your sites, your interventions and your invoices.",
  },
};

registerNamespace("portal", { fr, en });

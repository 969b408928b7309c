/** The reports screen's strings (namespace "reports"). */
import { registerNamespace, type Translations } from "../../i18n/index.ts";

export const fr = {
  title: "Rapports",
  period: {
    days: "{{count}} derniers jours",
    months: "{{count}} derniers mois",
  },
  alerts: {
    title: "Alertes déclenchées par jour",
    critical: "Critiques",
    warning: "Avertissements",
    info: "Informations",
  },
  revenue: {
    title: "Chiffre d’affaires et impayés par mois",
    invoiced: "Facturé HT",
    credited: "Avoirs HT",
    collected: "Encaissé",
    overdue: "En retard en fin de mois",
  },
  stock: {
    title: "Niveau de stock par jour",
    item: "Article",
    choose: "Choisir un article",
    none: "Aucun article en stock.",
    series: "En stock",
  },
};

export const en: Translations<typeof fr> = {
  title: "Reports",
  period: {
    days: "Last {{count}} days",
    months: "Last {{count}} months",
  },
  alerts: {
    title: "Alerts fired per day",
    critical: "Critical",
    warning: "Warning",
    info: "Information",
  },
  revenue: {
    title: "Revenue and overdue amounts per month",
    invoiced: "Invoiced excl. VAT",
    credited: "Credit notes excl. VAT",
    collected: "Collected",
    overdue: "Overdue at month end",
  },
  stock: {
    title: "Stock level per day",
    item: "Item",
    choose: "Choose an item",
    none: "No stock item.",
    series: "On hand",
  },
};

registerNamespace("reports", { fr, en });

/** The health page's strings (namespace "health"). */
import { registerNamespace, type Translations } from "../../i18n/index.ts";

export const fr = {
  title: "Santé de l’organisation",
  intro: "Les vérifications d’intégrité de vos données, sur les lignes de votre organisation. Les vérifications de la plateforme (sécurité des tables, tâches planifiées, stockage) sont suivies par l’exploitant.",
  caption: "Vérifications",
  refresh: "Relancer les vérifications",
  checkedAt: "Vérifié le {{at}}",
  summary_one: "{{count}} vérification sur {{total}} signale un problème.",
  summary_other: "{{count}} vérifications sur {{total}} signalent un problème.",
  allOk: "Toutes les vérifications ({{count}}) sont bonnes.",
  column: {
    check: "Vérification",
    period: "Fréquence",
    status: "État",
    count: "Lignes en cause",
    sample: "Premières lignes",
  },
  period: { daily: "Quotidienne", weekly: "Hebdomadaire" },
  status: { ok: "OK", failing: "À traiter" },
  check: {
    stock_negative: "Articles en stock négatif",
    invoices_sent_without_pdf: "Factures émises sans empreinte de leur PDF",
    emergencies_pending_overdue: "Urgences en attente au-delà du seuil d’alerte",
    invoice_chain: "Chaîne d’intégrité des factures",
    notifications_failed_or_stuck: "Notifications en échec ou bloquées",
    missions_unreachable_status: "Missions dans un statut inatteignable",
    timesheets_unapproved_30d: "Heures non approuvées depuis plus de 30 jours",
    credit_notes_invalid: "Avoirs sans facture d’origine ou supérieurs à son total",
  },
};

export const en: Translations<typeof fr> = {
  title: "Organization health",
  intro: "Integrity checks of your data, on your organization's rows. Platform checks (table security, scheduled jobs, storage) are followed by the operator.",
  caption: "Checks",
  refresh: "Run the checks again",
  checkedAt: "Checked on {{at}}",
  summary_one: "{{count}} of {{total}} checks reports a problem.",
  summary_other: "{{count}} of {{total}} checks report a problem.",
  allOk: "All checks ({{count}}) pass.",
  column: {
    check: "Check",
    period: "Frequency",
    status: "Status",
    count: "Rows at fault",
    sample: "First rows",
  },
  period: { daily: "Daily", weekly: "Weekly" },
  status: { ok: "OK", failing: "Needs attention" },
  check: {
    stock_negative: "Stock items below zero",
    invoices_sent_without_pdf: "Issued invoices without their PDF's hash",
    emergencies_pending_overdue: "Emergencies pending beyond the alert threshold",
    invoice_chain: "Invoice integrity chain",
    notifications_failed_or_stuck: "Notifications failed or stuck",
    missions_unreachable_status: "Missions in an unreachable status",
    timesheets_unapproved_30d: "Hours unapproved for more than 30 days",
    credit_notes_invalid: "Credit notes without their invoice or above its total",
  },
};

registerNamespace("health", { fr, en });

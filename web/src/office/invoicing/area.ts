/**
 * Invoicing: the accountant's home (invoices), and the owner's and admin's too
 * when they bill — payments and their reconciliation, quotes, accounting
 * exports. Every rule is the database's (issue_invoice, send_invoice,
 * reconcile_payments, export_fec…); these screens call it and show its answers.
 */
import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

const BILLING = ["owner", "admin", "accountant"] as const;

export const areas: AreaDefinition[] = [
  {
    id: "invoices",
    path: "/office/invoices",
    order: 50,
    roles: BILLING,
    label: { fr: "Factures", en: "Invoices" },
    homeFor: ["accountant"],
    component: lazy(() => import("./InvoicesArea.tsx")),
  },
  {
    id: "quotes",
    path: "/office/quotes",
    order: 51,
    // send_quote() lets dispatchers send quotes too.
    roles: ["owner", "admin", "dispatcher", "accountant"],
    label: { fr: "Devis", en: "Quotes" },
    component: lazy(() => import("./QuotesArea.tsx")),
  },
  {
    id: "payments",
    path: "/office/payments",
    order: 52,
    roles: BILLING,
    label: { fr: "Paiements", en: "Payments" },
    component: lazy(() => import("./PaymentsArea.tsx")),
  },
  {
    id: "exports",
    path: "/office/exports",
    order: 53,
    roles: BILLING,
    label: { fr: "Exports comptables", en: "Accounting exports" },
    component: lazy(() => import("./ExportsArea.tsx")),
  },
];

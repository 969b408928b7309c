import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/**
 * The alert dashboard: the owner's and the admin's home. Dispatchers are
 * offered it too; RLS decides which alerts each of them sees. Accountants are
 * not: the alerts policy does not let them read alerts (they get the overdue
 * invoices in their own invoices list), and an always-empty screen misleads.
 * Its settings (thresholds, who is told, escalation, sound) are an area of
 * their own below it, for owners and admins: the only roles the database lets
 * change them.
 */
export const areas: AreaDefinition[] = [
  {
    id: "alerts",
    path: "/office/alerts",
    order: 10,
    roles: ["owner", "admin", "dispatcher"],
    label: { fr: "Alertes", en: "Alerts" },
    homeFor: ["owner", "admin"],
    component: lazy(() => import("./AlertsArea.tsx")),
  },
  {
    id: "alert-settings",
    path: "/office/alerts/settings",
    order: 11,
    roles: ["owner", "admin"],
    label: { fr: "Réglages des alertes", en: "Alert settings" },
    component: lazy(() => import("./AlertSettings.tsx")),
  },
];

import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** The audit log viewer: owners and admins (public.audit_log_page refuses the other roles). */
export const areas: AreaDefinition[] = [
  {
    id: "audit",
    path: "/office/audit",
    order: 70,
    roles: ["owner", "admin"],
    label: { fr: "Journal d’audit", en: "Audit log" },
    component: lazy(() => import("./AuditArea.tsx")),
  },
];

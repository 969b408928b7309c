import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** Approvals: timesheets to approve (in bulk, one result per line) and lock overrides with a reason. */
export const areas: AreaDefinition[] = [
  {
    id: "approvals",
    path: "/office/approvals",
    order: 30,
    roles: ["owner", "admin", "dispatcher"],
    label: { fr: "Validations", en: "Approvals" },
    component: lazy(() => import("./ApprovalsArea.tsx")),
  },
];

/** Reports: the figures people would rather look at than read (charts, with their data as tables). */
import { lazy } from "react";
import type { AreaModule } from "../areas.ts";

export const areas: AreaModule["areas"] = [
  {
    id: "reports",
    path: "/office/reports",
    order: 60,
    roles: ["owner", "admin", "dispatcher", "accountant"],
    label: { fr: "Rapports", en: "Reports" },
    component: lazy(() => import("./ReportsArea.tsx")),
  },
];

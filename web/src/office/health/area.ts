import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** The organization's health checks, for its owners and administrators. */
export const areas: AreaDefinition[] = [
  {
    id: "health",
    path: "/office/health",
    order: 90,
    roles: ["owner", "admin"],
    label: { fr: "Santé", en: "Health" },
    component: lazy(() => import("./HealthArea.tsx")),
  },
];

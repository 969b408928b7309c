import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

export const areas: AreaDefinition[] = [
  {
    id: "rules",
    path: "/office/rules",
    order: 82,
    roles: ["owner", "admin"],
    label: { fr: "Règles", en: "Rules" },
    component: lazy(() => import("./RulesArea.tsx")),
  },
];

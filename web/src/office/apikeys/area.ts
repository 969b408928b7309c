import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

export const areas: AreaDefinition[] = [
  {
    id: "api-keys",
    path: "/office/api-keys",
    order: 81,
    roles: ["owner", "admin"],
    label: { fr: "Clés d’API", en: "API keys" },
    component: lazy(() => import("./ApiKeysArea.tsx")),
  },
];

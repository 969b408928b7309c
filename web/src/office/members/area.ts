import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

export const areas: AreaDefinition[] = [
  {
    id: "members",
    path: "/office/members",
    order: 80,
    roles: ["owner", "admin"],
    label: { fr: "Membres", en: "Members" },
    component: lazy(() => import("./MembersArea.tsx")),
  },
];

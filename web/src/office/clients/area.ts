import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** Clients: a searchable list, and each client with its sites and recent missions (global search results link here). */
export const areas: AreaDefinition[] = [
  {
    id: "clients",
    path: "/office/clients",
    order: 25,
    roles: ["owner", "admin", "dispatcher", "accountant"],
    label: { fr: "Clients", en: "Clients" },
    component: lazy(() => import("./ClientsArea.tsx")),
  },
];

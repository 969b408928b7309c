import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** Dispatch: the missions board (the dispatcher's home), the emergency queue and the clients' requests. */
const STAFF = ["owner", "admin", "dispatcher"] as const;

export const areas: AreaDefinition[] = [
  {
    id: "missions",
    path: "/office/missions",
    order: 20,
    roles: STAFF,
    label: { fr: "Missions", en: "Missions" },
    homeFor: ["dispatcher"],
    component: lazy(() => import("./MissionsArea.tsx")),
  },
  {
    id: "emergencies",
    path: "/office/emergencies",
    order: 21,
    roles: STAFF,
    label: { fr: "Urgences", en: "Emergencies" },
    component: lazy(() => import("./EmergenciesArea.tsx")),
  },
  {
    id: "requests",
    path: "/office/requests",
    order: 22,
    roles: STAFF,
    label: { fr: "Demandes clients", en: "Client requests" },
    component: lazy(() => import("./RequestsArea.tsx")),
  },
];

import { lazy } from "react";
import type { AreaDefinition } from "../areas.ts";

/** Stock: items with on-hand and low/critical badges, each item's movement ledger, recording a movement. */
export const areas: AreaDefinition[] = [
  {
    id: "stock",
    path: "/office/stock",
    order: 40,
    roles: ["owner", "admin", "dispatcher", "accountant"],
    label: { fr: "Stock", en: "Stock" },
    component: lazy(() => import("./StockArea.tsx")),
  },
];

/**
 * The global search (Ctrl+K / Cmd+K, and a button in the header) for every
 * back-office role. It is a header tool, not an area: it has no page of its
 * own, it leads to the areas' pages. The palette's code loads with the office.
 */
import { lazy } from "react";
import type { AreaModule } from "../areas.ts";

export const headerTools: AreaModule["headerTools"] = [
  {
    id: "search",
    order: 10,
    roles: ["owner", "admin", "dispatcher", "accountant"],
    component: lazy(() => import("./SearchPalette.tsx")),
  },
];

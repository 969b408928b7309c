/**
 * The back office is a set of areas (alerts, missions, invoices…). Each lives in
 * its own folder with an `area.ts` that declares where it sits, who may open it
 * and the lazy component that draws it; this file only collects them. Adding an
 * area is adding a folder: no shared list to edit.
 *
 * The roles here choose what the navigation offers, nothing more: what a person
 * may read or do is decided by the database (RLS and the RPCs' checks), and a
 * screen shows what the database answers.
 */
import type { ComponentType, LazyExoticComponent } from "react";
import type { MemberRole } from "../workspace.ts";

export interface AreaProps {
  /** The rest of the URL after the area's path: "" or "/…". */
  path: string;
  /** The area's own path ("/office/missions"), for links inside it. */
  base: string;
}

export interface AreaDefinition {
  id: string;
  /** "/office/<something>": the area answers this path and everything below it. */
  path: string;
  /** Position in the navigation (smaller first). */
  order: number;
  roles: readonly MemberRole[];
  label: { fr: string; en: string };
  /** The roles that land here when they open /office. */
  homeFor?: readonly MemberRole[];
  component: LazyExoticComponent<ComponentType<AreaProps>>;
}

/** Something that lives in the header on every screen (e.g. the search palette). */
export interface HeaderToolDefinition {
  id: string;
  order: number;
  roles: readonly MemberRole[];
  component: LazyExoticComponent<ComponentType>;
}

export interface AreaModule {
  areas?: AreaDefinition[];
  headerTools?: HeaderToolDefinition[];
}

const modules = import.meta.glob<AreaModule>("./*/area.ts", { eager: true });

export const AREAS: AreaDefinition[] = Object.values(modules)
  .flatMap((module) => module.areas ?? [])
  .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));

export const HEADER_TOOLS: HeaderToolDefinition[] = Object.values(modules)
  .flatMap((module) => module.headerTools ?? [])
  .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));

export function areasFor(role: MemberRole, areas: AreaDefinition[] = AREAS): AreaDefinition[] {
  return areas.filter((area) => area.roles.includes(role));
}

/** Where /office leads a role: its declared home, else the first area it may open. */
export function homeAreaFor(role: MemberRole, areas: AreaDefinition[] = AREAS): AreaDefinition | null {
  const open = areasFor(role, areas);
  return open.find((area) => area.homeFor?.includes(role)) ?? open[0] ?? null;
}

/** The area a path belongs to (the longest matching path wins), with the rest of the path. */
export function matchArea(path: string, areas: AreaDefinition[]): { area: AreaDefinition; rest: string } | null {
  let best: { area: AreaDefinition; rest: string } | null = null;
  for (const area of areas) {
    if (path === area.path || path.startsWith(`${area.path}/`)) {
      if (!best || area.path.length > best.area.path.length) best = { area, rest: path.slice(area.path.length) };
    }
  }
  return best;
}

/**
 * Where later features plug into the mission screen: photos, the client's
 * signature (the attachments functions) and the Web Push opt-in. Each one is a
 * lazy component, so it costs nothing until the mission screen renders it.
 * None is registered yet; a feature adds itself here, e.g.
 *   { id: "photos", Component: lazy(() => import("./pages/MissionPhotos.tsx")) }
 */
import type { ComponentType, LazyExoticComponent } from "react";

export interface MissionExtension {
  id: string;
  Component: LazyExoticComponent<ComponentType<{ missionId: string }>>;
}

export const missionExtensions: MissionExtension[] = [];

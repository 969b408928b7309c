/**
 * Where features plug into the mission screen: photos and the client's
 * signature (the attachments function). Each one is a lazy component, so it
 * costs nothing until the mission screen renders it.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from "react";

export interface MissionExtension {
  id: string;
  Component: LazyExoticComponent<ComponentType<{ missionId: string }>>;
}

export const missionExtensions: MissionExtension[] = [
  { id: "photos", Component: lazy(() => import("./pages/MissionPhotos.tsx")) },
  { id: "signature", Component: lazy(() => import("./pages/MissionSignature.tsx")) },
];

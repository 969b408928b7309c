/**
 * A mission's status in the back office's words: the missions board, the
 * refusals that name a status (apiErrors.ts) and the technician app (fr.ts,
 * en.ts) say the same. "assigned" means a technician holds the mission, the
 * one who accepted it or the one dispatch gave it to: "Assignée", never
 * "Acceptée" (nobody may have accepted it) nor "Planifiée" (it may have no
 * date). The portal keeps the client's own words for the other statuses.
 */
import type { Translations } from "./index.ts";

export const missionStatusFr = {
  new: "Nouvelle",
  published: "Publiée",
  assigned: "Assignée",
  in_progress: "En cours",
  blocked: "Bloquée",
  done: "Terminée",
  invoiced: "Facturée",
  cancelled: "Annulée",
};

export const missionStatusEn: Translations<typeof missionStatusFr> = {
  new: "New",
  published: "Published",
  assigned: "Assigned",
  in_progress: "In progress",
  blocked: "Blocked",
  done: "Done",
  invoiced: "Invoiced",
  cancelled: "Cancelled",
};

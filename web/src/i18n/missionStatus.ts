/**
 * A mission's status in the back office's words: the missions board and the
 * refusals that name a status (apiErrors.ts) say the same. The technician app
 * keeps its own (fr.ts: "Acceptée", said to the one who accepted).
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

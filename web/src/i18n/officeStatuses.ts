/**
 * The statuses of emergencies, client requests and quotes in the back office's
 * words: the screens that list them and the refusals that name them
 * (apiErrors.ts) say the same, as missionStatus.ts does for missions.
 */
import type { Translations } from "./index.ts";

/** An emergency (feminine: une urgence). */
export const emergencyStatusFr = { pending: "En attente", acknowledged: "Prise en charge", dispatched: "Mission créée", closed: "Close" };
export const emergencyStatusEn: Translations<typeof emergencyStatusFr> = { pending: "Pending", acknowledged: "Taken on", dispatched: "Mission created", closed: "Closed" };

/** A client request (feminine: une demande). */
export const clientRequestStatusFr = { open: "Ouverte", accepted: "Acceptée", rejected: "Refusée", converted: "Convertie en mission" };
export const clientRequestStatusEn: Translations<typeof clientRequestStatusFr> = { open: "Open", accepted: "Accepted", rejected: "Declined", converted: "Turned into a mission" };

/** A quote (masculine: un devis). */
export const quoteStatusFr = { draft: "Brouillon", sent: "Envoyé", accepted: "Accepté", rejected: "Refusé", expired: "Expiré" };
export const quoteStatusEn: Translations<typeof quoteStatusFr> = { draft: "Draft", sent: "Sent", accepted: "Accepted", rejected: "Rejected", expired: "Expired" };

import { describe, expect, it } from "vitest";
import { en as portalEn, fr as portalFr } from "../portal/i18n.ts";
import { en as appEn } from "./en.ts";
import { fr as appFr } from "./fr.ts";
import { missionStatusEn, missionStatusFr } from "./missionStatus.ts";

describe("mission statuses", () => {
  it("the technician app names every status as the back office does", () => {
    expect(appFr.status).toEqual(missionStatusFr);
    expect(appEn.status).toEqual(missionStatusEn);
  });

  // assigned means a technician holds the mission: the one who accepted it, or the one dispatch (or an emergency's
  // dispatch) gave it to without asking; nothing about a date. "Acceptée" or "Planifiée" would say more than it knows.
  it("assigned is Assignée in the back office, the technician app and the portal", () => {
    for (const assigned of [missionStatusFr.assigned, appFr.status.assigned, portalFr.missions.statusValue.assigned]) expect(assigned).toBe("Assignée");
    for (const assigned of [missionStatusEn.assigned, appEn.status.assigned, portalEn.missions.statusValue.assigned]) expect(assigned).toBe("Assigned");
  });
});

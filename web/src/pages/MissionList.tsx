import { useTranslation } from "react-i18next";
import { Page } from "../components/Page.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { getMeta } from "../offline/db.ts";
import { useLiveQuery } from "../offline/hooks.ts";
import { missionGroup, missionView, type MissionGroup, type MissionView } from "../offline/view.ts";
import { Link } from "../router.tsx";
import { useTechnician } from "../technician/context.tsx";

const GROUPS: MissionGroup[] = ["today", "open", "upcoming", "other"];

export function MissionList() {
  const { t } = useTranslation();
  const { db } = useTechnician();
  const data = useLiveQuery(async () => {
    const [missions, outbox, pulledAt] = await Promise.all([
      db.missions.toArray(),
      db.outbox.toArray(),
      getMeta<string>(db, "pulledAt"),
    ]);
    return { missions: missions.map((m) => missionView(m, outbox)), pulledAt };
  }, [db]);

  if (!data) return <p className="muted">{t("app.loading")}</p>;
  const byGroup = new Map<MissionGroup, MissionView[]>(GROUPS.map((g) => [g, []]));
  for (const mission of data.missions) byGroup.get(missionGroup(mission))!.push(mission);

  return (
    <Page title={t("missions.title")}>
      {data.pulledAt ? (
        <p className="muted small">{t("missions.lastSync", { date: formatDateTime(data.pulledAt) })}</p>
      ) : (
        <p className="muted">{t("missions.neverSynced")}</p>
      )}
      {data.missions.length === 0 && data.pulledAt && <p>{t("missions.none")}</p>}
      {GROUPS.map((group) => {
        const missions = byGroup.get(group)!;
        if (missions.length === 0) return null;
        return (
          <section key={group} className="mission-group" aria-labelledby={`group-${group}`}>
            <h2 id={`group-${group}`}>{t(`missions.${group}`)}</h2>
            <ul className="mission-list">
              {missions.map((mission) => (
                <li key={mission.id}>
                  <MissionCard mission={mission} />
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </Page>
  );
}

function MissionCard({ mission }: { mission: MissionView }) {
  const { t } = useTranslation();
  const place = [mission.site?.address, mission.site?.city].filter(Boolean).join(", ");
  return (
    <Link href={`/missions/${mission.id}`} className="mission-card">
      <span className="mission-title">{mission.title}</span>
      <span className={`chip status-${mission.effectiveStatus}`}>{t(`status.${mission.effectiveStatus}`)}</span>
      {mission.pending.length > 0 && <span className="chip chip-pending">{t("missions.pendingChange")}</span>}
      <span className="mission-meta">
        {mission.client?.name}
        {place ? ` · ${place}` : ""}
      </span>
      <span className="mission-meta">
        {mission.scheduled_start
          ? t("missions.scheduled", { date: formatDateTime(mission.scheduled_start) })
          : t("missions.notScheduled")}
      </span>
    </Link>
  );
}

import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { DataTable, ErrorMessage, formatDate, formatDateTime, NotFound, useQuery } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import { isSignature } from "../../attachments/signature.ts";
import { loadMission, loadMissionPhotos, loadMissions, MISSION_LIMIT, type MissionPhoto, type MissionStatus, type PortalMission, REPORTED_STATUSES } from "../data.ts";
import { Loading, StatusBadge } from "./shared.tsx";

const TONE: Record<MissionStatus, "ok" | "warn" | "info" | "muted" | "alert"> = {
  new: "muted",
  published: "muted",
  assigned: "info",
  in_progress: "info",
  blocked: "warn",
  done: "ok",
  invoiced: "ok",
  cancelled: "muted",
};

export function MissionStatusBadge({ status }: { status: MissionStatus }) {
  const { t } = useTranslation("portal");
  return <StatusBadge tone={TONE[status]}>{t(`missions.statusValue.${status}`)}</StatusBadge>;
}

export function MissionTable({ missions, showSite = true, caption }: { missions: PortalMission[]; showSite?: boolean; caption?: string }) {
  const { t } = useTranslation("portal");
  return (
    <DataTable
      caption={caption ?? t("missions.caption")}
      captionHidden={!caption}
      rows={missions}
      rowKey={(m) => m.id}
      columns={[
        { key: "title", header: t("missions.mission"), render: (m) => <Link href={`/portal/missions/${m.id}`}>{m.title}</Link>, sortValue: (m) => m.title },
        ...(showSite ? [{ key: "site", header: t("missions.site"), render: (m: PortalMission) => m.site_name, sortValue: (m: PortalMission) => m.site_name }] : []),
        {
          key: "date",
          header: t("missions.date"),
          render: (m) => (m.scheduled_start ? formatDateTime(m.scheduled_start) : t("missions.notScheduled")),
          sortValue: (m) => m.scheduled_start ?? "",
        },
        { key: "status", header: t("missions.status"), render: (m) => <MissionStatusBadge status={m.status} /> },
        { key: "technician", header: t("missions.technician"), render: (m) => m.technician_first_name ?? t("common.none") },
      ]}
    />
  );
}

export function MissionsScreen() {
  const { t } = useTranslation("portal");
  const { supabase } = usePortal();
  const missions = useQuery(() => loadMissions(supabase), [supabase]);
  return (
    <Page title={t("missions.title")}>
      <ErrorMessage error={missions.error} onRetry={missions.reload} />
      {missions.data ? (
        <>
          <MissionTable missions={missions.data} />
          {missions.data.length >= MISSION_LIMIT && <p className="muted">{t("missions.limitNote", { count: MISSION_LIMIT })}</p>}
        </>
      ) : (
        !missions.error && <Loading />
      )}
    </Page>
  );
}

export function MissionScreen({ id }: { id: string }) {
  const { t } = useTranslation("portal");
  const { supabase } = usePortal();
  const mission = useQuery(() => loadMission(supabase, id), [supabase, id]);
  if (mission.error) return <ErrorMessage error={mission.error} onRetry={mission.reload} />;
  if (mission.data === undefined) return <Loading />;
  if (mission.data === null) return <NotFound home="/portal" />;
  const m = mission.data;
  const finished = (m.status === "done" || m.status === "invoiced") && m.completed_at;
  return (
    <Page title={m.title}>
      <dl className="facts">
        <dt>{t("missions.status")}</dt>
        <dd>
          <MissionStatusBadge status={m.status} />
        </dd>
        <dt>{t("missions.site")}</dt>
        <dd>
          <Link href={`/portal/sites/${m.site_id}`}>{m.site_name}</Link>
        </dd>
        <dt>{t("missions.date")}</dt>
        <dd>{m.scheduled_start ? formatDateTime(m.scheduled_start) : t("missions.notScheduled")}</dd>
        {m.started_at && (
          <>
            <dt>{t("missions.startedAt")}</dt>
            <dd>{formatDateTime(m.started_at)}</dd>
          </>
        )}
        <dt>{t("missions.technician")}</dt>
        <dd>{m.technician_first_name ?? t("common.none")}</dd>
      </dl>
      <section aria-labelledby="report-heading" className="card report">
        <h2 id="report-heading">{t("missions.report")}</h2>
        {finished ? (
          <p data-testid="intervention-report">
            {t("missions.reportBody", {
              mission: m.title,
              date: formatDate(m.completed_at!),
              technician: m.technician_first_name ?? t("missions.reportTechnicianFallback"),
            })}
          </p>
        ) : (
          <p className="muted">{t("missions.noReport")}</p>
        )}
      </section>
      <MissionPhotos missionId={m.id} reported={REPORTED_STATUSES.includes(m.status)} />
      <p>
        <Link href="/portal/missions">{t("common.back")}</Link>
      </p>
    </Page>
  );
}

/**
 * The intervention's photos, then the client's signature, as thumbnails that
 * open the full picture. Only asked for once the mission is reported: before
 * that the database shows none anyway (attachments_select).
 */
function MissionPhotos({ missionId, reported }: { missionId: string; reported: boolean }) {
  const { t } = useTranslation("portal");
  return (
    <section aria-labelledby="photos-heading" className="card report">
      <h2 id="photos-heading">{t("missions.photos.title")}</h2>
      {reported ? <ReportedPhotos missionId={missionId} /> : <p className="muted">{t("missions.photos.notYet")}</p>}
    </section>
  );
}

function ReportedPhotos({ missionId }: { missionId: string }) {
  const { t } = useTranslation("portal");
  const { supabase } = usePortal();
  const files = useQuery(() => loadMissionPhotos(supabase, missionId), [supabase, missionId]);
  if (files.error) return <ErrorMessage error={files.error} onRetry={files.reload} />;
  if (files.data === undefined) return <Loading />;
  const photos = files.data.filter((f) => !isSignature(f.original_name));
  const signatures = files.data.filter((f) => isSignature(f.original_name));
  if (photos.length === 0 && signatures.length === 0) return <p className="muted">{t("missions.photos.none")}</p>;
  return (
    <ul className="thumbnails">
      {photos.map((photo, i) => (
        <Thumbnail key={photo.id} file={photo} name={t("missions.photos.photo", { n: i + 1, total: photos.length, date: formatDateTime(photo.created_at) })} />
      ))}
      {signatures.map((signature) => (
        <Thumbnail key={signature.id} file={signature} name={t("missions.photos.signature")} signature />
      ))}
    </ul>
  );
}

/** A signature is shown whole, with its name under it (a cropped square would cut it). */
function Thumbnail({ file, name, signature = false }: { file: MissionPhoto; name: string; signature?: boolean }) {
  const { t } = useTranslation("portal");
  return (
    <li className={signature ? "signature-thumbnail" : undefined}>
      <a href={file.url} target="_blank" rel="noreferrer">
        <img src={file.url} alt={name} loading="lazy" decoding="async" width={160} height={160} />
        <span className="visually-hidden">{t("missions.photos.openFull")}</span>
      </a>
      {signature && (
        <span className="small muted" aria-hidden="true">
          {name}
        </span>
      )}
    </li>
  );
}

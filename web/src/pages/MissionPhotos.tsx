/**
 * The mission's photos: taken with the phone's camera (a file input with
 * capture="environment"), made small on the phone (JPEG under 1 MB, 1600 px),
 * kept in the outbox until sent, and listed as thumbnails — the server's
 * (signed URLs) and those still waiting on the device.
 */
import { useId, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { compressPhoto } from "../attachments/compress.ts";
import { useObjectUrl, usePendingFiles, useRemoteAttachments, type PendingFile } from "../attachments/hooks.ts";
import { isSignature, photoName, queueMissionFile } from "../attachments/queue.ts";
import { photoFailureText } from "../i18n/deviceFailures.ts";
import { formatDateTime } from "../i18n/index.ts";
import { useTechnician } from "../technician/context.tsx";

export default function MissionPhotos({ missionId }: { missionId: string }) {
  const { t, i18n } = useTranslation();
  const { db, engine } = useTechnician();
  const inputId = useId();
  const headingId = useId();
  const [status, setStatus] = useState<{ kind: "idle" | "working" | "saved" | "error"; message?: string }>({ kind: "idle" });
  const pending = usePendingFiles(missionId)?.filter((p) => !isSignature(p.file?.name ?? String(p.action.args.name)));
  const remote = useRemoteAttachments(missionId, pending?.length);
  const photos = (remote.items ?? []).filter((a) => !isSignature(a.original_name));

  async function onFiles(event: ChangeEvent<HTMLInputElement>) {
    const files = Array.from(event.target.files ?? []);
    event.target.value = "";
    if (files.length === 0) return;
    setStatus({ kind: "working" });
    try {
      for (const file of files) {
        const jpeg = await compressPhoto(file);
        await queueMissionFile(db, missionId, jpeg, photoName());
      }
      setStatus({ kind: "saved" });
      void engine.sync();
    } catch (error) {
      setStatus({ kind: "error", message: photoFailureText(error, i18n.language) });
    }
  }

  return (
    <section className="extension" aria-labelledby={headingId} data-testid="mission-photos">
      <h3 id={headingId}>{t("mission.photos.title")}</h3>
      {photos.length === 0 && (pending?.length ?? 0) === 0 ? (
        <p className="muted">{remote.items === null ? t("mission.photos.offlineList") : t("mission.photos.none")}</p>
      ) : (
        <ul className="thumbnails">
          {photos.map((photo) => (
            <li key={photo.id}>
              {photo.url ? (
                <a href={photo.url} target="_blank" rel="noreferrer">
                  <img src={photo.url} alt={t("mission.photos.thumbnail", { date: formatDateTime(photo.created_at) })} loading="lazy" />
                </a>
              ) : (
                <span className="muted small">{photo.original_name}</span>
              )}
            </li>
          ))}
          {(pending ?? []).map((p) => (
            <PendingThumbnail key={p.action.key} pending={p} />
          ))}
        </ul>
      )}
      {remote.items === null && photos.length === 0 && (pending?.length ?? 0) > 0 && <p className="muted small">{t("mission.photos.offlineList")}</p>}
      <input
        id={inputId}
        className="visually-hidden file-input"
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        onChange={(e) => void onFiles(e)}
        disabled={status.kind === "working"}
      />
      {/* The label is the visible button; the input before it carries the focus ring (styles.css). */}
      <label htmlFor={inputId} className="button file-button">
        {t("mission.photos.take")}
      </label>
      <p role="status" className={status.kind === "error" ? "error-message" : "saved"}>
        {status.kind === "working" ? t("mission.photos.compressing") : status.kind === "saved" ? t("mission.photos.saved") : status.kind === "error" ? status.message : ""}
      </p>
    </section>
  );
}

function PendingThumbnail({ pending }: { pending: PendingFile }) {
  const { t } = useTranslation();
  const url = useObjectUrl(pending.file);
  const refused = pending.action.state === "refused";
  return (
    <li className="pending-thumbnail">
      {url && <img src={url} alt={t("mission.photos.pendingThumb")} />}
      <span className={`chip ${refused ? "chip-refused" : "chip-pending"}`}>{refused ? t("mission.photos.refused") : t("mission.pending")}</span>
    </li>
  );
}

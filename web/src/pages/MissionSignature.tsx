/**
 * The client signs on the phone when the work is done: a canvas drawn with
 * pointer events (finger, stylus, mouse), "Clear" and "Save" as ordinary
 * buttons (keyboard and screen readers reach them), saved as a PNG attachment
 * of the mission (kind mission_photo, which accepts image/png, under the name
 * SIGNATURE_NAME) and queued in the outbox like a photo.
 */
import { useEffect, useId, useRef, useState, type PointerEvent } from "react";
import { useTranslation } from "react-i18next";
import { usePendingFiles, useRemoteAttachments } from "../attachments/hooks.ts";
import { isSignature, queueMissionFile, SIGNATURE_NAME } from "../attachments/queue.ts";
import { formatDateTime } from "../i18n/index.ts";
import { useTechnician } from "../technician/context.tsx";

const WIDTH = 600;
const HEIGHT = 240;

export default function MissionSignature({ missionId }: { missionId: string }) {
  const { t } = useTranslation();
  const { db, engine } = useTechnician();
  const headingId = useId();
  const hintId = useId();
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ x: number; y: number } | null>(null);
  const [strokes, setStrokes] = useState(0);
  const [saved, setSaved] = useState(false);
  const pending = usePendingFiles(missionId)?.filter((p) => isSignature(p.file?.name ?? String(p.action.args.name)));
  const remote = useRemoteAttachments(missionId, pending?.length);
  const signed = (remote.items ?? []).filter((a) => isSignature(a.original_name));

  useEffect(() => clear(), []);

  function context() {
    const ctx = canvas.current?.getContext("2d");
    if (ctx) {
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
    }
    return ctx ?? null;
  }

  function clear() {
    const ctx = context();
    if (!ctx) return;
    // An opaque white background: the PNG reads the same on any viewer.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    setStrokes(0);
  }

  /** The pointer's position in canvas pixels, whatever size CSS gives the canvas. */
  function point(event: PointerEvent<HTMLCanvasElement>) {
    const rect = event.currentTarget.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) * WIDTH) / rect.width, y: ((event.clientY - rect.top) * HEIGHT) / rect.height };
  }

  function down(event: PointerEvent<HTMLCanvasElement>) {
    event.currentTarget.setPointerCapture(event.pointerId);
    drawing.current = point(event);
    setSaved(false);
  }

  function move(event: PointerEvent<HTMLCanvasElement>) {
    const from = drawing.current;
    const ctx = context();
    if (!from || !ctx) return;
    const to = point(event);
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    drawing.current = to;
  }

  function up() {
    if (drawing.current) setStrokes((n) => n + 1);
    drawing.current = null;
  }

  async function save() {
    const element = canvas.current;
    if (!element || strokes === 0) return;
    const png = await new Promise<Blob | null>((resolve) => element.toBlob(resolve, "image/png"));
    if (!png) return;
    await queueMissionFile(db, missionId, png, SIGNATURE_NAME);
    clear();
    setSaved(true);
    void engine.sync();
  }

  return (
    <section className="extension" aria-labelledby={headingId} data-testid="mission-signature">
      <h3 id={headingId}>{t("mission.signature.title")}</h3>
      {signed.map((s) => (
        <p key={s.id} className="signed">
          {s.url && <img className="signature-image" src={s.url} alt={t("mission.signature.image")} />}
          <span className="block">{t("mission.signature.signedAt", { date: formatDateTime(s.created_at) })}</span>
        </p>
      ))}
      {(pending ?? []).map((p) => (
        <p key={p.action.key}>
          <span className={`chip ${p.action.state === "refused" ? "chip-refused" : "chip-pending"}`}>
            {p.action.state === "refused" ? t("mission.photos.refused") : t("mission.signature.pending")}
          </span>
        </p>
      ))}
      <p id={hintId} className="muted small">
        {t("mission.signature.hint")}
      </p>
      <canvas
        ref={canvas}
        className="signature-pad"
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={t("mission.signature.pad")}
        aria-describedby={hintId}
        data-testid="signature-pad"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      />
      <div className="row">
        <button type="button" className="button" onClick={clear} disabled={strokes === 0}>
          {t("mission.signature.clear")}
        </button>
        <button type="button" className="button primary" onClick={() => void save()} disabled={strokes === 0}>
          {t("mission.signature.save")}
        </button>
      </div>
      <p role="status" className="saved">
        {saved ? t("mission.signature.saved") : ""}
      </p>
    </section>
  );
}

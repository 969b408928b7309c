/**
 * The alert configuration editor (/office/alerts/settings), for owners and
 * admins: per alert type its threshold, severity, who is notified, how often,
 * and the escalation; and the organization's alert sound. Every value goes to
 * the database as typed: the alert_config trigger and constraints decide, and
 * their messages are shown as written. Nothing is checked here first.
 */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { invokeAttachments } from "../../attachments/upload.ts";
import type { SendOutcome } from "../../offline/outbox.ts";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { ErrorMessage, NotFound, toApiError, unwrap, useQuery, type ApiError } from "../ui/index.ts";
import type { Database } from "../../../../types/database.ts";
import "./alerts.css";
import "./i18n.ts";
import { DURATION_UNITS, intervalMinutes, toDuration, toInterval, type DurationUnit } from "./duration.ts";
import { organizationSoundSetting, organizationSoundUrl } from "./sound.ts";

type AlertConfig = Database["public"]["Tables"]["alert_config"]["Row"];
type Role = Database["public"]["Enums"]["member_role"];

const ROLES: Role[] = ["owner", "admin", "dispatcher", "technician", "accountant"];
const UNITS = ["minutes", "hours", "days", "units", "percent"] as const;
const SEVERITIES = ["critical", "warning", "info"] as const;
export default function AlertSettings({ path }: AreaProps) {
  const { t } = useTranslation("alerts");
  const { supabase, org } = useOffice();
  const configs = useQuery(
    async () => unwrap(await supabase.from("alert_config").select("*").eq("org_id", org.id).order("alert_type")),
    [supabase, org.id],
  );
  if (path !== "" && path !== "/") return <NotFound />;
  return (
    <Page title={t("settings.title")} actions={<Link href="/office/alerts">{t("settings.back")}</Link>}>
      <p>{t("settings.intro")}</p>
      <SoundSettings />
      <ErrorMessage error={configs.error} onRetry={() => void configs.reload()} />
      {configs.data ? (
        configs.data.map((config) => <ConfigForm key={config.alert_type} config={config} onSaved={() => void configs.reload()} />)
      ) : configs.error ? null : (
        <p className="muted">{t("office:common.loading")}</p>
      )}
    </Page>
  );
}

function RoleChoices({ legend, name, value, onChange }: { legend: string; name: string; value: Role[]; onChange: (roles: Role[]) => void }) {
  const { t } = useTranslation("alerts");
  return (
    <fieldset className="role-choices">
      <legend>{legend}</legend>
      {ROLES.map((role) => (
        <label key={role}>
          <input
            type="checkbox"
            name={name}
            checked={value.includes(role)}
            onChange={(event) => onChange(event.target.checked ? [...value, role] : value.filter((r) => r !== role))}
          />{" "}
          {t(`settings.roles.${role}`)}
        </label>
      ))}
    </fieldset>
  );
}

function DurationField({
  id,
  label,
  hint,
  amount,
  unit,
  onChange,
}: {
  id: string;
  label: string;
  hint?: string;
  amount: string;
  unit: DurationUnit;
  onChange: (amount: string, unit: DurationUnit) => void;
}) {
  const { t } = useTranslation("alerts");
  return (
    <div className="field duration-field">
      <label htmlFor={id}>{label}</label>
      <div className="duration-inputs">
        <input id={id} type="number" step="any" value={amount} onChange={(event) => onChange(event.target.value, unit)} aria-describedby={hint ? `${id}-hint` : undefined} />
        <select aria-label={`${label} (${t("settings.unit")})`} value={unit} onChange={(event) => onChange(amount, event.target.value as DurationUnit)}>
          {DURATION_UNITS.map((u) => (
            <option key={u.unit} value={u.unit}>
              {t(`settings.${u.unit}`)}
            </option>
          ))}
        </select>
      </div>
      {hint ? (
        <span id={`${id}-hint`} className="muted">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

function ConfigForm({ config, onSaved }: { config: AlertConfig; onSaved: () => void }) {
  const { t } = useTranslation("alerts");
  const { supabase } = useOffice();
  const type = config.alert_type;
  const label = t(`type.${type}`, { defaultValue: type });
  const [enabled, setEnabled] = useState(config.enabled);
  const [threshold, setThreshold] = useState(String(config.threshold));
  const [unit, setUnit] = useState(config.unit);
  const [severity, setSeverity] = useState(config.severity);
  const [notifyRoles, setNotifyRoles] = useState<Role[]>(config.notify_roles);
  const [notifyOnCall, setNotifyOnCall] = useState(config.notify_on_call);
  const [repeat, setRepeat] = useState(toDuration(intervalMinutes(config.repeat_interval)));
  const [escalate, setEscalate] = useState(toDuration(intervalMinutes(config.escalate_after)));
  const [escalateTo, setEscalateTo] = useState<Role[]>(config.escalate_to_roles);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (field: string) => `${type}-${field}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const rows = unwrap(
        await supabase
          .from("alert_config")
          .update({
            enabled,
            // Sent as typed: the database refuses what is not a valid threshold, and says why.
            threshold: (threshold.trim() === "" ? null : threshold.trim()) as unknown as number,
            unit,
            severity,
            notify_roles: notifyRoles,
            notify_on_call: notifyOnCall,
            repeat_interval: toInterval(repeat.amount, repeat.unit) as string,
            escalate_after: toInterval(escalate.amount, escalate.unit),
            escalate_to_roles: escalateTo,
          })
          .eq("org_id", config.org_id)
          .eq("alert_type", type)
          .select("alert_type"),
      );
      if (rows.length === 0) {
        setError({ message: t("settings.notSaved") });
        return;
      }
      setSaved(t("settings.saved", { alert: label }));
      onSaved();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card alert-config" onSubmit={(event) => void save(event)} data-testid={`alert-config-${type}`} aria-labelledby={id("title")}>
      <h2 id={id("title")}>{label}</h2>
      <div className="config-grid">
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} /> {t("settings.enabled")}
        </label>
        <div className="field">
          <label htmlFor={id("threshold")}>{t("settings.threshold")}</label>
          <input id={id("threshold")} type="number" step="any" value={threshold} onChange={(event) => setThreshold(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={id("unit")}>{t("settings.unit")}</label>
          <select id={id("unit")} value={unit} onChange={(event) => setUnit(event.target.value)}>
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {t(`settings.${u}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={id("severity")}>{t("settings.severity")}</label>
          <select id={id("severity")} value={severity} onChange={(event) => setSeverity(event.target.value)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <RoleChoices legend={t("settings.notifyRoles")} name={id("notify")} value={notifyRoles} onChange={setNotifyRoles} />
        <label className="check">
          <input type="checkbox" checked={notifyOnCall} onChange={(event) => setNotifyOnCall(event.target.checked)} /> {t("settings.notifyOnCall")}
        </label>
        <DurationField id={id("repeat")} label={t("settings.repeat")} amount={repeat.amount} unit={repeat.unit} onChange={(amount, u) => setRepeat({ amount, unit: u })} />
        <DurationField
          id={id("escalate")}
          label={t("settings.escalate")}
          hint={t("settings.escalateNone")}
          amount={escalate.amount}
          unit={escalate.unit}
          onChange={(amount, u) => setEscalate({ amount, unit: u })}
        />
        <RoleChoices legend={t("settings.escalateTo")} name={id("escalate-to")} value={escalateTo} onChange={setEscalateTo} />
      </div>
      <ErrorMessage error={error} />
      <div className="form-footer">
        <button type="submit" className="button" disabled={busy}>
          {t("settings.save")}
        </button>
        <span role="status">{saved}</span>
      </div>
    </form>
  );
}

const SOUND_TYPES = "audio/mpeg,audio/ogg,audio/wav";

function SoundSettings() {
  const { t } = useTranslation("alerts");
  const { supabase, org } = useOffice();
  const setting = useQuery(
    () => organizationSoundSetting(supabase, org.id),
    [supabase, org.id],
  );
  const current = useQuery(() => organizationSoundUrl(supabase, org.id), [supabase, org.id]);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);

  async function toggle(enabled: boolean) {
    setError(null);
    setNotice(null);
    try {
      const rows = unwrap(await supabase.from("organizations").update({ alert_sound_enabled: enabled }).eq("id", org.id).select("id"));
      if (rows.length === 0) throw { message: t("settings.notSaved") };
      setNotice(t("settings.soundSaved"));
      await setting.reload();
    } catch (caught) {
      setError(toApiError(caught));
    }
  }

  async function upload(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const uploadId = crypto.randomUUID();
      const registered = await invokeAttachments<{ upload: { bucket: string; path: string; token: string } | null }>(supabase, {
        action: "upload-url",
        owner_type: "alert_sound",
        owner_id: org.id,
        // The type the browser gives the file; the function refuses what is not an accepted sound (415) or too big (413).
        mime: file.type || "application/octet-stream",
        size: file.size,
        upload_id: uploadId,
        name: file.name.slice(0, 200),
      });
      if (registered.outcome.kind !== "ok") throw refusal(registered.outcome);
      const target = registered.data?.upload;
      if (target) {
        const stored = await supabase.storage.from(target.bucket).uploadToSignedUrl(target.path, target.token, file, { contentType: file.type, upsert: true });
        if (stored.error) throw stored.error;
      }
      const finalized = await invokeAttachments<unknown>(supabase, { action: "finalize", upload_id: uploadId });
      if (finalized.outcome.kind !== "ok") throw refusal(finalized.outcome);
      setNotice(t("settings.soundUploaded", { name: file.name }));
      await current.reload();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="alert-sound-title">
      <h2 id="alert-sound-title">{t("settings.soundTitle")}</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={setting.data?.alert_sound_enabled === true}
          disabled={!setting.data}
          onChange={(event) => void toggle(event.target.checked)}
          data-testid="alert-sound-enabled"
        />{" "}
        {t("settings.soundEnabled")}
      </label>
      <p className="muted">{current.data ? t("settings.soundCurrent", { name: current.data.name ?? "—" }) : t("settings.soundDefault")}</p>
      <form className="toolbar" onSubmit={(event) => void upload(event)}>
        <div className="field">
          <label htmlFor="alert-sound-file">{t("settings.soundFile")}</label>
          <input id="alert-sound-file" type="file" accept={SOUND_TYPES} onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
        </div>
        <button type="submit" className="button" disabled={!file || busy}>
          {busy ? t("settings.soundUploading") : t("settings.soundUpload")}
        </button>
      </form>
      <ErrorMessage error={error} />
      <p role="status">{notice}</p>
    </section>
  );
}

/** An attachments-function refusal as an error with the function's own message. */
function refusal(outcome: Exclude<SendOutcome, { kind: "ok" }>): ApiError {
  if (outcome.kind === "refused") return { message: outcome.refusal.message, code: outcome.refusal.code ?? undefined };
  return { message: outcome.message };
}

/**
 * The alert dashboard (/office/alerts): firing alerts grouped by severity,
 * oldest first, then the acknowledged ones whose condition still holds; the
 * recently resolved ones on their own tab (/office/alerts/resolved). Kept
 * current by useLiveAlerts; acknowledge and silence call the SQL API
 * (acknowledge_alert, silence_alert), whose refusals are shown in the reader's language
 * (ErrorMessage, web/src/i18n/apiErrors.ts).
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, NotFound, formatDate, formatDateTime, formatMoney, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "./alerts.css";
import "./i18n.ts";
import { newCriticalAlerts, organizationSoundSetting, useAlertSound } from "./sound.ts";
import { RESOLVED_LIMIT, useLiveAlerts, type AlertRow } from "./useLiveAlerts.ts";

const SEVERITIES = ["critical", "warning", "info"] as const;

export default function AlertsArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <AlertDashboard tab="open" base={base} />;
  if (path === "/resolved") return <AlertDashboard tab="resolved" base={base} />;
  return <NotFound />;
}

function AlertDashboard({ tab, base }: { tab: "open" | "resolved"; base: string }) {
  const { t } = useTranslation("alerts");
  const { supabase, org, role } = useOffice();
  const live = useLiveAlerts(supabase, org.id);
  const orgSettings = useQuery(
    () => organizationSoundSetting(supabase, org.id),
    [supabase, org.id],
  );
  const sound = useAlertSound(supabase, org.id, orgSettings.data?.alert_sound_enabled === true);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);

  // A sound for each critical alert that fires after the page opened.
  const seen = useRef<Set<string> | null>(null);
  const { play } = sound;
  useEffect(() => {
    if (!live.data) return;
    const { fresh, seen: next } = newCriticalAlerts(seen.current, live.data.open);
    seen.current = next;
    if (fresh.length > 0) play();
  }, [live.data, play]);

  const open = live.data?.open ?? [];
  const firing = open.filter((a) => a.status === "firing");
  const acknowledged = open.filter((a) => a.status === "acknowledged");

  /** Runs an action; true when the database accepted it (a refusal is shown and keeps the form open). */
  async function act(run: () => Promise<string>): Promise<boolean> {
    setActionError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (caught) {
      setActionError(toApiError(caught));
      return false;
    }
    await live.reload();
    return true;
  }

  const acknowledge = (alert: AlertRow) =>
    act(async () => {
      unwrap(await supabase.rpc("acknowledge_alert", { p_id: alert.id }));
      return t("action.acknowledged", { alert: t(`type.${alert.alert_type}`, { defaultValue: alert.alert_type }) });
    });

  const silence = (alert: AlertRow, until: Date) =>
    act(async () => {
      // A date the input could not read goes to SQL as null: the database says what it expects.
      const pUntil = Number.isNaN(until.getTime()) ? (null as unknown as string) : until.toISOString();
      unwrap(await supabase.rpc("silence_alert", { p_id: alert.id, p_until: pUntil }));
      return t("action.silenced", { alert: t(`type.${alert.alert_type}`, { defaultValue: alert.alert_type }), until: formatDateTime(until) });
    });

  return (
    <Page
      title={t("title")}
      actions={<SoundControl enabledByOrg={orgSettings.data?.alert_sound_enabled === true} sound={sound} />}
    >
      <LiveStatus mode={live.mode} pollSeconds={live.pollSeconds} updatedAt={live.updatedAt} onRefresh={() => void live.reload()} />
      <nav className="alert-tabs" aria-label={t("tabs.label")}>
        <Link href={base} aria-current={tab === "open" ? "page" : undefined}>
          {t("tabs.open", { count: live.data?.openCount ?? 0 })}
        </Link>
        <Link href={`${base}/resolved`} aria-current={tab === "resolved" ? "page" : undefined}>
          {t("tabs.resolved")}
        </Link>
        {role === "owner" || role === "admin" ? <Link href={`${base}/settings`}>{t("tabs.settings")}</Link> : null}
      </nav>
      <div role="status" className="alert-notice">
        {notice}
      </div>
      <ErrorMessage error={actionError} />
      <ErrorMessage error={live.error} onRetry={() => void live.reload()} />
      {!live.data ? (
        live.error ? null : <p className="muted">{t("office:common.loading")}</p>
      ) : tab === "open" ? (
        <>
          {live.data.openCount > open.length ? <p>{t("more", { shown: open.length, count: live.data.openCount })}</p> : null}
          {open.length === 0 ? <p data-testid="no-open-alerts">{t("empty.open")}</p> : null}
          {SEVERITIES.map((severity) => {
            const rows = firing.filter((a) => a.severity === severity);
            return rows.length === 0 ? null : (
              <AlertTable key={severity} caption={`${t(`groups.${severity}`)} (${rows.length})`} rows={rows} onAcknowledge={acknowledge} onSilence={silence} />
            );
          })}
          {acknowledged.length > 0 ? (
            <AlertTable caption={`${t("groups.acknowledged")} (${acknowledged.length})`} rows={acknowledged} onSilence={silence} />
          ) : null}
        </>
      ) : (
        <ResolvedTable rows={live.data.resolved} />
      )}
    </Page>
  );
}

function LiveStatus({ mode, pollSeconds, updatedAt, onRefresh }: { mode: string; pollSeconds: number; updatedAt: number | null; onRefresh: () => void }) {
  const { t } = useTranslation("alerts");
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const ago = updatedAt === null ? null : Math.max(0, Math.round((now - updatedAt) / 1000));
  return (
    <p className="live-status" data-testid="live-status" data-mode={mode}>
      <span>{mode === "realtime" ? t("live.realtime") : mode === "polling" ? t("live.polling", { seconds: pollSeconds }) : t("live.connecting")}</span>
      {" · "}
      <span>{ago === null ? t("live.updatedNever") : t("live.updatedAgo", { seconds: ago })}</span>{" "}
      <button type="button" className="button small" onClick={onRefresh}>
        {t("live.refresh")}
      </button>
    </p>
  );
}

function SoundControl({ enabledByOrg, sound }: { enabledByOrg: boolean; sound: ReturnType<typeof useAlertSound> }) {
  const { t } = useTranslation("alerts");
  if (!enabledByOrg) return <span className="muted">{t("sound.offByOrg")}</span>;
  return (
    <span className="sound-control" title={t("sound.hint")}>
      <button
        type="button"
        className="button small"
        aria-pressed={sound.on}
        data-testid="alert-sound"
        data-played={sound.played}
        onClick={sound.on ? sound.turnOff : sound.turnOn}
      >
        {sound.on ? t("sound.disable") : t("sound.enable")}
      </button>
      {sound.on ? <span> {t("sound.enabled")}</span> : null}
    </span>
  );
}

function alertLabel(t: TFunction<"alerts">, alert: AlertRow): string {
  return t(`type.${alert.alert_type}`, { defaultValue: alert.alert_type });
}

/** One line saying what the alert is about, from its details (jsonb written by the alert views). */
function summary(t: TFunction<"alerts">, alert: AlertRow): string {
  const d = (alert.details ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  switch (alert.entity_table) {
    case "public.emergency_requests":
      return t("summary.emergency", { description: text(d.description) });
    case "public.invoices":
      return `${t("summary.invoice", { number: text(d.number), due: d.due_date ? formatDate(String(d.due_date)) : "" })}${
        typeof d.total_ttc_cents === "number" ? ` · ${formatMoney(d.total_ttc_cents)}` : ""
      }`;
    case "public.stock_items":
      return t("summary.stock", { name: text(d.name), sku: text(d.sku), onHand: text(d.on_hand), min: text(d.min_stock) });
    case "public.missions":
      return d.reason ? t("summary.missionReason", { title: text(d.title), reason: text(d.reason) }) : t("summary.mission", { title: text(d.title) });
    case "public.memberships":
      return t("summary.timesheet", { lines: text(d.lines), hours: text(d.hours), oldest: d.oldest_work_date ? formatDate(String(d.oldest_work_date)) : "" });
    default:
      return "";
  }
}

/** Where the alert's subject lives in the other areas of the back office. */
export function subjectLink(alert: Pick<AlertRow, "entity_table" | "entity_id">): { href: string; key: string } | null {
  switch (alert.entity_table) {
    case "public.emergency_requests":
      return { href: "/office/emergencies", key: "subject.emergencies" };
    case "public.invoices":
      return { href: `/office/invoices/${alert.entity_id}`, key: "subject.invoice" };
    case "public.stock_items":
      return { href: `/office/stock/${alert.entity_id}`, key: "subject.stock" };
    case "public.missions":
      return { href: `/office/missions/${alert.entity_id}`, key: "subject.mission" };
    case "public.memberships":
      return { href: "/office/approvals", key: "subject.approvals" };
    default:
      return null;
  }
}

function AlertCell({ alert }: { alert: AlertRow }) {
  const { t } = useTranslation("alerts");
  return (
    <div className="alert-what" data-testid="alert" data-alert-id={alert.id}>
      <strong>{alertLabel(t, alert)}</strong>
      <span className={`severity severity-${alert.severity}`}>{t(`severity.${alert.severity}`, { defaultValue: alert.severity })}</span>
      <span className="alert-summary">{summary(t, alert)}</span>
    </div>
  );
}

function SubjectCell({ alert }: { alert: AlertRow }) {
  const { t } = useTranslation("alerts");
  const link = subjectLink(alert);
  return link ? <Link href={link.href}>{t(link.key)}</Link> : null;
}

function AlertTable({
  caption,
  rows,
  onAcknowledge,
  onSilence,
}: {
  caption: string;
  rows: AlertRow[];
  onAcknowledge?: (alert: AlertRow) => Promise<boolean>;
  onSilence: (alert: AlertRow, until: Date) => Promise<boolean>;
}) {
  const { t } = useTranslation("alerts");
  const [silencing, setSilencing] = useState<string | null>(null);
  const columns = useMemo<Column<AlertRow>[]>(
    () => [
      { key: "alert", header: t("column.alert"), render: (a) => <AlertCell alert={a} />, sortValue: (a) => alertLabel(t, a) },
      { key: "since", header: t("column.since"), render: (a) => formatDateTime(a.first_fired_at), sortValue: (a) => a.first_fired_at },
      { key: "subject", header: t("column.subject"), render: (a) => <SubjectCell alert={a} /> },
      {
        key: "state",
        header: t("column.state"),
        render: (a) => (
          <ul className="alert-state">
            <li>{a.status === "acknowledged" && a.acknowledged_at ? t("state.acknowledged", { at: formatDateTime(a.acknowledged_at) }) : t("state.firing")}</li>
            {a.silenced_until && new Date(a.silenced_until) > new Date() ? <li>{t("state.silencedUntil", { until: formatDateTime(a.silenced_until) })}</li> : null}
            {a.escalated_at ? <li>{t("state.escalated", { at: formatDateTime(a.escalated_at) })}</li> : null}
            {a.notify_count > 0 ? <li className="muted">{t("state.notified", { count: a.notify_count })}</li> : null}
          </ul>
        ),
      },
      {
        key: "actions",
        header: t("column.actions"),
        render: (a) =>
          silencing === a.id ? (
            <SilenceForm
              alert={a}
              onCancel={() => setSilencing(null)}
              onSubmit={async (until) => {
                if (await onSilence(a, until)) setSilencing(null);
              }}
            />
          ) : (
            <div className="alert-actions">
              {onAcknowledge && a.status === "firing" ? (
                <button type="button" className="button small" aria-label={t("action.acknowledgeLabel", { alert: alertLabel(t, a) })} onClick={() => void onAcknowledge(a)}>
                  {t("action.acknowledge")}
                </button>
              ) : null}
              <button type="button" className="button small" aria-label={t("action.silenceLabel", { alert: alertLabel(t, a) })} onClick={() => setSilencing(a.id)}>
                {t("action.silence")}
              </button>
            </div>
          ),
      },
    ],
    [t, silencing, onAcknowledge, onSilence],
  );
  return <DataTable caption={caption} columns={columns} rows={rows} rowKey={(a) => a.id} empty={t("empty.group")} />;
}

/** `<input type="datetime-local">` speaks local time without a zone. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function SilenceForm({ alert, onSubmit, onCancel }: { alert: AlertRow; onSubmit: (until: Date) => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation("alerts");
  const [value, setValue] = useState(() => localInputValue(new Date(Date.now() + 60 * 60 * 1000)));
  const [busy, setBusy] = useState(false);
  const inputId = `silence-until-${alert.id}`;
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(new Date(value));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="silence-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={inputId}>{t("action.silenceUntil")}</label>
      <input id={inputId} ref={input} type="datetime-local" value={value} onChange={(event) => setValue(event.target.value)} />
      <button type="submit" className="button small" disabled={busy}>
        {t("action.confirmSilence")}
      </button>
      <button type="button" className="button small" onClick={onCancel}>
        {t("action.cancel")}
      </button>
    </form>
  );
}

function ResolvedTable({ rows }: { rows: AlertRow[] }) {
  const { t } = useTranslation("alerts");
  const columns = useMemo<Column<AlertRow>[]>(
    () => [
      { key: "alert", header: t("column.alert"), render: (a) => <AlertCell alert={a} />, sortValue: (a) => alertLabel(t, a) },
      { key: "since", header: t("column.since"), render: (a) => formatDateTime(a.first_fired_at), sortValue: (a) => a.first_fired_at },
      { key: "resolved", header: t("column.resolvedAt"), render: (a) => (a.resolved_at ? formatDateTime(a.resolved_at) : ""), sortValue: (a) => a.resolved_at },
      { key: "subject", header: t("column.subject"), render: (a) => <SubjectCell alert={a} /> },
    ],
    [t],
  );
  return <DataTable caption={t("resolvedCaption", { limit: RESOLVED_LIMIT })} columns={columns} rows={rows} rowKey={(a) => a.id} empty={t("empty.resolved")} />;
}


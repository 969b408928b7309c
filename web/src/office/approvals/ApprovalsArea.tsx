/**
 * /office/approvals: the hours waiting for approval (filter by technician and
 * week, kept in the URL), approved in bulk through public.bulk_approve_timesheets
 * with one result line per timesheet (a refusal shows the database's reason);
 * below, the recently approved (locked) lines, which an owner or admin corrects
 * through public.override_timesheet_lock with a required reason.
 */
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { loadTechnicians } from "../dispatch/people.ts";
import { useQueryParams, UUID } from "../dispatch/urlState.ts";
import { ErrorMessage, formatDate, formatDateTime, formatNumber, ItemResults, NotFound, unwrap, useQuery, type ApiError, type ItemResult } from "../ui/index.ts";
import "./approvals.css";
import "./i18n.ts";

interface TimesheetRow {
  id: string;
  technician_id: string;
  mission_id: string;
  work_date: string;
  hours: number;
  note: string | null;
  approved_at: string | null;
  missions: { title: string } | null;
}

const FILTERS = ["tech", "week"] as const;

/** The Monday (yyyy-mm-dd) of the week a calendar day falls in. */
function mondayOf(day: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

function plusDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export default function ApprovalsArea({ path }: AreaProps) {
  const { t } = useTranslation("approvals");
  const { supabase, org, role } = useOffice();
  const [filters, setFilters] = useQueryParams(FILTERS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<ItemResult[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [overriding, setOverriding] = useState<TimesheetRow | null>(null);
  const [notice, setNotice] = useState("");
  const monday = mondayOf(filters.week);

  const technicians = useQuery(() => loadTechnicians(supabase, org.id), [supabase, org.id]);
  const names = useMemo(() => new Map((technicians.data ?? []).map((p) => [p.id, p.name])), [technicians.data]);

  const lines = useQuery(async () => {
    const select = "id, technician_id, mission_id, work_date, hours, note, approved_at, missions(title)";
    let pending = supabase.from("timesheets").select(select).eq("org_id", org.id).is("approved_at", null);
    let approved = supabase.from("timesheets").select(select).eq("org_id", org.id).not("approved_at", "is", null).eq("invoiced", false);
    if (UUID.test(filters.tech)) {
      pending = pending.eq("technician_id", filters.tech);
      approved = approved.eq("technician_id", filters.tech);
    }
    if (monday) {
      pending = pending.gte("work_date", monday).lt("work_date", plusDays(monday, 7));
      approved = approved.gte("work_date", monday).lt("work_date", plusDays(monday, 7));
    }
    const [p, a] = await Promise.all([
      pending.order("work_date").order("technician_id").order("id").limit(200).then(unwrap),
      approved.order("approved_at", { ascending: false }).order("id").limit(20).then(unwrap),
    ]);
    return { pending: p as unknown as TimesheetRow[], approved: a as unknown as TimesheetRow[] };
  }, [supabase, org.id, filters.tech, monday]);

  if (path !== "" && path !== "/") return <NotFound />;

  const pending = lines.data?.pending ?? [];
  const labelOf = (row: TimesheetRow) =>
    t("lineLabel", {
      technician: names.get(row.technician_id) ?? "…",
      day: formatDate(row.work_date),
      hours: formatNumber(Number(row.hours)),
      mission: row.missions?.title ?? "",
    });
  const allSelected = pending.length > 0 && pending.every((r) => selected.has(r.id));

  async function approve() {
    const ids = pending.filter((r) => selected.has(r.id)).map((r) => r.id);
    const labels = new Map(pending.map((r) => [r.id, labelOf(r)]));
    setBusy(true);
    setError(null);
    setNotice("");
    const { data, error: rpcError } = await supabase.rpc("bulk_approve_timesheets", { p_timesheet_ids: ids });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    const outcome = (data as unknown as { results: { id: string; ok: boolean; error: string | null }[] }).results;
    setResults(outcome.map((r) => ({ id: r.id, label: labels.get(r.id) ?? r.id, ok: r.ok, message: r.error })));
    setSelected(new Set());
    await lines.reload();
  }

  return (
    <Page title={t("title")}>
      <form className="toolbar approvals-filters" aria-label={t("filters")} onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="approvals-tech">{t("technician")}</label>
          <select id="approvals-tech" value={filters.tech} onChange={(e) => setFilters({ tech: e.target.value })}>
            <option value="">{t("anyTechnician")}</option>
            {(technicians.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="approvals-week">{t("week")}</label>
          <input id="approvals-week" type="date" value={monday ?? ""} onChange={(e) => setFilters({ week: e.target.value })} />
        </div>
        {monday && (
          <button type="button" className="button inline" onClick={() => setFilters({ week: "" })}>
            {t("anyWeek")}
          </button>
        )}
      </form>
      <ErrorMessage error={technicians.error ?? lines.error ?? error} onRetry={() => void lines.reload()} />
      <ItemResults results={results} title={t("results")} />

      <div className="bulk-bar">
        <strong>{t("selected", { count: selected.size })}</strong>
        <button type="button" className="button inline" disabled={busy || selected.size === 0} onClick={() => void approve()}>
          {t("approve")}
        </button>
      </div>
      <div className="table-wrap">
        <table className="data-table" data-testid="pending-timesheets">
          <caption>{t("pendingCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label={t("selectAll")}
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(pending.map((r) => r.id)))}
                />
              </th>
              <th scope="col">{t("technician")}</th>
              <th scope="col">{t("day")}</th>
              <th scope="col">{t("mission")}</th>
              <th scope="col" className="numeric">
                {t("hours")}
              </th>
              <th scope="col">{t("note")}</th>
            </tr>
          </thead>
          <tbody>
            {pending.length === 0 && !lines.loading ? (
              <tr>
                <td colSpan={6} className="muted">
                  {t("empty")}
                </td>
              </tr>
            ) : (
              pending.map((row) => (
                <tr key={row.id} data-testid="pending-row" data-timesheet-id={row.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t("select", { label: labelOf(row) })}
                      checked={selected.has(row.id)}
                      onChange={() =>
                        setSelected((current) => {
                          const copy = new Set(current);
                          if (copy.has(row.id)) copy.delete(row.id);
                          else copy.add(row.id);
                          return copy;
                        })
                      }
                    />
                  </td>
                  <td>{names.get(row.technician_id) ?? "…"}</td>
                  <td>{formatDate(row.work_date)}</td>
                  <td>
                    <Link href={`/office/missions/${row.mission_id}`}>{row.missions?.title}</Link>
                  </td>
                  <td className="numeric">{formatNumber(Number(row.hours))}</td>
                  <td>{row.note ?? ""}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>

      <p role="status" className="saved">
        {notice}
      </p>
      {overriding && (
        <OverrideForm
          row={overriding}
          label={labelOf(overriding)}
          onCancel={() => setOverriding(null)}
          onDone={async () => {
            setNotice(t("overridden", { label: labelOf(overriding) }));
            setOverriding(null);
            await lines.reload();
          }}
        />
      )}
      <div className="table-wrap">
        <table className="data-table" data-testid="approved-timesheets">
          <caption>{t("approvedCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("technician")}</th>
              <th scope="col">{t("day")}</th>
              <th scope="col">{t("mission")}</th>
              <th scope="col" className="numeric">
                {t("hours")}
              </th>
              <th scope="col">{t("approvedBy")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("override")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(lines.data?.approved ?? []).map((row) => (
              <tr key={row.id} data-testid="approved-row">
                <td>{names.get(row.technician_id) ?? "…"}</td>
                <td>{formatDate(row.work_date)}</td>
                <td>{row.missions?.title}</td>
                <td className="numeric">{formatNumber(Number(row.hours))}</td>
                <td>{row.approved_at ? formatDateTime(row.approved_at) : ""}</td>
                <td>
                  {role === "owner" || role === "admin" ? (
                    <button type="button" className="button small" onClick={() => setOverriding(row)} aria-label={`${t("override")} : ${labelOf(row)}`}>
                      {t("override")}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {role !== "owner" && role !== "admin" && <p className="muted">{t("noOverride")}</p>}
    </Page>
  );
}

function OverrideForm({ row, label, onCancel, onDone }: { row: TimesheetRow; label: string; onCancel: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation("approvals");
  const { supabase } = useOffice();
  const [hours, setHours] = useState("");
  const [unapprove, setUnapprove] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    const changes: Record<string, unknown> = {};
    if (hours.trim() !== "") changes.hours = Number(hours.replace(",", "."));
    if (unapprove) changes.unapprove = true;
    setBusy(true);
    setError(null);
    const { error: rpcError } = await supabase.rpc("override_timesheet_lock", { p_timesheet_id: row.id, p_changes: changes as never, p_reason: reason });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    await onDone();
  }

  return (
    <section className="card override-form" aria-labelledby="override-title">
      <h2 id="override-title">{t("overrideTitle", { label })}</h2>
      <p className="muted">{t("overrideHelp")}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor="override-hours">{t("newHours")}</label>
          <input id="override-hours" inputMode="decimal" value={hours} onChange={(e) => setHours(e.target.value)} />
        </div>
        <label className="check-line">
          <input type="checkbox" checked={unapprove} onChange={(e) => setUnapprove(e.target.checked)} /> {t("unapprove")}
        </label>
        <div className="field">
          <label htmlFor="override-reason">{t("reason")}</label>
          <textarea id="override-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} aria-required="true" />
        </div>
        <ErrorMessage error={error} />
        <div className="row">
          <button type="submit" className="button inline" disabled={busy}>
            {t("confirm")}
          </button>
          <button type="button" className="button inline" onClick={onCancel}>
            {t("cancel")}
          </button>
        </div>
      </form>
    </section>
  );
}

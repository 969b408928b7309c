/**
 * /office/approvals: the hours waiting for approval (filter by technician and
 * week, kept in the URL), approved in bulk through public.bulk_approve_timesheets
 * with one result line per timesheet (a refusal shows the database's reason, in
 * the user's language by its code);
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
import { useQueryParams, UUID } from "../ui/urlState.ts";
import {
  DataTable,
  ErrorMessage,
  FilterBar,
  formatDate,
  formatDateTime,
  formatNumber,
  ItemResults,
  namedChoices,
  NotFound,
  SelectField,
  selectionColumn,
  unwrap,
  useQuery,
  useSelection,
  type ApiError,
  type Column,
  type ItemResult,
} from "../ui/index.ts";
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
  const selection = useSelection();
  const { selected, select } = selection;
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

  async function approve() {
    const ids = pending.filter((r) => selected.has(r.id)).map((r) => r.id);
    const labels = new Map(pending.map((r) => [r.id, labelOf(r)]));
    setBusy(true);
    setError(null);
    setNotice("");
    const { data, error: rpcError } = await supabase.rpc("bulk_approve_timesheets", { p_timesheet_ids: ids });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    const outcome = (data as unknown as { results: { id: string; ok: boolean; error: string | null; code: string | null }[] }).results;
    setResults(outcome.map((r) => ({ id: r.id, label: labels.get(r.id) ?? r.id, ok: r.ok, message: r.error, code: r.code })));
    select([]);
    await lines.reload();
  }

  const technicianOf = (row: TimesheetRow) => names.get(row.technician_id) ?? "…";
  const pendingColumns: Column<TimesheetRow>[] = [
    selectionColumn(pending, selection, { all: t("selectAll"), row: (row) => t("select", { label: labelOf(row) }) }),
    { key: "technician", header: t("technician"), render: technicianOf },
    { key: "day", header: t("day"), render: (row) => formatDate(row.work_date) },
    { key: "mission", header: t("mission"), render: (row) => <Link href={`/office/missions/${row.mission_id}`}>{row.missions?.title}</Link> },
    { key: "hours", header: t("hours"), numeric: true, render: (row) => formatNumber(Number(row.hours)) },
    { key: "note", header: t("note"), render: (row) => row.note ?? "" },
  ];
  const approvedColumns: Column<TimesheetRow>[] = [
    { key: "technician", header: t("technician"), render: technicianOf },
    { key: "day", header: t("day"), render: (row) => formatDate(row.work_date) },
    { key: "mission", header: t("mission"), render: (row) => row.missions?.title },
    { key: "hours", header: t("hours"), numeric: true, render: (row) => formatNumber(Number(row.hours)) },
    { key: "approvedBy", header: t("approvedBy"), render: (row) => (row.approved_at ? formatDateTime(row.approved_at) : "") },
    {
      key: "override",
      header: <span className="visually-hidden">{t("override")}</span>,
      render: (row) =>
        role === "owner" || role === "admin" ? (
          <button type="button" className="button small" onClick={() => setOverriding(row)} aria-label={`${t("override")} : ${labelOf(row)}`}>
            {t("override")}
          </button>
        ) : null,
    },
  ];

  return (
    <Page title={t("title")}>
      <FilterBar className="approvals-filters" label={t("filters")}>
        <SelectField
          id="approvals-tech"
          label={t("technician")}
          value={filters.tech}
          onChange={(tech) => setFilters({ tech })}
          placeholder={t("anyTechnician")}
          choices={namedChoices(technicians.data ?? [])}
        />
        <div className="field">
          <label htmlFor="approvals-week">{t("week")}</label>
          <input id="approvals-week" type="date" value={monday ?? ""} onChange={(e) => setFilters({ week: e.target.value })} />
        </div>
        {monday && (
          <button type="button" className="button inline" onClick={() => setFilters({ week: "" })}>
            {t("anyWeek")}
          </button>
        )}
      </FilterBar>
      <ErrorMessage error={technicians.error ?? lines.error ?? error} onRetry={() => void lines.reload()} />
      <ItemResults results={results} title={t("results")} />

      <div className="bulk-bar">
        <strong>{t("selected", { count: selected.size })}</strong>
        <button type="button" className="button inline" disabled={busy || selected.size === 0} onClick={() => void approve()}>
          {t("approve")}
        </button>
      </div>
      <DataTable
        caption={t("pendingCaption")}
        columns={pendingColumns}
        rows={pending}
        rowKey={(row) => row.id}
        loading={lines.loading}
        empty={t("empty")}
        testId="pending-timesheets"
        rowData={(row) => ({ "data-testid": "pending-row", "data-timesheet-id": row.id })}
      />

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
      <DataTable
        caption={t("approvedCaption")}
        columns={approvedColumns}
        rows={lines.data?.approved ?? []}
        rowKey={(row) => row.id}
        loading={lines.loading}
        testId="approved-timesheets"
        rowData={() => ({ "data-testid": "approved-row" })}
      />
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

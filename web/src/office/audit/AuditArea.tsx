/**
 * The audit log viewer (owners and admins): filters, keyset pages through
 * public.audit_log_page (newest first; "previous" goes back through the cursors
 * already seen), the diff of each entry (old → new per column) and the CSV
 * export of public.audit_log_csv, which the database writes formula-safe and
 * records in the log itself.
 */
import { useId, useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { useOffice } from "../context.tsx";
import type { AreaProps } from "../areas.ts";
import { DataTable, ErrorMessage, formatDateTime, NotFound, saveFile, toApiError, unwrap, useQuery, type ApiError } from "../ui/index.ts";
import { diffLines } from "./diff.ts";
import "./audit.css";
import "./i18n.ts";

export interface AuditRow {
  id: number;
  occurred_at: string;
  actor_user_id: string | null;
  actor_email: string | null;
  actor_api_key_id: string | null;
  actor_role: string | null;
  action: string;
  table_name: string;
  row_id: string | null;
  diff: unknown;
  reason: string | null;
}

interface AuditPage {
  rows: AuditRow[];
  next_before_id: number | null;
}

export interface AuditFilters {
  table: string;
  actor: string;
  action: string;
  from: string;
  to: string;
  rowId: string;
}

const NO_FILTERS: AuditFilters = { table: "", actor: "", action: "", from: "", to: "", rowId: "" };
const PAGE_SIZE = 25;
const EXPORT_LIMIT = 10000;
const TABLES = ["missions", "clients", "sites", "invoices", "invoice_lines", "payments", "quotes", "timesheets", "stock_items", "stock_movements", "memberships", "api_keys", "rules", "alert_config"];
const ACTIONS = ["insert", "update", "delete"];

/** A local calendar day as the instant it starts (the browser's time zone: the admin's day). */
function dayStart(day: string, plusDays = 0): string {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
}

/** The RPC's arguments for the filters (p_to is exclusive: the day after "to"). */
export function auditArgs(orgId: string, filters: AuditFilters) {
  const text = (value: string) => value.trim() || undefined;
  return {
    p_org_id: orgId,
    p_table_name: text(filters.table),
    p_actor: text(filters.actor),
    p_action: text(filters.action),
    p_row_id: text(filters.rowId),
    p_from: filters.from ? dayStart(filters.from) : undefined,
    p_to: filters.to ? dayStart(filters.to, 1) : undefined,
  };
}

export default function AuditArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <AuditLog />;
}

function AuditLog() {
  const { t } = useTranslation("audit");
  const { supabase, org } = useOffice();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  // The cursors of the pages seen so far: [null] is the first page; "previous" pops.
  const [cursors, setCursors] = useState<Array<number | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;

  const members = useQuery(async () => {
    const memberships = unwrap(await supabase.from("memberships").select("user_id, role").eq("org_id", org.id).neq("role", "client")) as Array<{ user_id: string; role: string }>;
    const ids = memberships.map((m) => m.user_id);
    const profiles = ids.length
      ? (unwrap(await supabase.from("profiles").select("id, email, full_name").in("id", ids)) as Array<{ id: string; email: string | null; full_name: string | null }>)
      : [];
    return profiles.sort((a, b) => (a.email ?? "").localeCompare(b.email ?? ""));
  }, [supabase, org.id]);

  // Each answer carries the request it answers: rows of other filters or of
  // another page are never shown under the current ones, even for a moment.
  const request = useMemo(() => ({ ...auditArgs(org.id, filters), p_before_id: cursor ?? undefined, p_limit: PAGE_SIZE }), [org.id, filters, cursor]);
  const answer = useQuery(
    async () => ({ request, page: unwrap(await supabase.rpc("audit_log_page", request)) as unknown as AuditPage }),
    [supabase, request],
  );
  const page = { ...answer, data: answer.data?.request === request ? answer.data.page : undefined };

  function apply(next: AuditFilters) {
    setDraft(next);
    setFilters(next);
    setCursors([null]);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    apply(draft);
  }

  return (
    <Page title={t("title")}>
      <p className="muted">{t("intro")}</p>
      <FilterForm draft={draft} setDraft={setDraft} onSubmit={submit} onReset={() => apply(NO_FILTERS)} members={members.data ?? []} />
      <ExportButton filters={filters} />
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {page.data && (
        <>
          <AuditTable rows={page.data.rows} onFilterRow={(rowId) => apply({ ...NO_FILTERS, rowId })} loading={page.loading} />
          <nav className="audit-paging" aria-label={t("paging.label")}>
            <button type="button" className="button inline" disabled={cursors.length === 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t("paging.previous")}
            </button>
            <span data-testid="audit-page" aria-live="polite">
              {t("paging.page", { page: cursors.length })}
            </span>
            <button
              type="button"
              className="button inline"
              disabled={page.data.next_before_id === null || page.loading}
              onClick={() => setCursors((c) => [...c, page.data!.next_before_id])}
            >
              {t("paging.next")}
            </button>
          </nav>
        </>
      )}
      {!page.data && !page.error && (
        <p className="muted" role="status">
          {t("office:common.loading")}
        </p>
      )}
    </Page>
  );
}

function FilterForm({
  draft,
  setDraft,
  onSubmit,
  onReset,
  members,
}: {
  draft: AuditFilters;
  setDraft: (filters: AuditFilters) => void;
  onSubmit: (event: FormEvent) => void;
  onReset: () => void;
  members: Array<{ id: string; email: string | null; full_name: string | null }>;
}) {
  const { t } = useTranslation("audit");
  const id = useId();
  const set = (key: keyof AuditFilters) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
  return (
    <form className="audit-filters" onSubmit={onSubmit} role="search" aria-label={t("filters.legend")}>
      <fieldset>
        <legend>{t("filters.legend")}</legend>
        <div className="toolbar">
          <div className="field">
            <label htmlFor={`${id}-table`}>{t("filters.table")}</label>
            <input id={`${id}-table`} list={`${id}-tables`} value={draft.table} onChange={set("table")} aria-describedby={`${id}-table-help`} />
            <datalist id={`${id}-tables`}>
              {TABLES.map((table) => (
                <option key={table} value={table} />
              ))}
            </datalist>
            <small id={`${id}-table-help`} className="muted">
              {t("filters.tableHelp")}
            </small>
          </div>
          <div className="field">
            <label htmlFor={`${id}-actor`}>{t("filters.actor")}</label>
            <select id={`${id}-actor`} value={draft.actor} onChange={set("actor")}>
              <option value="">{t("filters.anyActor")}</option>
              {members.map((member) => (
                <option key={member.id} value={member.id}>
                  {member.full_name ? `${member.full_name} · ${member.email ?? ""}` : (member.email ?? member.id)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-action`}>{t("filters.action")}</label>
            <input id={`${id}-action`} list={`${id}-actions`} value={draft.action} onChange={set("action")} />
            <datalist id={`${id}-actions`}>
              {ACTIONS.map((action) => (
                <option key={action} value={action}>
                  {t(`actions.${action}`)}
                </option>
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor={`${id}-from`}>{t("filters.from")}</label>
            <input id={`${id}-from`} type="date" value={draft.from} onChange={set("from")} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>{t("filters.to")}</label>
            <input id={`${id}-to`} type="date" value={draft.to} onChange={set("to")} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-row`}>{t("filters.rowId")}</label>
            <input id={`${id}-row`} value={draft.rowId} onChange={set("rowId")} spellCheck={false} />
          </div>
        </div>
        <div className="audit-filter-buttons">
          <button type="submit" className="button primary inline">
            {t("filters.apply")}
          </button>
          <button type="button" className="button inline" onClick={onReset}>
            {t("filters.reset")}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function ActorCell({ row }: { row: AuditRow }) {
  const { t } = useTranslation("audit");
  if (row.actor_email) return <>{row.actor_email}</>;
  if (row.actor_api_key_id) return <>{t("table.apiKey", { id: row.actor_api_key_id.slice(0, 8) })}</>;
  if (row.actor_user_id) return <>{t("table.unknownActor", { id: row.actor_user_id.slice(0, 8) })}</>;
  return <span className="muted">{t("table.system")}</span>;
}

function DiffCell({ row }: { row: AuditRow }) {
  const { t } = useTranslation("audit");
  const lines = useMemo(() => diffLines(row.action, row.diff), [row.action, row.diff]);
  const value = (text: string | null | undefined) =>
    text === null || text === undefined ? <em className="muted">{t("table.empty")}</em> : text === "[redacted]" ? <em>{t("table.redacted")}</em> : <code>{text}</code>;
  return (
    <>
      {row.reason && <p className="audit-reason">{t("table.reason", { reason: row.reason })}</p>}
      {lines.length === 0 ? (
        <span className="muted">{t("table.noChanges")}</span>
      ) : (
        <details>
          <summary>{t("table.showDiff", { count: lines.length })}</summary>
          <dl className="audit-diff" data-testid="audit-diff">
            {lines.map((line) => (
              <div key={line.column} className="audit-diff-line">
                <dt>{line.column}</dt>
                <dd>
                  {"value" in line ? (
                    value(line.value)
                  ) : (
                    <>
                      <span className="visually-hidden">{t("table.before")} </span>
                      <span className="audit-old">{value(line.old)}</span>
                      <span aria-hidden="true"> → </span>
                      <span className="visually-hidden">{t("table.after")} </span>
                      <span className="audit-new">{value(line.new)}</span>
                    </>
                  )}
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </>
  );
}

function AuditTable({ rows, onFilterRow, loading }: { rows: AuditRow[]; onFilterRow: (rowId: string) => void; loading: boolean }) {
  const { t } = useTranslation("audit");
  return (
    <div aria-busy={loading}>
      <DataTable
        caption={t("table.caption")}
        rows={rows}
        rowKey={(row) => String(row.id)}
        columns={[
          { key: "when", header: t("table.when"), render: (row) => <time dateTime={row.occurred_at}>{formatDateTime(row.occurred_at)}</time> },
          { key: "actor", header: t("table.actor"), render: (row) => <ActorCell row={row} /> },
          { key: "action", header: t("table.action"), render: (row) => (ACTIONS.includes(row.action) ? t(`actions.${row.action}`) : row.action) },
          { key: "table", header: t("table.table"), render: (row) => <code>{row.table_name}</code> },
          {
            key: "row",
            header: t("table.row"),
            render: (row) =>
              row.row_id ? (
                <button type="button" className="link-button" onClick={() => onFilterRow(row.row_id!)} aria-label={t("table.filterRowLabel", { id: row.row_id })} title={t("table.filterRow")}>
                  <code>{row.row_id.length > 13 ? `${row.row_id.slice(0, 8)}…` : row.row_id}</code>
                </button>
              ) : (
                ""
              ),
          },
          { key: "changes", header: t("table.changes"), render: (row) => <DiffCell row={row} /> },
        ]}
      />
    </div>
  );
}

function ExportButton({ filters }: { filters: AuditFilters }) {
  const { t } = useTranslation("audit");
  const { supabase, org } = useOffice();
  const [state, setState] = useState<{ busy: boolean; count: number | null; error: ApiError | null }>({ busy: false, count: null, error: null });

  async function exportCsv() {
    setState({ busy: true, count: null, error: null });
    try {
      const { data, error } = await supabase.rpc("audit_log_csv", { ...auditArgs(org.id, filters), p_limit: EXPORT_LIMIT }).csv();
      if (error) throw error;
      const text = data as unknown as string;
      // Records start with their id: a quoted field may hold line breaks.
      const count = text.split("\r\n").filter((line) => /^\d+,/.test(line)).length;
      saveFile(new Blob([text], { type: "text/csv;charset=utf-8" }), `audit-${new Date().toISOString().slice(0, 10)}.csv`);
      setState({ busy: false, count, error: null });
    } catch (caught) {
      setState({ busy: false, count: null, error: toApiError(caught) });
    }
  }

  return (
    <div className="audit-export">
      <button type="button" className="button inline" onClick={() => void exportCsv()} disabled={state.busy}>
        {state.busy ? t("export.busy") : t("export.button")}
      </button>
      <small className="muted">{t("export.help")}</small>
      <p role="status" className="muted" data-testid="audit-export-status">
        {state.count !== null ? t("export.done", { count: state.count }) : ""}
      </p>
      <ErrorMessage error={state.error} />
    </div>
  );
}

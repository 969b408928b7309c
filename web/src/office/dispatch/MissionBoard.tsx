/**
 * The dispatcher's board: filters (kept in the URL), one page at a time by
 * scheduled date (keyset: "show the next missions" continues after the last
 * row), per-row moves (publish, assign, cancel: whatever the state machine
 * offers the role) and bulk moves with one result line per mission.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import { useOffice } from "../context.tsx";
import {
  DataTable,
  ErrorMessage,
  FilterBar,
  formatDateTime,
  InlineSelect,
  ItemResults,
  namedChoices,
  SelectField,
  selectionColumn,
  toApiError,
  unwrap,
  useQuery,
  useSelection,
  type ApiError,
  type Column,
  type ItemResult,
} from "../ui/index.ts";
import {
  BOARD_FILTERS,
  idempotencyKey,
  loadBoardPage,
  loadTransitions,
  movesFrom,
  STATUSES,
  type BoardRow,
  type Cursor,
  type MissionStatus,
} from "./board.ts";
import { loadTechnicians, type Person } from "./people.ts";
import { useQueryParams } from "../ui/urlState.ts";

interface BulkResult {
  id: string;
  ok: boolean;
  error?: string | null;
  /** The refusal's catalogue code (docs/errors.md). */
  code?: string | null;
}

export function MissionBoard({ base }: { base: string }) {
  const { t } = useTranslation("dispatch");
  const { supabase, org, role } = useOffice();
  const [filters, setFilters] = useQueryParams(BOARD_FILTERS);
  const [rows, setRows] = useState<BoardRow[]>([]);
  const [next, setNext] = useState<Cursor | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const selection = useSelection();
  const { selected, select } = selection;
  const [results, setResults] = useState<ItemResult[]>([]);
  const [notice, setNotice] = useState("");

  const reference = useQuery(async () => {
    const [technicians, transitions, clients] = await Promise.all([
      loadTechnicians(supabase, org.id),
      loadTransitions(supabase),
      supabase.from("clients").select("id, name").eq("org_id", org.id).order("name").limit(1000).then(unwrap),
    ]);
    return { technicians, transitions, clients: clients as { id: string; name: string }[] };
  }, [supabase, org.id]);
  const technicians = reference.data?.technicians ?? [];
  const techName = useMemo(() => new Map(technicians.map((p) => [p.id, p.name])), [technicians]);

  const filterKey = JSON.stringify(filters);
  const loadFirst = useCallback(async () => {
    setLoading(true);
    try {
      const page = await loadBoardPage(supabase, org.id, filters, null);
      setRows(page.rows);
      setNext(page.next);
      setError(null);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [supabase, org.id, filterKey]);

  useEffect(() => {
    select([]);
    void loadFirst();
  }, [loadFirst, select]);

  async function loadMore() {
    if (!next) return;
    setLoading(true);
    try {
      const page = await loadBoardPage(supabase, org.id, filters, next);
      setRows((current) => [...current, ...page.rows]);
      setNext(page.next);
      setError(null);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  }

  /** After a move: the rows shown are read again (same filters, as many pages as shown). */
  async function refreshShown() {
    setLoading(true);
    try {
      let all: BoardRow[] = [];
      let cursor: Cursor | null = null;
      do {
        const page = await loadBoardPage(supabase, org.id, filters, cursor);
        all = [...all, ...page.rows];
        cursor = page.next;
      } while (cursor && all.length < Math.max(rows.length, 1));
      setRows(all);
      setNext(cursor);
      setError(null);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  }

  const titleOf = (id: string) => rows.find((r) => r.id === id)?.title ?? id;

  async function moveOne(row: BoardRow, to: MissionStatus, technicianId?: string) {
    setResults([]);
    setNotice("");
    const { data, error: moveError } = await supabase.rpc("transition_mission", {
      p_mission_id: row.id,
      p_to_status: to,
      p_idempotency_key: idempotencyKey(),
      ...(technicianId ? { p_technician_id: technicianId } : {}),
    });
    if (moveError) {
      setResults([{ id: row.id, label: row.title, ok: false, message: moveError.message, code: moveError.code }]);
      return;
    }
    const status = (data as { status: MissionStatus }).status;
    setNotice(t("board.moved", { title: row.title, status: t(`status.${status}`) }));
    await refreshShown();
  }

  async function applyBulk(action: string, technicianId: string) {
    const ids = rows.filter((r) => selected.has(r.id)).map((r) => r.id);
    if (ids.length === 0) return;
    setNotice("");
    const { data, error: bulkError } =
      action === "assign"
        ? await supabase.rpc("bulk_assign_missions", { p_mission_ids: ids, p_technician_id: technicianId })
        : await supabase.rpc("bulk_transition_missions", { p_mission_ids: ids, p_to_status: action as MissionStatus });
    if (bulkError) {
      setError(bulkError);
      return;
    }
    const outcome = (data as unknown as { results: BulkResult[] }).results;
    setResults(outcome.map((r) => ({ id: r.id, label: titleOf(r.id), ok: r.ok, message: r.error ?? null, code: r.code ?? null })));
    select(outcome.filter((r) => !r.ok).map((r) => r.id));
    await refreshShown();
  }


  const transitions = reference.data?.transitions ?? [];
  const bulkMoves = useMemo(() => {
    const targets = new Set<MissionStatus>();
    for (const tr of transitions) if (!tr.system_context && !tr.requires_reason && tr.allowed_roles.includes(role) && tr.to_status !== "assigned") targets.add(tr.to_status);
    return STATUSES.filter((s) => targets.has(s));
  }, [transitions, role]);

  const columns: Column<BoardRow>[] = [
    selectionColumn(rows, selection, { all: t("board.selectAll"), row: (row) => t("board.select", { title: row.title }) }),
    {
      key: "scheduled",
      header: t("board.scheduled"),
      render: (row) => (row.scheduled_start ? formatDateTime(row.scheduled_start) : <span className="muted">{t("board.unscheduled")}</span>),
    },
    { key: "mission", header: t("board.mission"), render: (row) => <Link href={`${base}/${row.id}`}>{row.title}</Link> },
    { key: "client", header: t("board.client"), render: (row) => <Link href={`/office/clients/${row.client_id}`}>{row.clients?.name}</Link> },
    { key: "site", header: t("board.site"), render: (row) => (row.sites ? `${row.sites.name}${row.sites.city ? ` · ${row.sites.city}` : ""}` : "") },
    { key: "technician", header: t("board.technician"), render: (row) => (row.technician_id ? (techName.get(row.technician_id) ?? "…") : t("board.nobody")) },
    { key: "status", header: t("board.status"), render: (row) => <StatusChip status={row.status} /> },
    { key: "priority", header: t("board.priority"), render: (row) => t(`priority.${row.priority}`) },
    {
      key: "actions",
      header: t("board.actions"),
      render: (row) => <RowMoves row={row} moves={movesFrom(transitions, row.status, role)} technicians={technicians} onMove={moveOne} />,
    },
  ];

  return (
    <Page
      title={t("board.title")}
      actions={
        <button type="button" className="button inline" onClick={() => void refreshShown()} data-testid="board-refresh">
          {t("board.refresh")}
        </button>
      }
    >
      <Filters
        filters={filters}
        onChange={setFilters}
        technicians={technicians}
        clients={reference.data?.clients ?? []}
      />
      <ErrorMessage error={reference.error ?? error} onRetry={() => void loadFirst()} />
      <p role="status" className="saved">
        {notice}
      </p>
      {selected.size > 0 && (
        <BulkBar count={selected.size} moves={bulkMoves} technicians={technicians} onApply={applyBulk} onClear={() => select([])} />
      )}
      <ItemResults results={results} title={results.length > 1 ? t("board.results") : undefined} />

      <DataTable
        caption={
          <>
            {t("board.caption")} · <span className="muted">{t("board.count", { count: rows.length })}</span>
          </>
        }
        columns={columns}
        rows={rows}
        rowKey={(row) => row.id}
        loading={loading}
        empty={t("board.empty")}
        testId="mission-board"
        rowData={(row) => ({ "data-testid": "board-row", "data-mission-id": row.id })}
      />
      {next ? (
        <button type="button" className="button inline" onClick={() => void loadMore()} disabled={loading}>
          {t("board.more")}
        </button>
      ) : (
        rows.length > 0 && <p className="muted">{t("board.end")}</p>
      )}
    </Page>
  );
}

export function StatusChip({ status }: { status: MissionStatus }) {
  const { t } = useTranslation("dispatch");
  return (
    <span className={`chip status-${status}`} data-testid="status-chip">
      {t(`status.${status}`)}
    </span>
  );
}

function Filters({
  filters,
  onChange,
  technicians,
  clients,
}: {
  filters: Record<(typeof BOARD_FILTERS)[number], string>;
  onChange: (next: Partial<Record<(typeof BOARD_FILTERS)[number], string>>) => void;
  technicians: Person[];
  clients: { id: string; name: string }[];
}) {
  const { t } = useTranslation("dispatch");
  return (
    <FilterBar className="board-filters" label={t("board.filters")}>
      <SelectField
        id="board-status"
        label={t("board.status")}
        value={filters.status}
        onChange={(status) => onChange({ status })}
        placeholder={t("board.statusOpen")}
        choices={[{ value: "all", label: t("board.statusAll") }, ...STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
      />
      <SelectField
        id="board-tech"
        label={t("board.technician")}
        value={filters.tech}
        onChange={(tech) => onChange({ tech })}
        placeholder={t("board.anyTechnician")}
        choices={[{ value: "none", label: t("board.unassigned") }, ...namedChoices(technicians)]}
      />
      <SelectField id="board-client" label={t("board.client")} value={filters.client} onChange={(client) => onChange({ client })} placeholder={t("board.anyClient")} choices={namedChoices(clients)} />
      <div className="field">
        <label htmlFor="board-from">{t("board.from")}</label>
        <input id="board-from" type="date" value={filters.from} onChange={(e) => onChange({ from: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="board-to">{t("board.to")}</label>
        <input id="board-to" type="date" value={filters.to} onChange={(e) => onChange({ to: e.target.value })} />
      </div>
      <button type="button" className="button inline" onClick={() => onChange({ status: "", tech: "", client: "", from: "", to: "" })}>
        {t("board.reset")}
      </button>
    </FilterBar>
  );
}

function RowMoves({
  row,
  moves,
  technicians,
  onMove,
}: {
  row: BoardRow;
  moves: { to_status: MissionStatus; requires_reason: boolean }[];
  technicians: Person[];
  onMove: (row: BoardRow, to: MissionStatus, technicianId?: string) => Promise<void>;
}) {
  const { t } = useTranslation("dispatch");
  const [technician, setTechnician] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async (to: MissionStatus, tech?: string) => {
    setBusy(true);
    try {
      await onMove(row, to, tech);
    } finally {
      setBusy(false);
    }
  };
  // Moves that need a reason (blocking) are made from the mission's page.
  const simple = moves.filter((m) => !m.requires_reason);
  if (simple.length === 0) return null;
  return (
    <div className="row-moves">
      {simple.map((move) =>
        move.to_status === "assigned" ? (
          <span key="assign" className="assign">
            <InlineSelect
              label={t("board.assignTo", { title: row.title })}
              value={technician}
              onChange={setTechnician}
              placeholder={t("board.chooseTechnician")}
              choices={namedChoices(technicians)}
            />
            <button type="button" className="button small" disabled={busy || !technician} onClick={() => void run("assigned", technician)}>
              {t("move.assigned")}
            </button>
          </span>
        ) : (
          <button key={move.to_status} type="button" className="button small" disabled={busy} onClick={() => void run(move.to_status)}>
            {t(`move.${move.to_status}`)}
          </button>
        ),
      )}
    </div>
  );
}

function BulkBar({
  count,
  moves,
  technicians,
  onApply,
  onClear,
}: {
  count: number;
  moves: MissionStatus[];
  technicians: Person[];
  onApply: (action: string, technicianId: string) => Promise<void>;
  onClear: () => void;
}) {
  const { t } = useTranslation("dispatch");
  const [action, setAction] = useState("");
  const [technician, setTechnician] = useState("");
  const [busy, setBusy] = useState(false);
  const ready = action !== "" && (action !== "assign" || technician !== "");
  return (
    <section className="bulk-bar" aria-labelledby="bulk-title">
      <h2 id="bulk-title" className="visually-hidden">
        {t("board.bulkTitle")}
      </h2>
      <strong>{t("board.selected", { count })}</strong>
      <SelectField
        id="bulk-action"
        label={t("board.bulkAction")}
        value={action}
        onChange={setAction}
        placeholder={t("board.chooseTechnician")}
        choices={[...moves.map((s) => ({ value: s, label: t(`move.${s}`) })), { value: "assign", label: t("board.bulkAssign") }]}
      />
      {action === "assign" && (
        <SelectField
          id="bulk-technician"
          label={t("board.bulkTechnician")}
          value={technician}
          onChange={setTechnician}
          placeholder={t("board.chooseTechnician")}
          choices={namedChoices(technicians)}
        />
      )}
      <button
        type="button"
        className="button inline"
        disabled={!ready || busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onApply(action, technician);
          } finally {
            setBusy(false);
          }
        }}
      >
        {t("board.apply")}
      </button>
      <button type="button" className="button inline" onClick={onClear}>
        {t("board.clearSelection")}
      </button>
    </section>
  );
}

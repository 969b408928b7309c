/**
 * One mission as the office sees it: client, site, technician, schedule, the
 * moves the state machine offers the role (assign with a technician, block
 * with a reason), status history, notes, hours, parts and attachments.
 * A mission the database does not show this person is "not found".
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, namedChoices, SelectField, formatDate, formatDateTime, formatNumber, NotFound, unwrap, useQuery, type ApiError } from "../ui/index.ts";
import { idempotencyKey, loadTransitions, movesFrom, type MissionPriority, type MissionStatus } from "./board.ts";
import { StatusChip } from "./MissionBoard.tsx";
import { loadNames, loadTechnicians } from "./people.ts";

interface MissionRow {
  id: string;
  title: string;
  description: string | null;
  status: MissionStatus;
  priority: MissionPriority;
  scheduled_start: string | null;
  scheduled_end: string | null;
  technician_id: string | null;
  blocked_reason: string | null;
  client_id: string;
  client_request_id: string | null;
  emergency_request_id: string | null;
  clients: { name: string; phone: string | null } | null;
  sites: { name: string; address: string; postal_code: string | null; city: string | null; access_notes: string | null } | null;
}

export function MissionDetail({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("dispatch");
  const { supabase, org, role } = useOffice();

  const mission = useQuery(async () => {
    const rows = unwrap(
      await supabase
        .from("missions")
        .select(
          "id, title, description, status, priority, scheduled_start, scheduled_end, technician_id, blocked_reason, client_id, client_request_id, emergency_request_id, clients(name, phone), sites(name, address, postal_code, city, access_notes)",
        )
        .eq("id", id)
        .eq("org_id", org.id)
        .limit(1),
    ) as unknown as MissionRow[];
    return rows[0] ?? null;
  }, [supabase, id, org.id]);

  const related = useQuery(async () => {
    const [history, notes, hours, parts, attachments, transitions, technicians] = await Promise.all([
      supabase.from("mission_status_history").select("id, from_status, to_status, changed_by, changed_at, reason").eq("mission_id", id).order("id").then(unwrap),
      supabase.from("mission_notes").select("id, body, author_id, created_at").eq("mission_id", id).order("created_at").then(unwrap),
      supabase.from("timesheets").select("id, technician_id, work_date, hours, approved_at").eq("mission_id", id).order("work_date").then(unwrap),
      supabase.from("stock_movements").select("id, quantity, delta, created_at, stock_items(sku, name, unit)").eq("mission_id", id).order("created_at").then(unwrap),
      supabase.from("attachments").select("id, original_name, mime, size_bytes, created_at").eq("mission_id", id).eq("status", "finalized").order("created_at").then(unwrap),
      loadTransitions(supabase),
      loadTechnicians(supabase, org.id),
    ]);
    const people = await loadNames(supabase, [
      ...(history as { changed_by: string | null }[]).map((h) => h.changed_by),
      ...(notes as { author_id: string | null }[]).map((n) => n.author_id),
      ...(hours as { technician_id: string }[]).map((h) => h.technician_id),
    ]);
    return {
      history: history as { id: number; from_status: MissionStatus | null; to_status: MissionStatus; changed_by: string | null; changed_at: string; reason: string | null }[],
      notes: notes as { id: string; body: string; author_id: string | null; created_at: string }[],
      hours: hours as { id: string; technician_id: string; work_date: string; hours: number; approved_at: string | null }[],
      parts: parts as unknown as { id: string; quantity: number; delta: number; created_at: string; stock_items: { sku: string; name: string; unit: string } | null }[],
      attachments: attachments as { id: string; original_name: string | null; mime: string; size_bytes: number; created_at: string }[],
      transitions,
      technicians,
      people,
    };
  }, [supabase, id, org.id]);

  if (mission.loading && mission.data === undefined) return <p className="muted">{t("office:common.loading")}</p>;
  if (mission.error) return <ErrorMessage error={mission.error} onRetry={() => void mission.reload()} />;
  const m = mission.data;
  if (!m) return <NotFound />;

  const data = related.data;
  const nameOf = (userId: string | null) => (userId ? (data?.people.get(userId) ?? data?.technicians.find((p) => p.id === userId)?.name ?? "…") : "—");
  const reload = async () => {
    await Promise.all([mission.reload(), related.reload()]);
  };

  return (
    <Page title={m.title} actions={<Link href={base}>{t("detail.back")}</Link>}>
      <div className="detail-grid">
        <section className="card" aria-labelledby="mission-facts">
          <h2 id="mission-facts" className="visually-hidden">
            {m.title}
          </h2>
          <dl className="facts">
            <dt>{t("detail.status")}</dt>
            <dd>
              <StatusChip status={m.status} />
            </dd>
            <dt>{t("detail.client")}</dt>
            <dd>
              <Link href={`/office/clients/${m.client_id}`}>{m.clients?.name}</Link>
              {m.clients?.phone ? ` · ${m.clients.phone}` : ""}
            </dd>
            <dt>{t("detail.site")}</dt>
            <dd>{m.sites?.name}</dd>
            <dt>{t("detail.address")}</dt>
            <dd>{[m.sites?.address, [m.sites?.postal_code, m.sites?.city].filter(Boolean).join(" ")].filter(Boolean).join(", ")}</dd>
            {m.sites?.access_notes ? (
              <>
                <dt>{t("detail.access")}</dt>
                <dd>{m.sites.access_notes}</dd>
              </>
            ) : null}
            <dt>{t("detail.technician")}</dt>
            <dd data-testid="mission-technician">{nameOf(m.technician_id)}</dd>
            <dt>{t("detail.scheduled")}</dt>
            <dd>
              {m.scheduled_start ? formatDateTime(m.scheduled_start) : t("board.unscheduled")}
              {m.scheduled_end ? ` → ${formatDateTime(m.scheduled_end)}` : ""}
            </dd>
            <dt>{t("detail.priority")}</dt>
            <dd>{t(`priority.${m.priority}`)}</dd>
            {m.blocked_reason && m.status === "blocked" ? (
              <>
                <dt>{t("detail.blockedReason")}</dt>
                <dd>{m.blocked_reason}</dd>
              </>
            ) : null}
            {m.description ? (
              <>
                <dt>{t("detail.description")}</dt>
                <dd className="pre-line">{m.description}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <Moves
          missionId={m.id}
          status={m.status}
          moves={data ? movesFrom(data.transitions, m.status, role) : []}
          technicians={data?.technicians ?? []}
          onMoved={reload}
        />
      </div>
      <ErrorMessage error={related.error} onRetry={() => void related.reload()} />
      {data && (
        <>
          <DataTable
            caption={t("detail.historyCaption")}
            rows={data.history}
            rowKey={(h) => String(h.id)}
            columns={[
              { key: "when", header: t("detail.when"), render: (h) => formatDateTime(h.changed_at) },
              { key: "from", header: t("detail.from"), render: (h) => (h.from_status ? t(`status.${h.from_status}`) : "—") },
              { key: "to", header: t("detail.toStatus"), render: (h) => t(`status.${h.to_status}`) },
              { key: "who", header: t("detail.who"), render: (h) => nameOf(h.changed_by) },
              { key: "why", header: t("detail.why"), render: (h) => h.reason ?? "" },
            ]}
          />
          <section aria-labelledby="mission-notes">
            <h2 id="mission-notes">{t("detail.notes")}</h2>
            {data.notes.length === 0 ? (
              <p className="muted">{t("detail.noNotes")}</p>
            ) : (
              <ul className="notes-list">
                {data.notes.map((n) => (
                  <li key={n.id}>
                    <p className="pre-line">{n.body}</p>
                    <p className="muted small">
                      {nameOf(n.author_id)} · {formatDateTime(n.created_at)}
                    </p>
                  </li>
                ))}
              </ul>
            )}
            <AddNote missionId={m.id} onAdded={() => related.reload()} />
          </section>
          <DataTable
            caption={t("detail.hoursCaption")}
            rows={data.hours}
            rowKey={(h) => h.id}
            columns={[
              { key: "day", header: t("detail.day"), render: (h) => formatDate(h.work_date) },
              { key: "tech", header: t("detail.technician"), render: (h) => nameOf(h.technician_id) },
              { key: "hours", header: t("detail.quantity"), numeric: true, render: (h) => formatNumber(Number(h.hours)) },
              { key: "approved", header: t("detail.approved"), render: (h) => (h.approved_at ? t("detail.yes") : t("detail.no")) },
            ]}
          />
          <DataTable
            caption={t("detail.partsCaption")}
            rows={data.parts}
            rowKey={(p) => p.id}
            columns={[
              { key: "item", header: t("detail.item"), render: (p) => (p.stock_items ? `${p.stock_items.name} (${p.stock_items.sku})` : "") },
              { key: "qty", header: t("detail.quantity"), numeric: true, render: (p) => `${formatNumber(-Number(p.delta))} ${p.stock_items?.unit ?? ""}` },
              { key: "when", header: t("detail.when"), render: (p) => formatDateTime(p.created_at) },
            ]}
          />
          <section aria-labelledby="mission-attachments">
            <h2 id="mission-attachments">{t("detail.attachments")}</h2>
            {data.attachments.length === 0 ? (
              <p className="muted">{t("detail.noAttachments")}</p>
            ) : (
              <ul>
                {data.attachments.map((a) => (
                  <li key={a.id}>
                    {a.original_name ?? a.id} · {a.mime} · {formatNumber(Math.round(a.size_bytes / 1024))} kB · {formatDateTime(a.created_at)}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </Page>
  );
}

function Moves({
  missionId,
  status,
  moves,
  technicians,
  onMoved,
}: {
  missionId: string;
  status: MissionStatus;
  moves: { to_status: MissionStatus; requires_reason: boolean }[];
  technicians: { id: string; name: string }[];
  onMoved: () => Promise<void>;
}) {
  const { t } = useTranslation("dispatch");
  const { supabase } = useOffice();
  const [technician, setTechnician] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const needsReason = moves.some((m) => m.requires_reason);

  async function move(to: MissionStatus) {
    setBusy(true);
    setError(null);
    setDone("");
    const { data, error: moveError } = await supabase.rpc("transition_mission", {
      p_mission_id: missionId,
      p_to_status: to,
      p_idempotency_key: idempotencyKey(),
      ...(to === "assigned" && technician ? { p_technician_id: technician } : {}),
      ...(reason.trim() ? { p_reason: reason.trim() } : {}),
    });
    setBusy(false);
    if (moveError) {
      setError(moveError);
      return;
    }
    setReason("");
    setDone(t(`status.${(data as { status: MissionStatus }).status}`));
    await onMoved();
  }

  return (
    <section className="card" aria-labelledby="mission-moves">
      <h2 id="mission-moves">{t("detail.moves")}</h2>
      {moves.length === 0 ? (
        <p className="muted">{t("detail.noMoves")}</p>
      ) : (
        <div className="moves-form" key={status}>
          {moves.some((m) => m.to_status === "assigned") && (
            <SelectField
              id="move-technician"
              label={t("detail.technician")}
              value={technician}
              onChange={setTechnician}
              placeholder={t("board.chooseTechnician")}
              choices={namedChoices(technicians)}
            />
          )}
          {needsReason && (
            <div className="field">
              <label htmlFor="move-reason">{t("detail.reason")}</label>
              <input id="move-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
            </div>
          )}
          {moves.map((m) => (
            <button
              key={m.to_status}
              type="button"
              className="button inline"
              disabled={busy || (m.to_status === "assigned" && !technician)}
              onClick={() => void move(m.to_status)}
            >
              {t(`move.${m.to_status}`)}
            </button>
          ))}
        </div>
      )}
      <ErrorMessage error={error} />
      <p role="status" className="saved">
        {done}
      </p>
    </section>
  );
}

function AddNote({ missionId, onAdded }: { missionId: string; onAdded: () => Promise<void> }) {
  const { t } = useTranslation("dispatch");
  const { supabase } = useOffice();
  const [body, setBody] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function add() {
    setBusy(true);
    setError(null);
    const { error: rpcError } = await supabase.rpc("add_mission_note", { p_mission_id: missionId, p_body: body, p_idempotency_key: idempotencyKey() });
    setBusy(false);
    if (rpcError) return setError(rpcError);
    setBody("");
    await onAdded();
  }

  return (
    <form
      className="add-note"
      onSubmit={(event) => {
        event.preventDefault();
        void add();
      }}
    >
      <div className="field">
        <label htmlFor="note-body">{t("detail.newNote")}</label>
        <textarea id="note-body" value={body} onChange={(e) => setBody(e.target.value)} maxLength={10000} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="button inline" disabled={busy}>
        {t("detail.addNote")}
      </button>
    </form>
  );
}

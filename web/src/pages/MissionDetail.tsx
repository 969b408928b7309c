import { Suspense, useId, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../components/Page.tsx";
import { formatDate, formatDateTime, formatMoney, formatNumber } from "../i18n/index.ts";
import { parseDecimal } from "../i18n/parseDecimal.ts";
import { addMissionNote, logHours, recordStockUse, transitionMission } from "../offline/actions.ts";
import { getMeta, type LocalStockItem, type MemberRole, type MissionStatus, type OutboxAction } from "../offline/db.ts";
import { useLiveQuery } from "../offline/hooks.ts";
import { allowedMoves, missionView, type MissionView } from "../offline/view.ts";
import { missionExtensions } from "../extensions.ts";
import { Link } from "../router.tsx";
import { useTechnician } from "../technician/context.tsx";

export default function MissionDetail({ missionId }: { missionId: string }) {
  const { t } = useTranslation();
  const { db } = useTechnician();
  const data = useLiveQuery(async () => {
    const [mission, outbox, transitions, roles, items] = await Promise.all([
      db.missions.get(missionId),
      db.outbox.toArray(),
      db.transitions.toArray(),
      getMeta<Record<string, MemberRole>>(db, "roles"),
      db.stockItems.toArray(),
    ]);
    return { mission: mission ? missionView(mission, outbox) : null, transitions, roles: roles ?? {}, items };
  }, [db, missionId]);

  if (!data) return <p className="muted">{t("app.loading")}</p>;
  const { mission } = data;
  if (!mission) {
    return (
      <Page title={t("mission.notFound")}>
        <Link href="/">{t("mission.back")}</Link>
      </Page>
    );
  }
  const role = data.roles[mission.org_id];
  const moves = allowedMoves(data.transitions, mission.effectiveStatus, role);
  const itemsById = new Map(data.items.map((item) => [item.id, item]));
  const canRecordWork = ["assigned", "in_progress", "blocked", "done"].includes(mission.effectiveStatus);

  return (
    <Page title={mission.title}>
      <p>
        <Link href="/">{t("mission.back")}</Link>
      </p>
      <p>
        <span className={`chip status-${mission.effectiveStatus}`} data-testid="mission-status">
          {t(`status.${mission.effectiveStatus}`)}
        </span>{" "}
        {mission.effectiveStatus !== mission.status && <span className="chip chip-pending">{t("mission.pending")}</span>}
      </p>
      <MissionFacts mission={mission} />
      <Section title={t("mission.actions")}>
        <Moves mission={mission} moves={moves.map((m) => ({ to: m.to_status, requiresReason: m.requires_reason }))} />
      </Section>
      {canRecordWork && (
        <>
          <Section title={t("mission.hours.title")}>
            <WorkList
              empty={t("mission.hours.none")}
              done={mission.timesheets.map((ts) => ({
                key: ts.id,
                text: t("mission.hours.line", { date: formatDate(ts.work_date), hours: formatNumber(Number(ts.hours)) }),
              }))}
              pending={pendingOf(mission, "log_hours").map((a) => ({
                key: a.key,
                text: t("mission.hours.line", {
                  date: formatDate(String(a.args.p_work_date)),
                  hours: formatNumber(Number(a.args.p_hours)),
                }),
              }))}
            />
            <HoursForm missionId={mission.id} />
          </Section>
          <Section title={t("mission.parts.title")}>
            <WorkList
              empty={t("mission.parts.none")}
              done={mission.parts.map((part) => partLine(part.id, itemsById.get(part.item_id), Number(part.quantity), t))}
              pending={pendingOf(mission, "record_stock_use").map((a) =>
                partLine(a.key, itemsById.get(String(a.args.p_item_id)), Number(a.args.p_quantity), t),
              )}
            />
            <PartForm missionId={mission.id} items={data.items} />
          </Section>
        </>
      )}
      <Section title={t("mission.notes.title")}>
        <WorkList
          empty={t("mission.notes.none")}
          done={mission.notes.map((note) => ({ key: note.id, text: `${formatDateTime(note.created_at)} · ${note.body}` }))}
          pending={pendingOf(mission, "add_mission_note").map((a) => ({ key: a.key, text: String(a.args.p_body) }))}
        />
        <NoteForm missionId={mission.id} />
      </Section>
      <Section title={t("mission.history")}>
        {mission.history.length === 0 ? (
          <p className="muted">{t("mission.noHistory")}</p>
        ) : (
          <ol className="history">
            {mission.history.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.changed_at}>{formatDateTime(entry.changed_at)}</time>{" "}
                {t("mission.historyLine", {
                  from: entry.from_status ? t(`status.${entry.from_status}`) : "—",
                  to: t(`status.${entry.to_status}`),
                })}
                {entry.reason ? ` · ${entry.reason}` : ""}
              </li>
            ))}
          </ol>
        )}
      </Section>
      {/* Photos and the signature go to missions assigned to the technician (the server refuses others). */}
      {canRecordWork && missionExtensions.length > 0 && (
        <Section title={t("mission.extensions")}>
          <Suspense fallback={<p className="muted">{t("app.loading")}</p>}>
            {missionExtensions.map(({ id, Component }) => (
              <Component key={id} missionId={mission.id} />
            ))}
          </Suspense>
        </Section>
      )}
    </Page>
  );
}

type T = ReturnType<typeof useTranslation>["t"];

function partLine(key: string, item: LocalStockItem | undefined, quantity: number, t: T) {
  return {
    key,
    text: t("mission.parts.line", { name: item?.name ?? "?", quantity: formatNumber(quantity), unit: item?.unit ?? "" }),
  };
}

function pendingOf(mission: MissionView, kind: OutboxAction["kind"]) {
  return mission.pending.filter((a) => a.kind === kind);
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function MissionFacts({ mission }: { mission: MissionView }) {
  const { t } = useTranslation();
  const address = mission.site
    ? [mission.site.address, [mission.site.postal_code, mission.site.city].filter(Boolean).join(" ")].filter(Boolean).join(", ")
    : null;
  return (
    <section className="card" aria-label={mission.title}>
      <dl className="facts">
        <dt>{t("mission.client")}</dt>
        <dd>
          {mission.client?.name ?? "—"}
          {mission.client?.phone && (
            <>
              {" · "}
              <a href={`tel:${mission.client.phone.replace(/\s+/g, "")}`}>{mission.client.phone}</a>
            </>
          )}
        </dd>
        <dt>{t("mission.site")}</dt>
        <dd>
          {mission.site?.name && <span className="block">{mission.site.name}</span>}
          {address ?? "—"}
          {address && (
            <span className="block">
              <a href={`https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`} target="_blank" rel="noreferrer">
                {t("mission.openMap")}
              </a>
            </span>
          )}
        </dd>
        {mission.site?.access_notes && (
          <>
            <dt>{t("mission.accessNotes")}</dt>
            <dd>{mission.site.access_notes}</dd>
          </>
        )}
        {mission.contract && (
          <>
            <dt>{t("mission.contract")}</dt>
            <dd>{t("mission.contractDetail", { reference: mission.contract.reference, hours: mission.contract.sla_hours })}</dd>
          </>
        )}
        {mission.description && (
          <>
            <dt>{t("mission.description")}</dt>
            <dd className="pre-line">{mission.description}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function Moves({ mission, moves }: { mission: MissionView; moves: Array<{ to: MissionStatus; requiresReason: boolean }> }) {
  const { t } = useTranslation();
  const { db, engine } = useTechnician();
  const [blocking, setBlocking] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();

  async function move(to: MissionStatus, withReason?: string) {
    await transitionMission(db, mission.id, to, withReason);
    setBlocking(false);
    setReason("");
    void engine.sync();
  }

  if (moves.length === 0) return <p className="muted">{t("mission.noActions")}</p>;
  const label = (to: MissionStatus) =>
    to === "in_progress" && mission.effectiveStatus === "blocked"
      ? t("mission.move.resume")
      : t(`mission.move.${to as "assigned" | "in_progress" | "blocked" | "done"}`);
  return (
    <div className="moves">
      {moves.map(({ to, requiresReason }) =>
        requiresReason || to === "blocked" ? (
          <button key={to} type="button" className="button" onClick={() => setBlocking(true)} aria-expanded={blocking}>
            {label(to)}
          </button>
        ) : (
          <button key={to} type="button" className="button primary" onClick={() => void move(to)}>
            {label(to)}
          </button>
        ),
      )}
      {blocking && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const target = moves.find((m) => m.requiresReason || m.to === "blocked");
            if (target && reason.trim()) void move(target.to, reason.trim());
          }}
        >
          <div className="field">
            <label htmlFor={reasonId}>{t("mission.blockReason")}</label>
            <textarea id={reasonId} required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="row">
            <button type="submit" className="button primary">
              {t("mission.confirmBlock")}
            </button>
            <button type="button" className="button" onClick={() => setBlocking(false)}>
              {t("mission.cancel")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function WorkList({ done, pending, empty }: { done: Array<{ key: string; text: string }>; pending: Array<{ key: string; text: string }>; empty: string }) {
  const { t } = useTranslation();
  if (done.length === 0 && pending.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="work-list">
      {done.map((line) => (
        <li key={line.key}>{line.text}</li>
      ))}
      {pending.map((line) => (
        <li key={line.key} className="pending-line">
          {line.text} <span className="chip chip-pending">{t("mission.pending")}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * A form whose submission becomes an outbox action: saved on the device first
 * (the technician is told so), then sent at once if the network allows.
 * `save` returns false when there is nothing to save.
 */
function OutboxForm({ save, submitLabel, canSubmit = true, children }: { save: () => Promise<boolean>; submitLabel: string; canSubmit?: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  const { engine } = useTechnician();
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    try {
      if (!(await save())) return;
      setSaved(true);
      void engine.sync();
    } finally {
      // The fields come back only once save() has cleared them: what is typed meanwhile
      // (a slow phone writing to IndexedDB) would be wiped by that reset, or saved twice.
      setSaving(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} onChange={() => setSaved(false)} aria-busy={saving}>
      <fieldset className="bare-fieldset" disabled={saving}>
        {children}
      </fieldset>
      <button type="submit" className="button" disabled={!canSubmit || saving}>
        {submitLabel}
      </button>
      <p role="status" className="saved">
        {saved ? t("mission.saved") : ""}
      </p>
    </form>
  );
}

function localToday(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

function HoursForm({ missionId }: { missionId: string }) {
  const { t } = useTranslation();
  const { db } = useTechnician();
  const [date, setDate] = useState(localToday);
  const [hours, setHours] = useState("");
  const [note, setNote] = useState("");
  const ids = { date: useId(), hours: useId(), note: useId() };

  async function save() {
    // The field's pattern already refuses what is not a number; null only if that is bypassed.
    const typedHours = parseDecimal(hours);
    if (typedHours === null) return false;
    await logHours(db, missionId, date, typedHours, note.trim() || null);
    setHours("");
    setNote("");
    return true;
  }

  return (
    <OutboxForm save={save} submitLabel={t("mission.hours.submit")}>
      <div className="row">
        <div className="field">
          <label htmlFor={ids.date}>{t("mission.hours.date")}</label>
          <input id={ids.date} type="date" required max={localToday()} value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.hours}>{t("mission.hours.hours")}</label>
          <input id={ids.hours} inputMode="decimal" required pattern="[0-9]+([.,][0-9]{1,2})?" value={hours} onChange={(e) => setHours(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.note}>{t("mission.hours.note")}</label>
        <input id={ids.note} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
    </OutboxForm>
  );
}

/** Accent- and case-insensitive: "chaudiere" finds "Chaudière". */
function fold(value: string): string {
  return value.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

function PartForm({ missionId, items }: { missionId: string; items: LocalStockItem[] }) {
  const { t } = useTranslation();
  const { db } = useTechnician();
  const [query, setQuery] = useState("");
  const [chosen, setChosen] = useState<LocalStockItem | null>(null);
  const [quantity, setQuantity] = useState("1");
  const ids = { search: useId(), quantity: useId(), results: useId() };
  const needle = fold(query.trim());
  const matches = needle ? items.filter((item) => fold(`${item.name} ${item.sku}`).includes(needle)).slice(0, 8) : [];

  async function save() {
    const typedQuantity = parseDecimal(quantity);
    if (!chosen || typedQuantity === null) return false;
    await recordStockUse(db, missionId, chosen.id, typedQuantity);
    setChosen(null);
    setQuery("");
    setQuantity("1");
    return true;
  }

  return (
    <OutboxForm save={save} submitLabel={t("mission.parts.submit")} canSubmit={chosen !== null}>
      <div className="field">
        <label htmlFor={ids.search}>{t("mission.parts.search")}</label>
        <input id={ids.search} type="search" autoComplete="off" value={query} onChange={(e) => setQuery(e.target.value)} aria-controls={ids.results} />
      </div>
      <div id={ids.results} aria-live="polite">
        {needle && matches.length === 0 && <p className="muted">{t("mission.parts.noResults")}</p>}
        {matches.length > 0 && (
          <ul className="part-results" aria-label={t("mission.parts.results")}>
            {matches.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  className={`part-choice${chosen?.id === item.id ? " chosen" : ""}`}
                  aria-pressed={chosen?.id === item.id}
                  onClick={() => setChosen(item)}
                >
                  <span className="part-name">{item.name}</span>
                  <span className="muted small">
                    {item.sku} · {t("mission.parts.onHand", { quantity: formatNumber(Number(item.on_hand)), unit: item.unit })} ·{" "}
                    {formatMoney(item.price_cents)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {chosen && <p className="chosen-part">{t("mission.parts.chosen", { name: chosen.name })}</p>}
      <div className="field">
        <label htmlFor={ids.quantity}>{t("mission.parts.quantity")}</label>
        <input id={ids.quantity} inputMode="decimal" required pattern="[0-9]+([.,][0-9]{1,3})?" value={quantity} onChange={(e) => setQuantity(e.target.value)} />
      </div>
    </OutboxForm>
  );
}

function NoteForm({ missionId }: { missionId: string }) {
  const { t } = useTranslation();
  const { db } = useTechnician();
  const [body, setBody] = useState("");
  const id = useId();

  async function save() {
    if (!body.trim()) return false;
    await addMissionNote(db, missionId, body);
    setBody("");
    return true;
  }

  return (
    <OutboxForm save={save} submitLabel={t("mission.notes.submit")}>
      <div className="field">
        <label htmlFor={id}>{t("mission.notes.body")}</label>
        <textarea id={id} required maxLength={10000} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
    </OutboxForm>
  );
}

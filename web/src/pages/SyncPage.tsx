import { useTranslation } from "react-i18next";
import { Page } from "../components/Page.tsx";
import { RefusalText } from "../components/RefusalText.tsx";
import { formatDate, formatDateTime, formatNumber } from "../i18n/index.ts";
import type { LocalMission, LocalStockItem, MissionStatus, OutboxAction } from "../offline/db.ts";
import { useLiveQuery, useSyncState } from "../offline/hooks.ts";
import { discard, refusalOf } from "../offline/outbox.ts";
import { useTechnician } from "../technician/context.tsx";

export default function SyncPage() {
  const { t } = useTranslation();
  const { db, engine } = useTechnician();
  const state = useSyncState(engine);
  const data = useLiveQuery(async () => {
    const [outbox, missions, items] = await Promise.all([db.outbox.orderBy("seq").toArray(), db.missions.toArray(), db.stockItems.toArray()]);
    return { outbox, missions: new Map(missions.map((m) => [m.id, m])), items: new Map(items.map((i) => [i.id, i])) };
  }, [db]);
  if (!data) return <p className="muted">{t("app.loading")}</p>;
  const pending = data.outbox.filter((a) => a.state === "pending");
  const refused = data.outbox.filter((a) => a.state === "refused");
  const describe = (action: OutboxAction) => describeAction(action, data.missions, data.items, t);

  return (
    <Page
      title={t("sync.title")}
      actions={
        <button type="button" className="button" onClick={() => void engine.sync(true)} disabled={state.running || !state.online}>
          {state.running ? t("banner.syncing") : t("banner.syncNow")}
        </button>
      }
    >
      <section className="card" aria-labelledby="attention-title">
        <h2 id="attention-title">{t("sync.attentionTitle")}</h2>
        {refused.length === 0 ? (
          <p className="muted">{t("sync.noneAttention")}</p>
        ) : (
          <>
            <p>{t("sync.attentionIntro")}</p>
            <ul className="outbox-list" data-testid="refused-actions">
              {refused.map((action) => (
                <li key={action.key} className="outbox-item refused">
                  <span className="outbox-what">{describe(action)}</span>
                  <span className="muted small">{formatDateTime(action.createdAt)}</span>
                  <RefusalText className="refusal" refusal={refusalOf(action)} format={(message) => t("sync.reason", { message })} />
                  <button type="button" className="button small" onClick={() => void discard(db, action.seq!)}>
                    {t("sync.discard")}
                    <span className="visually-hidden"> · {describe(action)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="pending-title">
        <h2 id="pending-title">{t("sync.pendingTitle")}</h2>
        {pending.length === 0 ? (
          <p className="muted">{t("sync.nonePending")}</p>
        ) : (
          <ol className="outbox-list" data-testid="pending-actions">
            {pending.map((action) => (
              <li key={action.key} className="outbox-item">
                <span className="outbox-what">{describe(action)}</span>
                <span className="muted small">
                  {formatDateTime(action.createdAt)}
                  {action.attempts > 0 && ` · ${t("sync.attempts", { count: action.attempts })}`}
                </span>
                {action.lastError && <span className="muted small">{t("sync.lastError", { message: action.lastError })}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </Page>
  );
}

function describeAction(
  action: OutboxAction,
  missions: Map<string, LocalMission>,
  items: Map<string, LocalStockItem>,
  t: ReturnType<typeof useTranslation>["t"],
): string {
  const mission = (action.missionId && missions.get(action.missionId)?.title) || action.missionId || "";
  const a = action.args;
  switch (action.kind) {
    case "transition_mission":
      return t("sync.kind.transition_mission", { mission, status: t(`status.${a.p_to_status as MissionStatus}`) });
    case "log_hours":
      return t("sync.kind.log_hours", { mission, hours: formatNumber(Number(a.p_hours)), date: formatDate(String(a.p_work_date)) });
    case "record_stock_use":
      return t("sync.kind.record_stock_use", {
        mission,
        quantity: formatNumber(Number(a.p_quantity)),
        item: items.get(String(a.p_item_id))?.name ?? String(a.p_item_id),
      });
    case "add_mission_note":
      return t("sync.kind.add_mission_note", { mission });
    case "mark_notification_read":
      return t("sync.kind.mark_notification_read");
    case "upload_attachment":
      return t("sync.kind.upload_attachment", { mission, name: String(a.name ?? "") });
  }
}

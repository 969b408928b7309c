import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../components/Page.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { markNotificationRead } from "../offline/actions.ts";
import { useLiveQuery } from "../offline/hooks.ts";
import { isRead } from "../offline/view.ts";
import { useTechnician } from "../technician/context.tsx";

// The Web Push switch and its code load with this screen only.
const PushOptIn = lazy(() => import("./PushOptIn.tsx"));

export default function Inbox() {
  const { t } = useTranslation();
  const { db, engine } = useTechnician();
  const data = useLiveQuery(async () => {
    const [notifications, outbox] = await Promise.all([db.notifications.orderBy("created_at").reverse().toArray(), db.outbox.toArray()]);
    return notifications.map((n) => ({ ...n, read: isRead(n, outbox) }));
  }, [db]);

  if (!data) return <p className="muted">{t("app.loading")}</p>;
  return (
    <Page title={t("inbox.title")}>
      <Suspense fallback={null}>
        <PushOptIn />
      </Suspense>
      {data.length === 0 ? (
        <p className="muted">{t("inbox.none")}</p>
      ) : (
        <ul className="inbox">
          {data.map((n) => (
            <li key={n.id} className={`card notification${n.read ? " read" : ""}`}>
              <h2 className="notification-title">{n.title}</h2>
              {n.body && <p>{n.body}</p>}
              <p className="muted small">
                <time dateTime={n.created_at}>{formatDateTime(n.created_at)}</time> · {n.read ? t("inbox.read") : t("inbox.unread")}
              </p>
              {!n.read && (
                <button
                  type="button"
                  className="button small"
                  onClick={async () => {
                    await markNotificationRead(db, n.id);
                    void engine.sync();
                  }}
                >
                  {t("inbox.markRead")}
                  <span className="visually-hidden"> · {n.title}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

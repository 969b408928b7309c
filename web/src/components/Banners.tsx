import { useTranslation } from "react-i18next";
import type { OutboxAction } from "../offline/db.ts";
import type { SyncState } from "../offline/sync.ts";
import { useUpdateWaiting } from "../pwa.ts";
import { Link } from "../router.tsx";

/** A new version is waiting: shown on every screen, the sign-in screen included. */
export function UpdateBanner() {
  const { t } = useTranslation();
  const { waiting, reload } = useUpdateWaiting();
  if (!waiting) return null;
  return (
    <div className="banner banner-update" role="status">
      <span>{t("banner.updateReady")}</span>
      <button type="button" className="button small" onClick={reload}>
        {t("banner.reload")}
      </button>
    </div>
  );
}

export function SyncBanners({
  state,
  outbox,
  onSyncNow,
}: {
  state: SyncState;
  outbox: OutboxAction[];
  onSyncNow: () => void;
}) {
  const { t } = useTranslation();
  const pending = outbox.filter((a) => a.state === "pending").length;
  const refused = outbox.filter((a) => a.state === "refused").length;
  return (
    <div className="banners">
      {/* A live region that always exists, so the change to offline is announced. */}
      <div role="status" className={state.online ? "visually-hidden-empty" : "banner banner-offline"} data-testid="offline-banner">
        {state.online ? null : t("banner.offline", { count: pending })}
      </div>
      {state.online && pending > 0 && (
        <div className="banner banner-pending" data-testid="pending-banner">
          <span>{t("banner.pending", { count: pending })}</span>
          <button type="button" className="button small" onClick={onSyncNow} disabled={state.running}>
            {state.running ? t("banner.syncing") : t("banner.syncNow")}
          </button>
        </div>
      )}
      {state.needsSignIn && (
        <div className="banner banner-attention" role="alert">
          {t("banner.signInAgain")}
        </div>
      )}
      {refused > 0 && (
        <div className="banner banner-attention" data-testid="attention-banner">
          <Link href="/sync">{t("banner.attention", { count: refused })}</Link>
        </div>
      )}
    </div>
  );
}

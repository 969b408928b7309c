import type { Session } from "@supabase/supabase-js";
import { lazy, type ReactNode, Suspense, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { SyncBanners } from "../components/Banners.tsx";
import { HeaderControls } from "../components/HeaderControls.tsx";
import { databaseFor, getMeta } from "../offline/db.ts";
import { useLiveQuery, useSyncState } from "../offline/hooks.ts";
import { pull } from "../offline/pull.ts";
import { rpcSender, sessionRefresher } from "../offline/send.ts";
import { SyncEngine } from "../offline/sync.ts";
import { unreadBadge } from "../offline/view.ts";
import { MissionList } from "../pages/MissionList.tsx";
import { Link, matchRoute, usePath } from "../router.tsx";
import type { TerrainClient } from "../supabase.ts";
import type { Membership } from "../workspace.ts";
import { OrgSwitch } from "../components/OrgSwitch.tsx";
import { TechnicianContext, useTechnician, type Technician } from "./context.tsx";

// Loaded when first opened (and precached by the service worker for offline use).
const MissionDetail = lazy(() => import("../pages/MissionDetail.tsx"));
const Inbox = lazy(() => import("../pages/Inbox.tsx"));
const SyncPage = lazy(() => import("../pages/SyncPage.tsx"));

interface TechnicianAppProps {
  supabase: TerrainClient;
  session: Session;
  vapidPublicKey?: string | null;
  /** The user's organizations; null when they could not be read (first start offline). */
  memberships?: Membership[] | null;
  currentOrgId?: string | null;
  switchOrg?: (orgId: string) => void;
}

export default function TechnicianApp({ supabase, session, vapidPublicKey = null, memberships = null, currentOrgId = null, switchOrg }: TechnicianAppProps) {
  const userId = session.user.id;
  // The device holds the work of the organizations where the user is a technician: in another
  // one (dispatcher, admin…) RLS would let the pull read every open mission of that company.
  const technicianOrgs = memberships
    ?.filter((m) => m.role === "technician")
    .map((m) => m.orgId)
    .sort()
    .join(",");
  const technician = useMemo<Technician>(() => {
    const db = databaseFor(userId);
    const orgIds = technicianOrgs === undefined ? undefined : technicianOrgs.split(",").filter(Boolean);
    const engine = new SyncEngine({
      db,
      lockName: `terrain-outbox-${userId}`,
      send: rpcSender(supabase, db),
      refreshSession: sessionRefresher(supabase),
      pull: () => pull(db, supabase, new Date(), orgIds),
    });
    return { supabase, session, userId, db, engine, vapidPublicKey };
    // Keyed on the user, not the session object: a token refresh gives a new session for the
    // same user, who keeps the same database and the same engine.
  }, [supabase, userId, vapidPublicKey, technicianOrgs]);

  useEffect(() => {
    technician.engine.start();
    return () => technician.engine.stop();
  }, [technician]);

  useEffect(() => {
    // A subscribed device registers again at every start (the server purges devices silent for 90 days).
    // The push code loads only on a device that granted notifications.
    if (!vapidPublicKey || typeof Notification === "undefined" || Notification.permission !== "granted") return;
    import("../push/push.ts")
      .then((push) => push.reRegisterAtStart(supabase))
      .catch((error: unknown) => console.warn("Push subscription not registered again", error));
  }, [supabase, userId, vapidPublicKey]);

  return (
    <TechnicianContext.Provider value={technician}>
      <Shell orgSwitch={memberships && currentOrgId && switchOrg ? <OrgSwitch memberships={memberships} current={currentOrgId} onSwitch={switchOrg} /> : null} />
    </TechnicianContext.Provider>
  );
}

function Shell({ orgSwitch }: { orgSwitch: ReactNode }) {
  const { t } = useTranslation();
  const { db, engine, supabase, session } = useTechnician();
  const state = useSyncState(engine);
  const outbox = useLiveQuery(() => db.outbox.orderBy("seq").toArray(), [db]) ?? [];
  const unread = useLiveQuery(async () => {
    const [count, notifications] = await Promise.all([getMeta<number>(db, "unreadCount"), db.notifications.toArray()]);
    return { count: count ?? 0, notifications };
  }, [db]);
  const badge = unread ? unreadBadge(unread.count, unread.notifications, outbox) : 0;
  const route = matchRoute(usePath());
  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="app-header">
        <span className="brand">{t("app.name")}</span>
        {orgSwitch}
        <span className="user-email" title={session.user.email}>
          {session.user.email}
        </span>
        <HeaderControls supabase={supabase} />
      </header>
      <nav className="app-nav" aria-label={t("nav.label")}>
        <Link href="/" aria-current={route.name === "missions" || route.name === "mission" ? "page" : undefined}>
          {t("nav.missions")}
        </Link>
        <Link href="/notifications" aria-current={route.name === "inbox" ? "page" : undefined}>
          {t("nav.inbox")}
          {badge > 0 && (
            <>
              {" "}
              {/* Read as "Notifications 3 unread"; the visible label stays part of the name. */}
              <span className="badge" data-testid="unread-badge">
                {badge}
              </span>
              <span className="visually-hidden"> {t("nav.unread", { count: badge })}</span>
            </>
          )}
        </Link>
        <Link href="/sync" aria-current={route.name === "sync" ? "page" : undefined}>
          {t("nav.sync")}
        </Link>
      </nav>
      <SyncBanners state={state} outbox={outbox} onSyncNow={() => void engine.sync(true)} />
      <main id="main" className="content">
        <Suspense fallback={<p className="muted">{t("app.loading")}</p>}>
          {route.name === "missions" && <MissionList />}
          {route.name === "mission" && <MissionDetail missionId={route.id} />}
          {route.name === "inbox" && <Inbox />}
          {route.name === "sync" && <SyncPage />}
          {route.name === "notFound" && <MissionList />}
        </Suspense>
      </main>
    </>
  );
}

/**
 * The client portal: what a client of the organization sees of their own sites,
 * missions, invoices, quotes and requests — nothing of other clients and
 * nothing internal. What "their own" means is decided by RLS
 * (docs/permissions.md) and, for missions, by public.portal_missions; the
 * portal shows what the database answers and the not-found page for anything
 * else, an unknown id and another client's id alike.
 */
import type { Session } from "@supabase/supabase-js";
import { useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { HeaderControls } from "../components/HeaderControls.tsx";
import "../office/i18n.ts";
import "../office/office.css";
import { NotFound } from "../office/ui/NotFound.tsx";
import { Link, usePath } from "../router.tsx";
import type { TerrainClient } from "../supabase.ts";
import type { Membership } from "../workspace.ts";
import { PortalContext, usePortal, type Portal } from "./context.tsx";
import "./i18n.ts";
import "./portal.css";
import { matchPortalRoute, type PortalRoute } from "./routes.ts";
import { HomeScreen } from "./screens/Home.tsx";
import { InvoiceScreen, InvoicesScreen } from "./screens/Invoices.tsx";
import { MissionScreen, MissionsScreen } from "./screens/Missions.tsx";
import { QuoteScreen, QuotesScreen } from "./screens/Quotes.tsx";
import { EmergencyScreen, NewRequestScreen, RequestsScreen } from "./screens/Requests.tsx";
import { SiteScreen, SitesScreen } from "./screens/Sites.tsx";

export default function PortalApp({ supabase, session, membership }: { supabase: TerrainClient; session: Session; membership: Membership }) {
  const portal = useMemo<Portal>(
    () => ({
      supabase,
      session,
      userId: session.user.id,
      org: { id: membership.orgId, name: membership.orgName },
      clientId: membership.clientId ?? "",
    }),
    [supabase, session, membership],
  );
  return (
    <PortalContext.Provider value={portal}>
      <Shell />
    </PortalContext.Provider>
  );
}

const NAV: Array<{ section: PortalRoute["section"]; href: string; label: string }> = [
  { section: "home", href: "/portal", label: "nav.home" },
  { section: "missions", href: "/portal/missions", label: "nav.missions" },
  { section: "invoices", href: "/portal/invoices", label: "nav.invoices" },
  { section: "quotes", href: "/portal/quotes", label: "nav.quotes" },
  { section: "sites", href: "/portal/sites", label: "nav.sites" },
  { section: "requests", href: "/portal/requests", label: "nav.requests" },
  { section: "emergency", href: "/portal/emergency", label: "nav.emergency" },
];

function Shell() {
  const { t } = useTranslation("portal");
  const { supabase, session, org } = usePortal();
  const path = usePath();
  const route = matchPortalRoute(path);

  useEffect(() => {
    const item = NAV.find((entry) => entry.section === route.section);
    document.title = item ? `${t(item.label)} · ${t("title")}` : t("title");
  }, [route.section, t]);

  return (
    <div className="office portal">
      <a className="skip-link" href="#main">
        {t("translation:app.skipToContent")}
      </a>
      <header className="app-header office-header">
        <span className="brand">{t("title")}</span>
        <span className="org-name">{org.name}</span>
        <span className="user-email" title={session.user.email}>
          {session.user.email}
        </span>
        <HeaderControls supabase={supabase} />
      </header>
      <nav className="portal-nav" aria-label={t("navLabel")}>
        <ul>
          {NAV.map((entry) => (
            <li key={entry.section}>
              <Link
                href={entry.href}
                aria-current={route.section === entry.section ? "page" : undefined}
                className={entry.section === "emergency" ? "nav-emergency" : undefined}
              >
                {t(entry.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="office-main portal-main">
        <Screen route={route} />
      </main>
    </div>
  );
}

function Screen({ route }: { route: PortalRoute }) {
  switch (route.name) {
    case "home":
      return <HomeScreen />;
    case "sites":
      return <SitesScreen />;
    case "site":
      return <SiteScreen key={route.id} id={route.id} />;
    case "missions":
      return <MissionsScreen />;
    case "mission":
      return <MissionScreen key={route.id} id={route.id} />;
    case "invoices":
      return <InvoicesScreen />;
    case "invoice":
      return <InvoiceScreen key={route.id} id={route.id} />;
    case "quotes":
      return <QuotesScreen />;
    case "quote":
      return <QuoteScreen key={route.id} id={route.id} />;
    case "requests":
      return <RequestsScreen />;
    case "newRequest":
      return <NewRequestScreen />;
    case "emergency":
      return <EmergencyScreen />;
    default:
      return <NotFound home="/portal" />;
  }
}

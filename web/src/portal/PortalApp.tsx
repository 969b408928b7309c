/**
 * The client portal: what a client of the organization sees of their own sites,
 * missions and invoices — nothing of other clients and nothing internal. What
 * "their own" means is decided by RLS (docs/permissions.md); the portal shows
 * what the database answers and a not-found page for anything else.
 */
import type { Session } from "@supabase/supabase-js";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../components/Page.tsx";
import { HeaderControls } from "../components/HeaderControls.tsx";
import { NotFound } from "../office/ui/NotFound.tsx";
import "../office/i18n.ts";
import "../office/office.css";
import { Link, usePath } from "../router.tsx";
import type { TerrainClient } from "../supabase.ts";
import type { Membership } from "../workspace.ts";
import { PortalContext, usePortal, type Portal } from "./context.tsx";
import "./i18n.ts";

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

function Shell() {
  const { t } = useTranslation("portal");
  const { supabase, session, org } = usePortal();
  const path = usePath();
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
      <nav className="app-nav" aria-label={t("navLabel")}>
        <Link href="/portal" aria-current={path === "/portal" ? "page" : undefined}>
          {t("home.title")}
        </Link>
      </nav>
      <main id="main" className="office-main">
        {path === "/portal" || path === "/portal/" ? (
          <Page title={t("home.title")}>
            <p>{t("home.intro", { org: org.name })}</p>
          </Page>
        ) : (
          <NotFound home="/portal" />
        )}
      </main>
    </div>
  );
}

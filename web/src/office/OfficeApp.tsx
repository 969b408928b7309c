/**
 * The back office: desktop first, for owners, admins, dispatchers and
 * accountants. A header (organization, header tools such as search, language,
 * sign-out), a navigation of the areas the role works in, and the area the URL
 * names. Areas load when first opened: the alert dashboard does not carry the
 * invoicing screens.
 */
import type { Session } from "@supabase/supabase-js";
import { Suspense, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { HeaderControls } from "../components/HeaderControls.tsx";
import { OrgSwitch } from "../components/OrgSwitch.tsx";
import { Link, redirect, usePath } from "../router.tsx";
import type { TerrainClient } from "../supabase.ts";
import type { Membership } from "../workspace.ts";
import { areasFor, HEADER_TOOLS, homeAreaFor, matchArea } from "./areas.ts";
import { OfficeContext, useOffice, type Office } from "./context.tsx";
import "./i18n.ts";
import "./office.css";
import { NotFound } from "./ui/NotFound.tsx";

export default function OfficeApp({
  supabase,
  session,
  membership,
  memberships,
  switchOrg,
  reloadMemberships,
}: {
  supabase: TerrainClient;
  session: Session;
  membership: Membership;
  memberships: Membership[];
  switchOrg: (orgId: string) => void;
  reloadMemberships: () => Promise<void>;
}) {
  const office = useMemo<Office>(
    () => ({
      supabase,
      session,
      userId: session.user.id,
      org: { id: membership.orgId, name: membership.orgName },
      role: membership.role,
      orgs: memberships,
      switchOrg,
      reloadMemberships,
    }),
    [supabase, session, membership, memberships, switchOrg, reloadMemberships],
  );
  return (
    <OfficeContext.Provider value={office}>
      {/* A new organization is a new office: every area starts again with its data. */}
      <Shell key={membership.orgId} />
    </OfficeContext.Provider>
  );
}

function Shell() {
  const { t, i18n } = useTranslation("office");
  const { supabase, session, role, org, orgs, switchOrg } = useOffice();
  const path = usePath();
  const areas = areasFor(role);
  const home = homeAreaFor(role);
  const tools = HEADER_TOOLS.filter((tool) => tool.roles.includes(role));
  const matched = matchArea(path, areas);
  const language = labelLanguage(i18n.language);

  useEffect(() => {
    if ((path === "/office" || path === "/office/") && home) redirect(home.path);
  }, [path, home]);

  useEffect(() => {
    document.title = matched ? `${matched.area.label[language]} · ${t("shell.title")}` : t("shell.title");
  }, [matched, language, t]);

  const roleName = t(`translation:nav.role.${role}`);
  const Area = matched?.area.component;

  return (
    <div className="office">
      <a className="skip-link" href="#main">
        {t("translation:app.skipToContent")}
      </a>
      <header className="app-header office-header">
        <span className="brand">{t("translation:app.name")}</span>
        {orgs.length > 1 ? (
          <OrgSwitch memberships={orgs} current={org.id} onSwitch={switchOrg} />
        ) : (
          <span className="org-name" data-testid="org-name">
            {org.name}
          </span>
        )}
        <span className="header-tools">
          {tools.map((tool) => (
            <Suspense key={tool.id} fallback={null}>
              <tool.component />
            </Suspense>
          ))}
        </span>
        <span className="user-email" title={session.user.email}>
          {t("shell.signedInAs", { email: session.user.email, role: roleName })}
        </span>
        <HeaderControls supabase={supabase} />
      </header>
      <div className="office-body">
        <nav className="office-nav" aria-label={t("shell.navLabel")}>
          <ul>
            {areas.map((area) => (
              <li key={area.id}>
                <Link href={area.path} aria-current={matched?.area.id === area.id ? "page" : undefined} data-area={area.id}>
                  {area.label[language]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="office-main">
          {Area && matched ? (
            <Suspense fallback={<p className="muted">{t("common.loading")}</p>}>
              <Area path={matched.rest} base={matched.area.path} />
            </Suspense>
          ) : path === "/office" || path === "/office/" ? (
            <p className="muted">{home ? t("common.loading") : t("shell.noArea")}</p>
          ) : (
            <NotFound />
          )}
        </main>
      </div>
    </div>
  );
}

function labelLanguage(language: string): "fr" | "en" {
  return language === "en" ? "en" : "fr";
}

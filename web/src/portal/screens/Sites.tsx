import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { DataTable, ErrorMessage, NotFound, useQuery } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import { loadMissions, loadSite, loadSites, type Site } from "../data.ts";
import { Loading } from "./shared.tsx";
import { MissionTable } from "./Missions.tsx";

export function address(site: Site): string {
  return [site.address, [site.postal_code, site.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

export function SitesScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const sites = useQuery(() => loadSites(portal), [portal]);
  return (
    <Page title={t("sites.title")}>
      <ErrorMessage error={sites.error} onRetry={sites.reload} />
      {sites.data ? (
        <DataTable
          caption={t("sites.caption")}
          captionHidden
          rows={sites.data}
          rowKey={(site) => site.id}
          columns={[
            { key: "name", header: t("sites.name"), render: (site) => <Link href={`/portal/sites/${site.id}`}>{site.name}</Link>, sortValue: (site) => site.name },
            { key: "address", header: t("sites.address"), render: address },
          ]}
        />
      ) : (
        !sites.error && <Loading />
      )}
    </Page>
  );
}

export function SiteScreen({ id }: { id: string }) {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const site = useQuery(() => loadSite(portal, id), [portal, id]);
  const missions = useQuery(() => loadMissions(portal.supabase), [portal]);
  if (site.error) return <ErrorMessage error={site.error} onRetry={site.reload} />;
  if (site.data === undefined) return <Loading />;
  if (site.data === null) return <NotFound home="/portal" />;
  return (
    <Page title={site.data.name}>
      <dl className="facts">
        <dt>{t("sites.address")}</dt>
        <dd>{address(site.data)}</dd>
        {site.data.access_notes && (
          <>
            <dt>{t("sites.accessNotes")}</dt>
            <dd>{site.data.access_notes}</dd>
          </>
        )}
      </dl>
      <h2>{t("sites.missions")}</h2>
      <ErrorMessage error={missions.error} onRetry={missions.reload} />
      {missions.data ? <MissionTable missions={missions.data.filter((m) => m.site_id === id)} showSite={false} /> : !missions.error && <Loading />}
      <p>
        <Link href="/portal/sites">{t("common.back")}</Link>
      </p>
    </Page>
  );
}

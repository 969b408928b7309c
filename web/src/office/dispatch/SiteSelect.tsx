import { useTranslation } from "react-i18next";

/** The site a request or an emergency that named none is for: one of its client's sites, or none. */
export function SiteSelect({ label, sites, value, onChange }: { label: string; sites: { id: string; name: string }[]; value: string; onChange: (siteId: string) => void }) {
  const { t } = useTranslation("dispatch");
  return (
    <select className="inline-select" aria-label={label} value={value} onChange={(event) => onChange(event.target.value)}>
      <option value="">{t("requests.noSite")}</option>
      {sites.map((site) => (
        <option key={site.id} value={site.id}>
          {site.name}
        </option>
      ))}
    </select>
  );
}

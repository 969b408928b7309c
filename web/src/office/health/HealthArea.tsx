/**
 * The health page (/office/health), for owners and admins: the operator's
 * integrity checks that concern the organization, counted on its own rows
 * (public.organization_health_checks). Platform checks are not the
 * organization's business and never come back; a role the database refuses
 * sees its message.
 */
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, NotFound, formatDateTime, unwrap, useQuery, type Column } from "../ui/index.ts";
import type { Database } from "../../../../types/database.ts";
import { InvoiceChainFindings, InvoiceChainPanel } from "./InvoiceChainPanel.tsx";
import "./health.css";
import "./i18n.ts";

type HealthCheck = Database["public"]["Functions"]["organization_health_checks"]["Returns"][number];

export default function HealthArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <HealthPage />;
}

function sampleText(sample: unknown): string {
  if (!Array.isArray(sample)) return "";
  return sample.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join(", ");
}

function HealthPage() {
  const { t, i18n } = useTranslation("health");
  const { supabase, org } = useOffice();
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);
  const checks = useQuery(async () => {
    const rows = unwrap(await supabase.rpc("organization_health_checks", { p_org: org.id }));
    setCheckedAt(new Date());
    return rows;
  }, [supabase, org.id]);

  const columns = useMemo<Column<HealthCheck>[]>(
    () => [
      {
        key: "check",
        header: t("column.check"),
        // A check this screen has no words for yet shows the catalogue's own description.
        render: (c) =>
          i18n.exists(`health:check.${c.name}`) ? (
            <strong>{t(`check.${c.name}`)}</strong>
          ) : (
            <>
              <strong>{c.name}</strong>
              <br />
              <span className="muted">{c.description}</span>
            </>
          ),
        sortValue: (c) => t(`check.${c.name}`, { defaultValue: c.name }),
      },
      { key: "period", header: t("column.period"), render: (c) => t(`period.${c.period}`, { defaultValue: c.period }), sortValue: (c) => c.period },
      {
        key: "status",
        header: t("column.status"),
        render: (c) => <span className={c.ok ? "health-ok" : "health-failing"}>{c.ok ? `✓ ${t("status.ok")}` : `✗ ${t("status.failing")}`}</span>,
        sortValue: (c) => (c.ok ? 1 : 0),
      },
      { key: "count", header: t("column.count"), render: (c) => c.count, sortValue: (c) => c.count, numeric: true },
      {
        key: "sample",
        header: t("column.sample"),
        // The invoice chain's findings are read as sentences; the other checks list row ids.
        render: (c) =>
          c.name === "invoice_chain" ? <InvoiceChainFindings sample={c.sample} /> : <span className="health-sample">{sampleText(c.sample)}</span>,
      },
    ],
    [t, i18n],
  );

  const rows = checks.data ?? [];
  const failing = rows.filter((c) => !c.ok).length;
  return (
    <Page
      title={t("title")}
      actions={
        <button type="button" className="button small" onClick={() => void checks.reload()} disabled={checks.loading}>
          {t("refresh")}
        </button>
      }
    >
      <p>{t("intro")}</p>
      <ErrorMessage error={checks.error} onRetry={() => void checks.reload()} />
      {checks.data ? (
        <>
          <p role="status" data-testid="health-summary">
            {failing === 0 ? t("allOk", { count: rows.length }) : t("summary", { count: failing, total: rows.length })}
            {checkedAt ? <> · {t("checkedAt", { at: formatDateTime(checkedAt) })}</> : null}
          </p>
          <DataTable caption={t("caption")} columns={columns} rows={rows} rowKey={(c) => c.name} />
          <InvoiceChainPanel onVerified={checks.reload} />
        </>
      ) : checks.error ? null : (
        <p className="muted">{t("office:common.loading")}</p>
      )}
    </Page>
  );
}

/**
 * Reports (/office/reports): alerts fired per day, revenue and overdue amounts
 * per month, the stock level of one item per day. Each chart shows only to the
 * roles its RPC serves (README "Chart data"); the database still checks.
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import type { AreaProps } from "../areas.ts";
import { Chart } from "../charts/Chart.tsx";
import { useOffice } from "../context.tsx";
import { ErrorMessage, formatMoney, NotFound, unwrap, useQuery } from "../ui/index.ts";
import type { MemberRole } from "../../workspace.ts";
import "./i18n.ts";
import { alertsSeries, isoDay, monthStart } from "./series.ts";

const ALERT_DAYS = 90;
const REVENUE_MONTHS = 12;
const STOCK_DAYS = 90;
const can = (role: MemberRole, roles: MemberRole[]) => roles.includes(role);

export default function ReportsArea({ path }: AreaProps) {
  const { t } = useTranslation("reports");
  const { role } = useOffice();
  if (path !== "" && path !== "/") return <NotFound />;
  return (
    <Page title={t("title")}>
      {can(role, ["owner", "admin", "dispatcher"]) && <AlertsReport />}
      {can(role, ["owner", "admin", "accountant"]) && <RevenueReport />}
      <StockReport />
    </Page>
  );
}

function AlertsReport() {
  const { t } = useTranslation("reports");
  const { supabase, org } = useOffice();
  const today = new Date();
  const query = useQuery(
    async () =>
      alertsSeries(
        unwrap(await supabase.rpc("alerts_over_time", { p_org_id: org.id, p_from: isoDay(today, -(ALERT_DAYS - 1)), p_to: isoDay(today) })) ?? [],
      ),
    [supabase, org.id],
  );
  return (
    <section className="card" aria-labelledby="report-alerts">
      <h2 id="report-alerts">
        {t("alerts.title")} <span className="muted small">· {t("period.days", { count: ALERT_DAYS })}</span>
      </h2>
      <ErrorMessage error={query.error} onRetry={() => void query.reload()} />
      {query.data && (
        <Chart
          title={t("alerts.title")}
          x={query.data.days}
          kind="bars"
          series={query.data.series.map((s) => ({ label: t(`alerts.${s.severity}`), values: s.values }))}
        />
      )}
    </section>
  );
}

function RevenueReport() {
  const { t } = useTranslation("reports");
  const { supabase, org } = useOffice();
  const today = new Date();
  const query = useQuery(
    async () =>
      unwrap(
        await supabase.rpc("revenue_by_month", {
          p_org_id: org.id,
          p_from: monthStart(today, -(REVENUE_MONTHS - 1)),
          p_to: isoDay(today),
        }),
      ) ?? [],
    [supabase, org.id],
  );
  const rows = query.data ?? [];
  return (
    <section className="card" aria-labelledby="report-revenue">
      <h2 id="report-revenue">
        {t("revenue.title")} <span className="muted small">· {t("period.months", { count: REVENUE_MONTHS })}</span>
      </h2>
      <ErrorMessage error={query.error} onRetry={() => void query.reload()} />
      {query.data && (
        <Chart
          title={t("revenue.title")}
          x={rows.map((r) => r.month)}
          unit="month"
          formatValue={(cents) => formatMoney(cents)}
          series={[
            { label: t("revenue.invoiced"), values: rows.map((r) => r.invoiced_ht_cents) },
            { label: t("revenue.credited"), values: rows.map((r) => r.credit_notes_ht_cents) },
            { label: t("revenue.collected"), values: rows.map((r) => r.collected_cents) },
            { label: t("revenue.overdue"), values: rows.map((r) => r.overdue_cents) },
          ]}
        />
      )}
    </section>
  );
}

function StockReport() {
  const { t } = useTranslation("reports");
  const { supabase, org } = useOffice();
  const [itemId, setItemId] = useState("");
  const items = useQuery(
    async () => unwrap(await supabase.from("stock_items").select("id, sku, name").eq("org_id", org.id).order("name").limit(500)) ?? [],
    [supabase, org.id],
  );
  const chosen = itemId || items.data?.[0]?.id || "";
  const today = new Date();
  const history = useQuery(
    async () =>
      chosen
        ? (unwrap(await supabase.rpc("stock_level_history", { p_item_id: chosen, p_from: isoDay(today, -(STOCK_DAYS - 1)), p_to: isoDay(today) })) ?? [])
        : [],
    [supabase, chosen],
  );
  const rows = history.data ?? [];
  return (
    <section className="card" aria-labelledby="report-stock">
      <h2 id="report-stock">
        {t("stock.title")} <span className="muted small">· {t("period.days", { count: STOCK_DAYS })}</span>
      </h2>
      <ErrorMessage error={items.error ?? history.error} onRetry={() => void (items.error ? items.reload() : history.reload())} />
      {items.data && items.data.length === 0 && <p className="muted">{t("stock.none")}</p>}
      {items.data && items.data.length > 0 && (
        <div className="field">
          <label htmlFor="report-stock-item">{t("stock.item")}</label>
          <select id="report-stock-item" value={chosen} onChange={(event) => setItemId(event.target.value)}>
            {items.data.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name} ({item.sku})
              </option>
            ))}
          </select>
        </div>
      )}
      {chosen && history.data && (
        <Chart title={t("stock.title")} x={rows.map((r) => r.day)} kind="steps" series={[{ label: t("stock.series"), values: rows.map((r) => r.on_hand) }]} />
      )}
    </section>
  );
}

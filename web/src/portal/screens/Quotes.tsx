import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { DataTable, ErrorMessage, formatDate, formatMoney, NotFound, useQuery } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import { loadQuote, loadQuotes, type QuoteStatus } from "../data.ts";
import { LinesTable } from "./Invoices.tsx";
import { Loading, StatusBadge } from "./shared.tsx";

const TONE: Record<QuoteStatus, "ok" | "warn" | "info" | "muted"> = { draft: "muted", sent: "info", accepted: "ok", rejected: "muted", expired: "muted" };

function QuoteStatusBadge({ status }: { status: QuoteStatus }) {
  const { t } = useTranslation("portal");
  return <StatusBadge tone={TONE[status]}>{t(`quotes.statusValue.${status}`)}</StatusBadge>;
}

export function QuotesScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const quotes = useQuery(() => loadQuotes(portal), [portal]);
  return (
    <Page title={t("quotes.title")}>
      <ErrorMessage error={quotes.error} onRetry={quotes.reload} />
      {quotes.data ? (
        <DataTable
          caption={t("quotes.caption")}
          captionHidden
          rows={quotes.data}
          rowKey={(quote) => quote.id}
          columns={[
            { key: "number", header: t("quotes.number"), render: (q) => <Link href={`/portal/quotes/${q.id}`}>{q.number}</Link>, sortValue: (q) => q.number },
            { key: "subject", header: t("quotes.subject"), render: (q) => q.title },
            { key: "issue", header: t("quotes.issueDate"), render: (q) => (q.issue_date ? formatDate(q.issue_date) : t("common.none")), sortValue: (q) => q.issue_date },
            { key: "valid", header: t("quotes.validUntil"), render: (q) => (q.valid_until ? formatDate(q.valid_until) : t("common.none")) },
            { key: "total", header: t("quotes.total"), numeric: true, render: (q) => formatMoney(q.total_ttc_cents ?? 0), sortValue: (q) => q.total_ttc_cents },
            { key: "status", header: t("quotes.status"), render: (q) => <QuoteStatusBadge status={q.status} /> },
          ]}
        />
      ) : (
        !quotes.error && <Loading />
      )}
    </Page>
  );
}

export function QuoteScreen({ id }: { id: string }) {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const loaded = useQuery(() => loadQuote(portal, id), [portal, id]);
  if (loaded.error) return <ErrorMessage error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading />;
  if (loaded.data === null) return <NotFound home="/portal" />;
  const { quote, lines } = loaded.data;
  return (
    <Page title={`${quote.number} · ${quote.title}`}>
      <dl className="facts">
        <dt>{t("quotes.status")}</dt>
        <dd>
          <QuoteStatusBadge status={quote.status} />
        </dd>
        <dt>{t("quotes.issueDate")}</dt>
        <dd>{quote.issue_date ? formatDate(quote.issue_date) : t("common.none")}</dd>
        <dt>{t("quotes.validUntil")}</dt>
        <dd>{quote.valid_until ? formatDate(quote.valid_until) : t("common.none")}</dd>
        <dt>{t("quotes.total")}</dt>
        <dd>{formatMoney(quote.total_ttc_cents ?? 0)}</dd>
      </dl>
      {quote.status === "sent" && <p>{t("quotes.decide", { org: portal.org.name })}</p>}
      <LinesTable lines={lines} caption={t("invoices.lines")} />
      <p>
        <Link href="/portal/quotes">{t("common.back")}</Link>
      </p>
    </Page>
  );
}

import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { DataTable, ErrorMessage, formatDate, formatMoney, formatNumber, NotFound, saveFile, toApiError, useQuery, type ApiError } from "../../office/ui/index.ts";
import { Link } from "../../router.tsx";
import { usePortal } from "../context.tsx";
import { downloadInvoicePdf, loadInvoice, loadInvoices, paymentState, type DocumentLine, type Invoice } from "../data.ts";
import { Loading, StatusBadge } from "./shared.tsx";

const PAYMENT_TONE = { paid: "ok", partially_paid: "warn", due: "info", credit: "muted" } as const;

export function PaymentBadge({ invoice }: { invoice: Invoice }) {
  const { t } = useTranslation("portal");
  const state = paymentState(invoice);
  return <StatusBadge tone={PAYMENT_TONE[state]}>{t(`invoices.paymentValue.${state}`)}</StatusBadge>;
}

export function InvoiceTable({ invoices, caption }: { invoices: Invoice[]; caption?: string }) {
  const { t } = useTranslation("portal");
  return (
    <DataTable
      caption={caption ?? t("invoices.caption")}
      captionHidden={!caption}
      rows={invoices}
      rowKey={(invoice) => invoice.id}
      columns={[
        {
          key: "number",
          header: t("invoices.number"),
          render: (invoice) => <Link href={`/portal/invoices/${invoice.id}`}>{invoice.number}</Link>,
          sortValue: (invoice) => invoice.number,
        },
        { key: "kind", header: t("invoices.kind"), render: (invoice) => t(`invoices.kindValue.${invoice.kind}`) },
        { key: "issue", header: t("invoices.issueDate"), render: (invoice) => (invoice.issue_date ? formatDate(invoice.issue_date) : ""), sortValue: (i) => i.issue_date },
        { key: "due", header: t("invoices.dueDate"), render: (invoice) => (invoice.due_date ? formatDate(invoice.due_date) : t("common.none")), sortValue: (i) => i.due_date },
        { key: "total", header: t("invoices.total"), numeric: true, render: (invoice) => formatMoney(invoice.total_ttc_cents ?? 0), sortValue: (i) => i.total_ttc_cents },
        { key: "payment", header: t("invoices.payment"), render: (invoice) => <PaymentBadge invoice={invoice} /> },
      ]}
    />
  );
}

export function InvoicesScreen() {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const invoices = useQuery(() => loadInvoices(portal), [portal]);
  return (
    <Page title={t("invoices.title")}>
      <ErrorMessage error={invoices.error} onRetry={invoices.reload} />
      {invoices.data ? <InvoiceTable invoices={invoices.data} /> : !invoices.error && <Loading />}
    </Page>
  );
}

export function LinesTable({ lines, caption }: { lines: DocumentLine[]; caption: string }) {
  const { t } = useTranslation("portal");
  return (
    <DataTable
      caption={caption}
      rows={lines}
      rowKey={(line) => line.id}
      columns={[
        { key: "description", header: t("invoices.description"), render: (line) => line.description },
        { key: "quantity", header: t("invoices.quantity"), numeric: true, render: (line) => `${formatNumber(Number(line.quantity))} ${line.unit}` },
        { key: "unit", header: t("invoices.unitPrice"), numeric: true, render: (line) => formatMoney(line.unit_price_cents) },
        { key: "vat", header: t("invoices.vatRate"), numeric: true, render: (line) => `${formatNumber(Number(line.vat_rate))} %` },
        { key: "total", header: t("invoices.lineTotal"), numeric: true, render: (line) => formatMoney(line.line_ht_cents ?? 0) },
      ]}
    />
  );
}

export function InvoiceScreen({ id }: { id: string }) {
  const { t } = useTranslation("portal");
  const portal = usePortal();
  const loaded = useQuery(() => loadInvoice(portal, id), [portal, id]);
  const [download, setDownload] = useState<{ state: "idle" | "busy" | "done"; error: ApiError | null }>({ state: "idle", error: null });

  if (loaded.error) return <ErrorMessage error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading />;
  if (loaded.data === null) return <NotFound home="/portal" />;
  const { invoice, lines, credited } = loaded.data;

  async function downloadPdf() {
    setDownload({ state: "busy", error: null });
    try {
      const pdf = await downloadInvoicePdf(portal.supabase, invoice.id);
      saveFile(pdf, `${invoice.number}.pdf`);
      setDownload({ state: "done", error: null });
    } catch (error) {
      setDownload({ state: "idle", error: toApiError(error) });
    }
  }

  return (
    <Page
      title={`${t(`invoices.kindValue.${invoice.kind}`)} ${invoice.number}`}
      actions={
        <button type="button" className="button primary inline" onClick={() => void downloadPdf()} disabled={download.state === "busy"}>
          {download.state === "busy" ? t("invoices.downloading") : t("invoices.download")}
        </button>
      }
    >
      <p role="status" className="muted">
        {download.state === "done" ? t("invoices.downloaded", { number: invoice.number }) : ""}
      </p>
      <ErrorMessage error={download.error} />
      <dl className="facts">
        {credited && (
          <>
            <dt>{t("invoices.kind")}</dt>
            <dd>{t("invoices.creditFor", { number: credited })}</dd>
          </>
        )}
        <dt>{t("invoices.issueDate")}</dt>
        <dd>{invoice.issue_date ? formatDate(invoice.issue_date) : t("common.none")}</dd>
        <dt>{t("invoices.dueDate")}</dt>
        <dd>{invoice.due_date ? formatDate(invoice.due_date) : t("common.none")}</dd>
        <dt>{t("invoices.totalHt")}</dt>
        <dd>{formatMoney(invoice.total_ht_cents)}</dd>
        <dt>{t("invoices.totalVat")}</dt>
        <dd>{formatMoney(invoice.total_vat_cents)}</dd>
        <dt>{t("invoices.total")}</dt>
        <dd data-testid="invoice-total">{formatMoney(invoice.total_ttc_cents ?? 0)}</dd>
        <dt>{t("invoices.payment")}</dt>
        <dd>
          <PaymentBadge invoice={invoice} />
        </dd>
      </dl>
      <LinesTable lines={lines} caption={t("invoices.lines")} />
      <p>
        <Link href="/portal/invoices">{t("common.back")}</Link>
      </p>
    </Page>
  );
}

/**
 * /office/invoices: the list (status filter, keyset pages), /new (invoice
 * done missions), /<id> (a draft to complete and issue, or an issued document
 * to send, download, check and credit).
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DataTable, ErrorMessage, formatDate, formatMoney, NotFound, unwrap, useQuery, type Column } from "../ui/index.ts";
import "./i18n.ts";
import "./invoicing.css";
import { InvoiceCreate } from "./InvoiceCreate.tsx";
import { InvoiceDetail } from "./InvoiceDetail.tsx";
import { StatusBadge, todayIso, UUID, type InvoiceStatus } from "./shared.tsx";

export default function InvoicesArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <InvoiceList base={base} />;
  if (path === "/new") return <InvoiceCreate base={base} />;
  const id = UUID.exec(path)?.[1];
  if (id) return <InvoiceDetail key={id} id={id.toLowerCase()} base={base} />;
  return <NotFound />;
}

const FILTERS = ["all", "draft", "issued", "sent", "partially_paid", "paid", "overdue", "credit_note"] as const;
type Filter = (typeof FILTERS)[number];
const PAGE_SIZE = 50;

interface InvoiceRow {
  id: string;
  kind: "invoice" | "credit_note";
  number: string | null;
  status: InvoiceStatus;
  total_ttc_cents: number | null;
  issue_date: string | null;
  due_date: string | null;
  created_at: string;
  clients: { name: string } | null;
}

/** Keyset position: the last row of the page shown (newest first). */
type Cursor = { created_at: string; id: string } | null;

export function isOverdue(row: Pick<InvoiceRow, "kind" | "status" | "due_date">, today = todayIso()): boolean {
  return row.kind === "invoice" && (row.status === "sent" || row.status === "partially_paid") && row.due_date !== null && row.due_date < today;
}

function InvoiceList({ base }: { base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const [filter, setFilter] = useState<Filter>("all");
  const [cursor, setCursor] = useState<Cursor>(null);

  const { data, error, loading, reload } = useQuery(async () => {
    let query = supabase
      .from("invoices")
      .select("id, kind, number, status, total_ttc_cents, issue_date, due_date, created_at, clients(name)")
      .eq("org_id", org.id);
    if (filter === "credit_note") query = query.eq("kind", "credit_note");
    else if (filter === "overdue") query = query.eq("kind", "invoice").in("status", ["sent", "partially_paid"]).lt("due_date", todayIso());
    else if (filter !== "all") query = query.eq("status", filter);
    if (cursor) query = query.or(`created_at.lt."${cursor.created_at}",and(created_at.eq."${cursor.created_at}",id.lt.${cursor.id})`);
    const rows = unwrap(await query.order("created_at", { ascending: false }).order("id", { ascending: false }).limit(PAGE_SIZE + 1)) as unknown as InvoiceRow[];
    return { rows: rows.slice(0, PAGE_SIZE), more: rows.length > PAGE_SIZE };
  }, [supabase, org.id, filter, cursor]);

  const label = (row: InvoiceRow) => row.number ?? t("common.draftLabel", { date: formatDate(row.created_at) });
  const columns: Column<InvoiceRow>[] = [
    {
      key: "number",
      header: t("common.number"),
      render: (row) => (
        <Link href={`${base}/${row.id}`} data-testid="invoice-link">
          {label(row)}
        </Link>
      ),
      sortValue: (row) => row.number ?? "",
    },
    { key: "kind", header: t("invoices.kind"), render: (row) => t(`kind.${row.kind}`) },
    { key: "client", header: t("common.client"), render: (row) => row.clients?.name ?? "", sortValue: (row) => row.clients?.name ?? "" },
    { key: "status", header: t("common.status"), render: (row) => <StatusBadge status={row.status} overdue={isOverdue(row)} /> },
    { key: "issue", header: t("common.issueDate"), render: (row) => (row.issue_date ? formatDate(row.issue_date) : ""), sortValue: (row) => row.issue_date },
    { key: "due", header: t("common.dueDate"), render: (row) => (row.due_date ? formatDate(row.due_date) : ""), sortValue: (row) => row.due_date },
    { key: "total", header: t("common.total"), numeric: true, render: (row) => formatMoney(row.total_ttc_cents ?? 0), sortValue: (row) => row.total_ttc_cents },
  ];

  return (
    <Page
      title={t("invoices.title")}
      actions={
        <Link className="button inline" href={`${base}/new`}>
          {t("invoices.createFromMissions")}
        </Link>
      }
    >
      <div className="toolbar">
        <div className="field">
          <label htmlFor="invoice-filter">{t("invoices.filter")}</label>
          <select
            id="invoice-filter"
            value={filter}
            onChange={(event) => {
              setFilter(event.target.value as Filter);
              setCursor(null);
            }}
          >
            {FILTERS.map((value) => (
              <option key={value} value={value}>
                {t(`invoices.filters.${value}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={error} onRetry={reload} />
      {data ? (
        <>
          <DataTable caption={t("invoices.caption")} columns={columns} rows={data.rows} rowKey={(row) => row.id} empty={t("invoices.empty")} />
          <div className="pager">
            {cursor && (
              <button type="button" className="button inline" onClick={() => setCursor(null)}>
                {t("common.first")}
              </button>
            )}
            {data.more && (
              <button
                type="button"
                className="button inline"
                onClick={() => {
                  const last = data.rows[data.rows.length - 1]!;
                  setCursor({ created_at: last.created_at, id: last.id });
                }}
              >
                {t("common.next")}
              </button>
            )}
          </div>
        </>
      ) : (
        loading && <p className="muted">{t("office:common.loading")}</p>
      )}
    </Page>
  );
}

/**
 * /office/invoices: the list (status filter, keyset pages), /new (invoice
 * done missions), /<id> (a draft to complete and issue, or an issued document
 * to send, download, check and credit).
 */
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { FilterBar, formatDate, formatMoney, KeysetTable, newestFirstPage, NotFound, SelectField, unwrap, useKeysetList, type Column } from "../ui/index.ts";
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

/** The list's filter (the URL's ?status=); none: every invoice and credit note. */
const STATUS_FILTERS = ["draft", "issued", "sent", "partially_paid", "paid", "overdue", "credit_note"] as const;
const FILTER_KEYS = ["status"] as const;

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

export function isOverdue(row: Pick<InvoiceRow, "kind" | "status" | "due_date">, today = todayIso()): boolean {
  return row.kind === "invoice" && (row.status === "sent" || row.status === "partially_paid") && row.due_date !== null && row.due_date < today;
}

function InvoiceList({ base }: { base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const list = useKeysetList(
    FILTER_KEYS,
    async ({ status }, after, size) => {
      let query = supabase
        .from("invoices")
        .select("id, kind, number, status, total_ttc_cents, issue_date, due_date, created_at, clients(name)")
        .eq("org_id", org.id);
      if (status === "credit_note") query = query.eq("kind", "credit_note");
      else if (status === "overdue") query = query.eq("kind", "invoice").in("status", ["sent", "partially_paid"]).lt("due_date", todayIso());
      else if (status) query = query.eq("status", status as InvoiceStatus);
      return unwrap(await newestFirstPage(query, after, size)) as unknown as InvoiceRow[];
    },
    [supabase, org.id],
  );

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
    { key: "status", header: t("common.status"), render: (row) => <StatusBadge status={row.status} overdue={isOverdue(row)} creditNote={row.kind === "credit_note"} /> },
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
      <FilterBar>
        <SelectField
          id="invoice-filter"
          label={t("invoices.filter")}
          value={list.filters.status}
          onChange={(status) => list.setFilters({ status })}
          placeholder={t("invoices.filters.all")}
          choices={STATUS_FILTERS.map((value) => ({ value, label: t(`invoices.filters.${value}`) }))}
        />
      </FilterBar>
      <KeysetTable list={list} caption={t("invoices.caption")} columns={columns} empty={t("invoices.empty")} />
    </Page>
  );
}

/**
 * /office/quotes: the quotes with their status; /office/quotes/<id>: a quote,
 * its lines, send_quote() for a draft (number and validity set by SQL), and
 * the client's decision on a sent one (the guard allows sent → accepted |
 * rejected, and refuses an acceptance after the validity date).
 */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import {
  DataTable,
  ErrorMessage,
  FilterBar,
  formatDate,
  formatMoney,
  formatNumber,
  KeysetTable,
  newestFirstPage,
  NotFound,
  SelectField,
  toApiError,
  unwrap,
  useKeysetList,
  useQuery,
  type ApiError,
  type Column,
} from "../ui/index.ts";
import "./i18n.ts";
import "./invoicing.css";
import { StatusBadge, UUID, type QuoteStatus } from "./shared.tsx";

export default function QuotesArea({ path, base }: AreaProps) {
  if (path === "" || path === "/") return <QuoteList base={base} />;
  const id = UUID.exec(path)?.[1];
  if (id) return <QuoteDetail key={id} id={id.toLowerCase()} base={base} />;
  return <NotFound />;
}

/** The list's filter (the URL's ?status=); none: every quote. */
const STATUS_FILTERS = ["draft", "sent", "accepted", "rejected", "expired"] as const;
const FILTER_KEYS = ["status"] as const;

interface QuoteRow {
  id: string;
  number: string | null;
  title: string;
  status: QuoteStatus;
  issue_date: string | null;
  valid_until: string | null;
  total_ttc_cents: number | null;
  created_at: string;
  clients: { name: string } | null;
}

function QuoteList({ base }: { base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const list = useKeysetList(
    FILTER_KEYS,
    async ({ status }, after, size) => {
      let query = supabase
        .from("quotes")
        .select("id, number, title, status, issue_date, valid_until, total_ttc_cents, created_at, clients(name)")
        .eq("org_id", org.id);
      if (status) query = query.eq("status", status as QuoteStatus);
      return unwrap(await newestFirstPage(query, after, size)) as unknown as QuoteRow[];
    },
    [supabase, org.id],
  );

  const columns: Column<QuoteRow>[] = [
    {
      key: "number",
      header: t("common.number"),
      render: (row) => <Link href={`${base}/${row.id}`}>{row.number ?? t("common.draftLabel", { date: formatDate(row.created_at) })}</Link>,
      sortValue: (row) => row.number ?? "",
    },
    { key: "title", header: t("quotes.titleColumn"), render: (row) => row.title, sortValue: (row) => row.title },
    { key: "client", header: t("common.client"), render: (row) => row.clients?.name ?? "", sortValue: (row) => row.clients?.name ?? "" },
    { key: "status", header: t("common.status"), render: (row) => <StatusBadge status={row.status} quote /> },
    { key: "valid", header: t("quotes.validUntil"), render: (row) => (row.valid_until ? formatDate(row.valid_until) : ""), sortValue: (row) => row.valid_until },
    { key: "total", header: t("common.total"), numeric: true, render: (row) => formatMoney(row.total_ttc_cents ?? 0), sortValue: (row) => row.total_ttc_cents },
  ];

  return (
    <Page title={t("quotes.title")}>
      <FilterBar>
        <SelectField
          id="quote-filter"
          label={t("invoices.filter")}
          value={list.filters.status}
          onChange={(status) => list.setFilters({ status })}
          placeholder={t("quotes.filters.all")}
          choices={STATUS_FILTERS.map((value) => ({ value, label: t(`quotes.filters.${value}`) }))}
        />
      </FilterBar>
      <KeysetTable list={list} caption={t("quotes.caption")} columns={columns} empty={t("quotes.empty")} />
    </Page>
  );
}

interface QuoteLine {
  id: string;
  description: string;
  quantity: number;
  unit: string;
  unit_price_cents: number;
  vat_rate: number;
  line_ht_cents: number | null;
}

function QuoteDetail({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const quote = useQuery(async () => {
    const row = unwrap(
      await supabase
        .from("quotes")
        .select("id, number, title, notes, status, issue_date, valid_until, total_ht_cents, total_vat_cents, total_ttc_cents, created_at, decided_at, clients(name)")
        .eq("id", id)
        .maybeSingle(),
    );
    return (row as unknown as (QuoteRow & { notes: string | null; total_ht_cents: number; total_vat_cents: number; decided_at: string | null }) | null) ?? null;
  }, [supabase, id]);
  const lines = useQuery(
    async () =>
      unwrap(
        await supabase.from("quote_lines").select("id, description, quantity, unit, unit_price_cents, vat_rate, line_ht_cents").eq("quote_id", id).order("position").order("id"),
      ) as unknown as QuoteLine[],
    [supabase, id],
  );

  if (quote.data === null) return <NotFound home={base} />;
  if (!quote.data) {
    return (
      <>
        <ErrorMessage error={quote.error} onRetry={quote.reload} />
        {quote.loading && <p className="muted">{t("office:common.loading")}</p>}
      </>
    );
  }
  const q = quote.data;

  async function act(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await action());
      await quote.reload();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const decide = (status: "accepted" | "rejected") =>
    act(async () => {
      unwrap(await supabase.from("quotes").update({ status }).eq("id", q.id).select("id").single());
      return t("quotes.decided");
    });

  const columns: Column<QuoteLine>[] = [
    { key: "description", header: t("detail.description"), render: (line) => line.description },
    { key: "quantity", header: t("detail.quantity"), numeric: true, render: (line) => `${formatNumber(Number(line.quantity))} ${line.unit}` },
    { key: "price", header: t("detail.unitPrice"), numeric: true, render: (line) => formatMoney(line.unit_price_cents) },
    { key: "vat", header: t("detail.vatRate"), numeric: true, render: (line) => formatNumber(Number(line.vat_rate)) },
    { key: "ht", header: t("detail.lineHt"), numeric: true, render: (line) => formatMoney(line.line_ht_cents ?? 0) },
  ];

  return (
    <Page
      title={q.number ? t("quotes.quoteTitle", { number: q.number, title: q.title }) : t("quotes.draftTitle", { title: q.title })}
      actions={<Link href={base}>{t("quotes.back")}</Link>}
    >
      <dl className="facts">
        <div>
          <dt>{t("common.status")}</dt>
          <dd>
            <StatusBadge status={q.status} quote />
          </dd>
        </div>
        <div>
          <dt>{t("common.client")}</dt>
          <dd>{q.clients?.name}</dd>
        </div>
        {q.issue_date && (
          <div>
            <dt>{t("common.issueDate")}</dt>
            <dd>{formatDate(q.issue_date)}</dd>
          </div>
        )}
        {q.valid_until && (
          <div>
            <dt>{t("quotes.validUntil")}</dt>
            <dd>{formatDate(q.valid_until)}</dd>
          </div>
        )}
        <div>
          <dt>{t("common.totalHt")}</dt>
          <dd>{formatMoney(q.total_ht_cents)}</dd>
        </div>
        <div>
          <dt>{t("common.total")}</dt>
          <dd>
            <strong>{formatMoney(q.total_ttc_cents ?? 0)}</strong>
          </dd>
        </div>
      </dl>
      {q.notes && <p className="notes">{q.notes}</p>}
      {q.status !== "draft" && <p className="locked-note">{t("quotes.locked")}</p>}
      <ErrorMessage error={lines.error} onRetry={lines.reload} />
      <DataTable caption={t("detail.linesCaption")} columns={columns} rows={lines.data ?? []} rowKey={(line) => line.id} />
      <div className="actions">
        {q.status === "draft" && (
          <button
            type="button"
            className="button primary inline"
            disabled={busy}
            onClick={() =>
              act(async () => {
                const answer = unwrap(await supabase.rpc("send_quote", { p_quote_id: q.id })) as unknown as { number: string };
                return t("quotes.sent", { number: answer.number });
              })
            }
          >
            {t("quotes.send")}
          </button>
        )}
        {q.status === "sent" && (
          <>
            <button type="button" className="button inline" disabled={busy} onClick={() => decide("accepted")}>
              {t("quotes.accept")}
            </button>
            <button type="button" className="button inline" disabled={busy} onClick={() => decide("rejected")}>
              {t("quotes.reject")}
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      {done && (
        <p className="saved" role="status" data-testid="quote-result">
          {done}
        </p>
      )}
    </Page>
  );
}

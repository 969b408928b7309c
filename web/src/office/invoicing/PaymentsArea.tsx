/**
 * /office/payments: record a payment (against an issued invoice, or unmatched
 * when the bank line names no invoice), assign an unmatched one later, and
 * reconcile_payments(), which moves covered invoices forward and reports
 * what is left (partial, overpaid, paid but not sent, unmatched). A posted
 * payment is corrected, with a reason, by unassign_payment (a wrong invoice:
 * back to the suspense account, to assign again) or reverse_payment (a bank
 * line recorded by mistake: contre-passée); SQL's refusals are shown as written.
 */
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link } from "../../router.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { ConfirmAction, DataTable, ErrorMessage, formatDate, formatMoney, NotFound, toApiError, unwrap, useQuery, type ApiError, type Column } from "../ui/index.ts";
import "./i18n.ts";
import "./invoicing.css";
import { parseEuros, todayIso } from "./shared.tsx";

const METHODS = ["transfer", "card", "cheque", "cash", "direct_debit"] as const;

interface OpenInvoice {
  id: string;
  number: string | null;
  status: string;
  total_ttc_cents: number | null;
  clients: { name: string } | null;
}

interface PaymentRow {
  id: string;
  amount_cents: number;
  paid_on: string;
  method: string;
  external_ref: string | null;
  label: string | null;
  invoice_id: string | null;
  reversed_at: string | null;
  invoices: { number: string | null } | null;
}

interface Correction {
  fiscal_year: number;
  entry_number: number;
}

interface Report {
  paid_count: number;
  partial: Array<{ invoice_id: string; number: string; remaining_cents: number }>;
  overpaid: Array<{ invoice_id: string; number: string; excess_cents: number }>;
  awaiting_pdf: Array<{ invoice_id: string; number: string; received_cents: number }>;
  unmatched: Array<{ payment_id: string; external_ref: string | null; amount_cents: number; paid_on: string }>;
}

export default function PaymentsArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <Payments />;
}

function Payments() {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const preselected = new URLSearchParams(window.location.search).get("invoice") ?? "";
  const [invoiceId, setInvoiceId] = useState(preselected);
  const [amount, setAmount] = useState("");
  const [paidOn, setPaidOn] = useState(todayIso());
  const [method, setMethod] = useState<(typeof METHODS)[number]>("transfer");
  const [reference, setReference] = useState("");
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);

  const open = useQuery(
    async () =>
      unwrap(
        await supabase
          .from("invoices")
          .select("id, number, status, total_ttc_cents, clients(name)")
          .eq("org_id", org.id)
          .eq("kind", "invoice")
          .in("status", ["issued", "sent", "partially_paid"])
          .order("created_at", { ascending: false })
          .limit(200),
      ) as unknown as OpenInvoice[],
    [supabase, org.id],
  );

  // A preselected invoice that cannot take a payment (a draft, paid, another
  // organization's) is not offered: the form falls back to "unmatched".
  useEffect(() => {
    if (open.data && invoiceId && !open.data.some((i) => i.id === invoiceId)) setInvoiceId("");
  }, [open.data, invoiceId]);

  const payments = useQuery(
    async () =>
      unwrap(
        await supabase
          .from("payments")
          .select("id, amount_cents, paid_on, method, external_ref, label, invoice_id, reversed_at, invoices(number)")
          .eq("org_id", org.id)
          .order("created_at", { ascending: false })
          .order("id", { ascending: false })
          .limit(50),
      ) as unknown as PaymentRow[],
    [supabase, org.id],
  );

  async function act(action: () => Promise<string | null>) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await action());
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  function record(event: FormEvent) {
    event.preventDefault();
    void act(async () => {
      const cents = parseEuros(amount);
      if (cents === null) throw { message: t("payments.badAmount") };
      unwrap(
        await supabase.from("payments").insert({
          org_id: org.id,
          invoice_id: invoiceId || null,
          amount_cents: cents,
          paid_on: paidOn,
          method,
          external_ref: reference.trim() || null,
          label: label.trim() || null,
        }),
      );
      setAmount("");
      setReference("");
      setLabel("");
      await payments.reload();
      return t("payments.recorded");
    });
  }

  function reconcile() {
    void act(async () => {
      setReport(unwrap(await supabase.rpc("reconcile_payments", { p_org_id: org.id })) as unknown as Report);
      await Promise.all([open.reload(), payments.reload()]);
      return null;
    });
  }

  const columns: Column<PaymentRow>[] = [
    { key: "paid", header: t("payments.paidOn"), render: (p) => formatDate(p.paid_on), sortValue: (p) => p.paid_on },
    { key: "method", header: t("payments.method"), render: (p) => t(`payments.methods.${p.method}`, { defaultValue: p.method }) },
    { key: "ref", header: t("payments.reference"), render: (p) => p.external_ref ?? "" },
    { key: "label", header: t("payments.label"), render: (p) => p.label ?? "" },
    {
      key: "invoice",
      header: t("payments.matchedTo"),
      render: (p) =>
        p.invoice_id ? (
          <Link href={`/office/invoices/${p.invoice_id}`}>{p.invoices?.number ?? p.invoice_id}</Link>
        ) : p.reversed_at ? (
          <span className="muted">{t("payments.reversedOn", { date: formatDate(p.reversed_at) })}</span>
        ) : (
          <MatchPayment payment={p} invoices={open.data ?? []} onMatched={() => Promise.all([payments.reload(), open.reload()]).then(() => undefined)} />
        ),
    },
    { key: "amount", header: t("payments.amount"), numeric: true, render: (p) => formatMoney(p.amount_cents), sortValue: (p) => p.amount_cents },
    {
      key: "correct",
      header: t("payments.corrections"),
      render: (p) =>
        p.reversed_at ? null : (
          <CorrectPayment
            payment={p}
            onCorrected={async (message) => {
              setDone(message);
              await Promise.all([payments.reload(), open.reload()]);
            }}
          />
        ),
    },
  ];

  const invoiceLabel = (i: OpenInvoice) => `${i.number ?? ""} — ${i.clients?.name ?? ""} — ${formatMoney(i.total_ttc_cents ?? 0)}`;

  return (
    <Page title={t("payments.title")}>
      <form className="card" onSubmit={record} aria-labelledby="record-title">
        <h2 id="record-title">{t("payments.record")}</h2>
        <ErrorMessage error={open.error} onRetry={open.reload} />
        <div className="row">
          <div className="field grow">
            <label htmlFor="payment-invoice">{t("payments.invoice")}</label>
            <select id="payment-invoice" value={invoiceId} onChange={(e) => setInvoiceId(e.target.value)}>
              <option value="">{t("payments.unmatched")}</option>
              {(open.data ?? []).map((i) => (
                <option key={i.id} value={i.id}>
                  {invoiceLabel(i)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="payment-amount">{t("payments.amount")}</label>
            <input id="payment-amount" required inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="payment-date">{t("payments.paidOn")}</label>
            <input id="payment-date" type="date" required value={paidOn} onChange={(e) => setPaidOn(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="payment-method">{t("payments.method")}</label>
            <select id="payment-method" value={method} onChange={(e) => setMethod(e.target.value as (typeof METHODS)[number])}>
              {METHODS.map((m) => (
                <option key={m} value={m}>
                  {t(`payments.methods.${m}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="row">
          <div className="field grow">
            <label htmlFor="payment-reference">{t("payments.reference")}</label>
            <input id="payment-reference" value={reference} onChange={(e) => setReference(e.target.value)} maxLength={200} />
          </div>
          <div className="field grow">
            <label htmlFor="payment-label">{t("payments.label")}</label>
            <input id="payment-label" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={500} />
          </div>
        </div>
        <button type="submit" className="button primary inline" disabled={busy}>
          {t("payments.submit")}
        </button>
      </form>

      <div className="card">
        <p>{t("payments.reconcileHelp")}</p>
        <button type="button" className="button primary inline" disabled={busy} onClick={reconcile}>
          {t("payments.reconcile")}
        </button>
      </div>
      <ErrorMessage error={error} />
      {done && (
        <p className="saved" role="status" data-testid="payment-result">
          {done}
        </p>
      )}
      {report && <ReconcileReport report={report} />}

      <ErrorMessage error={payments.error} onRetry={payments.reload} />
      <DataTable caption={t("payments.caption")} columns={columns} rows={payments.data ?? []} rowKey={(p) => p.id} empty={t("payments.none")} />
    </Page>
  );
}

function MatchPayment({ payment, invoices, onMatched }: { payment: PaymentRow; invoices: OpenInvoice[]; onMatched: () => Promise<void> }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const [target, setTarget] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const selectId = `match-${payment.id}`;
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      unwrap(await supabase.from("payments").update({ invoice_id: target }).eq("id", payment.id).select("id").single());
      await onMatched();
    } catch (caught) {
      setError(toApiError(caught));
    }
  }
  return (
    <form className="match-form" onSubmit={submit}>
      <label htmlFor={selectId} className="visually-hidden">
        {t("payments.matchTo", { ref: payment.external_ref ?? "" })}
      </label>
      <select id={selectId} required value={target} onChange={(e) => setTarget(e.target.value)}>
        <option value="">—</option>
        {invoices.map((i) => (
          <option key={i.id} value={i.id}>
            {i.number} — {i.clients?.name}
          </option>
        ))}
      </select>
      <button type="submit" className="button small" disabled={!target}>
        {t("payments.matchSubmit")}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** "Annuler l'affectation" (assigned payments) and "Contre-passer", each asking for the reason SQL requires. */
function CorrectPayment({ payment, onCorrected }: { payment: PaymentRow; onCorrected: (message: string) => Promise<void> }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const [error, setError] = useState<ApiError | null>(null);
  const ref = payment.external_ref ?? formatMoney(payment.amount_cents);

  // false keeps the confirmation open, the reason kept, the refusal shown beside it.
  async function correct(rpc: "unassign_payment" | "reverse_payment", reason: string): Promise<boolean> {
    setError(null);
    const { data, error: rpcError } = await supabase.rpc(rpc, { p_payment_id: payment.id, p_reason: reason });
    if (rpcError) {
      setError(toApiError(rpcError));
      return false;
    }
    const entry = data as unknown as Correction;
    const key = rpc === "unassign_payment" ? "payments.unassigned" : "payments.reversed";
    await onCorrected(t(key, { ref, entry: `${entry.fiscal_year}-${entry.entry_number}` }));
    return true;
  }

  return (
    <div className="payment-corrections">
      {payment.invoice_id && (
        <ConfirmAction
          label={t("payments.unassign")}
          subject={ref}
          question={t("payments.unassignQuestion", { ref, number: payment.invoices?.number ?? "" })}
          reasonLabel={t("payments.reason")}
          confirmLabel={t("payments.confirmUnassign")}
          cancelLabel={t("payments.keep")}
          onConfirm={(reason) => correct("unassign_payment", reason)}
        />
      )}
      <ConfirmAction
        label={t("payments.reverse")}
        subject={ref}
        question={t("payments.reverseQuestion", { ref })}
        reasonLabel={t("payments.reason")}
        confirmLabel={t("payments.confirmReverse")}
        cancelLabel={t("payments.keep")}
        onConfirm={(reason) => correct("reverse_payment", reason)}
      />
      <ErrorMessage error={error} />
    </div>
  );
}

function ReconcileReport({ report }: { report: Report }) {
  const { t } = useTranslation("invoicing");
  const section = (title: string, items: Array<{ key: string; text: string; href?: string }>, testId: string) => (
    <section>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p className="muted">{t("payments.report.nothing")}</p>
      ) : (
        <ul data-testid={testId}>
          {items.map((item) => (
            <li key={item.key}>{item.href ? <Link href={item.href}>{item.text}</Link> : item.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
  return (
    <section className="card item-results" aria-live="polite" aria-labelledby="report-title" data-testid="reconcile-report">
      <h2 id="report-title">{t("payments.report.title")}</h2>
      <p data-testid="paid-count">{t("payments.report.paidCount", { count: report.paid_count })}</p>
      {section(
        t("payments.report.partial"),
        report.partial.map((p) => ({ key: p.invoice_id, text: t("payments.report.remaining", { number: p.number, amount: formatMoney(p.remaining_cents) }), href: `/office/invoices/${p.invoice_id}` })),
        "report-partial",
      )}
      {section(
        t("payments.report.overpaid"),
        report.overpaid.map((p) => ({ key: p.invoice_id, text: t("payments.report.excess", { number: p.number, amount: formatMoney(p.excess_cents) }), href: `/office/invoices/${p.invoice_id}` })),
        "report-overpaid",
      )}
      {section(
        t("payments.report.awaitingPdf"),
        report.awaiting_pdf.map((p) => ({ key: p.invoice_id, text: t("payments.report.awaiting", { number: p.number, amount: formatMoney(p.received_cents) }), href: `/office/invoices/${p.invoice_id}` })),
        "report-awaiting",
      )}
      {section(
        t("payments.report.unmatchedPayments"),
        report.unmatched.map((p) => ({ key: p.payment_id, text: t("payments.report.payment", { ref: p.external_ref ?? "", amount: formatMoney(p.amount_cents), date: formatDate(p.paid_on) }) })),
        "report-unmatched",
      )}
    </section>
  );
}

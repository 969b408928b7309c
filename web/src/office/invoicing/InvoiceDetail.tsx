/**
 * One invoice or credit note. A draft: its lines and dates can change (RLS and
 * the guards allow it), then issue_invoice() numbers and locks it. Issued and
 * later: no edit is offered — the database refuses any anyway, and its refusal
 * is shown as it words it — but sending (send_invoice and the email's state),
 * the PDF with its SHA-256 and a hash check, credit notes, payments and the
 * lettering of the client account.
 */
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import { Link, navigate } from "../../router.tsx";
import { useOffice } from "../context.tsx";
import {
  ActionFeedback,
  DataTable,
  DownloadFeedback,
  ErrorMessage,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  NotFound,
  unwrap,
  useAction,
  useDownload,
  useQuery,
  type Column,
} from "../ui/index.ts";
import { callFunction, parseEuros, StatusBadge, type InvoiceStatus } from "./shared.tsx";

interface Invoice {
  id: string;
  org_id: string;
  client_id: string;
  kind: "invoice" | "credit_note";
  credited_invoice_id: string | null;
  status: InvoiceStatus;
  number: string | null;
  issue_date: string | null;
  service_date: string | null;
  due_date: string | null;
  payment_terms: string | null;
  notes: string | null;
  total_ht_cents: number;
  total_vat_cents: number;
  total_ttc_cents: number | null;
  pdf_sha256: string | null;
  created_at: string;
  clients: { name: string; email: string | null } | null;
}

interface Line {
  id: string;
  position: number;
  description: string;
  quantity: number;
  unit: string;
  unit_price_cents: number;
  vat_rate: number;
  line_ht_cents: number | null;
}

const VAT_RATES = [20, 10, 5.5, 2.1];

export function InvoiceDetail({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();

  const invoice = useQuery(async () => {
    const row = unwrap(
      await supabase
        .from("invoices")
        .select(
          "id, org_id, client_id, kind, credited_invoice_id, status, number, issue_date, service_date, due_date, payment_terms, notes, total_ht_cents, total_vat_cents, total_ttc_cents, pdf_sha256, created_at, clients(name, email)",
        )
        .eq("id", id)
        .maybeSingle(),
    );
    return (row as unknown as Invoice | null) ?? null;
  }, [supabase, id]);

  const lines = useQuery(
    async () =>
      unwrap(
        await supabase
          .from("invoice_lines")
          .select("id, position, description, quantity, unit, unit_price_cents, vat_rate, line_ht_cents")
          .eq("invoice_id", id)
          .order("position")
          .order("id"),
      ) as unknown as Line[],
    [supabase, id],
  );

  if (invoice.data === null) return <NotFound home={base} />;
  if (!invoice.data) {
    return (
      <>
        <ErrorMessage error={invoice.error} onRetry={invoice.reload} />
        {invoice.loading && <p className="muted">{t("office:common.loading")}</p>}
      </>
    );
  }
  const inv = invoice.data;
  const isDraft = inv.status === "draft";
  const credit = inv.kind === "credit_note";
  const title = isDraft
    ? t(credit ? "detail.creditDraftTitle" : "detail.draftTitle")
    : t(credit ? "detail.creditTitle" : "detail.invoiceTitle", { number: inv.number });
  const reloadAll = async () => {
    await Promise.all([invoice.reload(), lines.reload()]);
  };

  return (
    <Page title={title} actions={<Link href={base}>{t("detail.back")}</Link>}>
      <ErrorMessage error={invoice.error} onRetry={invoice.reload} />
      <dl className="facts" data-testid="invoice-facts">
        <Fact label={t("common.status")}>
          <StatusBadge status={inv.status} creditNote={credit} />
        </Fact>
        <Fact label={t("common.client")}>{inv.clients?.name}</Fact>
        {inv.number && <Fact label={t("common.number")}>{<span data-testid="invoice-number">{inv.number}</span>}</Fact>}
        {credit && inv.credited_invoice_id && (
          <Fact label={t("credit.title")}>
            <CreditedInvoice id={inv.credited_invoice_id} base={base} />
          </Fact>
        )}
        {inv.issue_date && <Fact label={t("common.issueDate")}>{formatDate(inv.issue_date)}</Fact>}
        {inv.due_date && <Fact label={t("common.dueDate")}>{formatDate(inv.due_date)}</Fact>}
        {inv.service_date && <Fact label={t("detail.serviceDate")}>{formatDate(inv.service_date)}</Fact>}
        <Fact label={t("common.totalHt")}>{formatMoney(inv.total_ht_cents)}</Fact>
        <Fact label={t("common.totalVat")}>{formatMoney(inv.total_vat_cents)}</Fact>
        <Fact label={t("common.total")}>
          <strong data-testid="invoice-total">{formatMoney(inv.total_ttc_cents ?? 0)}</strong>
        </Fact>
        {inv.payment_terms && <Fact label={t("detail.paymentTerms")}>{inv.payment_terms}</Fact>}
      </dl>
      {inv.notes && <p className="notes">{inv.notes}</p>}
      {!isDraft && (
        <p className="locked-note" data-testid="locked-note">
          {t("detail.locked")}
        </p>
      )}

      <ErrorMessage error={lines.error} onRetry={lines.reload} />
      <LinesTable lines={lines.data ?? []} editable={isDraft} invoiceId={inv.id} onChange={reloadAll} />
      {isDraft ? (
        <DraftActions invoice={inv} lines={lines.data ?? []} base={base} onChange={reloadAll} />
      ) : (
        <>
          <SendSection invoice={inv} onChange={reloadAll} />
          <PdfSection invoice={inv} />
          {!credit && <PaymentsSection invoice={inv} />}
          {!credit && <CreditNotes invoice={inv} lines={lines.data ?? []} base={base} />}
        </>
      )}
    </Page>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function CreditedInvoice({ id, base }: { id: string; base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const { data } = useQuery(
    async () => unwrap(await supabase.from("invoices").select("number").eq("id", id).maybeSingle()) as { number: string | null } | null,
    [supabase, id],
  );
  return <Link href={`${base}/${id}`}>{t("detail.credits", { number: data?.number ?? "…" })}</Link>;
}

function LinesTable({ lines, editable, invoiceId, onChange }: { lines: Line[]; editable: boolean; invoiceId: string; onChange: () => Promise<void> }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const remove = useAction();
  const columns: Column<Line>[] = [
    { key: "description", header: t("detail.description"), render: (line) => line.description },
    { key: "quantity", header: t("detail.quantity"), numeric: true, render: (line) => `${formatNumber(Number(line.quantity))} ${line.unit}` },
    { key: "price", header: t("detail.unitPrice"), numeric: true, render: (line) => formatMoney(line.unit_price_cents) },
    { key: "vat", header: t("detail.vatRate"), numeric: true, render: (line) => formatNumber(Number(line.vat_rate)) },
    { key: "ht", header: t("detail.lineHt"), numeric: true, render: (line) => formatMoney(line.line_ht_cents ?? 0) },
  ];
  if (editable) {
    columns.push({
      key: "remove",
      header: "",
      render: (line) => (
        <button
          type="button"
          className="button small"
          disabled={remove.busy}
          aria-label={t("detail.removeLine", { description: line.description })}
          onClick={() =>
            remove.run(async () => {
              unwrap(await supabase.from("invoice_lines").delete().eq("id", line.id).eq("invoice_id", invoiceId));
              await onChange();
            })
          }
        >
          ✕
        </button>
      ),
    });
  }
  return (
    <>
      <DataTable caption={t("detail.linesCaption")} columns={columns} rows={lines} rowKey={(line) => line.id} />
      <ActionFeedback action={remove} />
    </>
  );
}

function DraftActions({ invoice, lines, base, onChange }: { invoice: Invoice; lines: Line[]; base: string; onChange: () => Promise<void> }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const add = useAction();
  const save = useAction();
  const issue = useAction();
  const [description, setDescription] = useState("");
  const [quantity, setQuantity] = useState("1");
  const [unit, setUnit] = useState("u");
  const [price, setPrice] = useState("");
  const [vat, setVat] = useState("20");
  const [serviceDate, setServiceDate] = useState(invoice.service_date ?? "");
  const [notes, setNotes] = useState(invoice.notes ?? "");

  function addLine(event: FormEvent) {
    event.preventDefault();
    void add.run(async () => {
      const cents = parseEuros(price);
      if (cents === null) throw { message: t("detail.badAmount") };
      const qty = Number(quantity.replace(",", "."));
      if (!Number.isFinite(qty)) throw { message: t("detail.badQuantity") };
      const position = Math.max(0, ...lines.map((l) => l.position)) + 1;
      unwrap(
        await supabase.from("invoice_lines").insert({
          org_id: invoice.org_id,
          invoice_id: invoice.id,
          position,
          description,
          quantity: qty,
          unit,
          unit_price_cents: cents,
          vat_rate: Number(vat),
        }),
      );
      setDescription("");
      setPrice("");
      await onChange();
    });
  }

  function saveDraft(event: FormEvent) {
    event.preventDefault();
    void save.run(async () => {
      unwrap(
        await supabase
          .from("invoices")
          .update({ service_date: serviceDate || null, notes: notes || null })
          .eq("id", invoice.id)
          .select("id")
          .single(),
      );
      await onChange();
      return t("detail.saved");
    });
  }

  return (
    <>
      <form className="card inline-form" onSubmit={addLine} aria-labelledby="add-line-title">
        <h2 id="add-line-title">{t("detail.addLineTitle")}</h2>
        <div className="row">
          <div className="field grow">
            <label htmlFor="line-description">{t("detail.description")}</label>
            <input id="line-description" required value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
          </div>
          <div className="field">
            <label htmlFor="line-quantity">{t("detail.quantity")}</label>
            <input id="line-quantity" required inputMode="decimal" value={quantity} onChange={(e) => setQuantity(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="line-unit">{t("detail.unit")}</label>
            <input id="line-unit" required value={unit} onChange={(e) => setUnit(e.target.value)} maxLength={20} />
          </div>
          <div className="field">
            <label htmlFor="line-price">{t("detail.unitPrice")}</label>
            <input id="line-price" required inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="line-vat">{t("detail.vatRate")}</label>
            <select id="line-vat" value={vat} onChange={(e) => setVat(e.target.value)}>
              {VAT_RATES.map((rate) => (
                <option key={rate} value={String(rate)}>
                  {formatNumber(rate)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="button inline" disabled={add.busy}>
          {t("detail.addLine")}
        </button>
        <ActionFeedback action={add} />
      </form>

      <form className="card inline-form" onSubmit={saveDraft}>
        <div className="row">
          <div className="field">
            <label htmlFor="draft-service-date">{t("detail.serviceDate")}</label>
            <input id="draft-service-date" type="date" value={serviceDate} onChange={(e) => setServiceDate(e.target.value)} />
          </div>
          <div className="field grow">
            <label htmlFor="draft-notes">{t("detail.notes")}</label>
            <textarea id="draft-notes" value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={10000} />
          </div>
        </div>
        <button type="submit" className="button inline" disabled={save.busy}>
          {t("detail.saveDraft")}
        </button>
        <ActionFeedback action={save} />
      </form>

      <div className="card">
        <p>{t("detail.issueHelp")}</p>
        <div className="actions">
          <button
            type="button"
            className="button primary inline"
            disabled={issue.busy}
            onClick={() =>
              issue.run(async () => {
                const answer = unwrap(await supabase.rpc("issue_invoice", { p_invoice_id: invoice.id })) as unknown as { number: string };
                await onChange();
                return t("detail.issued", { number: answer.number });
              })
            }
          >
            {t("detail.issue")}
          </button>
          <button
            type="button"
            className="button inline"
            disabled={issue.busy}
            onClick={() =>
              issue.run(async () => {
                unwrap(await supabase.from("invoices").delete().eq("id", invoice.id).select("id").single());
                navigate(base);
              })
            }
          >
            {t("detail.deleteDraft")}
          </button>
        </div>
        <ActionFeedback action={issue} testId="issue-result" />
      </div>
    </>
  );
}

interface EmailStatus {
  delivery_status: "pending" | "sent" | "failed" | null;
  recipient_email: string | null;
  attempts: number | null;
  last_error: string | null;
  sent_at: string | null;
}

function SendSection({ invoice, onChange }: { invoice: Invoice; onChange: () => Promise<void> }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const send = useAction();
  const status = useQuery(
    async () => unwrap(await supabase.rpc("invoice_email_status", { p_invoice_id: invoice.id }, { get: true })) as unknown as EmailStatus,
    [supabase, invoice.id],
  );
  const s = status.data;
  let state = t("send.none");
  if (s?.delivery_status === "pending") {
    state = s.attempts && s.attempts > 0 ? t("send.retrying", { attempts: s.attempts, error: s.last_error ?? "" }) : t("send.pending", { email: s.recipient_email });
  } else if (s?.delivery_status === "sent") {
    state = t("send.sentState", { date: formatDateTime(s.sent_at!), email: s.recipient_email });
  } else if (s?.delivery_status === "failed") {
    state = t("send.failed", { error: s.last_error ?? "" });
  }
  return (
    <section className="card" aria-labelledby="send-title">
      <h2 id="send-title">{t("send.title")}</h2>
      <p>
        <strong>{t("send.state")} : </strong>
        <span data-testid="email-state" data-state={s?.delivery_status ?? "none"}>
          {state}
        </span>
      </p>
      <ErrorMessage error={status.error} onRetry={status.reload} />
      <div className="actions">
        <button
          type="button"
          className="button primary inline"
          disabled={send.busy}
          onClick={() =>
            send.run(async () => {
              unwrap(await supabase.rpc("send_invoice", { p_invoice_id: invoice.id }));
              await Promise.all([status.reload(), onChange()]);
              return t("send.queued");
            })
          }
        >
          {s?.delivery_status ? t("send.sendAgain") : t("send.send")}
        </button>
        <button type="button" className="button inline" onClick={() => Promise.all([status.reload(), onChange()])}>
          {t("send.refresh")}
        </button>
      </div>
      <ActionFeedback action={send} />
    </section>
  );
}

interface Verdict {
  ok: boolean;
  recorded_sha256: string | null;
  stored_sha256: string | null;
  rendered_sha256: string | null;
}

function PdfSection({ invoice }: { invoice: Invoice }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const download = useDownload();
  const verify = useAction();
  const [sha, setSha] = useState<string | null>(invoice.pdf_sha256);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  return (
    <section className="card" aria-labelledby="pdf-title">
      <h2 id="pdf-title">{t("pdf.title")}</h2>
      {sha && (
        <p>
          {t("pdf.sha")} : <code className="hash" data-testid="pdf-sha">{sha}</code>
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="button inline"
          disabled={download.busy}
          onClick={() =>
            download.run(async () => {
              const { data, response } = await callFunction<Blob>(supabase, "invoice-pdf", { invoice_id: invoice.id });
              const name = `${invoice.number}.pdf`;
              setSha(response.headers.get("x-pdf-sha256"));
              download.offer(data, name);
              return t("pdf.ready", { name });
            })
          }
        >
          {t("pdf.open")}
        </button>
        <button
          type="button"
          className="button inline"
          disabled={verify.busy}
          onClick={() =>
            verify.run(async () => {
              setVerdict(null);
              const { data } = await callFunction<Verdict>(supabase, "invoice-pdf", { invoice_id: invoice.id, mode: "verify" });
              setVerdict(data);
            })
          }
        >
          {t("pdf.verify")}
        </button>
      </div>
      <DownloadFeedback download={download} label={(name) => t("pdf.save", { name })} />
      <ActionFeedback action={verify} />
      {verdict && (
        <div className={verdict.ok ? "verdict verdict-ok" : "verdict verdict-bad"} role="status" data-testid="pdf-verdict" data-ok={String(verdict.ok)}>
          <p>
            <strong>{verdict.ok ? `✓ ${t("pdf.match")}` : `✗ ${t("pdf.mismatch")}`}</strong>
          </p>
          <dl className="hashes">
            <dt>{t("pdf.recorded")}</dt>
            <dd>
              <code className="hash">{verdict.recorded_sha256}</code>
            </dd>
            <dt>{t("pdf.stored")}</dt>
            <dd>
              <code className="hash">{verdict.stored_sha256}</code>
            </dd>
            <dt>{t("pdf.rendered")}</dt>
            <dd>
              <code className="hash">{verdict.rendered_sha256}</code>
            </dd>
          </dl>
        </div>
      )}
    </section>
  );
}

interface PaymentRow {
  id: string;
  amount_cents: number;
  paid_on: string;
  method: string;
  external_ref: string | null;
}

function PaymentsSection({ invoice }: { invoice: Invoice }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const payments = useQuery(
    async () =>
      unwrap(
        await supabase.from("payments").select("id, amount_cents, paid_on, method, external_ref").eq("org_id", invoice.org_id).eq("invoice_id", invoice.id).order("paid_on"),
      ) as PaymentRow[],
    [supabase, invoice.id, invoice.status],
  );
  // The client account's lettering, set by the database once the invoice, its credit notes and payments balance.
  const lettering = useQuery(
    async () =>
      unwrap(
        await supabase
          .from("ledger_lines")
          .select("lettering_code, lettering_date")
          .eq("org_id", invoice.org_id)
          .eq("invoice_id", invoice.id)
          .not("lettering_code", "is", null)
          .limit(1),
      )[0] ?? null,
    [supabase, invoice.id, invoice.status],
  );
  const columns: Column<PaymentRow>[] = [
    { key: "paid", header: t("detail.paidOn"), render: (p) => formatDate(p.paid_on) },
    { key: "method", header: t("detail.method"), render: (p) => t(`payments.methods.${p.method}`, { defaultValue: p.method }) },
    { key: "ref", header: t("detail.reference"), render: (p) => p.external_ref ?? "" },
    { key: "amount", header: t("detail.amount"), numeric: true, render: (p) => formatMoney(p.amount_cents) },
  ];
  return (
    <section className="card" aria-labelledby="payments-title">
      <h2 id="payments-title">{t("detail.paymentsCaption")}</h2>
      <ErrorMessage error={payments.error ?? lettering.error} />
      <DataTable caption={t("detail.paymentsCaption")} captionHidden columns={columns} rows={payments.data ?? []} rowKey={(p) => p.id} empty={t("detail.noPayments")} />
      {invoice.status !== "paid" && (
        <p>
          <Link href={`/office/payments?invoice=${invoice.id}`}>{t("detail.recordPayment")}</Link>
        </p>
      )}
      <p>
        <strong>{t("detail.lettering")} : </strong>
        <span data-testid="lettering">
          {lettering.data ? t("detail.letteringValue", { code: lettering.data.lettering_code, date: formatDate(lettering.data.lettering_date!) }) : t("detail.notLettered")}
        </span>
      </p>
    </section>
  );
}

function CreditNotes({ invoice, lines, base }: { invoice: Invoice; lines: Line[]; base: string }) {
  const { t } = useTranslation("invoicing");
  const { supabase } = useOffice();
  const create = useAction();
  const [mode, setMode] = useState<"full" | "partial">("partial");
  const [description, setDescription] = useState(t("credit.defaultDescription", { number: invoice.number }));
  const [amount, setAmount] = useState("");
  const [vat, setVat] = useState("20");
  const existing = useQuery(
    async () =>
      unwrap(
        await supabase
          .from("invoices")
          .select("id, number, status, total_ttc_cents, created_at")
          .eq("org_id", invoice.org_id)
          .eq("credited_invoice_id", invoice.id)
          .order("created_at"),
      ),
    [supabase, invoice.id],
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    void create.run(async () => {
      let partialCents = 0;
      if (mode === "partial") {
        const cents = parseEuros(amount);
        if (cents === null) throw { message: t("detail.badAmount") };
        partialCents = cents;
      }
      // A draft credit note (kind credit_note, the invoice it corrects): the
      // database checks the client, the status and, at issue, the total.
      const draft = unwrap(
        await supabase
          .from("invoices")
          .insert({ org_id: invoice.org_id, client_id: invoice.client_id, kind: "credit_note", credited_invoice_id: invoice.id })
          .select("id")
          .single(),
      ) as { id: string };
      const newLines =
        mode === "full"
          ? lines.map((l) => ({
              org_id: invoice.org_id,
              invoice_id: draft.id,
              position: l.position,
              description: l.description,
              quantity: Number(l.quantity),
              unit: l.unit,
              unit_price_cents: l.unit_price_cents,
              vat_rate: Number(l.vat_rate),
            }))
          : [{ org_id: invoice.org_id, invoice_id: draft.id, position: 1, description, quantity: 1, unit: "u", unit_price_cents: partialCents, vat_rate: Number(vat) }];
      unwrap(await supabase.from("invoice_lines").insert(newLines));
      navigate(`${base}/${draft.id}`);
    });
  }

  return (
    <section className="card" aria-labelledby="credit-title">
      <h2 id="credit-title">{t("credit.title")}</h2>
      {(existing.data ?? []).length > 0 && (
        <ul className="plain-list" aria-label={t("detail.creditedBy")}>
          {(existing.data ?? []).map((c) => (
            <li key={c.id}>
              <Link href={`${base}/${c.id}`}>{c.number ?? t("common.draftLabel", { date: formatDate(c.created_at) })}</Link> — <StatusBadge status={c.status} creditNote /> —{" "}
              {formatMoney(c.total_ttc_cents ?? 0)}
            </li>
          ))}
        </ul>
      )}
      <p>{t("credit.intro")}</p>
      <form onSubmit={submit}>
        <fieldset className="choice">
          <legend className="visually-hidden">{t("credit.title")}</legend>
          <label>
            <input type="radio" name="credit-mode" checked={mode === "full"} onChange={() => setMode("full")} /> {t("credit.full")}
          </label>
          <label>
            <input type="radio" name="credit-mode" checked={mode === "partial"} onChange={() => setMode("partial")} /> {t("credit.partial")}
          </label>
        </fieldset>
        {mode === "partial" && (
          <div className="row">
            <div className="field grow">
              <label htmlFor="credit-description">{t("credit.partialDescription")}</label>
              <input id="credit-description" required value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
            </div>
            <div className="field">
              <label htmlFor="credit-amount">{t("credit.partialAmount")}</label>
              <input id="credit-amount" required inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="credit-vat">{t("detail.vatRate")}</label>
              <select id="credit-vat" value={vat} onChange={(e) => setVat(e.target.value)}>
                {VAT_RATES.map((rate) => (
                  <option key={rate} value={String(rate)}>
                    {formatNumber(rate)}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        <button type="submit" className="button inline" disabled={create.busy}>
          {t("credit.create")}
        </button>
      </form>
      <ActionFeedback action={create} />
    </section>
  );
}

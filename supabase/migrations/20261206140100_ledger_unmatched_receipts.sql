-- A bank receipt is in the ledger from the day it arrives (README.md,
-- "Accounting"). Until now a payment recorded without an invoice (an imported
-- bank line, invoice_id null) posted nothing until it was matched, and was
-- then booked 512 / 411 at its payment date: the bank journal missed cash the
-- bank statement shows. French bookkeeping records the receipt on its date,
-- on the suspense account (471, "compte d'attente") until it is assigned:
--   * a payment recorded without an invoice → BQ at paid_on: debit bank,
--     credit suspense ("Encaissement à affecter <reference>");
--   * matching it later → BQ dated the day of the matching (the
--     organization's time zone): debit suspense, credit the client's 411
--     (auxiliary account), plus the VAT-on-receipts transfer; then lettering;
--   * a payment recorded with its invoice posts as before: debit bank,
--     credit 411 at paid_on.
-- One function writes the 411 side and the VAT transfer for both ways in.
--
-- Why BQ for the transfer out of 471 rather than an OD (miscellaneous
-- operations) journal: the journal list (VT, AV, BQ) is fixed by a check
-- constraint and read by the FEC export, the CSV journals, the closing report
-- and the FEC validator; the transfer is the second half of a bank receipt,
-- and keeping it in BQ keeps each BQ entry tied to its payment (payment_id).
-- Both entries take gapless BQ numbers of their own date's fiscal year.
--
-- The suspense line carries no invoice and no auxiliary account: lettering
-- (which reads the open client lines of an invoice) never touches it.
--
-- Existing data: the payments still unmatched when this migration runs get
-- their receipt posted here, at their paid_on, numbered after the BQ entries
-- already in that fiscal year (in paid_on, then id order): the ledger is
-- complete from now on, and matching them later moves them out of 471 like
-- any other receipt.

-- Writes the BQ entry that settles an invoice with a payment: debit
-- p_from_account (the bank when the payment arrives with its invoice, the
-- suspense account when an earlier receipt is assigned), credit the client's
-- auxiliary account. With VAT on receipts, the share of the invoice's pending
-- service VAT that the payments received so far cover moves from 44574 to
-- 44571 (computed on the running total, so rounding never drifts and the last
-- payment moves the rest). Then letters the invoice if it is settled. The
-- settings row is locked by the caller.
create function private.post_payment_settlement(
  p_settings private.accounting_settings,
  p_pay public.payments,
  p_from_account text,
  p_entry_date date,
  p_label_prefix text
) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_client   text;
  v_aux      text;
  v_entry_id uuid;
  v_label    text;
  v_year     integer := extract(year from p_entry_date);
  v_pending  bigint := 0;
  v_due      bigint;
  v_received bigint;
  v_moved    bigint;
  v_transfer bigint := 0;
begin
  select * into v_inv from public.invoices i where i.org_id = p_pay.org_id and i.id = p_pay.invoice_id;
  select c.name into v_client from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id;
  v_aux := private.client_aux_number(v_inv.org_id, v_inv.client_id);
  v_label := pg_catalog.left(pg_catalog.format('%s %s %s', p_label_prefix, v_inv.number, v_client), 500);

  if p_settings.vat_on_receipts then
    -- Service VAT of the invoice net of its issued credit notes, amount due, received so far.
    select coalesce(sum(case when d.kind = 'credit_note' then -l.line_vat_cents else l.line_vat_cents end), 0)
    into v_pending
    from public.invoices d
    join public.invoice_lines l on l.org_id = d.org_id and l.invoice_id = d.id
    where d.org_id = v_inv.org_id and (d.id = v_inv.id or (d.credited_invoice_id = v_inv.id and d.status <> 'draft'))
      and l.stock_item_id is null;
    select v_inv.total_ttc_cents - coalesce(sum(c.total_ttc_cents), 0) into v_due
    from public.invoices c
    where c.org_id = v_inv.org_id and c.credited_invoice_id = v_inv.id and c.kind = 'credit_note' and c.status <> 'draft';
    select coalesce(sum(p.amount_cents), 0) into v_received
    from public.payments p where p.org_id = v_inv.org_id and p.invoice_id = v_inv.id;
    select coalesce(sum(l.debit_cents), 0) into v_moved
    from public.ledger_entries e
    join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
    where e.org_id = v_inv.org_id and e.invoice_id = v_inv.id and e.journal_code = 'BQ'
      and l.account_number = p_settings.account_vat_pending;
    v_transfer := greatest(0, case when v_due <= 0 then v_pending
                                   else round(v_pending::numeric * least(v_received, v_due) / v_due)::bigint end - v_moved);
  end if;

  -- The piece is the bank line: its reference and its date, whatever the
  -- entry's date.
  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id, payment_id)
  values (p_pay.org_id, 'BQ', v_year, private.next_ledger_entry_number(p_pay.org_id, 'BQ', v_year),
          p_entry_date, pg_catalog.left(coalesce(p_pay.external_ref, v_inv.number), 200), p_pay.paid_on, v_label, v_inv.id, p_pay.id)
  returning id into v_entry_id;

  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, aux_number, aux_label,
                                   label, debit_cents, credit_cents, invoice_id)
  select p_pay.org_id, v_entry_id, row_number() over (order by x.ord), x.account, private.account_label(p_settings, x.account),
         x.aux, case when x.aux is not null then pg_catalog.left(v_client, 200) end, v_label, x.debit, x.credit, v_inv.id
  from (values
    (1, p_from_account, null::text, p_pay.amount_cents, 0::bigint),
    (2, p_settings.account_clients, v_aux, 0::bigint, p_pay.amount_cents),
    (3, p_settings.account_vat_pending, null::text, v_transfer, 0::bigint),
    (4, p_settings.account_vat_collected, null::text, 0::bigint, v_transfer)
  ) as x (ord, account, aux, debit, credit)
  where x.debit > 0 or x.credit > 0;

  perform private.letter_invoice(p_pay.org_id, v_inv.id, p_entry_date);
  return v_entry_id;
end;
$$;
revoke all on function private.post_payment_settlement(private.accounting_settings, public.payments, text, date, text) from public;

-- Writes the BQ entry of a receipt not assigned to an invoice yet: debit the
-- bank, credit the suspense account, at the payment date. No invoice, no
-- auxiliary account. The settings row is locked by the caller.
create function private.post_unassigned_receipt(p_settings private.accounting_settings, p_pay public.payments) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_entry_id uuid;
  v_year     integer := extract(year from p_pay.paid_on);
  v_label    text := pg_catalog.left(pg_catalog.format('Encaissement à affecter %s',
                                       coalesce(p_pay.external_ref, private.format_cents(p_pay.amount_cents))), 500);
begin
  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, payment_id)
  values (p_pay.org_id, 'BQ', v_year, private.next_ledger_entry_number(p_pay.org_id, 'BQ', v_year),
          p_pay.paid_on, pg_catalog.left(coalesce(p_pay.external_ref, p_pay.id::text), 200), p_pay.paid_on, v_label, p_pay.id)
  returning id into v_entry_id;

  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, label, debit_cents, credit_cents)
  values (p_pay.org_id, v_entry_id, 1, p_settings.account_bank, private.account_label(p_settings, p_settings.account_bank),
          v_label, p_pay.amount_cents, 0),
         (p_pay.org_id, v_entry_id, 2, p_settings.account_suspense, private.account_label(p_settings, p_settings.account_suspense),
          v_label, 0, p_pay.amount_cents);
  return v_entry_id;
end;
$$;
revoke all on function private.post_unassigned_receipt(private.accounting_settings, public.payments) from public;

-- Posts a payment: unassigned, its receipt on the suspense account; assigned
-- to an invoice after its receipt was posted, the move out of the suspense
-- account it was posted on, dated the day of the matching in the
-- organization's time zone (never before the payment date: the suspense
-- account is not credited before it was debited); assigned from the start,
-- bank to client at the payment date.
create or replace function private.post_payment(p_payment_id uuid) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_pay      public.payments;
  v_settings private.accounting_settings;
  v_suspense text;
  v_today    date;
begin
  select * into v_pay from public.payments p where p.id = p_payment_id;
  v_settings := private.lock_accounting_settings(v_pay.org_id);
  if v_pay.invoice_id is null then
    return private.post_unassigned_receipt(v_settings, v_pay);
  end if;

  -- The account the receipt credited (the mapping may have changed since).
  select l.account_number into v_suspense
  from public.ledger_entries e
  join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
  where e.org_id = v_pay.org_id and e.payment_id = v_pay.id and e.invoice_id is null and l.credit_cents > 0;
  if v_suspense is null then
    return private.post_payment_settlement(v_settings, v_pay, v_settings.account_bank, v_pay.paid_on, 'Règlement');
  end if;
  select (pg_catalog.now() at time zone o.timezone)::date into v_today
  from public.organizations o where o.id = v_pay.org_id;
  return private.post_payment_settlement(v_settings, v_pay, v_suspense, greatest(v_today, v_pay.paid_on), 'Affectation règlement');
end;
$$;

comment on function private.post_matched_payment() is
  'Trigger: posts a payment (private.post_payment) when it is recorded, with or without its invoice, and when an unassigned one is matched.';

comment on table public.ledger_entries is
  'Accounting entries (journals VT sales, AV credit notes, BQ bank), posted by the database when invoices are issued, payments recorded (on the suspense account until matched) and matched; numbered gaplessly per journal and fiscal year; never changed nor removed.';

-- Every recorded payment posts now, not only those recorded with an invoice.
drop trigger payments_50_ledger_insert on public.payments;
create trigger payments_50_ledger_insert after insert on public.payments
  for each row execute function private.post_matched_payment();

-- The receipts of the payments unmatched today, in paid_on then id order
-- (per organization; each organization's BQ numbers continue its own counter).
do $$
declare
  v_payment uuid;
begin
  for v_payment in
    select p.id from public.payments p where p.invoice_id is null order by p.org_id, p.paid_on, p.id
  loop
    perform private.post_payment(v_payment);
  end loop;
end;
$$;

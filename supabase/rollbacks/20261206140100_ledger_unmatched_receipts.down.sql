-- Down file of supabase/migrations/20261206140100_ledger_unmatched_receipts.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- The receipts the migration (and every payment since) posted are ledger
-- entries: append-only, numbered, maybe already exported in a FEC. A down file
-- does not unpost them: it refuses while any exists (a development database
-- is reset instead, `npm run db:reset`).
do $$
begin
  if exists (select from public.ledger_entries e where e.payment_id is not null and e.invoice_id is null) then
    raise exception 'Receipts are posted on the suspense account: the ledger is append-only, this migration cannot be undone here'
      using errcode = '55000';
  end if;
end;
$$;

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger payments_50_ledger_insert on public.payments;

-- objects it created, dependents first
drop function private.post_unassigned_receipt(p_settings private.accounting_settings, p_pay public.payments);
drop function private.post_payment_settlement(p_settings private.accounting_settings, p_pay public.payments, p_from_account text, p_entry_date date, p_label_prefix text);

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.post_payment(p_payment_id uuid)
 RETURNS uuid
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_pay      public.payments;
  v_inv      public.invoices;
  v_settings private.accounting_settings;
  v_client   text;
  v_aux      text;
  v_entry_id uuid;
  v_label    text;
  v_year     integer;
  v_pending  bigint := 0;
  v_due      bigint;
  v_received bigint;
  v_moved    bigint;
  v_transfer bigint := 0;
begin
  select * into v_pay from public.payments p where p.id = p_payment_id;
  select * into v_inv from public.invoices i where i.org_id = v_pay.org_id and i.id = v_pay.invoice_id;
  v_settings := private.lock_accounting_settings(v_pay.org_id);
  select c.name into v_client from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id;
  v_aux := private.client_aux_number(v_inv.org_id, v_inv.client_id);
  v_year := extract(year from v_pay.paid_on);
  v_label := pg_catalog.left(pg_catalog.format('Règlement %s %s', v_inv.number, v_client), 500);

  if v_settings.vat_on_receipts then
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
      and l.account_number = v_settings.account_vat_pending;
    v_transfer := greatest(0, case when v_due <= 0 then v_pending
                                   else round(v_pending::numeric * least(v_received, v_due) / v_due)::bigint end - v_moved);
  end if;

  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id, payment_id)
  values (v_pay.org_id, 'BQ', v_year, private.next_ledger_entry_number(v_pay.org_id, 'BQ', v_year),
          v_pay.paid_on, pg_catalog.left(coalesce(v_pay.external_ref, v_inv.number), 200), v_pay.paid_on, v_label, v_inv.id, v_pay.id)
  returning id into v_entry_id;

  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, aux_number, aux_label,
                                   label, debit_cents, credit_cents, invoice_id)
  select v_pay.org_id, v_entry_id, row_number() over (order by x.ord), x.account, private.account_label(v_settings, x.account),
         x.aux, case when x.aux is not null then pg_catalog.left(v_client, 200) end, v_label, x.debit, x.credit, v_inv.id
  from (values
    (1, v_settings.account_bank, null::text, v_pay.amount_cents, 0::bigint),
    (2, v_settings.account_clients, v_aux, 0::bigint, v_pay.amount_cents),
    (3, v_settings.account_vat_pending, null::text, v_transfer, 0::bigint),
    (4, v_settings.account_vat_collected, null::text, 0::bigint, v_transfer)
  ) as x (ord, account, aux, debit, credit)
  where x.debit > 0 or x.credit > 0;

  perform private.letter_invoice(v_pay.org_id, v_inv.id, v_pay.paid_on);
  return v_entry_id;
end;
$function$;


-- triggers, policies, constraints and indexes it replaced, as they were
CREATE TRIGGER payments_50_ledger_insert AFTER INSERT ON public.payments FOR EACH ROW WHEN ((new.invoice_id IS NOT NULL)) EXECUTE FUNCTION private.post_matched_payment();

-- comments it changed on existing objects
comment on function private.post_matched_payment() is null;
comment on table public.ledger_entries is
  'Accounting entries (journals VT sales, AV credit notes, BQ bank), posted by the database when invoices are issued and payments matched; numbered gaplessly per journal and fiscal year; never changed nor removed.';

-- Down file of supabase/migrations/20261207120000_payment_corrections.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- Corrections are ledger entries: append-only, numbered, maybe already
-- exported in a FEC. A down file does not unpost them: it refuses while any
-- exists (a development database is reset instead, `npm run db:reset`).
do $$
begin
  if exists (select from public.payment_corrections) then
    raise exception 'Payments were corrected (unassigned or reversed) in the ledger: the ledger is append-only, this migration cannot be undone here'
      using errcode = '55000';
  end if;
end;
$$;

-- rows it wrote into tables that existed before it
delete from private.api_errors where code = 'payment_reversed';
delete from private.api_errors where code = 'payment_not_assigned';
delete from private.permission_matrix where table_name = 'public.payment_corrections' and role = 'owner' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.payment_corrections' and role = 'admin' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.payment_corrections' and role = 'accountant' and operation = 'select';
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.unassign_payment(uuid,text)';
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.reverse_payment(uuid,text)';

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger invoices_61_log_payment_status_back on public.invoices;
alter table public.invoice_log drop constraint invoice_log_event_check;
alter table public.payments drop constraint payments_unmatched_has_ref;
alter table public.payments drop constraint payments_reversed_unmatched;

-- columns it added to existing tables
alter table public.payments drop column unassigned_at;
alter table public.payments drop column reversed_at;

-- objects it created, dependents first
drop table public.payment_corrections;
drop function public.reverse_payment(p_payment_id uuid, p_reason text);
drop function public.unassign_payment(p_payment_id uuid, p_reason text);
drop function private.correct_payment(p_payment_id uuid, p_kind text, p_reason text);
drop function private.payment_status_after_correction(p_org_id uuid, p_invoice_id uuid);
drop function private.post_payment_correction(p_settings private.accounting_settings, p_pay public.payments, p_kind text, p_entry_date date, p_reason text);
drop function private.post_payment_entry(p_settings private.accounting_settings, p_pay public.payments, p_inv public.invoices, p_entry_date date, p_label text, p_debit text, p_credit text, p_transfer bigint);
drop function private.vat_transfer_lines(p_settings private.accounting_settings, p_transfer bigint);
drop function private.payment_account(p_pay public.payments, p_class text);
drop function private.vat_on_receipts_transfer(p_settings private.accounting_settings, p_invoice_id uuid);
drop function private.log_invoice_payment_status_back();
drop function private.trusted_context(p_setting text);

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.guard_invoice_updates()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_op    text := case when current_user::text not in ('anon', 'authenticated')
                         then coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') else '' end;
  v_send  constant text[] := array['status', 'pdf_sha256', 'sent_at', 'updated_at', 'series', 'total_ttc_cents'];
  v_pdf   constant text[] := array['pdf_sha256', 'updated_at', 'series', 'total_ttc_cents'];
  v_pay   constant text[] := array['status', 'paid_at', 'updated_at', 'series', 'total_ttc_cents'];
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', old.number, old.status));
    end if;
    return old;
  end if;

  if old.status = 'draft' then
    if new.id <> old.id or new.org_id <> old.org_id then
      perform private.raise_api_error('rule_violation', 'An invoice cannot move to another organization');
    end if;
    if v_op = 'issue' then
      return new;  -- the issuing UPDATE of issue_invoice()
    end if;
    if (new.status, new.number, new.fiscal_year, new.sequence, new.chain_position, new.prev_hash, new.row_hash,
        new.legal_mentions, new.issued_at, new.issued_by, new.pdf_sha256, new.sent_at, new.paid_at)
       is distinct from
       (old.status, old.number, old.fiscal_year, old.sequence, old.chain_position, old.prev_hash, old.row_hash,
        old.legal_mentions, old.issued_at, old.issued_by, old.pdf_sha256, old.sent_at, old.paid_at) then
      perform private.raise_api_error('rule_violation', 'Invoice status, number and hash chain are set by issue_invoice(), mark_invoice_sent() and reconcile_payments()');
    end if;
    return new;
  end if;

  -- Locked.
  if v_op = 'pdf'
     and old.status = 'issued' and new.status = 'issued'
     and old.pdf_sha256 is null and new.pdf_sha256 is not null
     and (pg_catalog.to_jsonb(new) - v_pdf) = (pg_catalog.to_jsonb(old) - v_pdf) then
    return new;
  end if;
  if v_op = 'send'
     and old.status = 'issued' and new.status = 'sent'
     and new.pdf_sha256 is not null and (old.pdf_sha256 is null or old.pdf_sha256 = new.pdf_sha256)
     and old.sent_at is null and new.sent_at is not null
     and (pg_catalog.to_jsonb(new) - v_send) = (pg_catalog.to_jsonb(old) - v_send) then
    return new;
  end if;
  if v_op = 'payment'
     and old.status in ('sent', 'partially_paid') and new.status in ('partially_paid', 'paid') and new.status > old.status
     and old.paid_at is null and (new.paid_at is not null) = (new.status = 'paid')
     and (pg_catalog.to_jsonb(new) - v_pay) = (pg_catalog.to_jsonb(old) - v_pay) then
    return new;
  end if;
  perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', old.number, old.status));
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_payments()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_inv   public.invoices;
  v_entry text;
begin
  if tg_op = 'DELETE' then
    if old.invoice_id is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is matched to an invoice and cannot be deleted', coalesce(old.external_ref, old.id::text)));
    end if;
    select e.journal_code || ' ' || e.fiscal_year || '-' || e.entry_number into v_entry
    from public.ledger_entries e where e.org_id = old.org_id and e.payment_id = old.id
    order by e.validated_at limit 1;
    if v_entry is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is posted to the bank journal (entry %s) and cannot be deleted', coalesce(old.external_ref, old.id::text), v_entry));
    end if;
    return old;
  end if;

  if tg_op = 'UPDATE' then
    -- Only one change exists: matching an unmatched payment to an invoice.
    if old.invoice_id is not null or new.invoice_id is null
       or (pg_catalog.to_jsonb(new) - array['invoice_id', 'matched_at']) <> (pg_catalog.to_jsonb(old) - array['invoice_id', 'matched_at']) then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is recorded: only matching an unmatched payment to an invoice is allowed', coalesce(old.external_ref, old.id::text)));
    end if;
    new.matched_at := now();
  else
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.matched_at := case when new.invoice_id is not null then now() end;
  end if;

  if new.invoice_id is not null then
    select * into v_inv from public.invoices i where i.org_id = new.org_id and i.id = new.invoice_id;
    if found and v_inv.kind <> 'invoice' then
      perform private.raise_api_error('rule_violation', pg_catalog.format('A payment cannot be recorded against a credit note (%s)', v_inv.number));
    end if;
    if found and v_inv.status = 'draft' then
      perform private.raise_api_error('rule_violation', 'A payment cannot be recorded against a draft invoice');
    end if;
    -- Not found: the foreign key refuses it.
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION public.reconcile_payments(p_org_id uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_report jsonb;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'reconcile_payments', pg_catalog.format('Organization %s', p_org_id));

  -- 1. Move covered invoices forward. Only rows whose status actually changes
  --    are updated, so a second run writes nothing.
  perform pg_catalog.set_config('terrain.invoicing_op', 'payment', true);
  with pos as (
    select i.id,
           i.status,
           i.total_ttc_cents - coalesce((select sum(c.total_ttc_cents) from public.invoices c
                                         where c.org_id = i.org_id and c.credited_invoice_id = i.id
                                           and c.kind = 'credit_note' and c.status <> 'draft'), 0) as due_cents,
           coalesce((select sum(p.amount_cents) from public.payments p
                     where p.org_id = i.org_id and p.invoice_id = i.id), 0) as received_cents
    from public.invoices i
    where i.org_id = p_org_id and i.kind = 'invoice' and i.status in ('sent', 'partially_paid')
  ),
  target as (
    select ps.id,
           case when ps.received_cents >= ps.due_cents then 'paid'::public.invoice_status
                when ps.received_cents > 0 then 'partially_paid'::public.invoice_status
                else ps.status end as status
    from pos ps
  )
  update public.invoices i
  set status = t.status,
      paid_at = case when t.status = 'paid' then now() end
  from target t
  where i.id = t.id and i.org_id = p_org_id and t.status > i.status;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);

  -- 2. The report, from the state after step 1.
  with pos as (
    select i.id, i.number, i.status, i.sequence, i.fiscal_year,
           i.total_ttc_cents - coalesce((select sum(c.total_ttc_cents) from public.invoices c
                                         where c.org_id = i.org_id and c.credited_invoice_id = i.id
                                           and c.kind = 'credit_note' and c.status <> 'draft'), 0) as due_cents,
           coalesce((select sum(p.amount_cents) from public.payments p
                     where p.org_id = i.org_id and p.invoice_id = i.id), 0) as received_cents
    from public.invoices i
    where i.org_id = p_org_id and i.kind = 'invoice' and i.status <> 'draft'
  )
  select pg_catalog.jsonb_build_object(
    'org_id', p_org_id,
    'paid_count', (select count(*) from pos where status = 'paid'),
    'partial', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'status', status, 'due_cents', due_cents,
               'received_cents', received_cents, 'remaining_cents', due_cents - received_cents)
             order by fiscal_year, sequence)
      from pos where status <> 'issued' and received_cents > 0 and received_cents < due_cents), '[]'::jsonb),
    'overpaid', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'status', status, 'due_cents', due_cents,
               'received_cents', received_cents, 'excess_cents', received_cents - due_cents)
             order by fiscal_year, sequence)
      from pos where status <> 'issued' and received_cents > due_cents), '[]'::jsonb),
    'awaiting_pdf', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'due_cents', due_cents, 'received_cents', received_cents)
             order by fiscal_year, sequence)
      from pos where status = 'issued' and received_cents > 0), '[]'::jsonb),
    'unmatched', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'payment_id', p.id, 'external_ref', p.external_ref, 'amount_cents', p.amount_cents,
               'paid_on', p.paid_on, 'method', p.method, 'label', p.label)
             order by p.paid_on, p.external_ref)
      from public.payments p where p.org_id = p_org_id and p.invoice_id is null), '[]'::jsonb)
  ) into v_report
  from (select 1) as one;

  return v_report;
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_ledger_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_op text := case when current_user::text not in ('anon', 'authenticated')
                    then coalesce(pg_catalog.current_setting('terrain.ledger_op', true), '') else '' end;
begin
  -- Read through jsonb: one function guards both tables, and a ledger_entries
  -- record has no lettering fields to name.
  if tg_op = 'UPDATE' and tg_table_name = 'ledger_lines' and v_op = 'lettering'
     and pg_catalog.to_jsonb(old) ->> 'lettering_code' is null
     and pg_catalog.to_jsonb(new) ->> 'lettering_code' is not null
     and pg_catalog.to_jsonb(new) ->> 'lettering_date' is not null
     and (pg_catalog.to_jsonb(new) - array['lettering_code', 'lettering_date'])
         = (pg_catalog.to_jsonb(old) - array['lettering_code', 'lettering_date']) then
    return new;
  end if;
  perform private.raise_api_error('append_only',
    pg_catalog.format('Ledger %s are never changed nor removed (%s refused): post a correcting entry instead',
                      pg_catalog.replace(tg_table_name, 'ledger_', ''), tg_op));
  return null; -- not reached: raise_api_error never returns
end;
$function$;

CREATE OR REPLACE FUNCTION private.post_payment(p_payment_id uuid)
 RETURNS uuid
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.post_payment_settlement(p_settings private.accounting_settings, p_pay public.payments, p_from_account text, p_entry_date date, p_label_prefix text)
 RETURNS uuid
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;


-- triggers, policies, constraints and indexes it replaced, as they were
alter table public.payments add constraint payments_unmatched_has_ref CHECK (((invoice_id IS NOT NULL) OR (external_ref IS NOT NULL)));
alter table public.invoice_log add constraint invoice_log_event_check CHECK ((event = ANY (ARRAY['issued'::text, 'credit_note_issued'::text, 'pdf_hashed'::text, 'sent'::text, 'payment_status'::text, 'payment_received'::text, 'payment_matched'::text])));

-- comments it changed on existing objects
comment on table public.ledger_lines is 'Lines of ledger entries, in integer cents: exactly one of debit and credit is positive; each entry balances (checked at commit). Only lettering (code and date, set once) ever changes.';
comment on function private.guard_invoice_updates() is 'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward moves: PDF hash recorded once, send, payment; only drafts can be deleted.';
comment on function private.guard_payments() is 'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is never changed nor deleted; an unmatched one can be matched once, and deleted only while no ledger entry holds it.';

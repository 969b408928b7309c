-- Correcting a payment already in the ledger (README.md, "Accounting").
--
-- A payment is posted when it is recorded, and the ledger is append-only: a
-- wrong assignment, or a bank line imported by mistake, could not be undone.
-- French bookkeeping never edits an entry: it corrects with a new one. Two
-- corrections, each a new BQ entry dated the day of the correction (the
-- organization's time zone, never before the payment date), with a reason:
--   * unassign_payment(payment, reason): the payment was assigned to the
--     wrong invoice. The entry moves the amount back from the client's 411
--     (auxiliary account) to the suspense account, and under VAT on receipts
--     moves the VAT the payment had transferred back from 44571 to 44574. The
--     payment is unmatched again (it can be assigned to the right invoice),
--     the invoice's 411 lines lose their lettering (re-lettered if they still
--     balance), and the invoice's status moves back (paid → partially paid →
--     sent) as its remaining payments say.
--   * reverse_payment(payment, reason): the bank line itself was wrong
--     ("contre-passation"). The entry credits the bank the payment debited,
--     and debits where the amount sits now: the suspense account, or the
--     client's 411 (with the VAT moved back, unlettering and the invoice's
--     status as above). The payment stays, marked reversed; it is never
--     matched again.
-- Each correction is a row of payment_corrections (kind, reason, entry, who,
-- when; audited) and an event of the invoice log.
--
-- No fiscal period is locked in this schema (the closing report is a
-- statement, not a lock): a correction is dated the day it is made, so a
-- closed month's entries are never touched anyway.
--
-- What else changes so that a payment can go back:
--   * VAT on receipts is computed on the net of what the BQ entries moved
--     (debits minus credits on 44574), so a later payment after a correction
--     moves the right share;
--   * the account a payment sits on is read off its entries' net balance (a
--     payment recorded with its invoice and unassigned later sits on the
--     suspense account without a receipt entry of its own);
--   * the ledger lines' lettering can be removed, by the database only, in a
--     correction (the one other change a ledger line ever sees);
--   * the invoice guard allows a status to move back, in a correction only;
--   * the reconciliation report does not list reversed payments as unmatched;
--   * the payments guard is no longer SECURITY DEFINER, so that the context
--     setting a correction uses cannot be claimed by an API role (the guards
--     read it through private.trusted_context).

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('payment_reversed', 409, 'P0001',
   'The payment was reversed (contre-passé): it cannot be matched, unassigned nor reversed again.'),
  ('payment_not_assigned', 409, 'P0001',
   'The payment is not assigned to an invoice: there is no assignment to cancel.');

-- ---------------------------------------------------------------------------
-- Payments: unassigned and reversed
-- ---------------------------------------------------------------------------

alter table public.payments
  -- The last time an assignment was cancelled (unassign_payment, or
  -- reverse_payment of an assigned payment).
  add column unassigned_at timestamptz,
  -- Set once by reverse_payment: the bank line was wrong; the payment stays.
  add column reversed_at timestamptz,
  add constraint payments_reversed_unmatched check (reversed_at is null or invoice_id is null),
  drop constraint payments_unmatched_has_ref,
  -- An unmatched payment names its bank line, unless it was matched once (a
  -- payment recorded with its invoice, without a reference, then unassigned).
  add constraint payments_unmatched_has_ref check (invoice_id is not null or external_ref is not null or unassigned_at is not null);

comment on column public.payments.unassigned_at is 'When its assignment to an invoice was last cancelled (unassign_payment, reverse_payment); null if never.';
comment on column public.payments.reversed_at is 'When the payment was reversed (reverse_payment: a bank line recorded by mistake); a reversed payment is unmatched for good.';

-- The history of corrections: one row per unassign_payment / reverse_payment.
-- No write grant: written by those functions only, never changed.
create table public.payment_corrections (
  id          uuid primary key default gen_random_uuid(),
  -- No cascade: kept with the ledger entries it explains.
  org_id      uuid not null references public.organizations (id),
  payment_id  uuid not null,
  kind        text not null check (kind in ('unassign', 'reverse')),
  -- The invoice the payment was assigned to when corrected (null: a reversal of an unmatched payment).
  invoice_id  uuid,
  -- The correcting BQ entry.
  entry_id    uuid not null,
  reason      text not null,
  created_by  uuid,
  created_at  timestamptz not null default now(),
  constraint payment_corrections_reason check (length(btrim(reason)) between 3 and 500 and reason !~ '[[:cntrl:]]'),
  constraint payment_corrections_unassign_has_invoice check (kind <> 'unassign' or invoice_id is not null),
  constraint payment_corrections_payment_fkey foreign key (org_id, payment_id) references public.payments (org_id, id),
  constraint payment_corrections_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id),
  constraint payment_corrections_entry_fkey foreign key (org_id, entry_id) references public.ledger_entries (org_id, id)
);
-- The policy filters on org_id; the payments screen reads a payment's corrections.
create index payment_corrections_payment_idx on public.payment_corrections (org_id, payment_id, created_at);
-- The foreign keys to the ledger entry and the invoice (deletes there check them).
create index payment_corrections_entry_idx on public.payment_corrections (org_id, entry_id);
create index payment_corrections_invoice_idx on public.payment_corrections (org_id, invoice_id);
-- A payment is reversed once (the payment row says so too; this holds it under concurrency).
create unique index payment_corrections_one_reversal on public.payment_corrections (org_id, payment_id) where kind = 'reverse';
comment on table public.payment_corrections is
  'Corrections of posted payments (unassign_payment, reverse_payment): kind, reason, the correcting BQ entry, who and when. Written by those functions only; never changed.';

alter table public.payment_corrections enable row level security;
create policy payment_corrections_select on public.payment_corrections for select to authenticated using (
  org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[]));
grant select on table public.payment_corrections to authenticated, service_role;
-- Audited as every table is (rows are only ever inserted: no write grant).
select audit.enable_for('public.payment_corrections');

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.payment_corrections', 'owner', 'select', 'org', 'Written by unassign_payment and reverse_payment only; never changed.'),
  ('public.payment_corrections', 'admin', 'select', 'org', 'Written by unassign_payment and reverse_payment only; never changed.'),
  ('public.payment_corrections', 'accountant', 'select', 'org', 'Written by unassign_payment and reverse_payment only; never changed.');

-- The invoice log records corrections too.
alter table public.invoice_log drop constraint invoice_log_event_check;
alter table public.invoice_log add constraint invoice_log_event_check check (event in (
  'issued', 'credit_note_issued', 'pdf_hashed', 'sent', 'payment_status', 'payment_received', 'payment_matched',
  'payment_unassigned', 'payment_reversed'));

-- ---------------------------------------------------------------------------
-- Guards
-- ---------------------------------------------------------------------------

-- The value of a transaction-local context setting (terrain.payment_op,
-- terrain.ledger_op, terrain.invoicing_op) that the guards honour only for
-- trusted code: empty when the current user is an API role, which can set any
-- such setting itself. Not SECURITY DEFINER on purpose (current_user must stay
-- the caller's), nor may its callers be.
create function private.trusted_context(p_setting text) returns text
  language sql stable
  set search_path = ''
as $$
  select case when current_user::text not in ('anon', 'authenticated')
              then coalesce(pg_catalog.current_setting(p_setting, true), '') else '' end
$$;
revoke all on function private.trusted_context(text) from public;
grant execute on function private.trusted_context(text) to authenticated, service_role;

-- As before, plus: a reversed payment is never matched again, and the
-- correction context (transaction-local terrain.payment_op = 'correction',
-- honoured only for trusted code, as terrain.ledger_op is) may clear the
-- invoice and set unassigned_at / reversed_at, nothing else.
-- No longer SECURITY DEFINER, on purpose: inside a definer function
-- current_user is the owner, so an API role that sets the setting would pass
-- for trusted code. The writers it serves (owner, admin, accountant; the
-- service role) read the invoices and ledger entries it looks up.
create or replace function private.guard_payments() returns trigger
  language plpgsql security invoker
  set search_path = ''
as $$
declare
  v_inv   public.invoices;
  v_entry text;
  v_op    text := private.trusted_context('terrain.payment_op');
  v_fixed constant text[] := array['invoice_id', 'matched_at', 'unassigned_at', 'reversed_at'];
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
    if v_op = 'correction'
       and new.invoice_id is null and old.reversed_at is null
       and (pg_catalog.to_jsonb(new) - v_fixed) = (pg_catalog.to_jsonb(old) - v_fixed) then
      new.matched_at := null;
      return new;
    end if;
    if old.reversed_at is not null then
      perform private.raise_api_error('payment_reversed', pg_catalog.format('Payment %s was reversed: it cannot be matched nor changed', coalesce(old.external_ref, old.id::text)));
    end if;
    -- Otherwise one change exists: matching an unmatched payment to an invoice.
    if old.invoice_id is not null or new.invoice_id is null
       or (pg_catalog.to_jsonb(new) - array['invoice_id', 'matched_at']) <> (pg_catalog.to_jsonb(old) - array['invoice_id', 'matched_at']) then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is recorded: only matching an unmatched payment to an invoice is allowed', coalesce(old.external_ref, old.id::text)));
    end if;
    new.matched_at := now();
  else
    if new.unassigned_at is not null or new.reversed_at is not null then
      perform private.raise_api_error('rule_violation', 'A payment is recorded as received: unassign_payment and reverse_payment correct it later');
    end if;
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
$$;
comment on function private.guard_payments() is 'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is changed only by unassign_payment / reverse_payment, and never deleted; an unmatched one can be matched (unless reversed), and deleted only while no ledger entry holds it.';

-- As before, plus the correction context (terrain.ledger_op = 'unlettering'):
-- a lettered line loses its code and date, nothing else changes.
create or replace function private.guard_ledger_changes() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  v_op   text := private.trusted_context('terrain.ledger_op');
  v_lets constant text[] := array['lettering_code', 'lettering_date'];
begin
  -- Read through jsonb: one function guards both tables, and a ledger_entries
  -- record has no lettering fields to name.
  if tg_op = 'UPDATE' and tg_table_name = 'ledger_lines' and v_op = 'lettering'
     and pg_catalog.to_jsonb(old) ->> 'lettering_code' is null
     and pg_catalog.to_jsonb(new) ->> 'lettering_code' is not null
     and pg_catalog.to_jsonb(new) ->> 'lettering_date' is not null
     and (pg_catalog.to_jsonb(new) - v_lets) = (pg_catalog.to_jsonb(old) - v_lets) then
    return new;
  end if;
  if tg_op = 'UPDATE' and tg_table_name = 'ledger_lines' and v_op = 'unlettering'
     and pg_catalog.to_jsonb(old) ->> 'lettering_code' is not null
     and pg_catalog.to_jsonb(new) ->> 'lettering_code' is null
     and pg_catalog.to_jsonb(new) ->> 'lettering_date' is null
     and (pg_catalog.to_jsonb(new) - v_lets) = (pg_catalog.to_jsonb(old) - v_lets) then
    return new;
  end if;
  perform private.raise_api_error('append_only',
    pg_catalog.format('Ledger %s are never changed nor removed (%s refused): post a correcting entry instead',
                      pg_catalog.replace(tg_table_name, 'ledger_', ''), tg_op));
  return null; -- not reached: raise_api_error never returns
end;
$$;

comment on table public.ledger_lines is
  'Lines of ledger entries, in integer cents: exactly one of debit and credit is positive; each entry balances (checked at commit). Only lettering (code and date) ever changes: set by the database once an invoice''s client lines balance, removed by a payment correction.';

-- As before, plus the backward move of a correction ('payment_reversal'):
-- partially paid or paid → sent or partially paid, paid_at cleared.
create or replace function private.guard_invoice_updates() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  v_op    text := private.trusted_context('terrain.invoicing_op');
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
  if v_op = 'payment_reversal'
     and old.status in ('partially_paid', 'paid') and new.status in ('sent', 'partially_paid') and new.status < old.status
     and new.paid_at is null
     and (pg_catalog.to_jsonb(new) - v_pay) = (pg_catalog.to_jsonb(old) - v_pay) then
    return new;
  end if;
  perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', old.number, old.status));
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$$;
comment on function private.guard_invoice_updates() is
  'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward moves (PDF hash recorded once, send, payment) and a payment correction moving the payment status back; only drafts can be deleted.';

-- The invoice log already records a move to partially paid or paid; a
-- correction can also move an invoice back to sent.
create function private.log_invoice_payment_status_back() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
begin
  perform private.append_invoice_log(new.org_id, 'payment_status', new.id, null,
    pg_catalog.jsonb_build_object('number', new.number, 'status', new.status));
  return null;
end;
$$;
revoke all on function private.log_invoice_payment_status_back() from public;
create trigger invoices_61_log_payment_status_back after update of status on public.invoices
  for each row when (old.status in ('partially_paid', 'paid') and new.status = 'sent')
  execute function private.log_invoice_payment_status_back();

-- ---------------------------------------------------------------------------
-- Postings
-- ---------------------------------------------------------------------------

-- VAT on receipts: the service VAT still to move from 44574 to 44571 for an
-- invoice (negative: to move back), so that what the BQ entries moved in all
-- (debits minus credits on 44574) is the share its current payments cover.
-- Computed on running totals, so rounding never drifts and the last payment
-- moves the rest. Zero without VAT on receipts.
create function private.vat_on_receipts_transfer(p_settings private.accounting_settings, p_invoice_id uuid) returns bigint
  language plpgsql stable
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_pending  bigint;
  v_due      bigint;
  v_received bigint;
  v_moved    bigint;
begin
  if not p_settings.vat_on_receipts then
    return 0;
  end if;
  select * into v_inv from public.invoices i where i.org_id = p_settings.org_id and i.id = p_invoice_id;
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
  select coalesce(sum(l.debit_cents - l.credit_cents), 0) into v_moved
  from public.ledger_entries e
  join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
  where e.org_id = v_inv.org_id and e.invoice_id = v_inv.id and e.journal_code = 'BQ'
    and l.account_number = p_settings.account_vat_pending;
  return case when v_due <= 0 then v_pending
              else round(v_pending::numeric * least(v_received, v_due) / v_due)::bigint end - v_moved;
end;
$$;
revoke all on function private.vat_on_receipts_transfer(private.accounting_settings, uuid) from public;

-- The account of a class (bank '51', suspense '47') where a payment's entries
-- leave its amount: the bank its receipt debited, the suspense account it
-- sits on. Null if none (a payment recorded with its invoice is on no
-- suspense account). Read off the entries, not the settings: the mapping may
-- have changed since.
create function private.payment_account(p_pay public.payments, p_class text) returns text
  language sql stable
  set search_path = ''
as $$
  select l.account_number
  from public.ledger_entries e
  join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
  where e.org_id = p_pay.org_id and e.payment_id = p_pay.id and pg_catalog.left(l.account_number, 2) = p_class
  group by l.account_number
  having sum(l.debit_cents - l.credit_cents) <> 0
  order by pg_catalog.abs(sum(l.debit_cents - l.credit_cents)) desc, l.account_number
  limit 1
$$;
revoke all on function private.payment_account(public.payments, text) from public;

-- The lines of a VAT-on-receipts transfer: positive, 44574 → 44571; negative, back.
create function private.vat_transfer_lines(p_settings private.accounting_settings, p_transfer bigint)
  returns table (ord integer, account text, debit bigint, credit bigint)
  language sql immutable
  set search_path = ''
as $$
  select x.ord, x.account, x.debit, x.credit
  from (values
    (3, p_settings.account_vat_pending, greatest(p_transfer, 0), greatest(-p_transfer, 0)),
    (4, p_settings.account_vat_collected, greatest(-p_transfer, 0), greatest(p_transfer, 0))
  ) as x (ord, account, debit, credit)
  where p_transfer <> 0
$$;
revoke all on function private.vat_transfer_lines(private.accounting_settings, bigint) from public;

-- Writes one BQ entry of a payment (the piece is its bank line: its
-- reference, or the invoice's number, and its date, whatever the entry's
-- date): the amount debited to p_debit and credited to p_credit (the client's
-- 411 carries its auxiliary account), then the VAT-on-receipts transfer
-- (positive: 44574 → 44571; negative: back). Every line carries the invoice,
-- if any. An account the mapping no longer names (a receipt on a suspense or
-- bank account changed since) is labelled by its class.
create function private.post_payment_entry(
  p_settings private.accounting_settings,
  p_pay public.payments,
  p_inv public.invoices,
  p_entry_date date,
  p_label text,
  p_debit text,
  p_credit text,
  p_transfer bigint
) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_client   text;
  v_aux      text;
  v_entry_id uuid;
  v_label    text := pg_catalog.left(p_label, 500);
  v_year     integer := extract(year from p_entry_date);
begin
  if p_inv.id is not null then
    select c.name into v_client from public.clients c where c.org_id = p_inv.org_id and c.id = p_inv.client_id;
    v_aux := private.client_aux_number(p_inv.org_id, p_inv.client_id);
  end if;

  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id, payment_id)
  values (p_pay.org_id, 'BQ', v_year, private.next_ledger_entry_number(p_pay.org_id, 'BQ', v_year),
          p_entry_date, pg_catalog.left(coalesce(p_pay.external_ref, p_inv.number, p_pay.id::text), 200), p_pay.paid_on,
          v_label, p_inv.id, p_pay.id)
  returning id into v_entry_id;

  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, aux_number, aux_label,
                                   label, debit_cents, credit_cents, invoice_id)
  select p_pay.org_id, v_entry_id, row_number() over (order by x.ord), x.account,
         coalesce(private.account_label(p_settings, x.account),
                  case pg_catalog.left(x.account, 2) when '51' then 'Banque' when '47' then 'Compte d''attente' end),
         x.aux, case when x.aux is not null then pg_catalog.left(v_client, 200) end, v_label, x.debit, x.credit, p_inv.id
  from (
    values (1, p_debit, case when p_debit = p_settings.account_clients then v_aux end, p_pay.amount_cents, 0::bigint),
           (2, p_credit, case when p_credit = p_settings.account_clients then v_aux end, 0::bigint, p_pay.amount_cents)
    union all
    select t.ord, t.account, null, t.debit, t.credit from private.vat_transfer_lines(p_settings, p_transfer) t
  ) as x (ord, account, aux, debit, credit)
  where x.debit > 0 or x.credit > 0;
  return v_entry_id;
end;
$$;
revoke all on function private.post_payment_entry(private.accounting_settings, public.payments, public.invoices, date, text, text, text, bigint) from public;

-- As before (20261206140100), written by post_payment_entry, the VAT transfer
-- computed by vat_on_receipts_transfer on the net of what earlier entries moved.
create or replace function private.post_payment_settlement(
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
  v_entry_id uuid;
begin
  select * into v_inv from public.invoices i where i.org_id = p_pay.org_id and i.id = p_pay.invoice_id;
  v_entry_id := private.post_payment_entry(p_settings, p_pay, v_inv, p_entry_date,
    pg_catalog.format('%s %s %s', p_label_prefix, v_inv.number,
                      (select c.name from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id)),
    p_from_account, p_settings.account_clients, private.vat_on_receipts_transfer(p_settings, v_inv.id));
  perform private.letter_invoice(p_pay.org_id, v_inv.id, p_entry_date);
  return v_entry_id;
end;
$$;

-- As before (20261206140100), the suspense account read off the payment's
-- net balance: a payment unassigned after it was recorded with its invoice
-- sits on the suspense account without a receipt entry of its own.
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

  v_suspense := private.payment_account(v_pay, '47');
  if v_suspense is null then
    return private.post_payment_settlement(v_settings, v_pay, v_settings.account_bank, v_pay.paid_on, 'Règlement');
  end if;
  select (pg_catalog.now() at time zone o.timezone)::date into v_today
  from public.organizations o where o.id = v_pay.org_id;
  return private.post_payment_settlement(v_settings, v_pay, v_suspense, greatest(v_today, v_pay.paid_on), 'Affectation règlement');
end;
$$;

-- Writes the correcting BQ entry of a payment (p_pay: the row before the
-- correction, p_pay.invoice_id its invoice or null), dated p_entry_date:
--   assigned, unassign → debit 411 (auxiliary), credit the suspense account;
--   assigned, reverse  → debit 411 (auxiliary), credit the bank it came from;
--   either, the VAT it moved goes back (the payment no longer counts);
--   unassigned, reverse → debit the suspense account it sits on, credit the bank.
-- An assigned invoice's lettering is removed first, and re-computed after.
-- The payment row is already unmatched; the settings row is locked by the caller.
create function private.post_payment_correction(
  p_settings private.accounting_settings,
  p_pay public.payments,
  p_kind text,
  p_entry_date date,
  p_reason text
) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_entry_id uuid;
  v_ref      text := coalesce(p_pay.external_ref, private.format_cents(p_pay.amount_cents));
  v_bank     text := coalesce(private.payment_account(p_pay, '51'), p_settings.account_bank);
begin
  if p_pay.invoice_id is null then
    return private.post_payment_entry(p_settings, p_pay, null, p_entry_date,
      pg_catalog.format('Contre-passation encaissement %s : %s', v_ref, p_reason),
      coalesce(private.payment_account(p_pay, '47'), p_settings.account_suspense), v_bank, 0);
  end if;

  select * into v_inv from public.invoices i where i.org_id = p_pay.org_id and i.id = p_pay.invoice_id;
  -- Délettrage: the invoice's client lines are no longer settled as they were.
  perform pg_catalog.set_config('terrain.ledger_op', 'unlettering', true);
  update public.ledger_lines l set lettering_code = null, lettering_date = null
  where l.org_id = p_pay.org_id and l.invoice_id = v_inv.id
    and l.account_number = p_settings.account_clients and l.lettering_code is not null;
  perform pg_catalog.set_config('terrain.ledger_op', '', true);

  v_entry_id := private.post_payment_entry(p_settings, p_pay, v_inv, p_entry_date,
    pg_catalog.format('%s %s %s %s : %s',
      case p_kind when 'unassign' then 'Annulation affectation' else 'Contre-passation règlement' end, v_ref, v_inv.number,
      (select c.name from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id), p_reason),
    p_settings.account_clients, case p_kind when 'unassign' then p_settings.account_suspense else v_bank end,
    private.vat_on_receipts_transfer(p_settings, v_inv.id));
  perform private.letter_invoice(p_pay.org_id, v_inv.id, p_entry_date);
  return v_entry_id;
end;
$$;
revoke all on function private.post_payment_correction(private.accounting_settings, public.payments, text, date, text) from public;

-- Moves an invoice's payment status back to what its payments (net of issued
-- credit notes) now cover: paid → partially paid → sent. Never forward (that
-- is reconcile_payments'), never from issued (not sent, no payment status).
create function private.payment_status_after_correction(p_org_id uuid, p_invoice_id uuid) returns public.invoice_status
  language plpgsql
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_due      bigint;
  v_received bigint;
  v_status   public.invoice_status;
begin
  select * into v_inv from public.invoices i where i.org_id = p_org_id and i.id = p_invoice_id for update;
  if v_inv.status not in ('partially_paid', 'paid') then
    return v_inv.status;
  end if;
  select v_inv.total_ttc_cents - coalesce(sum(c.total_ttc_cents), 0) into v_due
  from public.invoices c
  where c.org_id = p_org_id and c.credited_invoice_id = p_invoice_id and c.kind = 'credit_note' and c.status <> 'draft';
  select coalesce(sum(p.amount_cents), 0) into v_received
  from public.payments p where p.org_id = p_org_id and p.invoice_id = p_invoice_id;
  v_status := case when v_received >= v_due then 'paid'::public.invoice_status
                   when v_received > 0 then 'partially_paid'::public.invoice_status
                   else 'sent'::public.invoice_status end;
  if v_status >= v_inv.status then
    return v_inv.status;
  end if;
  perform pg_catalog.set_config('terrain.invoicing_op', 'payment_reversal', true);
  update public.invoices i set status = v_status, paid_at = null
  where i.org_id = p_org_id and i.id = p_invoice_id;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);
  return v_status;
end;
$$;
revoke all on function private.payment_status_after_correction(uuid, uuid) from public;

-- One correction: checks, the payment unmatched (and reversed), the entry,
-- the invoice's status, the correction row, the log event.
create function private.correct_payment(p_payment_id uuid, p_kind text, p_reason text) returns jsonb
  language plpgsql
  set search_path = ''
as $$
declare
  v_action   text := case p_kind when 'unassign' then 'unassign_payment' else 'reverse_payment' end;
  v_org_id   uuid;
  v_reason   text := btrim(p_reason);
  v_settings private.accounting_settings;
  v_pay      public.payments;
  v_entry_id uuid;
  v_entry    public.ledger_entries;
  v_status   public.invoice_status;
  v_number   text;
  v_today    date;
begin
  select p.org_id into v_org_id from public.payments p where p.id = p_payment_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Payment %s not found', p_payment_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      v_action, pg_catalog.format('Payment %s', p_payment_id));
  if v_reason is null or v_reason = '' then
    perform private.raise_api_error('missing_parameter', pg_catalog.format('%s requires a reason (it is written in the ledger entry)', v_action));
  end if;
  if length(v_reason) not between 3 and 500 or v_reason ~ '[[:cntrl:]]' then
    perform private.raise_api_error('invalid_parameter', 'The reason must be 3 to 500 characters on one line');
  end if;

  -- The payment, then the organization's settings row (on which its postings
  -- serialize): the order a matching UPDATE takes them in (its row, then the
  -- posting trigger's lock), so a correction and a matching never deadlock.
  select * into v_pay from public.payments p where p.id = p_payment_id for update;
  v_settings := private.lock_accounting_settings(v_org_id);
  if v_pay.reversed_at is not null then
    perform private.raise_api_error('payment_reversed', pg_catalog.format('Payment %s was already reversed on %s',
      coalesce(v_pay.external_ref, v_pay.id::text), pg_catalog.to_char(v_pay.reversed_at, 'YYYY-MM-DD')));
  end if;
  if p_kind = 'unassign' and v_pay.invoice_id is null then
    perform private.raise_api_error('payment_not_assigned', pg_catalog.format('Payment %s is not assigned to an invoice',
      coalesce(v_pay.external_ref, v_pay.id::text)));
  end if;
  select i.number into v_number from public.invoices i where i.org_id = v_org_id and i.id = v_pay.invoice_id;

  -- The audit rows of this correction (the payment's update, the correction row) carry its reason.
  perform pg_catalog.set_config('terrain.audit_reason', v_reason, true);
  perform pg_catalog.set_config('terrain.payment_op', 'correction', true);
  update public.payments p
  set invoice_id = null,
      unassigned_at = case when v_pay.invoice_id is not null then now() else p.unassigned_at end,
      reversed_at = case when p_kind = 'reverse' then now() end
  where p.id = p_payment_id;
  perform pg_catalog.set_config('terrain.payment_op', '', true);

  select (pg_catalog.now() at time zone o.timezone)::date into v_today from public.organizations o where o.id = v_org_id;
  v_entry_id := private.post_payment_correction(v_settings, v_pay, p_kind, greatest(v_today, v_pay.paid_on), v_reason);
  select * into v_entry from public.ledger_entries e where e.org_id = v_org_id and e.id = v_entry_id;
  if v_pay.invoice_id is not null then
    v_status := private.payment_status_after_correction(v_org_id, v_pay.invoice_id);
  end if;

  insert into public.payment_corrections (org_id, payment_id, kind, invoice_id, entry_id, reason, created_by)
  values (v_org_id, v_pay.id, p_kind, v_pay.invoice_id, v_entry_id, v_reason, auth.uid());
  perform pg_catalog.set_config('terrain.audit_reason', '', true);

  perform private.append_invoice_log(v_org_id,
    case p_kind when 'unassign' then 'payment_unassigned' else 'payment_reversed' end, v_pay.invoice_id, v_pay.id,
    pg_catalog.jsonb_build_object('invoice_number', v_number, 'amount_cents', v_pay.amount_cents,
      'external_ref', v_pay.external_ref, 'reason', v_reason,
      'entry', pg_catalog.format('BQ %s-%s', v_entry.fiscal_year, v_entry.entry_number)));

  return pg_catalog.jsonb_build_object(
    'payment_id', v_pay.id, 'kind', p_kind, 'invoice_id', v_pay.invoice_id, 'invoice_number', v_number,
    'invoice_status', v_status, 'entry_id', v_entry_id, 'journal_code', v_entry.journal_code,
    'fiscal_year', v_entry.fiscal_year, 'entry_number', v_entry.entry_number, 'entry_date', v_entry.entry_date);
end;
$$;
revoke all on function private.correct_payment(uuid, text, text) from public;

create function public.unassign_payment(p_payment_id uuid, p_reason text) returns jsonb
  language sql security definer
  set search_path = ''
as $$
  select private.correct_payment(p_payment_id, 'unassign', p_reason)
$$;
comment on function public.unassign_payment(uuid, text) is
  'RPC (owner, admin, accountant): cancels a payment''s assignment to an invoice, with a reason: a BQ entry moves it from the client (411) back to the suspense account, the invoice is unlettered and its status moves back; the payment can be assigned again.';
revoke all on function public.unassign_payment(uuid, text) from public;
grant execute on function public.unassign_payment(uuid, text) to authenticated, service_role;

create function public.reverse_payment(p_payment_id uuid, p_reason text) returns jsonb
  language sql security definer
  set search_path = ''
as $$
  select private.correct_payment(p_payment_id, 'reverse', p_reason)
$$;
comment on function public.reverse_payment(uuid, text) is
  'RPC (owner, admin, accountant): reverses a payment recorded by mistake (contre-passation), with a reason: a BQ entry credits the bank and debits the suspense account or the client (the invoice then unlettered and its status moved back); the payment stays, marked reversed.';
revoke all on function public.reverse_payment(uuid, text) from public;
grant execute on function public.reverse_payment(uuid, text) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.unassign_payment(uuid,text)',
   'private.correct_payment checks the caller is an owner, admin or accountant of the payment''s organization (private.authorize_invoicing); definer to post to the append-only ledger and move the invoice status the guards reserve to the database.'),
  ('authenticated_security_definer_function_executable', 'public.reverse_payment(uuid,text)',
   'private.correct_payment checks the caller is an owner, admin or accountant of the payment''s organization (private.authorize_invoicing); definer to post to the append-only ledger and move the invoice status the guards reserve to the database.');

-- ---------------------------------------------------------------------------
-- Reconciliation: a reversed payment is not waiting for an invoice
-- ---------------------------------------------------------------------------
-- As before (20261201008000), the unmatched list without reversed payments.
CREATE OR REPLACE FUNCTION public.reconcile_payments(p_org_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
      from public.payments p where p.org_id = p_org_id and p.invoice_id is null and p.reversed_at is null), '[]'::jsonb)
  ) into v_report
  from (select 1) as one;

  return v_report;
end;
$$;

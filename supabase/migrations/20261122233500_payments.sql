-- =============================================================================
-- Payments and their reconciliation with invoices.
--
-- A payment is money received: recorded against an issued invoice, or
-- imported from a bank statement without a match yet (invoice_id null,
-- external_ref = the bank's transaction reference, unique per organization so
-- a statement imported twice does not count twice). An unmatched payment can
-- later be matched to an invoice, once. A matched payment is part of the
-- accounting record: it is neither edited nor deleted (a refund goes through
-- a credit note); an unmatched one can be deleted (a wrong import).
--
-- reconcile_payments(org) moves invoices forward (sent → partially_paid →
-- paid) from the amounts, net of issued credit notes, and reports what needs a
-- human: partially paid, over-paid, unmatched payments, payments on invoices
-- whose PDF is not sent yet. The report describes the state, not the changes,
-- so a second run changes nothing and reports exactly the same.
-- =============================================================================

create table public.payments (
  id           uuid primary key default gen_random_uuid(),
  org_id       uuid not null references public.organizations (id),
  -- null: imported and not matched to an invoice yet.
  invoice_id   uuid,
  amount_cents bigint not null check (amount_cents > 0 and amount_cents <= 100000000000),
  method       text not null check (method in ('transfer', 'card', 'cheque', 'cash', 'direct_debit')),
  paid_on      date not null,
  -- Bank transaction id, cheque number, card authorization…
  external_ref text check (external_ref is null or length(btrim(external_ref)) between 1 and 200),
  -- The free text of the bank line (helps a human match it).
  label        text check (label is null or length(label) <= 500),
  -- Who recorded it. No foreign key: the record outlives the account.
  created_by   uuid,
  created_at   timestamptz not null default now(),
  matched_at   timestamptz,
  constraint payments_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id),
  constraint payments_org_id_id_key unique (org_id, id),
  constraint payments_external_ref_key unique (org_id, external_ref),
  -- An unmatched payment must be identifiable on the statement.
  constraint payments_unmatched_has_ref check (invoice_id is not null or external_ref is not null)
);
comment on table public.payments is
  'Money received: against an issued invoice, or imported unmatched (invoice_id null, external_ref unique per organization).';
create index payments_invoice_idx on public.payments (org_id, invoice_id) where invoice_id is not null;
-- The reconciliation report and the matching screen list unmatched payments.
create index payments_unmatched_idx on public.payments (org_id, paid_on) where invoice_id is null;

-- BEFORE INSERT OR UPDATE OR DELETE on payments.
create function private.guard_payments()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inv public.invoices;
begin
  if tg_op = 'DELETE' then
    if old.invoice_id is not null then
      raise exception 'Payment % is matched to an invoice and cannot be deleted', coalesce(old.external_ref, old.id::text)
        using errcode = 'P0001';
    end if;
    return old;
  end if;

  if tg_op = 'UPDATE' then
    -- Only one change exists: matching an unmatched payment to an invoice.
    if old.invoice_id is not null or new.invoice_id is null
       or (pg_catalog.to_jsonb(new) - array['invoice_id', 'matched_at']) <> (pg_catalog.to_jsonb(old) - array['invoice_id', 'matched_at']) then
      raise exception 'Payment % is recorded: only matching an unmatched payment to an invoice is allowed',
        coalesce(old.external_ref, old.id::text) using errcode = 'P0001';
    end if;
    new.matched_at := now();
  else
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.matched_at := case when new.invoice_id is not null then now() end;
  end if;

  if new.invoice_id is not null then
    select * into v_inv from public.invoices i where i.org_id = new.org_id and i.id = new.invoice_id;
    if found and v_inv.kind <> 'invoice' then
      raise exception 'A payment cannot be recorded against a credit note (%)', v_inv.number using errcode = 'P0001';
    end if;
    if found and v_inv.status = 'draft' then
      raise exception 'A payment cannot be recorded against a draft invoice' using errcode = 'P0001';
    end if;
    -- Not found: the foreign key refuses it.
  end if;
  return new;
end;
$$;
comment on function private.guard_payments() is
  'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is never changed nor deleted; '
  'an unmatched one can be matched once or deleted.';

create trigger payments_guard before insert or update or delete on public.payments
  for each row execute function private.guard_payments();

-- -----------------------------------------------------------------------------
-- reconcile_payments
-- -----------------------------------------------------------------------------

-- For every issued invoice of the organization:
--   net due  = total TTC − issued credit notes crediting it
--   received = sum of its payments
-- received ≥ net due → paid; 0 < received < net due → partially_paid (only
-- from sent/partially_paid: an invoice counts as sent, and can be paid, only
-- once its PDF hash is recorded). Status never moves back.
-- Report (jsonb, lists ordered by number / paid_on):
--   paid_count      invoices in status paid
--   partial         [{invoice_id, number, status, due_cents, received_cents, remaining_cents}]
--   overpaid        [{invoice_id, number, status, due_cents, received_cents, excess_cents}]
--   unmatched       [{payment_id, external_ref, amount_cents, paid_on, method, label}]
--   awaiting_pdf    [{invoice_id, number, due_cents, received_cents}]  issued, not sent, with money received
-- Roles: owner, admin, accountant (or the system actor, e.g. a nightly job).
create function public.reconcile_payments(p_org_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
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
$$;
comment on function public.reconcile_payments(uuid) is
  'RPC: marks invoices paid / partially paid from their payments net of credit notes; reports partial, over-paid, '
  'unmatched payments and payments awaiting the PDF. Idempotent. Roles owner, admin, accountant.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.reconcile_payments(uuid) from public, anon;
grant execute on function public.reconcile_payments(uuid) to authenticated, service_role;

alter table public.payments enable row level security;

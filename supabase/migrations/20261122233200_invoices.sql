-- =============================================================================
-- Invoices and credit notes (DESIGN.md invariants 2, 3, 4), their lines, the
-- totals the database computes, and the lock that makes issued documents
-- immutable. Issuing (numbering, legal mentions, hash chain) is the next
-- migration; credit-note rules and payments follow.
--
-- Status graph (forward only):
--   draft ──issue_invoice()──▶ issued ──mark_invoice_sent()──▶ sent ──▶ partially_paid ──▶ paid
--                                                                  └──────────────────────▶ paid
-- * draft: freely edited and deleted; no number.
-- * issued: numbered, legal mentions frozen, chained; the PDF is being rendered
--   (it must carry the number, so it can only exist after issuing).
-- * sent: the PDF exists and its SHA-256 is recorded (invariant 4: required
--   before an invoice counts as sent).
-- * partially_paid / paid: set by reconcile_payments() from the payments.
-- issued and every later status are LOCKED: nothing changes any more except
-- the forward moves above, each through its function. Credit notes stop at
-- sent (a credit note is not paid; it reduces what its invoice asks for).
--
-- Amounts are integer cents, never negative; a credit note carries positive
-- amounts and its kind says it is a credit. Line rounding: see the quotes
-- migration (per line, half up; document totals are sums of line amounts).
-- =============================================================================

create type public.invoice_kind as enum ('invoice', 'credit_note');
comment on type public.invoice_kind is 'invoice (series FAC) or credit_note (avoir, series AV).';

-- Declared in graph order: status > old status means "moved forward".
create type public.invoice_status as enum ('draft', 'issued', 'sent', 'partially_paid', 'paid');
comment on type public.invoice_status is
  'draft → issued → sent → partially_paid → paid (forward only; issued and later are locked). Credit notes stop at sent.';

create table public.invoices (
  id                  uuid primary key default gen_random_uuid(),
  -- No cascade: issued invoices are kept 10 years (C. com. L123-22); deleting
  -- an organization that has some must fail, not erase them.
  org_id              uuid not null references public.organizations (id),
  client_id           uuid not null,
  kind                public.invoice_kind not null default 'invoice',
  series              text not null generated always as (case kind when 'invoice' then 'FAC' else 'AV' end) stored,
  -- For credit notes: the invoice they correct (same organization and client).
  credited_invoice_id uuid,
  status              public.invoice_status not null default 'draft',
  -- Assigned by issue_invoice(); null while draft.
  number              text,
  fiscal_year         integer,
  sequence            bigint,
  -- issue_date defaults to the issuing day in the organization's timezone;
  -- service_date is the date of the service (mandatory mention); due_date
  -- defaults to issue_date + the client's or organization's payment terms.
  issue_date          date,
  service_date        date,
  due_date            date,
  payment_terms       text check (payment_terms is null or length(payment_terms) <= 500),
  notes               text check (notes is null or length(notes) <= 10000),
  -- Computed from invoice_lines by triggers; a client write is refused (428C9).
  total_ht_cents      bigint not null default 0 check (total_ht_cents >= 0),
  total_vat_cents     bigint not null default 0 check (total_vat_cents >= 0),
  total_ttc_cents     bigint generated always as (total_ht_cents + total_vat_cents) stored,
  -- Snapshot of the legal identities and texts printed on the document, taken
  -- at issue (the organization may move later; the invoice must not change).
  legal_mentions      jsonb,
  -- Drafts: "ready to issue" as far as the mentions go. Issued: always true
  -- (issuing is refused otherwise).
  legal_mentions_ok   boolean not null default false,
  -- Per-organization hash chain over all issued documents in issue order.
  chain_position      bigint,
  prev_hash           text check (prev_hash is null or prev_hash ~ '^[0-9a-f]{64}$'),
  row_hash            text check (row_hash is null or row_hash ~ '^[0-9a-f]{64}$'),
  -- SHA-256 (hex) of the PDF that was sent; set once by mark_invoice_sent().
  pdf_sha256          text check (pdf_sha256 is null or pdf_sha256 ~ '^[0-9a-f]{64}$'),
  issued_at           timestamptz,
  sent_at             timestamptz,
  paid_at             timestamptz,
  -- Who drafted and who issued. No foreign keys on purpose: the record
  -- outlives the accounts, and "on delete set null" would rewrite locked rows.
  created_by          uuid,
  issued_by           uuid,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  constraint invoices_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id),
  constraint invoices_org_id_id_key unique (org_id, id),
  -- Target of the credit-note key below: a credit note's invoice has the same client.
  constraint invoices_org_client_id_key unique (org_id, client_id, id),
  constraint invoices_credited_invoice_fkey foreign key (org_id, client_id, credited_invoice_id)
    references public.invoices (org_id, client_id, id),
  constraint invoices_number_key unique (org_id, number),
  constraint invoices_credit_note_reference check ((kind = 'credit_note') = (credited_invoice_id is not null)),
  constraint invoices_credit_note_no_payment_status check (kind = 'invoice' or status in ('draft', 'issued', 'sent')),
  -- A draft has nothing of an issued document; an issued one has all of it.
  constraint invoices_issued_fields check (
    (status = 'draft'
      and number is null and fiscal_year is null and sequence is null and chain_position is null
      and prev_hash is null and row_hash is null and legal_mentions is null and issued_at is null)
    or (status <> 'draft'
      and sequence >= 1 and fiscal_year = extract(year from issue_date)
      and number = private.document_number(case kind when 'invoice' then 'FAC' else 'AV' end, fiscal_year, sequence)
      and issue_date is not null and service_date is not null and due_date is not null
      and legal_mentions is not null and legal_mentions_ok and issued_at is not null
      and chain_position >= 1 and row_hash is not null and (prev_hash is null) = (chain_position = 1))
  ),
  -- Invariant 4: no invoice counts as sent without the hash of its PDF.
  constraint invoices_sent_has_pdf check (
    (status in ('sent', 'partially_paid', 'paid')) = (pdf_sha256 is not null and sent_at is not null)
    and (pdf_sha256 is null) = (sent_at is null)
  ),
  constraint invoices_paid_at check ((status = 'paid') = (paid_at is not null)),
  constraint invoices_due_after_issue check (due_date is null or issue_date is null or due_date >= issue_date)
);
comment on table public.invoices is
  'Invoices (FAC) and credit notes (AV): numbered gaplessly at issue, locked from then on, hash-chained per organization; totals computed from invoice_lines.';
comment on column public.invoices.series is 'FAC for invoices, AV for credit notes (derived from kind).';
comment on column public.invoices.legal_mentions is
  'Frozen at issue: seller and buyer identities, payment terms, early-payment discount, late-penalty rate and text, '
  'the 40 EUR recovery indemnity sentence (C. com. D441-5), and for a credit note the number and date of the invoice it corrects.';
comment on column public.invoices.row_hash is
  'sha256(prev_hash || private.invoice_canonical(row)), hex. Recomputed by verify_invoice_chain().';

-- Invariant 2, whatever happens upstream: one number per series and year.
-- Partial (issued documents only): drafts have no number, and issue_invoice()
-- reads "the last issued document of the series" as the first entry of a
-- backward scan, which must not wade through drafts first.
create unique index invoices_sequence_key on public.invoices (org_id, series, fiscal_year, sequence)
  where sequence is not null;
create unique index invoices_chain_position_key on public.invoices (org_id, chain_position)
  where chain_position is not null;
-- Credit notes of an invoice (sum rule, reconciliation; also serves the foreign key).
create index invoices_credited_idx on public.invoices (org_id, credited_invoice_id, client_id)
  where credited_invoice_id is not null;
-- Overdue alerts (7 / 30 days) scan only unpaid sent invoices.
create index invoices_unpaid_due_idx on public.invoices (org_id, due_date)
  where kind = 'invoice' and status in ('sent', 'partially_paid');
-- Issued but not yet sent: the PDF job's queue.
create index invoices_awaiting_pdf_idx on public.invoices (org_id, issued_at) where status = 'issued';

create table public.invoice_lines (
  id               uuid primary key default gen_random_uuid(),
  org_id           uuid not null,
  invoice_id       uuid not null,
  position         integer not null default 1 check (position between 1 and 10000),
  description      text not null check (length(btrim(description)) between 1 and 2000),
  quantity         numeric(12, 3) not null check (quantity > 0),
  unit             text not null default 'u' check (length(btrim(unit)) between 1 and 10),
  unit_price_cents bigint not null check (unit_price_cents between 0 and 100000000000),
  vat_rate         public.fr_vat_rate not null default 20.0,
  line_ht_cents    bigint generated always as (round(quantity * unit_price_cents)::bigint) stored,
  line_vat_cents   bigint generated always as (round(round(quantity * unit_price_cents) * vat_rate / 100)::bigint) stored,
  -- Where the line comes from (bulk invoicing of missions). The keys to
  -- timesheets and stock_items are added with those tables' link migration.
  mission_id       uuid,
  timesheet_id     uuid,
  stock_item_id    uuid,
  created_at       timestamptz not null default now(),
  constraint invoice_lines_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id) on delete cascade,
  constraint invoice_lines_mission_fkey foreign key (org_id, mission_id) references public.missions (org_id, id),
  constraint invoice_lines_org_id_id_key unique (org_id, id)
);
comment on table public.invoice_lines is
  'Lines of an invoice or credit note. line_ht = round(quantity × unit price), line_vat = round(line_ht × rate / 100), half up, per line.';
create index invoice_lines_invoice_idx on public.invoice_lines (org_id, invoice_id, position);
create index invoice_lines_mission_idx on public.invoice_lines (org_id, mission_id) where mission_id is not null;
create index invoice_lines_timesheet_idx on public.invoice_lines (org_id, timesheet_id) where timesheet_id is not null;
create index invoice_lines_stock_item_idx on public.invoice_lines (org_id, stock_item_id) where stock_item_id is not null;

-- -----------------------------------------------------------------------------
-- Legal mentions (CGI ann. II art. 242 nonies A; C. com. L441-9, L441-10, D441-5)
-- -----------------------------------------------------------------------------

-- What is missing for the invoice to carry every mandatory mention, as
-- readable labels (empty array: complete). The number is not listed: issuing
-- assigns it, and the check constraint guarantees every issued row has one.
-- Issue date and due date count only for an issued row: issuing fills them
-- from the issuing day and the payment terms when the draft leaves them empty.
-- The indemnity and penalty sentences are generated (invoice_legal_mentions),
-- so what can be missing is the data they need: the penalty rate.
create function private.invoice_missing_mentions(p_inv public.invoices)
returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  select array_remove(array[
    case when nullif(btrim(o.name), '') is null then 'seller name' end,
    case when nullif(btrim(o.address_line1), '') is null or nullif(btrim(o.postal_code), '') is null
              or nullif(btrim(o.city), '') is null then 'seller address' end,
    case when o.siren is null then 'seller SIREN' end,
    case when o.vat_number is null then 'seller VAT number' end,
    case when o.late_penalty_rate is null then 'late-payment penalty rate' end,
    case when nullif(btrim(c.name), '') is null then 'client name' end,
    case when nullif(btrim(c.billing_address), '') is null or nullif(btrim(c.billing_postal_code), '') is null
              or nullif(btrim(c.billing_city), '') is null then 'client address' end,
    case when p_inv.service_date is null then 'service date' end,
    case when p_inv.status <> 'draft' and p_inv.issue_date is null then 'issue date' end,
    case when p_inv.status <> 'draft' and p_inv.due_date is null then 'due date' end,
    case when p_inv.due_date > p_inv.issue_date + 60 then 'due date within 60 days of issue' end
  ], null)
  from public.organizations o
  join public.clients c on c.org_id = o.id and c.id = p_inv.client_id
  where o.id = p_inv.org_id
$$;
comment on function private.invoice_missing_mentions(public.invoices) is
  'Labels of the mandatory invoice mentions the data cannot provide yet (seller SIREN, seller VAT number, client address, …); empty when complete.';

-- -----------------------------------------------------------------------------
-- Guards and derived fields
-- -----------------------------------------------------------------------------

-- BEFORE UPDATE OR DELETE on invoices (invariant 3).
-- * Drafts: free, except the columns issuing owns (status, number, chain,
--   mentions snapshot, sent/paid markers), which only issue_invoice() sets.
-- * Issued and later: locked. The only changes are the forward moves, each
--   made by its function inside its context (transaction-local setting
--   terrain.invoicing_op, honoured only when current_user is trusted code:
--   the SECURITY DEFINER function runs as its owner, while an API role that
--   set the setting itself is still anon/authenticated; hence this trigger
--   is deliberately not SECURITY DEFINER):
--     'send'    issued → sent, pdf_sha256 and sent_at set exactly once;
--     'payment' sent → partially_paid → paid (or sent → paid), paid_at once.
--   Anything else, even a no-op UPDATE: "Invoice FAC-2026-00001 is locked (status: sent)".
-- * Only drafts can be deleted.
-- The generated columns (series, total_ttc_cents) are NULL in NEW during a
-- BEFORE trigger, so they are left out of the comparisons; they follow the
-- columns that are compared.
create function private.guard_invoice_updates()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_op    text := case when current_user::text not in ('anon', 'authenticated')
                         then coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') else '' end;
  v_send  constant text[] := array['status', 'pdf_sha256', 'sent_at', 'updated_at', 'series', 'total_ttc_cents'];
  v_pay   constant text[] := array['status', 'paid_at', 'updated_at', 'series', 'total_ttc_cents'];
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      raise exception 'Invoice % is locked (status: %)', old.number, old.status using errcode = 'P0001';
    end if;
    return old;
  end if;

  if old.status = 'draft' then
    if new.id <> old.id or new.org_id <> old.org_id then
      raise exception 'An invoice cannot move to another organization' using errcode = 'P0001';
    end if;
    if v_op = 'issue' then
      return new;  -- the issuing UPDATE of issue_invoice()
    end if;
    if (new.status, new.number, new.fiscal_year, new.sequence, new.chain_position, new.prev_hash, new.row_hash,
        new.legal_mentions, new.issued_at, new.issued_by, new.pdf_sha256, new.sent_at, new.paid_at)
       is distinct from
       (old.status, old.number, old.fiscal_year, old.sequence, old.chain_position, old.prev_hash, old.row_hash,
        old.legal_mentions, old.issued_at, old.issued_by, old.pdf_sha256, old.sent_at, old.paid_at) then
      raise exception 'Invoice status, number and hash chain are set by issue_invoice(), mark_invoice_sent() and reconcile_payments()'
        using errcode = 'P0001';
    end if;
    return new;
  end if;

  -- Locked.
  if v_op = 'send'
     and old.status = 'issued' and new.status = 'sent'
     and old.pdf_sha256 is null and new.pdf_sha256 is not null
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
  raise exception 'Invoice % is locked (status: %)', old.number, old.status using errcode = 'P0001';
end;
$$;
comment on function private.guard_invoice_updates() is
  'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward send and payment moves; only drafts can be deleted.';

-- BEFORE INSERT OR UPDATE on invoices: new invoices start as drafts; a
-- draft's totals are recomputed from its lines on every update (the lines'
-- statement trigger touches the invoice) and its legal_mentions_ok reflects
-- the current data. Client-written totals are refused like a write to a
-- generated column (428C9). Issued rows are left alone (locked).
create function private.derive_invoice_fields()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' or new.number is not null or new.sequence is not null or new.fiscal_year is not null
       or new.chain_position is not null or new.row_hash is not null or new.prev_hash is not null
       or new.legal_mentions is not null or new.issued_at is not null or new.pdf_sha256 is not null
       or new.sent_at is not null or new.paid_at is not null then
      raise exception 'New invoices start as drafts: numbers are assigned by issue_invoice()' using errcode = 'P0001';
    end if;
    if new.total_ht_cents <> 0 or new.total_vat_cents <> 0 then
      raise exception 'Invoice totals are computed by the database from its lines' using errcode = '428C9';
    end if;
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.issued_by := null;
  elsif old.status <> 'draft' then
    return new;  -- locked: guard_invoice_updates() allowed only status markers to move
  else
    if (new.total_ht_cents, new.total_vat_cents) is distinct from (old.total_ht_cents, old.total_vat_cents) then
      raise exception 'Invoice totals are computed by the database from its lines' using errcode = '428C9';
    end if;
    select coalesce(sum(l.line_ht_cents), 0), coalesce(sum(l.line_vat_cents), 0)
    into new.total_ht_cents, new.total_vat_cents
    from public.invoice_lines l
    where l.org_id = new.org_id and l.invoice_id = new.id;
  end if;

  -- For a draft: are the mentions complete (the issuing UPDATE sets true itself).
  if new.status = 'draft' then
    new.legal_mentions_ok := coalesce(cardinality(private.invoice_missing_mentions(new)) = 0, false);
  end if;
  return new;
end;
$$;
comment on function private.derive_invoice_fields() is
  'Trigger: invoices are inserted as drafts; draft totals come from the lines (never from clients); legal_mentions_ok is computed.';

-- BEFORE INSERT OR UPDATE OR DELETE on invoice_lines: only a draft's lines
-- change ("Invoice FAC-2026-00001 is locked (status: sent)" otherwise). The
-- invoice row is locked FOR NO KEY UPDATE: issue_invoice() locks it FOR
-- UPDATE, so a line written concurrently with the issue is either seen by the
-- issue (totals, hash) or refused; it can never slip in after the number.
create function private.guard_invoice_line_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id     uuid;
  v_invoice_id uuid;
  v_status     public.invoice_status;
  v_number     text;
begin
  if tg_op = 'UPDATE' and (new.invoice_id <> old.invoice_id or new.org_id <> old.org_id) then
    raise exception 'Invoice lines cannot move to another invoice' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then
    v_org_id := old.org_id; v_invoice_id := old.invoice_id;
  else
    v_org_id := new.org_id; v_invoice_id := new.invoice_id;
  end if;

  select i.status, i.number into v_status, v_number
  from public.invoices i
  where i.org_id = v_org_id and i.id = v_invoice_id
  for no key update;
  -- Not found: an insert then fails on the foreign key; a delete is the
  -- cascade of the draft's own deletion.
  if found and v_status <> 'draft' then
    raise exception 'Invoice % is locked (status: %)', v_number, v_status using errcode = 'P0001';
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;
comment on function private.guard_invoice_line_changes() is
  'Trigger (invariant 3): lines of an issued invoice cannot be inserted, updated or deleted; locks the invoice against a concurrent issue.';

-- AFTER … FOR EACH STATEMENT on invoice_lines: touch each affected draft once
-- so derive_invoice_fields() recomputes its totals.
create function private.refresh_invoice_totals()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    update public.invoices i set updated_at = now()
    where i.status = 'draft' and i.id in (select distinct o.invoice_id from old_lines o);
  else
    update public.invoices i set updated_at = now()
    where i.status = 'draft' and i.id in (select distinct n.invoice_id from new_lines n);
  end if;
  return null;
end;
$$;
comment on function private.refresh_invoice_totals() is 'Statement trigger: recomputes the totals of the invoices whose lines changed.';

-- BEFORE triggers fire in name order: the guard sees the caller's values,
-- then derived fields, then the credit-note rules (next migrations), then updated_at.
create trigger invoices_10_guard before update or delete on public.invoices
  for each row execute function private.guard_invoice_updates();
create trigger invoices_20_derive before insert or update on public.invoices
  for each row execute function private.derive_invoice_fields();
create trigger invoices_90_touch before update on public.invoices
  for each row execute function private.touch_updated_at();

create trigger invoice_lines_10_guard before insert or update or delete on public.invoice_lines
  for each row execute function private.guard_invoice_line_changes();
create trigger invoice_lines_20_totals_ins after insert on public.invoice_lines
  referencing new table as new_lines for each statement execute function private.refresh_invoice_totals();
create trigger invoice_lines_20_totals_upd after update on public.invoice_lines
  referencing new table as new_lines for each statement execute function private.refresh_invoice_totals();
create trigger invoice_lines_20_totals_del after delete on public.invoice_lines
  referencing old table as old_lines for each statement execute function private.refresh_invoice_totals();

alter table public.invoices enable row level security;
alter table public.invoice_lines enable row level security;

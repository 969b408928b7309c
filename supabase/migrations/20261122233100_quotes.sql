-- =============================================================================
-- Quotes (devis): draft → sent → accepted | rejected | expired.
--
-- A quote is numbered DEV-YYYY-NNNNN when it is sent (send_quote), with the
-- same gapless counter as invoices. Once sent its content is frozen: the
-- client accepted or refused exactly what was sent. Amounts are integer cents
-- and every total is computed by the database.
--
-- Rounding rule (shared with invoices): per line,
--   line_ht  = round(quantity × unit_price_cents)          (half up, to the cent)
--   line_vat = round(line_ht × vat_rate / 100)             (half up, to the cent)
-- and the document totals are the sums of the line amounts. Amounts are never
-- negative, so numeric round() (half away from zero) is half up. The VAT per
-- rate printed on a document is the sum of its lines' VAT at that rate.
-- =============================================================================

create type public.quote_status as enum ('draft', 'sent', 'accepted', 'rejected', 'expired');
comment on type public.quote_status is 'draft → sent → accepted | rejected | expired.';

create table public.quotes (
  id              uuid primary key default gen_random_uuid(),
  -- No cascade: deleting an organization must not silently erase what was sent to clients.
  org_id          uuid not null references public.organizations (id),
  client_id       uuid not null,
  site_id         uuid,
  title           text not null check (length(btrim(title)) between 1 and 200),
  notes           text check (notes is null or length(notes) <= 10000),
  status          public.quote_status not null default 'draft',
  -- Assigned by send_quote(); null while draft.
  number          text,
  fiscal_year     integer,
  sequence        bigint,
  -- The date the quote was sent (the date printed on it) and its validity.
  issue_date      date,
  valid_until     date,
  -- Computed from quote_lines by triggers; a client write is refused.
  total_ht_cents  bigint not null default 0 check (total_ht_cents >= 0),
  total_vat_cents bigint not null default 0 check (total_vat_cents >= 0),
  total_ttc_cents bigint generated always as (total_ht_cents + total_vat_cents) stored,
  sent_at         timestamptz,
  decided_at      timestamptz,
  -- Who drafted it. No foreign key on purpose: the record outlives the
  -- account, and "on delete set null" would have to rewrite a locked row.
  created_by      uuid,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint quotes_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id),
  constraint quotes_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id),
  constraint quotes_org_id_id_key unique (org_id, id),
  constraint quotes_number_key unique (org_id, number),
  -- A draft carries no number; anything sent carries a well-formed one for its year.
  constraint quotes_numbering check (
    (status = 'draft' and number is null and fiscal_year is null and sequence is null and issue_date is null and sent_at is null)
    or (status <> 'draft' and sequence >= 1 and issue_date is not null and sent_at is not null
        and fiscal_year = extract(year from issue_date)
        and number = private.document_number('DEV', fiscal_year, sequence))
  ),
  constraint quotes_decided check ((status in ('accepted', 'rejected', 'expired')) = (decided_at is not null)),
  constraint quotes_validity check (valid_until is null or issue_date is null or valid_until >= issue_date),
  constraint quotes_sent_has_validity check (status = 'draft' or valid_until is not null)
);
comment on table public.quotes is
  'Quotes (devis) sent to clients: numbered DEV-YYYY-NNNNN when sent, frozen afterwards; totals computed from quote_lines.';
comment on column public.quotes.total_ttc_cents is 'total_ht_cents + total_vat_cents; both maintained from the lines.';

-- Gapless numbering is also guaranteed by the index, whatever happens upstream.
create unique index quotes_sequence_key on public.quotes (org_id, fiscal_year, sequence) where sequence is not null;
create index quotes_client_idx on public.quotes (org_id, client_id);
create index quotes_site_idx on public.quotes (org_id, site_id) where site_id is not null;
-- Expiry (sent quotes past their validity) scans only open quotes.
create index quotes_open_idx on public.quotes (org_id, valid_until) where status = 'sent';

create table public.quote_lines (
  id               uuid primary key default gen_random_uuid(),
  org_id           uuid not null,
  quote_id         uuid not null,
  position         integer not null default 1 check (position between 1 and 10000),
  description      text not null check (length(btrim(description)) between 1 and 2000),
  quantity         numeric(12, 3) not null check (quantity > 0),
  unit             text not null default 'u' check (length(btrim(unit)) between 1 and 10),
  -- Up to one billion euros per unit: far beyond any real price, well inside bigint.
  unit_price_cents bigint not null check (unit_price_cents between 0 and 100000000000),
  vat_rate         public.fr_vat_rate not null default 20.0,
  line_ht_cents    bigint generated always as (round(quantity * unit_price_cents)::bigint) stored,
  line_vat_cents   bigint generated always as (round(round(quantity * unit_price_cents) * vat_rate / 100)::bigint) stored,
  created_at       timestamptz not null default now(),
  constraint quote_lines_quote_fkey foreign key (org_id, quote_id) references public.quotes (org_id, id) on delete cascade,
  constraint quote_lines_org_id_id_key unique (org_id, id)
);
comment on table public.quote_lines is
  'Lines of a quote. line_ht = round(quantity × unit price), line_vat = round(line_ht × rate / 100), half up, per line.';
create index quote_lines_quote_idx on public.quote_lines (org_id, quote_id, position);

-- -----------------------------------------------------------------------------
-- Guards
-- -----------------------------------------------------------------------------

-- BEFORE UPDATE OR DELETE on quotes. Drafts are free, except the columns
-- send_quote() owns. Sent quotes are frozen; only the decision moves.
-- Not SECURITY DEFINER on purpose: the send context (transaction-local
-- setting terrain.invoicing_op) is honoured only when current_user is trusted
-- code (send_quote() runs as its owner), never for an API role that would
-- set the setting itself.
create function private.guard_quote_updates()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  -- Columns a decision may change; everything else is frozen once sent.
  -- total_ttc_cents is generated: NULL in NEW during a BEFORE trigger, so it is
  -- left out of the comparison (it follows the two totals that are compared).
  v_decision_cols constant text[] := array['status', 'decided_at', 'updated_at', 'total_ttc_cents'];
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      raise exception 'Quote % is locked (status: %)', old.number, old.status using errcode = 'P0001';
    end if;
    return old;
  end if;

  if new.id <> old.id or new.org_id <> old.org_id then
    raise exception 'A quote cannot move to another organization' using errcode = 'P0001';
  end if;

  if old.status = 'draft' then
    -- send_quote() sets its context for the single UPDATE that sends.
    if coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') = 'quote_send'
       and current_user::text not in ('anon', 'authenticated') then
      return new;
    end if;
    if new.status <> 'draft' then
      raise exception 'Invalid quote transition: draft → % (quotes are sent with send_quote())', new.status using errcode = 'P0001';
    end if;
    if (new.number, new.fiscal_year, new.sequence, new.issue_date, new.sent_at, new.decided_at)
       is distinct from (old.number, old.fiscal_year, old.sequence, old.issue_date, old.sent_at, old.decided_at) then
      raise exception 'Quote numbers and dates are set by send_quote()' using errcode = 'P0001';
    end if;
    return new;
  end if;

  -- Sent or decided: the content is what the client saw.
  if (pg_catalog.to_jsonb(new) - v_decision_cols) is distinct from (pg_catalog.to_jsonb(old) - v_decision_cols)
     or new.status = old.status then
    raise exception 'Quote % is locked (status: %)', old.number, old.status using errcode = 'P0001';
  end if;
  if not (old.status = 'sent' and new.status in ('accepted', 'rejected', 'expired')) then
    raise exception 'Invalid quote transition: % → %', old.status, new.status using errcode = 'P0001';
  end if;
  if new.status = 'accepted' and private.org_today(new.org_id) > old.valid_until then
    raise exception 'Quote % expired on %: it can no longer be accepted', old.number, old.valid_until using errcode = 'P0001';
  end if;
  new.decided_at := now();
  return new;
end;
$$;
comment on function private.guard_quote_updates() is
  'Trigger: drafts are editable (not their number); sent quotes are frozen except sent → accepted | rejected | expired; only drafts can be deleted.';

-- BEFORE INSERT OR UPDATE on quotes: new quotes start as drafts, and the
-- totals of a draft are recomputed from its lines on every update (the lines'
-- statement trigger touches the quote). A client-supplied total is refused
-- with the SQLSTATE of a write to a generated column.
create function private.derive_quote_fields()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' or new.number is not null or new.sequence is not null or new.fiscal_year is not null
       or new.issue_date is not null or new.sent_at is not null or new.decided_at is not null then
      raise exception 'New quotes start as drafts: numbers are assigned by send_quote()' using errcode = 'P0001';
    end if;
    if new.total_ht_cents <> 0 or new.total_vat_cents <> 0 then
      raise exception 'Quote totals are computed by the database from its lines' using errcode = '428C9';
    end if;
    new.created_by := coalesce(auth.uid(), new.created_by);
    return new;
  end if;

  if old.status <> 'draft' then
    return new;  -- frozen: guard_quote_updates() already refused any content change
  end if;
  if (new.total_ht_cents, new.total_vat_cents) is distinct from (old.total_ht_cents, old.total_vat_cents) then
    raise exception 'Quote totals are computed by the database from its lines' using errcode = '428C9';
  end if;
  select coalesce(sum(l.line_ht_cents), 0), coalesce(sum(l.line_vat_cents), 0)
  into new.total_ht_cents, new.total_vat_cents
  from public.quote_lines l
  where l.org_id = new.org_id and l.quote_id = new.id;
  return new;
end;
$$;
comment on function private.derive_quote_fields() is
  'Trigger: quotes are inserted as drafts; draft totals are recomputed from the lines and never written by clients.';

-- BEFORE INSERT OR UPDATE OR DELETE on quote_lines: only a draft's lines
-- change. The quote row is locked (FOR NO KEY UPDATE) so a concurrent
-- send_quote() either sees this line or refuses it: it can never send a total
-- that misses a line committed a moment later.
create function private.guard_quote_line_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id   uuid;
  v_quote_id uuid;
  v_status   public.quote_status;
  v_number   text;
begin
  if tg_op = 'UPDATE' and (new.quote_id <> old.quote_id or new.org_id <> old.org_id) then
    raise exception 'Quote lines cannot move to another quote' using errcode = 'P0001';
  end if;
  if tg_op = 'DELETE' then
    v_org_id := old.org_id; v_quote_id := old.quote_id;
  else
    v_org_id := new.org_id; v_quote_id := new.quote_id;
  end if;

  select q.status, q.number into v_status, v_number
  from public.quotes q
  where q.org_id = v_org_id and q.id = v_quote_id
  for no key update;
  -- Not found: an insert fails on the foreign key; a delete is the cascade of
  -- the draft quote's own deletion.
  if found and v_status <> 'draft' then
    raise exception 'Quote % is locked (status: %)', v_number, v_status using errcode = 'P0001';
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;
comment on function private.guard_quote_line_changes() is
  'Trigger: lines of a sent quote cannot be inserted, updated or deleted; locks the quote row against a concurrent send.';

-- AFTER … FOR EACH STATEMENT on quote_lines: touch each affected draft once,
-- which recomputes its totals (derive_quote_fields). One UPDATE per quote per
-- statement, however many lines the statement wrote.
create function private.refresh_quote_totals()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    update public.quotes q set updated_at = now()
    where q.status = 'draft' and q.id in (select distinct o.quote_id from old_lines o);
  else
    update public.quotes q set updated_at = now()
    where q.status = 'draft' and q.id in (select distinct n.quote_id from new_lines n);
  end if;
  return null;
end;
$$;
comment on function private.refresh_quote_totals() is
  'Statement trigger: recomputes the totals of the quotes whose lines changed.';

-- BEFORE triggers fire in name order: guard (sees the caller's values), then
-- derived fields, then updated_at.
create trigger quotes_10_guard before update or delete on public.quotes
  for each row execute function private.guard_quote_updates();
create trigger quotes_20_derive before insert or update on public.quotes
  for each row execute function private.derive_quote_fields();
create trigger quotes_30_touch before update on public.quotes
  for each row execute function private.touch_updated_at();

create trigger quote_lines_10_guard before insert or update or delete on public.quote_lines
  for each row execute function private.guard_quote_line_changes();
-- Transition tables need one trigger per event.
create trigger quote_lines_20_totals_ins after insert on public.quote_lines
  referencing new table as new_lines for each statement execute function private.refresh_quote_totals();
create trigger quote_lines_20_totals_upd after update on public.quote_lines
  referencing new table as new_lines for each statement execute function private.refresh_quote_totals();
create trigger quote_lines_20_totals_del after delete on public.quote_lines
  referencing old table as old_lines for each statement execute function private.refresh_quote_totals();

-- -----------------------------------------------------------------------------
-- RPC
-- -----------------------------------------------------------------------------

-- Sends a draft quote: assigns DEV-YYYY-NNNNN and today's date. The counter of
-- the year is locked before the clock is read, so numbers and dates advance
-- together even when senders queue on the lock across midnight.
-- Roles: owner, admin, dispatcher, accountant (or the system actor).
create function public.send_quote(p_quote_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id uuid;
  v_quote  public.quotes;
  v_year   integer;
  v_today  date;
  v_seq    bigint;
  v_number text;
  v_valid  date;
begin
  select q.org_id into v_org_id from public.quotes q where q.id = p_quote_id;
  if not found then
    raise exception 'Quote % not found', p_quote_id using errcode = 'P0002';
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'dispatcher', 'accountant']::public.member_role[],
                                      'send_quote', pg_catalog.format('Quote %s', p_quote_id));

  select * into v_quote from public.quotes q where q.id = p_quote_id for update;
  if v_quote.status <> 'draft' then
    raise exception 'Quote % is already sent (status: %)', v_quote.number, v_quote.status using errcode = 'P0001';
  end if;
  if not exists (select from public.quote_lines l where l.org_id = v_org_id and l.quote_id = p_quote_id) then
    raise exception 'Quote has no lines: nothing to send' using errcode = 'P0001';
  end if;

  v_year := extract(year from private.org_today(v_org_id));
  loop
    perform private.lock_document_counter(v_org_id, 'DEV', v_year);
    v_today := private.org_today(v_org_id);
    exit when extract(year from v_today) = v_year;
    v_year := extract(year from v_today);  -- the year turned while we waited
  end loop;

  v_valid := coalesce(v_quote.valid_until, v_today + 30);
  if v_valid < v_today then
    raise exception 'Quote validity date % is already past', v_valid using errcode = 'P0001';
  end if;
  v_seq := private.next_document_sequence(v_org_id, 'DEV', v_year);
  v_number := private.document_number('DEV', v_year, v_seq);

  perform pg_catalog.set_config('terrain.invoicing_op', 'quote_send', true);
  update public.quotes q
  set status = 'sent', number = v_number, fiscal_year = v_year, sequence = v_seq,
      issue_date = v_today, valid_until = v_valid, sent_at = now()
  where q.id = p_quote_id
  returning * into v_quote;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);

  return pg_catalog.jsonb_build_object(
    'id', v_quote.id, 'number', v_quote.number, 'issue_date', v_quote.issue_date,
    'valid_until', v_quote.valid_until, 'total_ttc_cents', v_quote.total_ttc_cents);
end;
$$;
comment on function public.send_quote(uuid) is
  'RPC: sends a draft quote (number DEV-YYYY-NNNNN, date, validity 30 days by default). Roles owner, admin, dispatcher, accountant.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.send_quote(uuid) from public, anon;
grant execute on function public.send_quote(uuid) to authenticated, service_role;

-- For a scheduled job (pg_cron, wired by the alerts issue): sent quotes past
-- their validity date become expired. Runs as the system actor.
create function private.expire_quotes()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.quotes q
  set status = 'expired'
  where q.status = 'sent' and q.valid_until < private.org_today(q.org_id);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.expire_quotes() is 'Marks sent quotes past their validity date as expired; returns how many.';

alter table public.quotes enable row level security;
alter table public.quote_lines enable row level security;

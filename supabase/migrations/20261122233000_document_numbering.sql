-- =============================================================================
-- Gapless document numbering shared by quotes (DEV), invoices (FAC) and
-- credit notes (AV), plus the small helpers every invoicing migration uses.
--
-- French law (CGI ann. II art. 242 nonies A) asks for one chronological,
-- continuous sequence without gaps per series. A PostgreSQL SEQUENCE is not
-- gapless: nextval() is never given back on rollback. Numbers therefore come
-- from a counter row per (org, series, fiscal year) that is incremented by an
-- UPDATE in the transaction that uses the number: the row lock serializes
-- issuers, and a rolled-back issue rolls the increment back with it, so no
-- number is ever lost or handed out twice.
-- =============================================================================

-- The French VAT rates (CGI art. 278 to 281 nonies): normal, intermediate,
-- reduced, super-reduced. One domain so quotes, invoices and stock agree.
create domain public.fr_vat_rate as numeric(3, 1)
  constraint fr_vat_rate_allowed check (value in (20.0, 10.0, 5.5, 2.1));
comment on domain public.fr_vat_rate is 'A French VAT rate in percent: 20, 10, 5.5 or 2.1.';

create table private.invoice_counters (
  org_id      uuid not null references public.organizations (id) on delete cascade,
  -- DEV quotes, FAC invoices, AV credit notes (avoirs).
  series      text not null check (series in ('DEV', 'FAC', 'AV')),
  fiscal_year integer not null check (fiscal_year between 2000 and 2999),
  last_value  bigint not null default 0 check (last_value >= 0),
  updated_at  timestamptz not null default now(),
  primary key (org_id, series, fiscal_year)
);
comment on table private.invoice_counters is
  'Last number handed out per organization, series (DEV, FAC, AV) and fiscal year. '
  'Incremented under a row lock in the issuing transaction: gapless, never reused.';
-- Not exposed (schema private has no API grants on tables); RLS on anyway as
-- defence in depth. Only SECURITY DEFINER functions owned by postgres touch it.
alter table private.invoice_counters enable row level security;

-- DEV-2026-00042: series, fiscal year, sequence left-padded to 5 digits.
-- Beyond 99,999 documents a year the number simply grows (lpad would truncate).
create function private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select p_series || '-' || p_fiscal_year::text || '-'
         || pg_catalog.lpad(p_sequence::text, greatest(5, length(p_sequence::text)), '0')
$$;
comment on function private.document_number(text, integer, bigint) is
  'Formats a document number: SERIES-YYYY-NNNNN (FAC-2026-00001).';

-- Takes the lock on a counter row (creating it at 0 the first time) and
-- returns the value handed out last. Callers that must compute a date after
-- the lock (so that numbers and dates stay in the same order) call this first,
-- then private.next_document_sequence().
create function private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_last bigint;
begin
  -- ON CONFLICT DO NOTHING waits for a concurrent creator of the same row, so
  -- two first issuers of a year never both start at 1.
  insert into private.invoice_counters (org_id, series, fiscal_year)
  values (p_org_id, p_series, p_fiscal_year)
  on conflict (org_id, series, fiscal_year) do nothing;

  select c.last_value into v_last
  from private.invoice_counters c
  where c.org_id = p_org_id and c.series = p_series and c.fiscal_year = p_fiscal_year
  for update;
  return v_last;
end;
$$;
comment on function private.lock_document_counter(uuid, text, integer) is
  'Locks (creating if needed) the counter of an organization, series and year until the end of the transaction; returns the last value.';

create function private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_next bigint;
begin
  perform private.lock_document_counter(p_org_id, p_series, p_fiscal_year);
  update private.invoice_counters c
  set last_value = c.last_value + 1, updated_at = now()
  where c.org_id = p_org_id and c.series = p_series and c.fiscal_year = p_fiscal_year
  returning c.last_value into v_next;
  return v_next;
end;
$$;
comment on function private.next_document_sequence(uuid, text, integer) is
  'Hands out the next number of a series for the year. Gapless: the increment commits or rolls back with the caller.';

-- "Today" is the organization's calendar day (Europe/Paris by default), not
-- the server's: an invoice issued at 00:30 in Lyon on 1 January belongs to the
-- new fiscal year although it is still 23:30 UTC. clock_timestamp() rather
-- than now(): callers compute it after waiting for a lock, and now() is frozen
-- at the start of the (possibly long-waiting) transaction.
create function private.org_today(p_org_id uuid)
returns date
language sql
stable
security definer
set search_path = ''
as $$
  select (pg_catalog.clock_timestamp() at time zone o.timezone)::date
  from public.organizations o
  where o.id = p_org_id
$$;
comment on function private.org_today(uuid) is 'The current calendar date in the organization''s timezone.';
-- Called by guard_quote_updates(), which runs as the caller (not SECURITY
-- DEFINER, see the quotes migration): the API roles need to execute it.
grant execute on function private.org_today(uuid) to authenticated, service_role;

-- 123456 -> '1234.56 EUR', for error messages and legal texts.
create function private.format_cents(p_cents bigint)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select pg_catalog.to_char(p_cents / 100.0, 'FM999999999999990.00') || ' EUR'
$$;
comment on function private.format_cents(bigint) is 'Formats an amount in cents as "1234.56 EUR" for messages.';

-- Role check shared by the invoicing RPCs. The system actor
-- (private.is_system_actor(): no end user, a role that bypasses RLS) skips
-- it; data rules still apply to it. A caller who is not a member of the
-- document's organization learns nothing about it: "not found" (P0002), the
-- same answer as for an id that does not exist. A member without the right
-- role gets 42501, which PostgREST maps to 403.
create function private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if private.is_system_actor() then
    return;
  end if;
  if private.member_role_in(p_org_id) is null then
    raise exception '% not found', p_what using errcode = 'P0002';
  end if;
  if not private.has_role_in(p_org_id, p_allowed) then
    raise exception 'Permission denied: % requires one of the roles %', p_action, pg_catalog.array_to_string(p_allowed, ', ')
      using errcode = '42501';
  end if;
end;
$$;
comment on function private.authorize_invoicing(uuid, public.member_role[], text, text) is
  'Raises unless the caller is the system actor or holds one of the roles in the organization (P0002 for non-members, 42501 for the wrong role).';
-- No grant: only SECURITY DEFINER functions (running as their owner) call it.

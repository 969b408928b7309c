-- =============================================================================
-- Timesheets (DESIGN.md invariant 7): hours per technician, day and mission.
--
-- Rules enforced here, for every writer (API, edge functions, seeds, psql):
--   * 0 < hours <= 24 per row (CHECK) and a technician's total per day <= 24
--     across all rows, correct under concurrent writers (advisory lock per
--     technician-day, see check_timesheet_daily_total);
--   * no hours in the future (the organization's local date);
--   * the technician holds the technician role in the organization;
--   * approved or invoiced rows cannot be updated nor deleted
--     (guard_timesheet_updates), except: approving an unapproved row (owner,
--     admin, dispatcher; never the technician for their own hours), the
--     invoicing system context (approved → invoiced) and the audited admin
--     override (public.override_timesheet_lock, next migration).
-- RLS is enabled with no policy (the RLS issue adds policies and grants).
-- =============================================================================

create table public.timesheets (
  id            uuid primary key default gen_random_uuid(),
  org_id        uuid not null,
  technician_id uuid not null,
  mission_id    uuid not null,
  work_date     date not null,
  -- Quarter-hours are the usual unit; two decimals allow any minute rounding.
  hours         numeric(4, 2) not null,
  note          text check (note is null or length(note) <= 2000),
  approved_by   uuid,
  approved_at   timestamptz,
  invoiced      boolean not null default false,
  -- The foreign key to invoices is added by the invoicing migration.
  invoice_id    uuid,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint timesheets_org_id_id_key unique (org_id, id),
  -- The technician and the approver are members of the timesheet's organization.
  -- No cascade: removing a member must not erase the hours they worked (payroll,
  -- invoicing); end the membership deliberately once their timesheets are settled.
  constraint timesheets_technician_fkey foreign key (org_id, technician_id) references public.memberships (org_id, user_id),
  constraint timesheets_approved_by_fkey foreign key (org_id, approved_by) references public.memberships (org_id, user_id),
  constraint timesheets_mission_fkey foreign key (org_id, mission_id) references public.missions (org_id, id),
  constraint timesheets_hours_range check (hours > 0 and hours <= 24),
  -- An approver implies an approval time (the system actor may approve without a user id).
  constraint timesheets_approved_by_needs_approved_at check (approved_by is null or approved_at is not null),
  -- Invoiced means attached to an invoice, and only approved hours are invoiced.
  constraint timesheets_invoiced_has_invoice check (invoiced = (invoice_id is not null)),
  constraint timesheets_invoiced_is_approved check (not invoiced or approved_at is not null)
);
comment on table public.timesheets is
  'Hours worked by a technician on a mission and day. Locked once approved or invoiced; an admin override needs a reason and is audited in lock_overrides.';
comment on column public.timesheets.hours is 'Hours worked, 0 < hours <= 24; the technician''s total per day is also capped at 24.';
comment on column public.timesheets.approved_at is 'Set when an owner, admin or dispatcher approves the row; from then on the row is locked.';
comment on column public.timesheets.invoiced is 'Set by the invoicing system context (terrain.system_context = invoicing) together with invoice_id.';

-- Daily total (org, technician, day) and the technician foreign key (leading columns).
create index timesheets_technician_day_idx on public.timesheets (org_id, technician_id, work_date);
create index timesheets_mission_idx on public.timesheets (org_id, mission_id);
create index timesheets_approved_by_idx on public.timesheets (org_id, approved_by) where approved_by is not null;
create index timesheets_invoice_idx on public.timesheets (org_id, invoice_id) where invoice_id is not null;
-- The "timesheets unapproved for more than 7 days" alert scans only open rows.
create index timesheets_unapproved_idx on public.timesheets (org_id, work_date) where approved_at is null;

-- -----------------------------------------------------------------------------
-- Lock guard. BEFORE INSERT/UPDATE/DELETE; named so it fires before the other
-- BEFORE triggers (they fire in name order): a locked row is refused before
-- any lock is taken or any total computed.
--
-- Not SECURITY DEFINER on purpose: current_user must be the caller so the
-- system contexts below are honoured only for trusted code (a SECURITY DEFINER
-- function, service_role or a superuser), never for a plain API session that
-- sets the GUC itself.
-- -----------------------------------------------------------------------------
create function private.guard_timesheet_updates()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_context text := coalesce(pg_catalog.current_setting('terrain.system_context', true), '');
  v_trusted boolean := current_user::text not in ('anon', 'authenticated');
  v_old jsonb;
  v_new jsonb;
begin
  if tg_op = 'DELETE' then
    if old.invoiced then
      raise exception 'Timesheet % is invoiced and locked', old.id
        using errcode = 'P0001', hint = 'Correct invoiced work with a credit note.';
    elsif old.approved_at is not null then
      raise exception 'Timesheet % is approved and locked', old.id
        using errcode = 'P0001', hint = 'An owner or admin can override the lock with a reason (override_timesheet_lock).';
    end if;
    return old;
  end if;

  if tg_op = 'INSERT' then
    -- Only the system actor (seeds, imports) may create rows already approved;
    -- everyone else creates them unapproved and approves them afterwards.
    if (new.approved_at is not null or new.approved_by is not null or new.invoiced)
       and not private.is_system_actor() then
      raise exception 'A timesheet is created unapproved and not invoiced; approve it afterwards'
        using errcode = '42501';
    end if;
    return new;
  end if;

  -- UPDATE. updated_at is bookkeeping, not content.
  v_old := pg_catalog.to_jsonb(old) - 'updated_at';
  v_new := pg_catalog.to_jsonb(new) - 'updated_at';

  if old.invoiced then
    raise exception 'Timesheet % is invoiced and locked', old.id
      using errcode = 'P0001', hint = 'Correct invoiced work with a credit note.';
  end if;

  if old.approved_at is not null then
    -- (b) Invoicing: approved → invoiced, setting invoiced and invoice_id only.
    if v_context = 'invoicing' and v_trusted
       and new.invoiced and new.invoice_id is not null
       and (v_new - 'invoiced' - 'invoice_id') = (v_old - 'invoiced' - 'invoice_id') then
      return new;
    end if;
    -- (c) Audited override (public.override_timesheet_lock): whitelisted
    -- columns only, and the approval either kept or removed as a whole.
    if v_context = 'lock_override' and v_trusted
       and (v_new - 'hours' - 'work_date' - 'note' - 'mission_id' - 'approved_by' - 'approved_at')
         = (v_old - 'hours' - 'work_date' - 'note' - 'mission_id' - 'approved_by' - 'approved_at')
       and ((new.approved_at is not distinct from old.approved_at and new.approved_by is not distinct from old.approved_by)
            or (new.approved_at is null and new.approved_by is null)) then
      return new;
    end if;
    raise exception 'Timesheet % is approved and locked', old.id
      using errcode = 'P0001', hint = 'An owner or admin can override the lock with a reason (override_timesheet_lock).';
  end if;

  -- Unapproved row from here on.
  if new.invoiced then
    raise exception 'Timesheet % is not approved and cannot be invoiced', old.id using errcode = 'P0001';
  end if;

  -- (a) Approval: sets approved_by / approved_at and nothing else, so what is
  -- approved is exactly what the approver saw (a concurrent edit either
  -- commits first and is approved as edited, or finds the row locked).
  if new.approved_at is not null or new.approved_by is not null then
    if (v_new - 'approved_by' - 'approved_at') <> (v_old - 'approved_by' - 'approved_at') then
      raise exception 'Approving timesheet % cannot change its other columns', old.id using errcode = 'P0001';
    end if;
    if private.is_system_actor() then
      new.approved_at := coalesce(new.approved_at, pg_catalog.now());
    else
      if auth.uid() is null
         or not private.has_role_in(new.org_id, array['owner', 'admin', 'dispatcher']::public.member_role[]) then
        raise exception 'Only an owner, admin or dispatcher can approve timesheets' using errcode = '42501';
      end if;
      if auth.uid() = new.technician_id then
        raise exception 'A technician cannot approve their own hours' using errcode = '42501';
      end if;
      -- The approver is whoever is signed in, at the time of approval: not forgeable.
      new.approved_by := auth.uid();
      new.approved_at := pg_catalog.now();
    end if;
  end if;
  return new;
end;
$$;
comment on function private.guard_timesheet_updates() is
  'Invariant 7: approved or invoiced timesheets cannot be updated or deleted, except approval itself, '
  'the invoicing system context (approved → invoiced) and the audited override (lock_override context).';

create trigger timesheets_guard_locks
  before insert or update or delete on public.timesheets
  for each row execute function private.guard_timesheet_updates();

-- -----------------------------------------------------------------------------
-- Daily total <= 24 h per technician and day, and no future dates.
--
-- Concurrency: two transactions adding hours to the same technician-day could
-- each see the other's rows as absent and both pass. A transaction-scoped
-- advisory lock on (org, technician, day) serializes them; under READ
-- COMMITTED the sum that follows the lock runs with a fresh snapshot and sees
-- the rows the previous holder committed. Under SERIALIZABLE the predicate
-- read conflicts are caught by SSI (40001, retry). REPEATABLE READ would sum
-- over a snapshot older than the lock and is therefore refused.
-- SECURITY DEFINER so the sum covers every row of the day, whatever the
-- caller may see through RLS. The lock key formats the date explicitly so
-- sessions with different DateStyle settings still take the same lock.
-- -----------------------------------------------------------------------------
create function private.check_timesheet_daily_total()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_timezone text;
  v_today date;
  v_total numeric;
begin
  -- Out-of-range hours are the CHECK constraint's to report (timesheets_hours_range).
  if new.hours is null or new.hours <= 0 or new.hours > 24 then
    return new;
  end if;
  if tg_op = 'UPDATE'
     and new.org_id = old.org_id and new.technician_id = old.technician_id
     and new.work_date = old.work_date and new.hours <= old.hours then
    return new; -- the day's total cannot grow: no lock needed
  end if;

  if tg_op = 'INSERT' or new.work_date is distinct from old.work_date then
    select o.timezone into v_timezone from public.organizations o where o.id = new.org_id;
    v_timezone := coalesce(v_timezone, 'Europe/Paris');
    v_today := (pg_catalog.now() at time zone v_timezone)::date;
    if new.work_date > v_today then
      raise exception 'Work date % is in the future (today is % in %)',
        pg_catalog.to_char(new.work_date, 'YYYY-MM-DD'), pg_catalog.to_char(v_today, 'YYYY-MM-DD'), v_timezone
        using errcode = 'P0001';
    end if;
  end if;

  if pg_catalog.current_setting('transaction_isolation') = 'repeatable read' then
    raise exception 'Timesheets cannot be written in a REPEATABLE READ transaction (the daily total needs READ COMMITTED or SERIALIZABLE)'
      using errcode = '0A000';
  end if;

  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    'terrain.timesheet_day:' || new.org_id::text || ':' || new.technician_id::text || ':'
      || pg_catalog.to_char(new.work_date, 'YYYY-MM-DD'), 0));

  select coalesce(sum(t.hours), 0) + new.hours into v_total
  from public.timesheets t
  where t.org_id = new.org_id
    and t.technician_id = new.technician_id
    and t.work_date = new.work_date
    and t.id <> new.id;

  if v_total > 24 then
    raise exception 'Daily total for % would be % h (max 24)',
      pg_catalog.to_char(new.work_date, 'YYYY-MM-DD'), pg_catalog.to_char(v_total, 'FM9990.00')
      using errcode = 'P0001';
  end if;
  return new;
end;
$$;
comment on function private.check_timesheet_daily_total() is
  'A technician''s hours per day total at most 24 (advisory lock per technician-day), and no hours in the future (organization timezone).';

create trigger timesheets_limit_daily_total
  before insert or update of org_id, technician_id, work_date, hours on public.timesheets
  for each row execute function private.check_timesheet_daily_total();

-- The technician must hold the technician role (a foreign key cannot say so).
-- private.check_mission_technician() reads only new.org_id and new.technician_id,
-- so it serves timesheets as well as missions.
create trigger timesheets_technician_role
  before insert or update of org_id, technician_id on public.timesheets
  for each row execute function private.check_mission_technician();

create trigger timesheets_touch before update on public.timesheets
  for each row execute function private.touch_updated_at();

alter table public.timesheets enable row level security;

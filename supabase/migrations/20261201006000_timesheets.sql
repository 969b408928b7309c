-- =============================================================================
-- Baseline: timesheets, their approval and lock overrides.
--
-- A timesheet is locked once approved or invoiced, an override needs a reason
-- and is recorded in public.lock_overrides, and a technician's hours never
-- exceed 24 h a day (docs/design.md invariant 7).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

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
CREATE FUNCTION private.check_timesheet_daily_total() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
      perform private.raise_api_error('rule_violation', pg_catalog.format('Work date %s is in the future (today is %s in %s)', pg_catalog.to_char(new.work_date, 'YYYY-MM-DD'), pg_catalog.to_char(v_today, 'YYYY-MM-DD'), v_timezone));
    end if;
  end if;

  if pg_catalog.current_setting('transaction_isolation') = 'repeatable read' then
    perform private.raise_api_error('feature_not_supported', 'Timesheets cannot be written in a REPEATABLE READ transaction (the daily total needs READ COMMITTED or SERIALIZABLE)');
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
    perform private.raise_api_error('rule_violation', pg_catalog.format('Daily total for %s would be %s h (max 24)', pg_catalog.to_char(new.work_date, 'YYYY-MM-DD'), pg_catalog.to_char(v_total, 'FM9990.00')));
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION private.check_timesheet_daily_total() IS 'A technician''s hours per day total at most 24 (advisory lock per technician-day), and no hours in the future (organization timezone).';

REVOKE ALL ON FUNCTION private.check_timesheet_daily_total() FROM PUBLIC;

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
CREATE FUNCTION private.guard_timesheet_updates() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_context text := coalesce(pg_catalog.current_setting('terrain.system_context', true), '');
  v_trusted boolean := current_user::text not in ('anon', 'authenticated');
  v_old jsonb;
  v_new jsonb;
begin
  if tg_op = 'DELETE' then
    if old.invoiced then
      perform private.raise_api_error('timesheet_locked', pg_catalog.format('Timesheet %s is invoiced and locked', old.id), p_hint => 'Correct invoiced work with a credit note.');
    elsif old.approved_at is not null then
      perform private.raise_api_error('timesheet_locked', pg_catalog.format('Timesheet %s is approved and locked', old.id), p_hint => 'An owner or admin can override the lock with a reason (override_timesheet_lock).');
    end if;
    return old;
  end if;

  if tg_op = 'INSERT' then
    -- Only the system actor (seeds, imports) may create rows already approved;
    -- everyone else creates them unapproved and approves them afterwards.
    if (new.approved_at is not null or new.approved_by is not null or new.invoiced)
       and not private.is_system_actor() then
      perform private.raise_api_error('forbidden_role', 'A timesheet is created unapproved and not invoiced; approve it afterwards');
    end if;
    return new;
  end if;

  -- UPDATE. updated_at is bookkeeping, not content.
  v_old := pg_catalog.to_jsonb(old) - 'updated_at';
  v_new := pg_catalog.to_jsonb(new) - 'updated_at';

  if old.invoiced then
    perform private.raise_api_error('timesheet_locked', pg_catalog.format('Timesheet %s is invoiced and locked', old.id), p_hint => 'Correct invoiced work with a credit note.');
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
    perform private.raise_api_error('timesheet_locked', pg_catalog.format('Timesheet %s is approved and locked', old.id), p_hint => 'An owner or admin can override the lock with a reason (override_timesheet_lock).');
  end if;

  -- Unapproved row from here on.
  if new.invoiced then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Timesheet %s is not approved and cannot be invoiced', old.id));
  end if;

  -- (a) Approval: sets approved_by / approved_at and nothing else, so what is
  -- approved is exactly what the approver saw (a concurrent edit either
  -- commits first and is approved as edited, or finds the row locked).
  if new.approved_at is not null or new.approved_by is not null then
    if (v_new - 'approved_by' - 'approved_at') <> (v_old - 'approved_by' - 'approved_at') then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Approving timesheet %s cannot change its other columns', old.id));
    end if;
    if private.is_system_actor() then
      new.approved_at := coalesce(new.approved_at, pg_catalog.now());
    else
      if auth.uid() is null
         or not private.has_role_in(new.org_id, array['owner', 'admin', 'dispatcher']::public.member_role[]) then
        perform private.raise_api_error('forbidden_role', 'Only an owner, admin or dispatcher can approve timesheets');
      end if;
      if auth.uid() = new.technician_id then
        perform private.raise_api_error('forbidden_role', 'A technician cannot approve their own hours');
      end if;
      -- The approver is whoever is signed in, at the time of approval: not forgeable.
      new.approved_by := auth.uid();
      new.approved_at := pg_catalog.now();
    end if;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION private.guard_timesheet_updates() IS 'Invariant 7: approved or invoiced timesheets cannot be updated or deleted, except approval itself, the invoicing system context (approved → invoiced) and the audited override (lock_override context).';

REVOKE ALL ON FUNCTION private.guard_timesheet_updates() FROM PUBLIC;

-- Shared by every append-only table (lock_overrides, stock_movements, …).
-- A trigger rather than a revoked privilege: privileges do not bind the table
-- owner nor a superuser, the trigger does (short of disabling it, which is
-- itself a DDL act that leaves a trace in the logs).
CREATE FUNCTION private.refuse_append_only_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  perform private.raise_api_error('append_only', pg_catalog.format('Table %s.%s is append-only: %s is not allowed', tg_table_schema, tg_table_name, tg_op), p_hint => 'Record a new row (a correction) instead of changing history.');
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$$;

COMMENT ON FUNCTION private.refuse_append_only_change() IS 'Trigger function: refuses UPDATE, DELETE and TRUNCATE on append-only tables (audit records, stock movements).';

REVOKE ALL ON FUNCTION private.refuse_append_only_change() FROM PUBLIC;

-- -----------------------------------------------------------------------------
-- bulk_approve_timesheets: up to 100 ids, per-item result and a summary.
-- Shape: {results: [{id, ok, error}], summary: {requested, succeeded, failed}}.
--
-- No per-item subtransaction: every requested row is locked up front in id
-- order (two overlapping bulk calls cannot deadlock), each item is checked
-- against the same rules the guard trigger applies (so a bad item is reported,
-- not raised), and the good ones are approved by one UPDATE. Subtransactions
-- would each take a subtransaction XID; beyond 64 per transaction every other
-- backend's snapshot overflows to pg_subtrans lookups.
-- The guard trigger still enforces the rules on that UPDATE.
-- Ids of another organization are reported as not found.
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_system boolean := private.is_system_actor();
  v_requested integer := coalesce(pg_catalog.cardinality(p_timesheet_ids), 0);
  v_rows jsonb := '{}'::jsonb;
  v_row record;
  v_id uuid;
  v_item jsonb;
  v_error text;
  v_code text;
  v_to_approve uuid[] := '{}'::uuid[];
  v_results jsonb := '[]'::jsonb;
  v_succeeded integer := 0;
begin
  if v_requested > 100 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('At most 100 timesheets per bulk approval (got %s)', v_requested));
  end if;
  if not v_system and auth.uid() is null then
    perform private.raise_api_error('authentication_required', 'Authentication required');
  end if;

  for v_row in
    select t.id, t.technician_id, t.approved_at, t.invoiced, private.member_role_in(t.org_id) as caller_role
    from public.timesheets t
    where t.id = any (p_timesheet_ids)
      and (v_system or t.org_id in (select private.my_org_ids()))
    order by t.id
    for update of t
  loop
    v_rows := v_rows || pg_catalog.jsonb_build_object(v_row.id::text, pg_catalog.to_jsonb(v_row));
  end loop;

  foreach v_id in array coalesce(p_timesheet_ids, '{}'::uuid[]) loop
    v_item := v_rows -> v_id::text;
    v_code := case
      when v_item is null then 'not_found'
      when (v_item ->> 'invoiced')::boolean then 'timesheet_locked'
      when v_item ->> 'approved_at' is not null or v_id = any (v_to_approve) then 'invalid_transition'
      when not v_system and coalesce(v_item ->> 'caller_role', '') not in ('owner', 'admin', 'dispatcher') then 'forbidden_role'
      when not v_system and (v_item ->> 'technician_id')::uuid = auth.uid() then 'forbidden_role'
    end;
    v_error := case
      when v_item is null then pg_catalog.format('Timesheet %s not found', coalesce(v_id::text, 'null'))
      when (v_item ->> 'invoiced')::boolean then pg_catalog.format('Timesheet %s is invoiced and locked', v_id)
      when v_item ->> 'approved_at' is not null or v_id = any (v_to_approve)
        then pg_catalog.format('Timesheet %s is already approved', v_id)
      when not v_system and coalesce(v_item ->> 'caller_role', '') not in ('owner', 'admin', 'dispatcher')
        then 'Only an owner, admin or dispatcher can approve timesheets'
      when not v_system and (v_item ->> 'technician_id')::uuid = auth.uid()
        then 'A technician cannot approve their own hours'
    end;
    if v_error is null then
      v_to_approve := v_to_approve || v_id;
      v_succeeded := v_succeeded + 1;
    end if;
    v_results := v_results || pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('id', v_id, 'ok', v_error is null, 'error', v_error, 'code', v_code));
  end loop;

  if v_succeeded > 0 then
    -- The guard trigger stamps approved_by / approved_at for signed-in users.
    update public.timesheets t
    set approved_by = auth.uid(), approved_at = pg_catalog.now()
    where t.id = any (v_to_approve);
  end if;

  return pg_catalog.jsonb_build_object(
    'results', v_results,
    'summary', pg_catalog.jsonb_build_object(
      'requested', v_requested, 'succeeded', v_succeeded, 'failed', v_requested - v_succeeded));
end;
$$;

-- -----------------------------------------------------------------------------
-- log_hours: a technician records hours on a mission assigned to them.
-- Missions accept hours while assigned, in progress, blocked or done; not
-- before assignment, nor once invoiced or cancelled (the hours would never be
-- billed). Returns the created timesheet as jsonb; a replay with the same key
-- and payload returns that first result and changes nothing.
-- The system actor logs hours for the mission's technician.
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_system boolean := private.is_system_actor();
  v_mission record;
  v_technician uuid;
  v_request jsonb;
  v_result jsonb;
  v_row public.timesheets;
begin
  select m.id, m.org_id, m.technician_id, m.status into v_mission
  from public.missions m
  where m.id = p_mission_id
    and (v_system or m.org_id in (select private.my_org_ids()));
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Mission %s not found', p_mission_id));
  end if;

  v_request := pg_catalog.jsonb_build_object(
    'mission_id', p_mission_id,
    'work_date', pg_catalog.to_char(p_work_date, 'YYYY-MM-DD'),
    'hours', pg_catalog.trim_scale(p_hours),
    'note', p_note);
  -- Validates the key (8..200 characters) and holds the (org, key) advisory lock
  -- until commit, so concurrent replays of one action run one after the other.
  v_result := private.idempotency_lookup(v_mission.org_id, p_idempotency_key, 'log_hours', v_request);
  if v_result is not null then
    return v_result; -- replay: the first result, nothing applied again
  end if;

  if v_system then
    v_technician := v_mission.technician_id;
    if v_technician is null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Mission %s has no technician', p_mission_id));
    end if;
  else
    if private.member_role_in(v_mission.org_id) is distinct from 'technician' then
      perform private.raise_api_error('forbidden_role', 'Only technicians log hours');
    end if;
    if v_mission.technician_id is distinct from auth.uid() then
      perform private.raise_api_error('not_assigned', pg_catalog.format('Mission %s is not assigned to you', p_mission_id));
    end if;
    v_technician := auth.uid();
  end if;

  if v_mission.status not in ('assigned', 'in_progress', 'blocked', 'done') then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Cannot log hours on a mission in status %s', v_mission.status));
  end if;
  if p_work_date is null then
    perform private.raise_api_error('invalid_parameter', 'A work date is required');
  end if;
  -- Same bounds as the table's CHECK, with a message the technician can read.
  if p_hours is null or p_hours <= 0 or p_hours > 24 then
    perform private.raise_api_error('validation_failed', pg_catalog.format('Hours must be greater than 0 and at most 24 (got %s)', coalesce(pg_catalog.trim_scale(p_hours)::text, 'null')));
  end if;
  if p_hours <> round(p_hours, 2) then
    perform private.raise_api_error('validation_failed', pg_catalog.format('Hours have at most 2 decimals (got %s)', pg_catalog.trim_scale(p_hours)));
  end if;

  -- Future dates and the 24 h daily total are enforced by the table's triggers.
  insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours, note)
  values (v_mission.org_id, v_technician, p_mission_id, p_work_date, p_hours, nullif(btrim(p_note), ''))
  returning * into v_row;

  v_result := pg_catalog.to_jsonb(v_row);
  perform private.idempotency_store(v_mission.org_id, p_idempotency_key, 'log_hours', v_request, v_result);
  return v_result;
end;
$$;

CREATE TABLE public.timesheets (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    technician_id uuid NOT NULL,
    mission_id uuid NOT NULL,
    work_date date NOT NULL,
    -- Quarter-hours are the usual unit; two decimals allow any minute rounding.
    hours numeric(4,2) NOT NULL,
    note text,
    approved_by uuid,
    approved_at timestamp with time zone,
    invoiced boolean DEFAULT false NOT NULL,
    -- Its foreign key to invoices is added in the quotes_and_invoicing baseline.
    invoice_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT timesheets_approved_by_needs_approved_at CHECK (((approved_by IS NULL) OR (approved_at IS NOT NULL))),
    CONSTRAINT timesheets_hours_finite CHECK ((hours <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT timesheets_hours_range CHECK (((hours > (0)::numeric) AND (hours <= (24)::numeric))),
    CONSTRAINT timesheets_invoiced_has_invoice CHECK ((invoiced = (invoice_id IS NOT NULL))),
    CONSTRAINT timesheets_invoiced_is_approved CHECK (((NOT invoiced) OR (approved_at IS NOT NULL))),
    CONSTRAINT timesheets_note_check CHECK (((note IS NULL) OR (length(note) <= 2000)))
);

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_approved_by_fkey FOREIGN KEY (org_id, approved_by) REFERENCES public.memberships(org_id, user_id);

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_mission_fkey FOREIGN KEY (org_id, mission_id) REFERENCES public.missions(org_id, id);

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_technician_fkey FOREIGN KEY (org_id, technician_id) REFERENCES public.memberships(org_id, user_id);

CREATE INDEX timesheets_approved_by_idx ON public.timesheets USING btree (org_id, approved_by) WHERE (approved_by IS NOT NULL);

CREATE INDEX timesheets_invoice_idx ON public.timesheets USING btree (org_id, invoice_id) WHERE (invoice_id IS NOT NULL);

CREATE INDEX timesheets_mission_idx ON public.timesheets USING btree (org_id, mission_id);

-- Daily total (org, technician, day) and the technician foreign key (leading columns).
CREATE INDEX timesheets_technician_day_idx ON public.timesheets USING btree (org_id, technician_id, work_date);

-- The "timesheets unapproved for more than 7 days" alert scans only open rows.
CREATE INDEX timesheets_unapproved_idx ON public.timesheets USING btree (org_id, work_date) WHERE (approved_at IS NULL);

ALTER TABLE public.timesheets ENABLE ROW LEVEL SECURITY;

CREATE POLICY timesheets_delete ON public.timesheets FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- timesheets -----------------------------------------------------------------
CREATE POLICY timesheets_select ON public.timesheets FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (approved_at IS NOT NULL)) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (technician_id = ( SELECT auth.uid() AS uid)))));

CREATE POLICY timesheets_update ON public.timesheets FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER timesheets_guard_locks BEFORE INSERT OR DELETE OR UPDATE ON public.timesheets FOR EACH ROW EXECUTE FUNCTION private.guard_timesheet_updates();

CREATE TRIGGER timesheets_limit_daily_total BEFORE INSERT OR UPDATE OF org_id, technician_id, work_date, hours ON public.timesheets FOR EACH ROW EXECUTE FUNCTION private.check_timesheet_daily_total();

CREATE TRIGGER timesheets_mission_open BEFORE INSERT OR UPDATE OF mission_id ON public.timesheets FOR EACH ROW EXECUTE FUNCTION private.refuse_work_on_closed_mission();

-- The technician must hold the technician role (a foreign key cannot say so).
-- private.check_mission_technician() reads only new.org_id and new.technician_id,
-- so it serves timesheets as well as missions.
CREATE TRIGGER timesheets_technician_role BEFORE INSERT OR UPDATE OF org_id, technician_id ON public.timesheets FOR EACH ROW EXECUTE FUNCTION private.check_mission_technician();

CREATE TRIGGER timesheets_touch BEFORE UPDATE ON public.timesheets FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.timesheets IS 'Hours worked by a technician on a mission and day. Locked once approved or invoiced; an admin override needs a reason and is audited in lock_overrides.';

COMMENT ON COLUMN public.timesheets.hours IS 'Hours worked, 0 < hours <= 24; the technician''s total per day is also capped at 24.';

COMMENT ON COLUMN public.timesheets.approved_at IS 'Set when an owner, admin or dispatcher approves the row; from then on the row is locked.';

COMMENT ON COLUMN public.timesheets.invoiced IS 'Set by the invoicing system context (terrain.system_context = invoicing) together with invoice_id.';

GRANT SELECT,DELETE ON TABLE public.timesheets TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.timesheets TO service_role;

GRANT UPDATE(mission_id) ON TABLE public.timesheets TO authenticated;

GRANT UPDATE(work_date) ON TABLE public.timesheets TO authenticated;

GRANT UPDATE(hours) ON TABLE public.timesheets TO authenticated;

GRANT UPDATE(note) ON TABLE public.timesheets TO authenticated;

-- -----------------------------------------------------------------------------
-- override_timesheet_lock: the only way to change an approved timesheet.
--   p_changes: a jsonb object with any of hours, work_date, note, mission_id,
--              or {"unapprove": true} (returns the row to the technician).
--   p_reason:  at least 10 characters; stored with before/after in lock_overrides.
-- Owner or admin only (not dispatcher: approving is routine, unlocking is not).
-- An invoiced timesheet is never changed: correct it with a credit note.
-- The daily total and future-date rules still apply to the corrected row.
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) RETURNS public.timesheets
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_system boolean := private.is_system_actor();
  v_before public.timesheets;
  v_after public.timesheets;
  v_key text;
  v_previous_context text;
begin
  if p_reason is null or length(btrim(p_reason)) < 10 then
    perform private.raise_api_error('invalid_parameter', 'An override needs a reason of at least 10 characters');
  end if;
  if p_changes is null or pg_catalog.jsonb_typeof(p_changes) <> 'object' or p_changes = '{}'::jsonb then
    perform private.raise_api_error('invalid_parameter', 'Changes must be a non-empty json object');
  end if;
  for v_key in select pg_catalog.jsonb_object_keys(p_changes) loop
    if v_key not in ('hours', 'work_date', 'note', 'mission_id', 'unapprove') then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Column %s cannot be changed by an override (allowed: hours, work_date, note, mission_id, unapprove)', v_key));
    end if;
  end loop;
  if p_changes ? 'unapprove' and p_changes -> 'unapprove' <> 'true'::jsonb then
    perform private.raise_api_error('invalid_parameter', 'unapprove must be true when given');
  end if;

  select t.* into v_before
  from public.timesheets t
  where t.id = p_timesheet_id
    and (v_system or t.org_id in (select private.my_org_ids()))
  for update;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Timesheet %s not found', p_timesheet_id));
  end if;
  if not v_system and not private.has_role_in(v_before.org_id, array['owner', 'admin']::public.member_role[]) then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin can override a timesheet lock');
  end if;
  if v_before.invoiced then
    perform private.raise_api_error('timesheet_locked', pg_catalog.format('Timesheet %s is invoiced and locked', p_timesheet_id), p_hint => 'Correct invoiced work with a credit note.');
  end if;
  if v_before.approved_at is null then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Timesheet %s is not locked: edit it directly', p_timesheet_id));
  end if;

  -- The guard trigger honours this context only for trusted code (this
  -- function runs as its owner), only on whitelisted columns, and only for
  -- this statement: the previous value is restored right after.
  v_previous_context := coalesce(pg_catalog.current_setting('terrain.system_context', true), '');
  perform pg_catalog.set_config('terrain.system_context', 'lock_override', true);
  update public.timesheets t
  set hours       = case when p_changes ? 'hours' then (p_changes ->> 'hours')::numeric else t.hours end,
      work_date   = case when p_changes ? 'work_date' then (p_changes ->> 'work_date')::date else t.work_date end,
      note        = case when p_changes ? 'note' then p_changes ->> 'note' else t.note end,
      mission_id  = case when p_changes ? 'mission_id' then (p_changes ->> 'mission_id')::uuid else t.mission_id end,
      approved_by = case when p_changes ? 'unapprove' then null else t.approved_by end,
      approved_at = case when p_changes ? 'unapprove' then null else t.approved_at end
  where t.id = p_timesheet_id
  returning t.* into v_after;
  perform pg_catalog.set_config('terrain.system_context', v_previous_context, true);

  insert into public.lock_overrides (org_id, table_name, row_id, actor, reason, before, after)
  values (v_before.org_id, 'timesheets', v_before.id, auth.uid(), btrim(p_reason),
          pg_catalog.to_jsonb(v_before), pg_catalog.to_jsonb(v_after));
  return v_after;
end;
$$;

CREATE TABLE public.lock_overrides (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    -- No cascade: deleting an organization must not silently erase its audit trail.
    org_id uuid NOT NULL,
    -- The locked table and row that were changed, e.g. ('timesheets', <id>).
    table_name text NOT NULL,
    row_id uuid NOT NULL,
    -- The user who overrode the lock (null for the system actor). Deliberately
    -- no foreign key: an audit record outlives the account, and a key would
    -- either block the account's deletion or rewrite history (set null).
    actor uuid,
    reason text NOT NULL,
    -- The row as it was and as it became (to_jsonb of the whole row).
    before jsonb NOT NULL,
    after jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT lock_overrides_reason_check CHECK (((length(btrim(reason)) >= 10) AND (length(reason) <= 2000))),
    CONSTRAINT lock_overrides_table_name_check CHECK ((table_name ~ '^[a-z_][a-z0-9_]*$'::text)),
    CONSTRAINT lock_overrides_table_name_length CHECK ((char_length(table_name) <= 63))
);

ALTER TABLE ONLY public.lock_overrides
    ADD CONSTRAINT lock_overrides_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.lock_overrides
    ADD CONSTRAINT lock_overrides_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.lock_overrides
    ADD CONSTRAINT lock_overrides_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);

CREATE INDEX lock_overrides_org_created_idx ON public.lock_overrides USING btree (org_id, created_at);

-- "Show the overrides of this row" and the audit screen by organization and date.
CREATE INDEX lock_overrides_row_idx ON public.lock_overrides USING btree (org_id, table_name, row_id, created_at);

ALTER TABLE public.lock_overrides ENABLE ROW LEVEL SECURITY;

-- lock_overrides -------------------------------------------------------------
CREATE POLICY lock_overrides_select ON public.lock_overrides FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER lock_overrides_append_only BEFORE DELETE OR UPDATE ON public.lock_overrides FOR EACH ROW EXECUTE FUNCTION private.refuse_append_only_change();

CREATE TRIGGER lock_overrides_no_truncate BEFORE TRUNCATE ON public.lock_overrides FOR EACH STATEMENT EXECUTE FUNCTION private.refuse_append_only_change();

-- Every lock override (override_timesheet_lock today) writes its record here,
-- in the same transaction as the change: refusing the record undoes both.
CREATE TRIGGER lock_overrides_require_live_session BEFORE INSERT ON public.lock_overrides FOR EACH STATEMENT EXECUTE FUNCTION private.require_live_session();

COMMENT ON TABLE public.lock_overrides IS 'Append-only record of every override of a locked row (approved timesheets): who, why, before and after. Each row is also written to audit.log as one ''lock_override'' row on the overridden row, with its reason and field diff.';

COMMENT ON COLUMN public.lock_overrides.actor IS 'auth.uid() of the overriding admin/owner; null when the system actor did it.';

GRANT SELECT ON TABLE public.lock_overrides TO authenticated;
GRANT SELECT ON TABLE public.lock_overrides TO service_role;

COMMENT ON FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[]) IS 'Approve up to 100 timesheets (owner, admin, dispatcher; never one''s own hours). Returns {results: [{id, ok, error}], summary: {requested, succeeded, failed}}; one bad item never blocks the others.';

COMMENT ON FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) IS 'Technician logs hours on a mission assigned to them (not in the future, daily total <= 24 h). Idempotent: a replay with the same key returns the first result.';

COMMENT ON FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) IS 'Owner/admin correction of an approved, not invoiced timesheet (hours, work_date, note, mission_id, or unapprove), with a reason of at least 10 characters; writes a lock_overrides row with before and after.';

REVOKE ALL ON FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[]) TO authenticated;
GRANT ALL ON FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[]) TO service_role;

REVOKE ALL ON FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) TO authenticated;
GRANT ALL ON FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text) TO service_role;

REVOKE ALL ON FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text) TO service_role;


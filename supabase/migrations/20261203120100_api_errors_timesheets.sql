-- API errors, timesheets: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.check_timesheet_daily_total()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.guard_timesheet_updates()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.log_hours(p_mission_id uuid, p_work_date date, p_hours numeric, p_note text, p_idempotency_key text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text)
 RETURNS timesheets
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.bulk_approve_timesheets(p_timesheet_ids uuid[])
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

-- =============================================================================
-- Timesheet API (PostgREST RPC): what the technician's device and the admin
-- screens call.
--   log_hours                 technician logs hours on a mission assigned to
--                             them; idempotent per client key (invariant 9).
--   bulk_approve_timesheets   owner/admin/dispatcher approves up to 100 rows;
--                             per-item result, one bad item never blocks the others.
--   override_timesheet_lock   owner/admin corrects an approved (not invoiced)
--                             row with a reason; audited in lock_overrides.
--
-- All three are SECURITY DEFINER with an empty search_path and check the
-- caller themselves. The trusted system actor (private.is_system_actor():
-- no auth.uid(), service_role or superuser session) skips the role checks but
-- not the data rules, which live in the timesheet triggers.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- log_hours: a technician records hours on a mission assigned to them.
-- Missions accept hours while assigned, in progress, blocked or done; not
-- before assignment, nor once invoiced or cancelled (the hours would never be
-- billed). Returns the created timesheet as jsonb; a replay with the same key
-- and payload returns that first result and changes nothing.
-- The system actor logs hours for the mission's technician.
-- -----------------------------------------------------------------------------
create function public.log_hours(
  p_mission_id      uuid,
  p_work_date       date,
  p_hours           numeric,
  p_note            text,
  p_idempotency_key text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
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
    raise exception 'Mission % not found', p_mission_id using errcode = 'P0002';
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
      raise exception 'Mission % has no technician', p_mission_id using errcode = 'P0001';
    end if;
  else
    if private.member_role_in(v_mission.org_id) is distinct from 'technician' then
      raise exception 'Only technicians log hours' using errcode = '42501';
    end if;
    if v_mission.technician_id is distinct from auth.uid() then
      raise exception 'Mission % is not assigned to you', p_mission_id using errcode = '42501';
    end if;
    v_technician := auth.uid();
  end if;

  if v_mission.status not in ('assigned', 'in_progress', 'blocked', 'done') then
    raise exception 'Cannot log hours on a mission in status %', v_mission.status using errcode = 'P0001';
  end if;
  if p_work_date is null then
    raise exception 'A work date is required' using errcode = '22023';
  end if;
  -- Same bounds as the table's CHECK, with a message the technician can read.
  if p_hours is null or p_hours <= 0 or p_hours > 24 then
    raise exception 'Hours must be greater than 0 and at most 24 (got %)', coalesce(pg_catalog.trim_scale(p_hours)::text, 'null')
      using errcode = '23514';
  end if;
  if p_hours <> round(p_hours, 2) then
    raise exception 'Hours have at most 2 decimals (got %)', pg_catalog.trim_scale(p_hours) using errcode = '23514';
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
comment on function public.log_hours(uuid, date, numeric, text, text) is
  'Technician logs hours on a mission assigned to them (not in the future, daily total <= 24 h). '
  'Idempotent: a replay with the same key returns the first result.';

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
create function public.bulk_approve_timesheets(p_timesheet_ids uuid[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_system boolean := private.is_system_actor();
  v_requested integer := coalesce(pg_catalog.cardinality(p_timesheet_ids), 0);
  v_rows jsonb := '{}';
  v_row record;
  v_id uuid;
  v_item jsonb;
  v_error text;
  v_to_approve uuid[] := '{}';
  v_results jsonb := '[]';
  v_succeeded integer := 0;
begin
  if v_requested > 100 then
    raise exception 'At most 100 timesheets per bulk approval (got %)', v_requested using errcode = '22023';
  end if;
  if not v_system and auth.uid() is null then
    raise exception 'Authentication required' using errcode = '42501';
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
      pg_catalog.jsonb_build_object('id', v_id, 'ok', v_error is null, 'error', v_error));
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
comment on function public.bulk_approve_timesheets(uuid[]) is
  'Approve up to 100 timesheets (owner, admin, dispatcher; never one''s own hours). '
  'Returns {results: [{id, ok, error}], summary: {requested, succeeded, failed}}; one bad item never blocks the others.';

-- -----------------------------------------------------------------------------
-- override_timesheet_lock: the only way to change an approved timesheet.
--   p_changes: a jsonb object with any of hours, work_date, note, mission_id,
--              or {"unapprove": true} (returns the row to the technician).
--   p_reason:  at least 10 characters; stored with before/after in lock_overrides.
-- Owner or admin only (not dispatcher: approving is routine, unlocking is not).
-- An invoiced timesheet is never changed: correct it with a credit note.
-- The daily total and future-date rules still apply to the corrected row.
-- -----------------------------------------------------------------------------
create function public.override_timesheet_lock(p_timesheet_id uuid, p_changes jsonb, p_reason text)
returns public.timesheets
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_system boolean := private.is_system_actor();
  v_before public.timesheets;
  v_after public.timesheets;
  v_key text;
  v_previous_context text;
begin
  if p_reason is null or length(btrim(p_reason)) < 10 then
    raise exception 'An override needs a reason of at least 10 characters' using errcode = '22023';
  end if;
  if p_changes is null or pg_catalog.jsonb_typeof(p_changes) <> 'object' or p_changes = '{}'::jsonb then
    raise exception 'Changes must be a non-empty json object' using errcode = '22023';
  end if;
  for v_key in select pg_catalog.jsonb_object_keys(p_changes) loop
    if v_key not in ('hours', 'work_date', 'note', 'mission_id', 'unapprove') then
      raise exception 'Column % cannot be changed by an override (allowed: hours, work_date, note, mission_id, unapprove)', v_key
        using errcode = '22023';
    end if;
  end loop;
  if p_changes ? 'unapprove' and p_changes -> 'unapprove' <> 'true'::jsonb then
    raise exception 'unapprove must be true when given' using errcode = '22023';
  end if;

  select t.* into v_before
  from public.timesheets t
  where t.id = p_timesheet_id
    and (v_system or t.org_id in (select private.my_org_ids()))
  for update;
  if not found then
    raise exception 'Timesheet % not found', p_timesheet_id using errcode = 'P0002';
  end if;
  if not v_system and not private.has_role_in(v_before.org_id, array['owner', 'admin']::public.member_role[]) then
    raise exception 'Only an owner or admin can override a timesheet lock' using errcode = '42501';
  end if;
  if v_before.invoiced then
    raise exception 'Timesheet % is invoiced and locked', p_timesheet_id
      using errcode = 'P0001', hint = 'Correct invoiced work with a credit note.';
  end if;
  if v_before.approved_at is null then
    raise exception 'Timesheet % is not locked: edit it directly', p_timesheet_id using errcode = 'P0001';
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
comment on function public.override_timesheet_lock(uuid, jsonb, text) is
  'Owner/admin correction of an approved, not invoiced timesheet (hours, work_date, note, mission_id, or unapprove), '
  'with a reason of at least 10 characters; writes a lock_overrides row with before and after.';

grant execute on function public.log_hours(uuid, date, numeric, text, text) to authenticated, service_role;
grant execute on function public.bulk_approve_timesheets(uuid[]) to authenticated, service_role;
grant execute on function public.override_timesheet_lock(uuid, jsonb, text) to authenticated, service_role;

-- API errors, missions: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.apply_mission_transition(p_mission_id uuid, p_to_status mission_status, p_reason text, p_technician_id uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_mission public.missions%rowtype;
  v_from    public.mission_status;
  v_uid     uuid := auth.uid();
  v_role    public.member_role;
  v_tech    uuid;
  v_changed boolean := true;
begin
  if p_to_status is null then
    perform private.raise_api_error('missing_parameter', 'A target status is required');
  end if;
  if p_reason is not null and length(p_reason) > 2000 then
    perform private.raise_api_error('value_too_long', pg_catalog.format('A reason is at most 2000 characters (got %s)', length(p_reason)));
  end if;
  if p_technician_id is not null and p_to_status <> 'assigned' then
    perform private.raise_api_error('invalid_parameter', 'A technician is given only when assigning a mission');
  end if;

  perform private.mission_for_caller(p_mission_id);
  -- The row lock serializes concurrent moves; the state read here is the latest committed one.
  select m.* into strict v_mission from public.missions m where m.id = p_mission_id for update;
  v_from := v_mission.status;
  if v_uid is not null then
    v_role := private.member_role_in(v_mission.org_id);
  end if;

  -- The technician the mission will have: accepting takes it for oneself;
  -- dispatch names one (or keeps the one it was offered to).
  v_tech := v_mission.technician_id;
  if p_to_status = 'assigned' then
    if v_role = 'technician' then
      if p_technician_id is not null and p_technician_id <> v_uid then
        perform private.raise_api_error('forbidden_role', 'Technicians may only accept a mission for themselves');
      end if;
      v_tech := v_uid;
    else
      v_tech := coalesce(p_technician_id, v_mission.technician_id);
    end if;
  end if;

  if v_mission.status = p_to_status then
    -- Already there (a concurrent or repeated request): a no-op, nothing written,
    -- unless it asks for something else than what is there.
    if p_to_status = 'assigned' and v_tech is distinct from v_mission.technician_id then
      perform private.raise_api_error('already_assigned', pg_catalog.format('Mission %s is already assigned to another technician', v_mission.id));
    end if;
    if v_role = 'technician' and v_mission.status not in ('new', 'published')
       and v_mission.technician_id is distinct from v_uid then
      perform private.raise_api_error('not_assigned', 'Technicians may only move missions assigned to them');
    end if;
    v_changed := false;
  else
    -- The trigger reads the reason of a non-blocking move from this setting (local to
    -- the transaction, rolled back with a failed subtransaction, cleared right after).
    perform pg_catalog.set_config('terrain.transition_reason', coalesce(p_reason, ''), true);
    update public.missions m
       set status = p_to_status,
           technician_id = v_tech,
           blocked_reason = case when p_to_status = 'blocked' then p_reason else m.blocked_reason end
     where m.id = v_mission.id
    returning m.* into v_mission;
    perform pg_catalog.set_config('terrain.transition_reason', '', true);
  end if;

  return jsonb_build_object(
    'mission_id',      v_mission.id,
    'previous_status', v_from,
    'status',          v_mission.status,
    'changed',         v_changed,
    'technician_id',   v_mission.technician_id,
    'started_at',      v_mission.started_at,
    'blocked_at',      v_mission.blocked_at,
    'blocked_reason',  v_mission.blocked_reason,
    'completed_at',    v_mission.completed_at,
    'updated_at',      v_mission.updated_at
  );
end;
$function$;

CREATE OR REPLACE FUNCTION private.validate_mission_transition()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_rule   public.mission_valid_transitions%rowtype;
  v_uid    uuid := auth.uid();
  v_role   public.member_role;
  v_reason text;
begin
  if tg_op = 'INSERT' then
    if new.status is distinct from 'new' then
      perform private.raise_api_error('rule_violation', pg_catalog.format('A mission is created with status new, not %s', new.status));
    end if;
    if num_nonnulls(new.started_at, new.blocked_at, new.blocked_reason, new.completed_at, new.invoiced_at) > 0 then
      perform private.raise_api_error('validation_failed', 'A new mission has no started_at, blocked_at, blocked_reason, completed_at or invoiced_at');
    end if;
    -- A signed-in creator is who they are; only the system (imports, seeds) names another.
    if v_uid is not null then
      new.created_by := v_uid;
    end if;
    return new;
  end if;

  -- Not a change: nothing to check, nothing to record.
  if new.status = old.status then
    return new;
  end if;

  select t.* into v_rule
  from public.mission_valid_transitions t
  where t.from_status = old.status and t.to_status = new.status;
  if not found then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid transition: %s → %s', old.status, new.status));
  end if;

  -- Who may make this move.
  if v_rule.system_context is not null then
    if coalesce(pg_catalog.current_setting('terrain.system_context', true), '') <> v_rule.system_context then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Only %s may move a mission from %s to %s', v_rule.system_context, old.status, new.status));
    end if;
  elsif not private.is_system_actor() then
    if v_uid is not null then
      v_role := private.member_role_in(new.org_id);
    end if;
    if v_role is null then
      perform private.raise_api_error('forbidden_role', 'Not a member of the mission''s organization');
    end if;
    if not (v_role = any (v_rule.allowed_roles)) then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Role %s may not move a mission from %s to %s', v_role, old.status, new.status));
    end if;
    if v_role = 'technician' then
      if new.status = 'assigned' then
        -- Accepting: the mission becomes the caller's; it cannot be taken for someone else
        -- nor from a technician it was offered to.
        if coalesce(old.technician_id, v_uid) <> v_uid or coalesce(new.technician_id, v_uid) <> v_uid then
          perform private.raise_api_error('forbidden_role', 'Technicians may only accept a mission for themselves');
        end if;
        new.technician_id := v_uid;
      elsif v_rule.requires_assignee
            and (old.technician_id is distinct from v_uid or new.technician_id is distinct from v_uid) then
        perform private.raise_api_error('not_assigned', 'Technicians may only move missions assigned to them');
      end if;
    end if;
  end if;

  -- What the move needs, whoever makes it.
  v_reason := case when new.status = 'blocked' then nullif(btrim(new.blocked_reason), '') end;
  v_reason := coalesce(v_reason, nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), ''));
  if v_rule.requires_reason and v_reason is null then
    perform private.raise_api_error('validation_failed', pg_catalog.format('A reason is required to move a mission from %s to %s', old.status, new.status));
  end if;
  if new.status not in ('new', 'published', 'cancelled') and new.technician_id is null then
    perform private.raise_api_error('validation_failed', pg_catalog.format('A technician is required to move a mission from %s to %s', old.status, new.status));
  end if;

  -- Lifecycle columns follow the status: set here, never taken from the caller
  -- (whatever else the UPDATE put in them is discarded).
  new.started_at     := old.started_at;
  new.blocked_at     := old.blocked_at;
  new.blocked_reason := old.blocked_reason;
  new.completed_at   := old.completed_at;
  new.invoiced_at    := old.invoiced_at;
  case new.status
    when 'in_progress' then
      new.started_at := coalesce(old.started_at, now());  -- the first start; resuming keeps it
      new.blocked_at := null;                             -- "blocked since": no longer blocked
      new.blocked_reason := null;                         -- the history keeps it
    when 'blocked' then
      new.blocked_at := now();
      new.blocked_reason := v_reason;
    when 'done' then
      new.completed_at := now();
    when 'invoiced' then
      new.invoiced_at := now();
    else
      null;
  end case;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_mission_columns()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_state_columns constant text[] := array['status', 'technician_id', 'started_at', 'blocked_at', 'blocked_reason',
                                           'completed_at', 'invoiced_at', 'updated_at'];
  v_uid uuid := auth.uid();
begin
  if private.is_system_actor() then
    return new;
  end if;
  if new.status = old.status
     and (new.started_at is distinct from old.started_at
          or new.blocked_at is distinct from old.blocked_at
          or new.completed_at is distinct from old.completed_at
          or new.invoiced_at is distinct from old.invoiced_at
          or (new.blocked_reason is distinct from old.blocked_reason and old.status <> 'blocked')) then
    perform private.raise_api_error('forbidden_role', 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status');
  end if;
  if v_uid is not null and private.member_role_in(old.org_id) = 'technician'
     and ((pg_catalog.to_jsonb(new) - v_state_columns) <> (pg_catalog.to_jsonb(old) - v_state_columns)
          or (new.status = old.status
              and (new.technician_id is distinct from old.technician_id
                   or new.blocked_reason is distinct from old.blocked_reason))) then
    perform private.raise_api_error('forbidden_role', 'Technicians may only change a mission''s status');
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.check_mission_technician()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if new.technician_id is not null and not exists (
    select from public.memberships m
    where m.org_id = new.org_id and m.user_id = new.technician_id and m.role = 'technician'
  ) then
    perform private.raise_api_error('validation_failed', pg_catalog.format('User %s is not a technician of this organization', new.technician_id));
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.mission_for_caller(p_mission_id uuid)
 RETURNS missions
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_mission public.missions%rowtype;
  v_member  public.memberships%rowtype;
begin
  if p_mission_id is null then
    perform private.raise_api_error('missing_parameter', 'A mission id is required');
  end if;
  select m.* into v_mission from public.missions m where m.id = p_mission_id;
  if found and not private.is_system_actor() then
    select ms.* into v_member from public.memberships ms where ms.org_id = v_mission.org_id and ms.user_id = auth.uid();
    if v_member.id is null or (v_member.role = 'client' and v_member.client_id is distinct from v_mission.client_id) then
      v_mission := null;
    end if;
  end if;
  if v_mission.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Mission %s not found', p_mission_id));
  end if;
  return v_mission;
end;
$function$;

CREATE OR REPLACE FUNCTION public.add_mission_note(p_mission_id uuid, p_body text, p_idempotency_key text, p_note_id uuid DEFAULT NULL::uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_mission public.missions%rowtype;
  v_uid     uuid := auth.uid();
  v_role    public.member_role;
  v_request jsonb;
  v_result  jsonb;
  v_note    public.mission_notes%rowtype;
begin
  v_mission := private.mission_for_caller(p_mission_id);
  if not private.is_system_actor() then
    v_role := private.member_role_in(v_mission.org_id);
    if v_role = 'technician' then
      if v_mission.technician_id is distinct from v_uid then
        perform private.raise_api_error('not_assigned', 'Technicians may only add notes to missions assigned to them');
      end if;
    elsif v_role is null or v_role not in ('owner', 'admin', 'dispatcher') then
      perform private.raise_api_error('forbidden_role', pg_catalog.format('Role %s may not add notes to missions', v_role));
    end if;
  end if;
  if p_body is null or btrim(p_body) = '' or length(p_body) > 10000 then
    perform private.raise_api_error('validation_failed', 'A note is 1 to 10000 characters');
  end if;

  v_request := jsonb_build_object('mission_id', p_mission_id, 'body', p_body, 'note_id', p_note_id);
  v_result := private.idempotency_lookup(v_mission.org_id, p_idempotency_key, 'add_mission_note', v_request);
  if v_result is not null then
    return v_result;  -- a replay: the first result, nothing added
  end if;

  begin
    insert into public.mission_notes (id, org_id, mission_id, author_id, body)
    values (coalesce(p_note_id, gen_random_uuid()), v_mission.org_id, v_mission.id, v_uid, p_body)
    returning * into v_note;
  exception when unique_violation then
    perform private.raise_api_error('already_exists', pg_catalog.format('Note %s already exists', p_note_id));
  end;

  v_result := jsonb_build_object('note_id', v_note.id, 'mission_id', v_note.mission_id,
                                 'author_id', v_note.author_id, 'created_at', v_note.created_at);
  perform private.idempotency_store(v_mission.org_id, p_idempotency_key, 'add_mission_note', v_request, v_result);
  return v_result;
end;
$function$;

CREATE OR REPLACE FUNCTION public.bulk_transition_missions(p_mission_ids uuid[], p_to_status mission_status, p_reason text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_count     integer := coalesce(cardinality(p_mission_ids), 0);
  v_results   jsonb[];
  v_item      record;
  v_result    jsonb;
  v_succeeded integer := 0;
  v_error     jsonb;
  v_detail    text;
begin
  if p_mission_ids is null then
    perform private.raise_api_error('missing_parameter', 'A list of mission ids is required');
  end if;
  if v_count > 100 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('At most 100 missions per bulk transition (got %s)', v_count));
  end if;
  if array_ndims(p_mission_ids) > 1 then
    perform private.raise_api_error('invalid_parameter', 'Mission ids must be a one-dimensional list');
  end if;
  v_results := array_fill(null::jsonb, array[v_count]);

  -- Missions are locked in id order (results keep the caller's order): two bulk
  -- calls over the same missions then wait for each other instead of deadlocking.
  for v_item in
    select u.id, u.ord from unnest(p_mission_ids) with ordinality as u (id, ord) order by u.id, u.ord
  loop
    begin
      -- Each item in its own subtransaction: a refusal rolls back that item only.
      v_result := private.apply_mission_transition(v_item.id, p_to_status, p_reason, null);
      v_results[v_item.ord] := jsonb_build_object('id', v_item.id, 'ok', true,
                                                  'status', v_result -> 'status', 'changed', v_result -> 'changed');
      v_succeeded := v_succeeded + 1;
    exception when others then
      get stacked diagnostics v_detail = pg_exception_detail;
      v_error := private.api_error_parts(sqlstate, sqlerrm, v_detail);
      v_results[v_item.ord] := jsonb_build_object('id', v_item.id, 'ok', false,
                                                  'error', v_error ->> 'message', 'code', v_error -> 'code');
    end;
  end loop;

  return jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded)
  );
end;
$function$;

CREATE OR REPLACE FUNCTION private.refuse_work_on_closed_mission()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_status public.mission_status;
begin
  if new.mission_id is null then
    return new;
  end if;
  select m.status into v_status
    from public.missions m
   where m.org_id = new.org_id and m.id = new.mission_id
     for share;
  if v_status in ('invoiced', 'cancelled') then
    perform private.raise_api_error('mission_closed', pg_catalog.format('Mission %s is %s: no more hours or stock can be recorded on it', new.mission_id, v_status));
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.idempotency_lock(p_org uuid, p_key text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  if p_org is null then
    perform private.raise_api_error('missing_parameter', 'An organization is required for an idempotency key');
  end if;
  if p_key is null or length(p_key) not between 8 and 200 then
    perform private.raise_api_error('invalid_parameter', 'Idempotency key must be 8 to 200 characters');
  end if;
  -- Two-key form: the first key names this lock space, so it never shares a key
  -- with another feature's advisory locks. A hash collision between two keys only
  -- serializes two unrelated calls; it never merges them (the row lookup is exact).
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtext('terrain.idempotency_keys'),
    pg_catalog.hashtext(p_org::text || ':' || p_key));
end;
$function$;

CREATE OR REPLACE FUNCTION private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_row public.idempotency_keys%rowtype;
begin
  perform private.idempotency_lock(p_org, p_key);
  select k.* into v_row from public.idempotency_keys k where k.org_id = p_org and k.key = p_key;
  if not found then
    return null;
  end if;
  if v_row.operation is distinct from p_operation
     or v_row.request_hash <> private.idempotency_request_hash(p_request)
     or v_row.user_id is distinct from auth.uid() then
    perform private.raise_api_error('idempotency_key_reused', pg_catalog.format('Idempotency key %s was already used for a different request', p_key));
  end if;
  return v_row.result;
end;
$function$;

CREATE OR REPLACE FUNCTION private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  -- Re-entrant when lookup already took it; makes store safe on its own too.
  perform private.idempotency_lock(p_org, p_key);
  if p_result is null then
    perform private.raise_api_error('missing_parameter', 'An idempotent call must return a result');
  end if;
  -- A plain insert, on purpose: a conflict means the caller did its work without
  -- seeing the first call's row, and must fail (rolling its work back) rather than
  -- report success for a second application.
  insert into public.idempotency_keys (org_id, key, user_id, operation, request_hash, result)
  values (p_org, p_key, auth.uid(), p_operation, private.idempotency_request_hash(p_request), p_result);
end;
$function$;

CREATE OR REPLACE FUNCTION private.check_organization_timezone()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  if not exists (select from pg_catalog.pg_timezone_names where name = new.timezone) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown timezone: %s', new.timezone));
  end if;
  return new;
end;
$function$;

-- =============================================================================
-- Mission transitions through the API (PostgREST RPC).
--
--   public.transition_mission(...)        one mission, idempotent (the
--                                         technician's device, invariant 9)
--   public.bulk_transition_missions(...)  up to 100 missions, one result per
--                                         item (the dispatcher's board)
--
-- Both lock the mission row (SELECT … FOR UPDATE) before deciding, so two
-- concurrent moves of one mission are serialized: the second one sees the
-- first one's result and is judged against it (a no-op when it asked for the
-- same status, `Invalid transition: done → blocked` otherwise). The rules
-- themselves stay in the trigger private.validate_mission_transition().
--
-- A mission the caller may not see (another organization, another client for a
-- portal user, no membership) is "not found": its existence is never revealed.
-- Errors use P0001 (PostgREST: 400) for that, 42501 (403) for roles.
-- =============================================================================

-- The mission, when the caller may see it. Visibility here is coarse on
-- purpose (members of the organization; portal users for their own client);
-- what a role may *do* is the trigger's business.
create function private.mission_for_caller(p_mission_id uuid)
returns public.missions
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_mission public.missions%rowtype;
  v_member  public.memberships%rowtype;
begin
  if p_mission_id is null then
    raise exception 'A mission id is required' using errcode = '22004';
  end if;
  select m.* into v_mission from public.missions m where m.id = p_mission_id;
  if found and not private.is_system_actor() then
    select ms.* into v_member from public.memberships ms where ms.org_id = v_mission.org_id and ms.user_id = auth.uid();
    if v_member.id is null or (v_member.role = 'client' and v_member.client_id is distinct from v_mission.client_id) then
      v_mission := null;
    end if;
  end if;
  if v_mission.id is null then
    raise exception 'Mission % not found', p_mission_id using errcode = 'P0001';
  end if;
  return v_mission;
end;
$$;
comment on function private.mission_for_caller(uuid) is
  'The mission when the caller may see it (system; member of its organization; portal user of its client), else "Mission … not found".';

-- One transition, under the mission's row lock. Raises on any refusal; returns
-- the mission's state. Shared by the single and the bulk API.
create function private.apply_mission_transition(
  p_mission_id    uuid,
  p_to_status     public.mission_status,
  p_reason        text,
  p_technician_id uuid
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_mission public.missions%rowtype;
  v_from    public.mission_status;
  v_uid     uuid := auth.uid();
  v_role    public.member_role;
  v_tech    uuid;
  v_changed boolean := true;
begin
  if p_to_status is null then
    raise exception 'A target status is required' using errcode = '22004';
  end if;
  if p_reason is not null and length(p_reason) > 2000 then
    raise exception 'A reason is at most 2000 characters (got %)', length(p_reason) using errcode = '22001';
  end if;
  if p_technician_id is not null and p_to_status <> 'assigned' then
    raise exception 'A technician is given only when assigning a mission' using errcode = '22023';
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
        raise exception 'Technicians may only accept a mission for themselves' using errcode = '42501';
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
      raise exception 'Mission % is already assigned to another technician', v_mission.id using errcode = 'P0001';
    end if;
    if v_role = 'technician' and v_mission.status not in ('new', 'published')
       and v_mission.technician_id is distinct from v_uid then
      raise exception 'Technicians may only move missions assigned to them' using errcode = '42501';
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
$$;
comment on function private.apply_mission_transition(uuid, public.mission_status, text, uuid) is
  'Moves one mission under its row lock (the trigger enforces the graph and roles); same status = no-op. Raises on refusal.';

create function public.transition_mission(
  p_mission_id      uuid,
  p_to_status       public.mission_status,
  p_idempotency_key text,
  p_reason          text default null,
  p_technician_id   uuid default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_mission public.missions%rowtype;
  v_request jsonb;
  v_result  jsonb;
begin
  v_mission := private.mission_for_caller(p_mission_id);
  v_request := jsonb_build_object('mission_id', p_mission_id, 'to_status', p_to_status,
                                  'reason', p_reason, 'technician_id', p_technician_id);
  v_result := private.idempotency_lookup(v_mission.org_id, p_idempotency_key, 'transition_mission', v_request);
  if v_result is not null then
    return v_result;  -- a replay: the first result, nothing changed
  end if;
  v_result := private.apply_mission_transition(p_mission_id, p_to_status, p_reason, p_technician_id);
  perform private.idempotency_store(v_mission.org_id, p_idempotency_key, 'transition_mission', v_request, v_result);
  return v_result;
end;
$$;
comment on function public.transition_mission(uuid, public.mission_status, text, text, uuid) is
  'Moves a mission to p_to_status (p_reason: required to block; p_technician_id: when dispatch assigns). '
  'Idempotent by p_idempotency_key (8..200 characters, client-generated): a replay returns the first result and changes nothing. '
  'Returns {mission_id, previous_status, status, changed, technician_id, started_at, blocked_at, blocked_reason, completed_at, updated_at}.';

create function public.bulk_transition_missions(
  p_mission_ids uuid[],
  p_to_status   public.mission_status,
  p_reason      text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count     integer := coalesce(cardinality(p_mission_ids), 0);
  v_results   jsonb[];
  v_item      record;
  v_result    jsonb;
  v_succeeded integer := 0;
begin
  if p_mission_ids is null then
    raise exception 'A list of mission ids is required' using errcode = '22004';
  end if;
  if v_count > 100 then
    raise exception 'At most 100 missions per bulk transition (got %)', v_count using errcode = '22023';
  end if;
  if array_ndims(p_mission_ids) > 1 then
    raise exception 'Mission ids must be a one-dimensional list' using errcode = '22023';
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
      v_results[v_item.ord] := jsonb_build_object('id', v_item.id, 'ok', false, 'error', sqlerrm, 'code', sqlstate);
    end;
  end loop;

  return jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded)
  );
end;
$$;
comment on function public.bulk_transition_missions(uuid[], public.mission_status, text) is
  'Moves up to 100 missions to p_to_status, each on its own (one refusal never blocks the others). Returns '
  '{results: [{id, ok, status, changed} | {id, ok: false, error, code}] in the given order, summary: {requested, succeeded, failed}}. '
  'Not idempotent by key: a repeated bulk call finds the missions already moved and reports them unchanged.';

revoke all on function public.transition_mission(uuid, public.mission_status, text, text, uuid) from public;
revoke all on function public.bulk_transition_missions(uuid[], public.mission_status, text) from public;
grant execute on function public.transition_mission(uuid, public.mission_status, text, text, uuid) to authenticated, service_role;
grant execute on function public.bulk_transition_missions(uuid[], public.mission_status, text) to authenticated, service_role;

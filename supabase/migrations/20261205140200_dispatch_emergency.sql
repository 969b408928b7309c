-- =============================================================================
-- The emergency queue's one move: turn a pending (or acknowledged) emergency
-- into an urgent mission, optionally assigned to a technician at once, and
-- mark the emergency dispatched.
--
-- Done by hand it is four writes (insert the mission, publish it, assign it,
-- move the emergency through acknowledged to dispatched) that can stop half
-- way: an emergency marked dispatched with no mission behind it, or two
-- dispatchers each creating a mission for the same call. Here it is one
-- transaction under the emergency's row lock; the mission goes through the
-- state machine like any other (private.apply_mission_transition), so the
-- role and technician rules hold.
-- =============================================================================

create function public.dispatch_emergency(
  p_emergency_id uuid,
  p_technician_id uuid default null,
  p_site_id uuid default null,
  p_title text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_emergency public.emergency_requests%rowtype;
  v_site      uuid;
  v_mission   uuid;
  v_result    jsonb;
begin
  if p_emergency_id is null then
    perform private.raise_api_error('missing_parameter', 'An emergency id is required');
  end if;
  select e.* into v_emergency
  from public.emergency_requests e
  where e.id = p_emergency_id
    and (private.is_system_actor() or e.org_id in (select private.my_org_ids()))
  for update;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Emergency %s not found', p_emergency_id));
  end if;
  if not private.is_system_actor() and not private.has_role_in(v_emergency.org_id, '{owner,admin,dispatcher}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner, admin or dispatcher can dispatch an emergency');
  end if;
  if v_emergency.status not in ('pending', 'acknowledged') then
    perform private.raise_api_error('invalid_transition',
      pg_catalog.format('Emergency %s is already %s', p_emergency_id, v_emergency.status));
  end if;
  if p_title is not null and length(btrim(p_title)) > 200 then
    perform private.raise_api_error('value_too_long', pg_catalog.format('A mission title is at most 200 characters (got %s)', length(btrim(p_title))));
  end if;

  v_site := coalesce(p_site_id, v_emergency.site_id);
  if v_site is null then
    perform private.raise_api_error('missing_parameter', 'The emergency names no site: choose the site of the mission');
  end if;
  if not exists (select from public.sites s
                 where s.org_id = v_emergency.org_id and s.client_id = v_emergency.client_id and s.id = v_site) then
    perform private.raise_api_error('unknown_reference', pg_catalog.format('Site %s is not a site of this client', v_site));
  end if;

  insert into public.missions (org_id, client_id, site_id, emergency_request_id, title, description,
                               scheduled_start, priority, created_by)
  values (v_emergency.org_id, v_emergency.client_id, v_site, v_emergency.id,
          coalesce(nullif(btrim(p_title), ''), pg_catalog.left('Urgence : ' || btrim(v_emergency.description), 200)),
          v_emergency.description, pg_catalog.now(), 'urgent', auth.uid())
  returning id into v_mission;

  v_result := private.apply_mission_transition(v_mission, 'published', null, null);
  if p_technician_id is not null then
    v_result := private.apply_mission_transition(v_mission, 'assigned', null, p_technician_id);
  end if;

  -- The status trigger allows pending → acknowledged → dispatched and stamps
  -- who acknowledged it and when.
  if v_emergency.status = 'pending' then
    update public.emergency_requests e set status = 'acknowledged' where e.id = v_emergency.id;
  end if;
  update public.emergency_requests e set status = 'dispatched' where e.id = v_emergency.id;

  return pg_catalog.jsonb_build_object(
    'emergency_id', v_emergency.id, 'status', 'dispatched',
    'mission_id', v_mission, 'mission_status', v_result -> 'status', 'technician_id', v_result -> 'technician_id');
end;
$$;

comment on function public.dispatch_emergency(uuid, uuid, uuid, text) is 'Turns a pending or acknowledged emergency into an urgent mission (published; assigned when p_technician_id is given) and marks the emergency dispatched, in one transaction. Owner, admin, dispatcher. Returns {emergency_id, status, mission_id, mission_status, technician_id}.';

revoke all on function public.dispatch_emergency(uuid, uuid, uuid, text) from public;
grant execute on function public.dispatch_emergency(uuid, uuid, uuid, text) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.dispatch_emergency(uuid,uuid,uuid,text)',
   'Finds the emergency only in the caller''s organizations and refuses any role but owner, admin, dispatcher before writing; the mission then moves through private.apply_mission_transition (role and technician checks per move).');

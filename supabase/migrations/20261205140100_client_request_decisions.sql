-- =============================================================================
-- Client requests: the office turns one into a mission, or declines it with a
-- reason the client reads in the portal.
--
-- Until now a request's status was a free column for the staff: a "converted"
-- request had no mission to prove it, and a rejection said nothing. Both
-- decisions become functions that do the whole move in one transaction under
-- the request's row lock (two dispatchers deciding at once: the second finds
-- it decided), and a rejection carries its reason (a CHECK, so a direct
-- status update cannot skip it either).
-- =============================================================================

alter table public.client_requests
  add column decline_reason text,
  add constraint client_requests_decline_reason_length
    check (decline_reason is null or (length(btrim(decline_reason)) between 1 and 2000)),
  -- Rejected ⇔ a reason: the client is always told why, and only then.
  add constraint client_requests_rejected_has_reason
    check ((status = 'rejected') = (decline_reason is not null));

comment on column public.client_requests.decline_reason is 'Why the office declined the request (shown to the client); set by public.decline_client_request, present exactly when status is rejected.';

-- The request locked for a decision by the caller: not found when the caller
-- is not staff of its organization (same answer as a row that does not exist),
-- forbidden for other members, refused when it was already decided.
create function private.client_request_for_decision(p_request_id uuid)
returns public.client_requests
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.client_requests%rowtype;
begin
  if p_request_id is null then
    perform private.raise_api_error('missing_parameter', 'A client request id is required');
  end if;
  select r.* into v_request
  from public.client_requests r
  where r.id = p_request_id
    and (private.is_system_actor() or r.org_id in (select private.my_org_ids()))
  for update;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Client request %s not found', p_request_id));
  end if;
  if not private.is_system_actor() and not private.has_role_in(v_request.org_id, '{owner,admin,dispatcher}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner, admin or dispatcher can decide on a client request');
  end if;
  if v_request.status not in ('open', 'accepted') then
    perform private.raise_api_error('invalid_transition',
      pg_catalog.format('Client request %s is already %s', p_request_id, v_request.status));
  end if;
  return v_request;
end;
$$;

comment on function private.client_request_for_decision(uuid) is 'The client request, locked, when the caller (owner, admin, dispatcher of its organization, or the system) may decide on it and it is still open or accepted; raises not_found / forbidden_role / invalid_transition otherwise.';
revoke all on function private.client_request_for_decision(uuid) from public;

create function public.convert_client_request(
  p_request_id uuid,
  p_site_id uuid default null,
  p_title text default null,
  p_scheduled_start timestamptz default null,
  p_scheduled_end timestamptz default null,
  p_priority public.mission_priority default 'normal'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.client_requests%rowtype;
  v_site    uuid;
  v_mission uuid;
begin
  v_request := private.client_request_for_decision(p_request_id);
  v_site := coalesce(p_site_id, v_request.site_id);
  if v_site is null then
    perform private.raise_api_error('missing_parameter', 'The request names no site: choose the site of the mission');
  end if;
  if not exists (select from public.sites s
                 where s.org_id = v_request.org_id and s.client_id = v_request.client_id and s.id = v_site) then
    perform private.raise_api_error('unknown_reference', pg_catalog.format('Site %s is not a site of this client', v_site));
  end if;

  -- The mission starts new, as every mission does (the state-machine trigger
  -- insists); the board publishes and assigns it.
  insert into public.missions (org_id, client_id, site_id, client_request_id, title, description,
                               scheduled_start, scheduled_end, priority, created_by)
  values (v_request.org_id, v_request.client_id, v_site, v_request.id,
          coalesce(nullif(btrim(p_title), ''), v_request.subject), v_request.description,
          p_scheduled_start, p_scheduled_end, coalesce(p_priority, 'normal'), auth.uid())
  returning id into v_mission;

  update public.client_requests r set status = 'converted' where r.id = v_request.id;

  return pg_catalog.jsonb_build_object('request_id', v_request.id, 'status', 'converted', 'mission_id', v_mission);
end;
$$;

comment on function public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority) is 'Turns an open (or accepted) client request into a new mission of the same client (site: p_site_id, else the request''s; title: p_title, else the subject) and marks the request converted, in one transaction. Owner, admin, dispatcher. Returns {request_id, status, mission_id}.';

create function public.decline_client_request(p_request_id uuid, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.client_requests%rowtype;
begin
  if p_reason is null or btrim(p_reason) = '' then
    perform private.raise_api_error('validation_failed', 'A reason is required to decline a request: the client reads it');
  end if;
  if length(btrim(p_reason)) > 2000 then
    perform private.raise_api_error('value_too_long', pg_catalog.format('A reason is at most 2000 characters (got %s)', length(btrim(p_reason))));
  end if;
  v_request := private.client_request_for_decision(p_request_id);
  update public.client_requests r
     set status = 'rejected', decline_reason = btrim(p_reason)
   where r.id = v_request.id;
  return pg_catalog.jsonb_build_object('request_id', v_request.id, 'status', 'rejected', 'decline_reason', btrim(p_reason));
end;
$$;

comment on function public.decline_client_request(uuid, text) is 'Declines an open (or accepted) client request with a reason (1..2000 characters, shown to the client). Owner, admin, dispatcher. Returns {request_id, status, decline_reason}.';

revoke all on function public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority) from public;
revoke all on function public.decline_client_request(uuid, text) from public;
grant execute on function public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority) to authenticated, service_role;
grant execute on function public.decline_client_request(uuid, text) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable',
   'public.convert_client_request(uuid,uuid,text,timestamp with time zone,timestamp with time zone,public.mission_priority)',
   'private.client_request_for_decision finds the request only in the caller''s organizations and refuses any role but owner, admin, dispatcher before anything is written; the site is checked to be the request''s client''s.'),
  ('authenticated_security_definer_function_executable', 'public.decline_client_request(uuid,text)',
   'private.client_request_for_decision finds the request only in the caller''s organizations and refuses any role but owner, admin, dispatcher before anything is written.');

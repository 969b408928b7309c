-- API errors, events and rules: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_event_id   uuid;
  v_existing   public.events%rowtype;
  v_rule       public.rules%rowtype;
  v_match      boolean;
  v_window     timestamptz;
  v_count      integer;
  v_suppressed integer;
  v_title      text;
  v_entity_tbl text;
  v_entity_id  uuid;
  v_fired      jsonb := '[]'::jsonb;
  v_skipped    jsonb := '[]'::jsonb;
  v_result     jsonb;
  v_dedupe     text;
  v_params     jsonb;
begin
  if p_org is null or p_source_event_id is null or p_type is null or p_occurred_at is null or p_payload is null then
    perform private.raise_api_error('missing_parameter', 'ingest_event needs an organization, a source event id, a type, occurred_at and a payload');
  end if;
  if length(p_source_event_id) not between 1 and 200 then
    perform private.raise_api_error('invalid_parameter', 'An event id is 1 to 200 characters');
  end if;
  if length(p_type) not between 1 and 100 then
    perform private.raise_api_error('invalid_parameter', 'An event type is 1 to 100 characters');
  end if;
  if pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    perform private.raise_api_error('invalid_parameter', 'An event payload is a JSON object');
  end if;
  if octet_length(p_payload::text) > 65536 then
    perform private.raise_api_error('payload_too_large', 'An event payload is at most 64 KiB');
  end if;

  -- Idempotency: a concurrent insert of the same id waits here for the first
  -- transaction, then takes the duplicate branch.
  insert into public.events (org_id, api_key_id, source_event_id, type, occurred_at, payload)
  values (p_org, p_api_key_id, p_source_event_id, p_type, p_occurred_at, p_payload)
  on conflict (org_id, source_event_id) do nothing
  returning id into v_event_id;

  if v_event_id is null then
    select e.* into v_existing from public.events e
    where e.org_id = p_org and e.source_event_id = p_source_event_id;
    return coalesce(v_existing.result, jsonb_build_object('event_id', v_existing.id, 'fired', '[]'::jsonb, 'suppressed', '[]'::jsonb))
           || jsonb_build_object('duplicate', true);
  end if;

  for v_rule in
    select r.* from public.rules r
    where r.org_id = p_org and r.event_type = p_type and r.enabled
    order by r.created_at, r.id
  loop
    -- Only jsonb_path_match: the condition is data, never code. Missing paths
    -- and type mismatches are false (silent), not errors.
    begin
      v_match := coalesce(pg_catalog.jsonb_path_match(p_payload, v_rule.condition::jsonpath, '{}'::jsonb, true), false);
    exception when others then
      v_match := false;
    end;
    continue when not v_match;

    -- Lock the rule: concurrent events matching it count firings one at a time.
    select r.* into v_rule from public.rules r where r.id = v_rule.id and r.enabled for update;
    continue when v_rule.id is null;

    v_window := pg_catalog.date_bin(make_interval(secs => v_rule.per_seconds), now(), timestamptz '2000-01-01 00:00:00+00');
    select count(*) into v_count from public.rule_firings f
    where f.org_id = p_org and f.rule_id = v_rule.id and f.fired_at >= v_window and not f.suppressed;

    if v_count >= v_rule.max_firings then
      insert into public.rule_firings (org_id, rule_id, event_id, suppressed) values (p_org, v_rule.id, v_event_id, true);
      select count(*) into v_suppressed from public.rule_firings f
      where f.org_id = p_org and f.rule_id = v_rule.id and f.fired_at >= v_window and f.suppressed;
      -- One summary per rule and window (dedupe key); its body carries the running count.
      v_dedupe := 'rule_suppressed:' || v_rule.id::text || ':' || extract(epoch from v_window)::bigint::text;
      v_params := jsonb_build_object('rule', v_rule.name, 'count', v_suppressed,
        'title', format('Rule "%s" suppressed', v_rule.name),
        'body', format('%s firing(s) suppressed since %s (limit: %s per %s s).', v_suppressed,
                       to_char(v_window at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), v_rule.max_firings, v_rule.per_seconds));
      if v_suppressed = 1 then
        perform private.notify_rule_roles(p_org, '{owner,admin}', 'rule_suppressed_summary', 'public.rules', v_rule.id, v_dedupe, v_params);
      else
        perform private.refresh_rule_summary(p_org, v_dedupe, v_params);
      end if;
      v_skipped := v_skipped || to_jsonb(v_rule.id);
      continue;
    end if;

    v_title := coalesce(v_rule.action_params ->> 'title', v_rule.name);
    if v_rule.action = 'create_emergency' then
      insert into public.emergency_requests (org_id, client_id, site_id, severity, description, source, created_by)
      values (p_org, v_rule.client_id, v_rule.site_id, v_rule.severity,
              left(format('%s (event %s "%s" at %s)', v_title, p_type, p_source_event_id, p_occurred_at), 10000),
              'external', null)
      returning 'public.emergency_requests', id into v_entity_tbl, v_entity_id;
    elsif v_rule.action = 'create_client_request' then
      insert into public.client_requests (org_id, client_id, site_id, subject, description, created_by)
      values (p_org, v_rule.client_id, v_rule.site_id, left(v_title, 200),
              left(format('Created by rule "%s" from event %s "%s" at %s.', v_rule.name, p_type, p_source_event_id, p_occurred_at), 10000),
              null)
      returning 'public.client_requests', id into v_entity_tbl, v_entity_id;
    else
      perform private.notify_rule_roles(p_org,
        array(select r::public.member_role from pg_catalog.jsonb_array_elements_text(v_rule.action_params -> 'roles') r),
        'rule_fired', 'public.events', v_event_id, 'rule_fired:' || v_rule.id::text || ':' || v_event_id::text,
        jsonb_build_object('rule', v_rule.name, 'title', left(v_title, 200),
          'body', format('Event %s "%s" at %s.', p_type, p_source_event_id, p_occurred_at)));
      v_entity_tbl := 'public.events';
      v_entity_id := v_event_id;
    end if;

    insert into public.rule_firings (org_id, rule_id, event_id, suppressed, entity_table, entity_id)
    values (p_org, v_rule.id, v_event_id, false, v_entity_tbl, v_entity_id);
    perform private.log_app_event(p_org, 'rule_fired',
      case when v_rule.severity in ('high', 'critical') then 'critical' when v_rule.severity = 'medium' then 'warning' else 'info' end,
      'public.rules', v_rule.id,
      jsonb_build_object('event_id', v_event_id, 'source_event_id', p_source_event_id, 'event_type', p_type,
                         'action', v_rule.action, 'entity_table', v_entity_tbl, 'entity_id', v_entity_id));
    v_fired := v_fired || jsonb_build_object('rule_id', v_rule.id, 'action', v_rule.action,
                                             'entity_table', v_entity_tbl, 'entity_id', v_entity_id);
  end loop;

  v_result := jsonb_build_object('event_id', v_event_id, 'fired', v_fired, 'suppressed', v_skipped);
  update public.events e set processed_at = clock_timestamp(), result = v_result where e.id = v_event_id;
  return v_result || jsonb_build_object('duplicate', false);
end;
$function$;

CREATE OR REPLACE FUNCTION private.rules_validate()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_path    jsonpath;
  v_probe   jsonb;
  v_allowed text[];
  v_unknown text[];
  v_role    text;
begin
  if new.action is null or new.action not in ('create_emergency', 'create_client_request', 'notify_roles') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown rule action %s (create_emergency, create_client_request or notify_roles)', new.action));
  end if;
  -- 1. Syntax: the cast is the parser; nothing is executed.
  begin
    v_path := new.condition::jsonpath;
  exception when others then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s', sqlerrm));
  end;
  -- 2. A predicate: on an empty object it yields exactly one boolean (or
  --    unknown), whatever paths it names ($.a > 1 on {} is false). A plain path
  --    ($.a) yields no item, `$` yields an object: not predicates.
  begin
    perform pg_catalog.jsonb_path_match('{}'::jsonb, v_path, '{}'::jsonb, true);
    v_probe := pg_catalog.jsonb_path_query_array('{}'::jsonb, v_path, '{}'::jsonb, true);
  exception when others then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s', sqlerrm));
  end;
  if pg_catalog.jsonb_array_length(v_probe) <> 1
     or pg_catalog.jsonb_typeof(v_probe -> 0) not in ('boolean', 'null') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s is not a predicate (write a comparison or test, e.g. $.temperature > 90)', new.condition));
  end if;

  -- 3. Action parameters.
  v_allowed := case new.action
    when 'notify_roles' then array['roles', 'title']
    else array['client_id', 'site_id', 'title'] end;
  select pg_catalog.array_agg(k order by k) into v_unknown
  from pg_catalog.jsonb_object_keys(new.action_params) k
  where k <> all (v_allowed);
  if v_unknown is not null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown action_params for %s: %s (allowed: %s)', new.action, pg_catalog.array_to_string(v_unknown, ', '), pg_catalog.array_to_string(v_allowed, ', ')));
  end if;
  if new.action_params ? 'title' and (pg_catalog.jsonb_typeof(new.action_params -> 'title') <> 'string'
       or length(btrim(new.action_params ->> 'title')) not between 1 and 200) then
    perform private.raise_api_error('invalid_parameter', 'action_params.title must be a string of 1 to 200 characters');
  end if;

  if new.action in ('create_emergency', 'create_client_request') then
    if pg_catalog.jsonb_typeof(new.action_params -> 'client_id') is distinct from 'string'
       or (new.action_params ->> 'client_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Action %s needs action_params.client_id (a client uuid)', new.action));
    end if;
    if new.action_params ? 'site_id' and (pg_catalog.jsonb_typeof(new.action_params -> 'site_id') <> 'string'
       or (new.action_params ->> 'site_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') then
      perform private.raise_api_error('invalid_parameter', 'action_params.site_id must be a site uuid');
    end if;
    -- Ownership is proven by the composite foreign keys (rules_client_fkey,
    -- rules_site_fkey): a client or site of another organization is refused (23503).
  else
    if pg_catalog.jsonb_typeof(new.action_params -> 'roles') is distinct from 'array'
       or pg_catalog.jsonb_array_length(new.action_params -> 'roles') = 0 then
      perform private.raise_api_error('invalid_parameter', 'Action notify_roles needs action_params.roles (a non-empty array of roles)');
    end if;
    for v_role in select r from pg_catalog.jsonb_array_elements_text(new.action_params -> 'roles') r loop
      if v_role not in ('owner', 'admin', 'dispatcher', 'technician', 'accountant') then
        perform private.raise_api_error('invalid_parameter', pg_catalog.format('action_params.roles: %s is not a staff role (owner, admin, dispatcher, technician, accountant)', v_role));
      end if;
    end loop;
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity emergency_severity DEFAULT 'high'::emergency_severity, p_max_firings integer DEFAULT 5, p_per_seconds integer DEFAULT 3600, p_enabled boolean DEFAULT true)
 RETURNS rules
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_rule public.rules%rowtype;
begin
  if p_org_id is null or not (private.is_system_actor() or private.has_role_in(p_org_id, '{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can create rules');
  end if;
  insert into public.rules (org_id, name, event_type, condition, action, action_params, severity, max_firings, per_seconds,
                            enabled, created_by)
  values (p_org_id, p_name, p_event_type, p_condition, p_action, coalesce(p_action_params, '{}'), coalesce(p_severity, 'high'),
          coalesce(p_max_firings, 5), coalesce(p_per_seconds, 3600), coalesce(p_enabled, true), auth.uid())
  returning * into v_rule;
  return v_rule;
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_emergency_status()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  if new.status is distinct from old.status then
    if not (
      (old.status = 'pending' and new.status in ('acknowledged', 'closed'))
      or (old.status = 'acknowledged' and new.status in ('dispatched', 'closed'))
      or (old.status = 'dispatched' and new.status = 'closed')
    ) then
      perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid emergency transition: %s → %s', old.status, new.status));
    end if;
    if new.status = 'acknowledged' then
      new.acknowledged_at := coalesce(new.acknowledged_at, now());
      new.acknowledged_by := coalesce(new.acknowledged_by, auth.uid());
    elsif new.status = 'dispatched' then
      new.dispatched_at := coalesce(new.dispatched_at, now());
    elsif new.status = 'closed' then
      new.acknowledged_at := coalesce(new.acknowledged_at, now());
      new.closed_at := coalesce(new.closed_at, now());
    end if;
  end if;
  return new;
end;
$function$;

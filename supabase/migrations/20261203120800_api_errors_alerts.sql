-- API errors, alerts: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.lock_alert_for_caller(p_id uuid)
 RETURNS alerts
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_alert public.alerts;
  v_uid   uuid := auth.uid();
begin
  if v_uid is null then
    perform private.raise_api_error('authentication_required', 'Sign in to manage alerts');
  end if;
  select * into v_alert from public.alerts a
  where a.id = p_id
    and exists (select from public.memberships m where m.org_id = a.org_id and m.user_id = v_uid)
  for update;
  if v_alert.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Alert %s not found', p_id));
  end if;
  if not exists (
    select from public.memberships m
    join public.alert_config c on c.org_id = m.org_id and c.alert_type = v_alert.alert_type
    where m.org_id = v_alert.org_id and m.user_id = v_uid
      and (m.role in ('owner', 'admin', 'dispatcher')
           or m.role = any (c.notify_roles)
           or m.role = any (c.escalate_to_roles)
           or (c.notify_on_call and m.role = 'technician' and m.on_call))
  ) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('Your role may not manage %s alerts', v_alert.alert_type));
  end if;
  if v_alert.status = 'resolved' then
    perform private.raise_api_error('invalid_state', pg_catalog.format('Alert %s is already resolved', p_id));
  end if;
  return v_alert;
end;
$function$;

CREATE OR REPLACE FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_alert public.alerts;
begin
  if p_until is null or p_until <= now() then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A silence ends in the future (got %s)', p_until));
  end if;
  if p_until > now() + interval '30 days' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A silence lasts at most 30 days (until %s)', now() + interval '30 days'));
  end if;
  v_alert := private.lock_alert_for_caller(p_id);
  update public.alerts a
     set silenced_until = p_until, silenced_by = auth.uid()
   where a.id = v_alert.id
  returning * into v_alert;
  return pg_catalog.jsonb_build_object('id', v_alert.id, 'status', v_alert.status, 'silenced_until', v_alert.silenced_until);
end;
$function$;

CREATE OR REPLACE FUNCTION private.validate_alert_config()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_units text[] := case new.alert_type
    when 'emergency_pending' then '{minutes,hours}'::text[]
    when 'mission_blocked' then '{minutes,hours}'::text[]
    when 'invoice_overdue_7days' then '{days}'::text[]
    when 'invoice_overdue_30days' then '{days}'::text[]
    when 'timesheet_unapproved' then '{days}'::text[]
    when 'stock_critical' then '{units}'::text[]
  end;
begin
  if v_units is null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown alert type "%s"', new.alert_type), p_hint => 'emergency_pending, invoice_overdue_7days, invoice_overdue_30days, stock_critical, mission_blocked, timesheet_unapproved');
  end if;
  if new.unit is null or not (new.unit = any (v_units)) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s is measured in %s, not "%s"', new.alert_type, pg_catalog.array_to_string(v_units, ' or '), new.unit));
  end if;
  if new.threshold is null or new.threshold < 0 or (new.threshold = 0 and new.alert_type <> 'stock_critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs a threshold %s, got %s', new.alert_type, case when new.alert_type = 'stock_critical' then 'of 0 or more' else 'greater than 0' end, new.threshold));
  end if;
  if new.unit = 'days' and new.threshold <> pg_catalog.trunc(new.threshold) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s counts whole days, got %s', new.alert_type, new.threshold));
  end if;
  if new.severity is null or new.severity not in ('info', 'warning', 'critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown alert severity "%s": use info, warning or critical', new.severity));
  end if;
  if new.notify_roles is null or pg_catalog.cardinality(new.notify_roles) = 0 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s must notify at least one role', new.alert_type));
  end if;
  if 'client' = any (new.notify_roles) or 'client' = any (new.escalate_to_roles) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s cannot notify client portal users', new.alert_type));
  end if;
  if new.repeat_interval is null or new.repeat_interval <= interval '0' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs a repeat interval greater than 0, got %s', new.alert_type, new.repeat_interval));
  end if;
  if new.escalate_after is not null then
    if new.escalate_after <= interval '0' then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs an escalation delay greater than 0, got %s', new.alert_type, new.escalate_after));
    end if;
    if new.escalate_to_roles is null or pg_catalog.cardinality(new.escalate_to_roles) = 0 then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s escalates after %s but names no role to escalate to', new.alert_type, new.escalate_after));
    end if;
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_id bigint;
begin
  if p_org is null or p_type is null then
    perform private.raise_api_error('missing_parameter', 'log_app_event needs an organization and a type');
  end if;
  if coalesce(p_severity, 'info') not in ('info', 'warning', 'critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown event severity "%s": use info, warning or critical', p_severity));
  end if;
  insert into public.app_events (org_id, type, severity, entity_table, entity_id, payload)
  values (p_org, p_type, coalesce(p_severity, 'info'), p_entity_table, p_entity_id, coalesce(p_payload, '{}'))
  returning id into v_id;
  return v_id;
end;
$function$;

-- Down file of supabase/migrations/20261205170000_rule_condition_check.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: the trigger function goes back to its inline condition
-- check (as created by 20261201012000_events_and_rules.sql), then the shared
-- check and the RPC go.

CREATE OR REPLACE FUNCTION private.rules_validate() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
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
$_$;

drop function public.check_rule_condition(p_condition text);
drop function private.rule_condition_error(p_condition text);

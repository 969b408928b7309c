-- =============================================================================
-- Rule conditions checked without saving: the rules editor validates the
-- condition as the user types. The check moves into one function,
-- private.rule_condition_error, that the save trigger (rules_validate) and the
-- new RPC check_rule_condition both call, so the editor shows exactly the
-- message a save would raise, worded by the same code.
-- =============================================================================

-- The message a save would raise for this condition, or null when it is a
-- valid predicate. Never raises: the caller decides what to do with the words.
create function private.rule_condition_error(p_condition text) returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_path  jsonpath;
  v_probe jsonb;
begin
  -- 0. Same bounds as the rules_condition_length check, in words.
  if p_condition is null or pg_catalog.length(pg_catalog.btrim(p_condition)) = 0 then
    return 'Invalid rule condition: the condition is empty (write a comparison or test, e.g. $.temperature > 90)';
  end if;
  if pg_catalog.length(pg_catalog.btrim(p_condition)) > 2000 then
    return 'Invalid rule condition: longer than 2000 characters';
  end if;
  -- 1. Syntax: the cast is the parser; nothing is executed.
  begin
    v_path := p_condition::jsonpath;
  exception when others then
    return pg_catalog.format('Invalid rule condition: %s', sqlerrm);
  end;
  -- 2. A predicate: on an empty object it yields exactly one boolean (or
  --    unknown), whatever paths it names ($.a > 1 on {} is false). A plain path
  --    ($.a) yields no item, `$` yields an object: not predicates.
  begin
    perform pg_catalog.jsonb_path_match('{}'::jsonb, v_path, '{}'::jsonb, true);
    v_probe := pg_catalog.jsonb_path_query_array('{}'::jsonb, v_path, '{}'::jsonb, true);
  exception when others then
    return pg_catalog.format('Invalid rule condition: %s', sqlerrm);
  end;
  if pg_catalog.jsonb_array_length(v_probe) <> 1
     or pg_catalog.jsonb_typeof(v_probe -> 0) not in ('boolean', 'null') then
    return pg_catalog.format('Invalid rule condition: %s is not a predicate (write a comparison or test, e.g. $.temperature > 90)', p_condition);
  end if;
  return null;
end;
$$;

comment on function private.rule_condition_error(p_condition text) is 'The message saving a rule with this condition would raise (Invalid rule condition: …), or null when it is a valid jsonpath predicate. Shared by the rules_validate trigger and check_rule_condition.';
revoke all on function private.rule_condition_error(text) from public;
-- rules_validate and check_rule_condition run as the caller (an owner or
-- admin updating a rule under RLS, anyone signed in checking a condition, or
-- the service role): they need to run the check both delegate to.
grant execute on function private.rule_condition_error(text) to authenticated, service_role;

-- Validation on save: the condition parses as a jsonpath predicate and the
-- action parameters fit the action. Runs before the generated columns are
-- computed, so a malformed client_id gets this message, not a cast error.
create or replace function private.rules_validate() returns trigger
language plpgsql
set search_path = ''
as $_$
declare
  v_condition_error text;
  v_allowed text[];
  v_unknown text[];
  v_role    text;
begin
  if new.action is null or new.action not in ('create_emergency', 'create_client_request', 'notify_roles') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown rule action %s (create_emergency, create_client_request or notify_roles)', new.action));
  end if;
  -- 1-2. The condition: syntax, then a predicate (private.rule_condition_error).
  v_condition_error := private.rule_condition_error(new.condition);
  if v_condition_error is not null then
    perform private.raise_api_error('invalid_parameter', v_condition_error);
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


-- RPC for the rules editor: checks a condition without saving anything.
-- Runs as the caller (it reads no table; the helper is granted to the API roles).
create function public.check_rule_condition(p_condition text) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_error text := private.rule_condition_error(p_condition);
begin
  return pg_catalog.jsonb_build_object('valid', v_error is null, 'message', v_error);
end;
$$;

comment on function public.check_rule_condition(p_condition text) is 'RPC (signed-in user): {valid, message} for a rule condition, without saving: message is what create_rule or a rules update would raise (Invalid rule condition: …), null when valid. Reads no table.';
revoke all on function public.check_rule_condition(text) from public, anon;
grant execute on function public.check_rule_condition(text) to authenticated, service_role;

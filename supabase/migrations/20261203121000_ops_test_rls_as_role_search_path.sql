-- ops.test_rls_as_role had no fixed search_path (splinter 0011,
-- function_search_path_mutable): its own statements resolved names through
-- whoever called it. It is SECURITY INVOKER and runs a caller's query as an
-- API role, so it needs two paths: '' for its own body (every name in it is
-- schema-qualified) and 'public, extensions' for the caller's query — the path
-- PostgREST gives every request — set just before that query runs (the
-- function-level SET also bounds it to the call).

create or replace function ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_user    record;
  v_claims  jsonb;
  v_timeout text;
  v_rows    jsonb[] := '{}'::jsonb[];
  v_row     record;
  v_count   integer;
begin
  -- The caller's query is dynamic SQL with a record target: plpgsql_check cannot
  -- type it and would warn on every call site; nothing else here is dynamic.
  -- @plpgsql_check_options: other_warnings = false
  if p_role is null or p_role not in ('anon', 'authenticated', 'service_role') then
    raise exception 'Role must be anon, authenticated or service_role (got %)', coalesce(p_role, 'null')
      using errcode = '22023';
  end if;
  if p_query is null or pg_catalog.btrim(p_query) = '' then
    raise exception 'The query is empty' using errcode = '22023';
  end if;
  v_count := ops.sql_statement_count(p_query);
  if v_count <> 1 then
    raise exception 'ops.test_rls_as_role runs exactly one statement (got %)', v_count
      using errcode = '42601', hint = 'Call it once per statement.';
  end if;
  if p_role = 'anon' and p_user_id is not null then
    raise exception 'An anon request carries no user: pass null as p_user_id' using errcode = '22023';
  end if;
  if p_role = 'authenticated' and p_user_id is null then
    raise exception 'Role authenticated needs a user (p_user_id is null)' using errcode = '22023';
  end if;

  if p_user_id is not null then
    select u.id, u.email, u.raw_app_meta_data into v_user from auth.users u where u.id = p_user_id;
    if not found then
      raise exception 'Unknown user %', p_user_id using errcode = 'P0002';
    end if;
    v_claims := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', v_user.id, 'role', p_role, 'email', v_user.email,
      'aud', case when p_role = 'authenticated' then 'authenticated' end,
      'app_metadata', v_user.raw_app_meta_data));
  else
    v_claims := pg_catalog.jsonb_build_object('role', p_role);
  end if;

  select pg_catalog.substr(c.setting, 19) into v_timeout
  from pg_catalog.pg_db_role_setting s
  join pg_catalog.pg_roles r on r.oid = s.setrole and r.rolname = p_role
  cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
  where s.setdatabase = 0 and c.setting like 'statement\_timeout=%';

  begin
    -- Every auth.* claim source is set: the legacy per-claim settings win
    -- over request.jwt.claims in auth.uid(), so a stale one must not leak in.
    perform pg_catalog.set_config('request.jwt.claims', v_claims::text, true);
    perform pg_catalog.set_config('request.jwt.claim', '', true);
    perform pg_catalog.set_config('request.jwt.claim.sub', '', true);
    perform pg_catalog.set_config('request.jwt.claim.role', '', true);
    perform pg_catalog.set_config('request.jwt.claim.email', '', true);
    -- The caller's query resolves names as PostgREST does (db-schemas, then
    -- db-extra-search-path), not through the caller's session path; local to
    -- this function because of its own SET search_path.
    perform pg_catalog.set_config('search_path', 'public, extensions', true);
    if v_timeout is not null then
      perform pg_catalog.set_config('statement_timeout', v_timeout, true);
    end if;
    perform pg_catalog.set_config('role', p_role, true);

    begin
      for v_row in execute p_query loop
        v_rows := pg_catalog.array_append(v_rows, pg_catalog.to_jsonb(v_row));
      end loop;
    exception when invalid_cursor_definition then
      -- "cannot open UPDATE query as cursor" / "cannot open multi-query plan as cursor":
      -- raised while opening the cursor, before the statement runs.
      raise exception 'ops.test_rls_as_role needs one statement that returns rows (SELECT, or INSERT/UPDATE/DELETE … RETURNING)'
        using errcode = '42601', detail = sqlerrm;
    end;

    -- Undo everything the statement did (and the role and claims above).
    raise exception using errcode = 'OPSRB', message = 'ops.test_rls_as_role: rollback';
  exception when sqlstate 'OPSRB' then
    null;
  end;

  return query select pg_catalog.unnest(v_rows);
end;
$function$;

-- API errors, audit log: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION audit.authorize_reader(p_org_id uuid)
 RETURNS void
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'An organization id is required');
  end if;
  if not private.is_system_actor()
     and not private.has_role_in(p_org_id, array['owner', 'admin']::public.member_role[]) then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can read its audit log');
  end if;
end;
$function$;

CREATE OR REPLACE FUNCTION audit.refuse_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  perform private.raise_api_error('append_only', 'audit.log is append-only', p_details => pg_catalog.format('%s on audit.log refused.', tg_op), p_hint => 'Audit rows are never changed nor removed; record a new row instead.');
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$function$;

CREATE OR REPLACE FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 10000)
 RETURNS "text/csv"
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_limit integer := coalesce(p_limit, 10000);
  v_table text := audit.qualified_table_name(p_table_name);
  v_body text;
  v_count integer;
  v_last_id bigint;
  v_more boolean;
  v_headers jsonb;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 50000 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 50000 (got %s)', v_limit));
  end if;

  select pg_catalog.string_agg(
           pg_catalog.concat_ws(',',
             r.id::text,
             audit.utc_iso(r.occurred_at),
             audit.csv_field(r.org_id::text),
             audit.csv_field(r.actor_user_id::text),
             audit.csv_field(p.email),
             audit.csv_field(r.actor_api_key_id::text),
             audit.csv_field(r.actor_role),
             audit.csv_field(r.action),
             audit.csv_field(r.table_name),
             audit.csv_field(r.row_id),
             audit.csv_field(r.diff::text),
             audit.csv_field(r.reason),
             audit.csv_field(r.request_id),
             r.txid::text),
           E'\r\n' order by r.id desc) filter (where r.n <= v_limit),
         count(*) filter (where r.n <= v_limit),
         min(r.id) filter (where r.n <= v_limit),
         count(*) > v_limit
  into v_body, v_count, v_last_id, v_more
  from (
    select s.*, row_number() over (order by s.id desc) as n
    from audit.select_rows(p_org_id, v_table, p_actor, p_from, p_to, p_before_id, v_limit + 1) s
  ) r
  left join public.profiles p on p.id = r.actor_user_id;

  -- The export is audited: who took which part of the trail out.
  perform audit.append(p_org_id, 'audit_export', 'audit.log', null,
    pg_catalog.jsonb_build_object(
      'format', 'csv',
      'filters', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'table_name', v_table, 'actor', p_actor, 'from', audit.utc_iso(p_from), 'to', audit.utc_iso(p_to),
        'before_id', p_before_id, 'limit', v_limit)),
      'rows', v_count,
      'truncated', v_more));

  -- HTTP response headers (PostgREST applies them when the transaction commits).
  v_headers := pg_catalog.jsonb_build_array(
    pg_catalog.jsonb_build_object('Content-Disposition', pg_catalog.format('attachment; filename="audit-%s-%s.csv"',
      p_org_id, pg_catalog.to_char(pg_catalog.clock_timestamp() at time zone 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'))));
  if v_more then
    v_headers := v_headers || pg_catalog.jsonb_build_array(
      pg_catalog.jsonb_build_object('X-Audit-Next-Before-Id', v_last_id::text));
  end if;
  perform pg_catalog.set_config('response.headers', v_headers::text, true);

  return 'id,occurred_at,org_id,actor_user_id,actor_email,actor_api_key_id,actor_role,action,table_name,row_id,diff,reason,request_id,txid'
         || E'\r\n' || coalesce(v_body || E'\r\n', '');
end;
$function$;

CREATE OR REPLACE FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_limit integer := coalesce(p_limit, 50);
  v_rows jsonb;
  v_count integer;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 500 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 500 (got %s)', v_limit));
  end if;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'id', r.id,
           'occurred_at', audit.utc_iso(r.occurred_at),
           'org_id', r.org_id,
           'actor_user_id', r.actor_user_id,
           'actor_email', p.email,
           'actor_api_key_id', r.actor_api_key_id,
           'actor_role', r.actor_role,
           'action', r.action,
           'table_name', r.table_name,
           'row_id', r.row_id,
           'diff', r.diff,
           'reason', r.reason,
           'request_id', r.request_id,
           'txid', r.txid) order by r.id desc), '[]'::jsonb),
         count(*)
  into v_rows, v_count
  from audit.select_rows(p_org_id, audit.qualified_table_name(p_table_name), p_actor, p_from, p_to,
                         p_before_id, v_limit + 1) r
  left join public.profiles p on p.id = r.actor_user_id;

  if v_count > v_limit then
    -- The extra row only says that another page follows.
    v_rows := v_rows - v_limit;
    return pg_catalog.jsonb_build_object('rows', v_rows, 'next_before_id', (v_rows -> (v_limit - 1) ->> 'id')::bigint);
  end if;
  return pg_catalog.jsonb_build_object('rows', v_rows, 'next_before_id', null);
end;
$function$;

CREATE OR REPLACE FUNCTION private.refuse_append_only_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  perform private.raise_api_error('append_only', pg_catalog.format('Table %s.%s is append-only: %s is not allowed', tg_table_schema, tg_table_name, tg_op), p_hint => 'Record a new row (a correction) instead of changing history.');
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$function$;

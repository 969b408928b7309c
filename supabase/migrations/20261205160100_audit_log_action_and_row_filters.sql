-- =============================================================================
-- Audit log filters by action and by row: "what happened to this invoice?"
-- and "every deletion last week" are the questions the audit viewer
-- (docs/data-integrity.md) is opened for.
--
-- public.audit_log_page and public.audit_log_csv take two more optional
-- filters, p_action and p_row_id, appended after the existing parameters so
-- positional and named calls keep working; PostgREST resolves a function by
-- its argument names, so the old signatures are dropped rather than
-- overloaded (two candidates would make every call ambiguous).
--
-- One index serves the row filter: a row's history is read across all the
-- tables it could be in, without table_name. The action filter has no index:
-- it is a handful of values (insert, update, delete and a few named
-- operations), the newest-first scan of the organization's rows stops after
-- p_limit + 1 matches, and a date range narrows it through the BRIN index.
-- =============================================================================

drop function public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer);
drop function public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer);
drop function audit.select_rows(uuid, text, uuid, timestamptz, timestamptz, bigint, integer);

-- The rows of one page or export, newest first (see the audit migration): the
-- same dynamic SQL, planned for the filters each call actually has.
CREATE FUNCTION audit.select_rows(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer, p_action text, p_row_id text) RETURNS SETOF audit.log
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_sql text := 'select l.* from audit.log l where l.org_id = $1';
begin
  if p_table_name is not null then v_sql := v_sql || ' and l.table_name = $2'; end if;
  if p_actor is not null then v_sql := v_sql || ' and l.actor_user_id = $3'; end if;
  if p_from is not null then v_sql := v_sql || ' and l.occurred_at >= $4'; end if;
  if p_to is not null then v_sql := v_sql || ' and l.occurred_at < $5'; end if;
  if p_before_id is not null then v_sql := v_sql || ' and l.id < $6'; end if;
  if p_action is not null then v_sql := v_sql || ' and l.action = $8'; end if;
  if p_row_id is not null then v_sql := v_sql || ' and l.row_id = $9'; end if;
  v_sql := v_sql || ' order by l.id desc limit $7';
  return query execute v_sql using p_org_id, p_table_name, p_actor, p_from, p_to, p_before_id, p_limit, p_action, p_row_id;
end;
$_$;

CREATE FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 10000, p_action text DEFAULT NULL::text, p_row_id text DEFAULT NULL::text) RETURNS public."text/csv"
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_limit integer := coalesce(p_limit, 10000);
  v_table text := audit.qualified_table_name(p_table_name);
  v_rows text[];
  v_count integer;
  v_last_id bigint;
  v_more boolean;
  v_headers jsonb;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 50000 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 50000 (got %s)', v_limit));
  end if;

  -- One array row per record; audit.csv_rows escapes them all in one call.
  -- occurred_at is formatted here as audit.utc_iso does (a per-row call of
  -- a function with a SET clause would not be inlined).
  select pg_catalog.array_agg(
           array[
             r.id::text,
             pg_catalog.to_char(pg_catalog.timezone('UTC', r.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             r.org_id::text,
             r.actor_user_id::text,
             p.email,
             r.actor_api_key_id::text,
             r.actor_role,
             r.action,
             r.table_name,
             r.row_id,
             r.diff::text,
             r.reason,
             r.request_id,
             r.txid::text]
           order by r.id desc) filter (where r.n <= v_limit),
         count(*) filter (where r.n <= v_limit),
         min(r.id) filter (where r.n <= v_limit),
         count(*) > v_limit
  into v_rows, v_count, v_last_id, v_more
  from (
    select s.*, row_number() over (order by s.id desc) as n
    from audit.select_rows(p_org_id, v_table, p_actor, p_from, p_to, p_before_id, v_limit + 1, p_action, p_row_id) s
  ) r
  left join public.profiles p on p.id = r.actor_user_id;

  -- The export is audited: who took which part of the trail out.
  perform audit.append(p_org_id, 'audit_export', 'audit.log', null,
    pg_catalog.jsonb_build_object(
      'format', 'csv',
      'filters', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'table_name', v_table, 'actor', p_actor, 'action', p_action, 'row_id', p_row_id, 'from', audit.utc_iso(p_from), 'to', audit.utc_iso(p_to),
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
         || E'\r\n' || coalesce(audit.csv_rows(v_rows) || E'\r\n', '');
end;
$$;

CREATE FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 50, p_action text DEFAULT NULL::text, p_row_id text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
                         p_before_id, v_limit + 1, p_action, p_row_id) r
  left join public.profiles p on p.id = r.actor_user_id;

  if v_count > v_limit then
    -- The extra row only says that another page follows.
    v_rows := v_rows - v_limit;
    return pg_catalog.jsonb_build_object('rows', v_rows, 'next_before_id', (v_rows -> (v_limit - 1) ->> 'id')::bigint);
  end if;
  return pg_catalog.jsonb_build_object('rows', v_rows, 'next_before_id', null);
end;
$$;

comment on function audit.select_rows(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) is
  'The rows of one audit page or export, newest first, filtered by table, actor, time window, keyset id, action and row id (each optional).';
comment on function public.audit_log_csv(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) is
  'RFC 4180 CSV export of an organization''s audit log (owners and admins), same filters and order as audit_log_page, p_limit 1..50000 (default 10000). Audited as action audit_export. Call with POST.';
comment on function public.audit_log_page(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) is
  'Audit log of an organization, newest first, for its owners and admins: {rows: [...], next_before_id}. Keyset pagination (pass next_before_id as p_before_id), p_limit 1..500; filters: table, actor, occurred_at in [p_from, p_to), action, row id.';

revoke all on function audit.select_rows(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) from public;
revoke all on function public.audit_log_csv(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) from public, anon;
grant execute on function public.audit_log_csv(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) to authenticated, service_role;
revoke all on function public.audit_log_page(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) from public, anon;
grant execute on function public.audit_log_page(uuid, text, uuid, timestamp with time zone, timestamp with time zone, bigint, integer, text, text) to authenticated, service_role;

update ops.lint_allowlist
   set object = replace(object, 'bigint,integer)', 'bigint,integer,text,text)')
 where rule = 'authenticated_security_definer_function_executable'
   and object in ('public.audit_log_csv(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)',
                  'public.audit_log_page(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)');

-- A row's history, newest first, whatever table it is in.
create index log_org_row_idx on audit.log (org_id, row_id, id desc) where row_id is not null;
comment on index audit.log_org_row_idx is 'The row filter of audit_log_page / audit_log_csv: one row''s history, newest first.';

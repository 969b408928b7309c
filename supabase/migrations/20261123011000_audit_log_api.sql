-- =============================================================================
-- Reading the audit trail through the API (PostgREST RPC), for the owners and
-- admins of an organization (issue 4 item 6).
--
--   public.audit_log_page(p_org_id, p_table_name, p_actor, p_from, p_to,
--                         p_before_id, p_limit default 50)  → jsonb
--     {"rows": [ {id, occurred_at, org_id, actor_user_id, actor_email,
--                 actor_api_key_id, actor_role, action, table_name, row_id,
--                 diff, reason, request_id, txid}, … ],
--      "next_before_id": <id to pass as p_before_id for the next page> | null}
--     Newest first, keyset pagination on id (descending): a page is the
--     p_limit (1..500) newest rows with id < p_before_id; next_before_id is
--     null on the last page (one extra row is read to know, so no empty page
--     is ever fetched). Filters: p_table_name ('timesheets' or
--     'public.timesheets'), p_actor (a user id), p_from (inclusive) and p_to
--     (exclusive) on occurred_at.
--     Why jsonb and not `setof <composite>`: the cursor and the "is there a
--     next page" answer belong with the page, and PostgREST serves a jsonb
--     scalar as is (GET or POST; STABLE, so GET works). A setof would leave the
--     cursor to the client and invite PostgREST-side filters that apply after
--     the limit.
--
--   public.audit_log_csv(same filters, p_limit default 10000, max 50000)
--     → public."text/csv" (a domain over text: text for SQL callers)
--     RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold
--     a comma, a double quote (doubled), CR, LF or leading/trailing spaces;
--     times ISO-8601 UTC (2026-11-23T10:15:00.123456Z); diff as JSON text.
--     Same order and rows as the pages. Exports are themselves audited
--     (action 'audit_export', table 'audit.log', the filters and the row count
--     in diff), so the function writes: call it with POST (supabase-js .rpc()
--     does); a GET runs in a read-only transaction and is refused:
--     405, {"code": "25006", "message": "cannot execute INSERT in a
--     read-only transaction"}.
--     Over HTTP: POST /rest/v1/rpc/audit_log_csv with `Accept: text/csv`
--     answers the raw CSV with `Content-Type: text/csv`, a
--     `Content-Disposition: attachment` file name and, when the limit cut the
--     export short, `X-Audit-Next-Before-Id` (pass it as p_before_id). With
--     the default Accept (application/json) the same CSV comes as one JSON
--     string. Proven by tests/integration/audit.test.ts.
--
-- Reading is not audited (a page view would flood the trail and is read-only);
-- exporting is (data leaves the system).
--
-- Who: an owner or admin of p_org_id (42501 otherwise, also for another
-- organization or one that does not exist: no rows, no hint), or the system
-- actor (service_role edge functions, maintenance as postgres).
-- =============================================================================

-- Owner/admin of the organization, or the system actor.
create function audit.authorize_reader(p_org_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_org_id is null then
    raise exception 'An organization id is required' using errcode = '22004';
  end if;
  if not private.is_system_actor()
     and not private.has_role_in(p_org_id, array['owner', 'admin']::public.member_role[]) then
    raise exception 'Only an owner or admin of the organization can read its audit log' using errcode = '42501';
  end if;
end;
$$;
revoke all on function audit.authorize_reader(uuid) from public;

-- 'timesheets' → 'public.timesheets'; null stays null.
create function audit.qualified_table_name(p_table_name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when nullif(btrim(p_table_name), '') is null then null
              when strpos(p_table_name, '.') > 0 then lower(btrim(p_table_name))
              else 'public.' || lower(btrim(p_table_name)) end
$$;
revoke all on function audit.qualified_table_name(text) from public;

-- The rows of one page or export, newest first: p_limit rows (the caller asks
-- for one more to know whether another page follows). Dynamic SQL so each
-- call is planned for the filters it actually has (index by table, by actor,
-- by time, or by id alone) rather than one generic plan full of "is null or".
create function audit.select_rows(
  p_org_id     uuid,
  p_table_name text,
  p_actor      uuid,
  p_from       timestamptz,
  p_to         timestamptz,
  p_before_id  bigint,
  p_limit      integer
)
returns setof audit.log
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_sql text := 'select l.* from audit.log l where l.org_id = $1';
begin
  if p_table_name is not null then v_sql := v_sql || ' and l.table_name = $2'; end if;
  if p_actor is not null then v_sql := v_sql || ' and l.actor_user_id = $3'; end if;
  if p_from is not null then v_sql := v_sql || ' and l.occurred_at >= $4'; end if;
  if p_to is not null then v_sql := v_sql || ' and l.occurred_at < $5'; end if;
  if p_before_id is not null then v_sql := v_sql || ' and l.id < $6'; end if;
  v_sql := v_sql || ' order by l.id desc limit $7';
  return query execute v_sql using p_org_id, p_table_name, p_actor, p_from, p_to, p_before_id, p_limit;
end;
$$;
revoke all on function audit.select_rows(uuid, text, uuid, timestamptz, timestamptz, bigint, integer) from public;

-- utc_iso and csv_field run for every field of every exported row (up to
-- 700,000 calls for 50,000 rows): plain SQL expressions without a SET clause,
-- so the planner inlines them into the export query (a SET clause forbids
-- inlining: measured 4.9 s for 50,000 rows with it). They are SECURITY
-- INVOKER, use only pg_catalog names, and the callers run with
-- search_path = ''.
create function audit.utc_iso(p_time timestamptz)
returns text
language sql
stable
as $$
  select pg_catalog.to_char(pg_catalog.timezone('UTC', p_time), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
revoke all on function audit.utc_iso(timestamptz) from public;

-- -----------------------------------------------------------------------------
-- audit_log_page
-- -----------------------------------------------------------------------------
create function public.audit_log_page(
  p_org_id     uuid,
  p_table_name text default null,
  p_actor      uuid default null,
  p_from       timestamptz default null,
  p_to         timestamptz default null,
  p_before_id  bigint default null,
  p_limit      integer default 50
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_limit integer := coalesce(p_limit, 50);
  v_rows jsonb;
  v_count integer;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 500 then
    raise exception 'p_limit must be between 1 and 500 (got %)', v_limit using errcode = '22023';
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
$$;
comment on function public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer) is
  'Audit log of an organization, newest first, for its owners and admins: {rows: [...], next_before_id}. '
  'Keyset pagination (pass next_before_id as p_before_id), p_limit 1..500; filters: table, actor, occurred_at in [p_from, p_to).';
revoke all on function public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer) from public, anon;
grant execute on function public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer)
  to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- audit_log_csv
-- -----------------------------------------------------------------------------
create function audit.csv_field(p_value text)
returns text
language sql
immutable
as $$
  select case
    when p_value is null then ''
    when p_value operator(pg_catalog.~) '[",\r\n]|^\s|\s$'
      then '"' operator(pg_catalog.||) pg_catalog.replace(p_value, '"', '""') operator(pg_catalog.||) '"'
    else p_value
  end
$$;
comment on function audit.csv_field(text) is 'One RFC 4180 field: quoted (inner quotes doubled) when it holds a comma, quote, CR, LF or edge spaces.';
revoke all on function audit.csv_field(text) from public;

-- PostgREST media type handler (PostgREST >= 12): a function returning a
-- domain named after a media type answers `Accept: text/csv` with its value as
-- the raw body and `Content-Type: text/csv`. A plain text function would be
-- wrapped by PostgREST's own CSV encoder (one column "pgrst_scalar", every
-- quote doubled again), and `Accept: text/plain` is refused (415). For SQL the
-- domain is just text. Created only if absent: other exports may share it.
do $$
begin
  if to_regtype('public."text/csv"') is null then
    create domain public."text/csv" as text;
    comment on domain public."text/csv" is
      'PostgREST media type handler: functions returning it answer Accept: text/csv with the raw text.';
  end if;
end;
$$;

create function public.audit_log_csv(
  p_org_id     uuid,
  p_table_name text default null,
  p_actor      uuid default null,
  p_from       timestamptz default null,
  p_to         timestamptz default null,
  p_before_id  bigint default null,
  p_limit      integer default 10000
)
returns public."text/csv"
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
    raise exception 'p_limit must be between 1 and 50000 (got %)', v_limit using errcode = '22023';
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
$$;
comment on function public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer) is
  'RFC 4180 CSV export of an organization''s audit log (owners and admins), same filters and order as audit_log_page, '
  'p_limit 1..50000 (default 10000). Audited as action audit_export. Call with POST.';
revoke all on function public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer) from public, anon;
grant execute on function public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer)
  to authenticated, service_role;

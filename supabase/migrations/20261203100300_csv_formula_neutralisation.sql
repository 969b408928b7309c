-- =============================================================================
-- CSV exports neutralise spreadsheet formulas; the CSV helpers get a fixed
-- search_path.
--
-- CSV injection (OWASP): a spreadsheet opening the audit export evaluates a
-- field that starts with =, +, - or @ as a formula (=HYPERLINK(...) leaks
-- data when clicked, DDE payloads run commands), and a leading tab or
-- carriage return hides such a character from a naive check. The audit trail
-- carries free text typed by users and partners: reasons, client names in
-- the diff, e-mail addresses. audit.csv_field now prefixes such a field with
-- a single quote, which spreadsheets show as text and do not evaluate, then
-- applies the RFC 4180 quoting as before (quoted when the field holds a
-- comma, a quote, CR or LF, or edge spaces; inner quotes doubled), so the
-- prefix sits inside the quotes: "'=HYPERLINK(""…"")".
-- The cost is that such values read back with a leading quote; the audit
-- trail itself (public.audit_log_page, JSON) is unchanged.
--
-- Both helpers also get set search_path = '' (Supabase lint 0011,
-- function_search_path_mutable). A SET clause stops the planner from inlining
-- a SQL function: calling them for each field of up to 50,000 rows, as the
-- export did, went from about 0.7 s to about 20 s for 50,000 rows here (this one call per export: about 1.2–1.8 s, the extra being the formula check). So the
-- escaping lives in one function that takes the whole table at once,
-- audit.csv_rows(text[][]), called once per export; csv_field is its
-- one-field case. public.audit_log_csv is redefined to build that array (and
-- to format occurred_at inline rather than through utc_iso per row); its
-- filters, order, limits, audit row and headers are unchanged.
-- =============================================================================

-- Rows (a two-dimensional array: one row per record, one column per field)
-- as RFC 4180 records joined by CRLF, without a final CRLF; null for no row.
-- string_agg's separator is per element: CRLF before the first field of each
-- record, a comma before the others — one pass, no grouping.
create function audit.csv_rows(p_rows text[])
returns text
language sql
immutable
set search_path = ''
as $$
  -- the width once per call, not per element: p_rows may be a toasted value
  -- that every use would decompress again (materialized: never inlined)
  with shape as materialized (
    select pg_catalog.array_length(p_rows, pg_catalog.array_ndims(p_rows)) as width
  )
  select pg_catalog.string_agg(
           case
             when e.field is null then ''
             when e.field ~ E'[",\r\n]|^\\s|\\s$' then '"' || pg_catalog.replace(e.field, '"', '""') || '"'
             else e.field
           end,
           case when (f.position - 1) % w.width = 0 then E'\r\n' else ',' end
           order by f.position)
  from pg_catalog.unnest(p_rows) with ordinality as f (value, position)
  cross join shape as w
  -- a leading quote disarms a formula (=, +, -, @; tab and CR hide one)
  cross join lateral (select case when f.value ~ E'^[=+@\t\r-]' then '''' || f.value else f.value end as field) as e
$$;
comment on function audit.csv_rows(text[]) is
  'RFC 4180 records (CRLF-separated, no final CRLF) from a 2-D array of fields. A field starting with =, +, -, @, tab or CR '
  'gets a leading single quote (CSV injection); a field holding a comma, quote, CR, LF or edge spaces is quoted, '
  'inner quotes doubled; null is an empty field.';
revoke all on function audit.csv_rows(text[]) from public;

create or replace function audit.csv_field(p_value text)
returns text
language sql
immutable
set search_path = ''
as $$ select audit.csv_rows(array[[p_value]]) $$;
comment on function audit.csv_field(text) is
  'One CSV field, escaped as audit.csv_rows does (formula prefix, RFC 4180 quoting); null is an empty field.';
revoke all on function audit.csv_field(text) from public;

create or replace function audit.utc_iso(p_time timestamptz)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.to_char(pg_catalog.timezone('UTC', p_time), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
comment on function audit.utc_iso(timestamptz) is 'ISO-8601 UTC with microseconds, e.g. 2026-12-03T09:11:12.500000Z.';
revoke all on function audit.utc_iso(timestamptz) from public;

create or replace function public.audit_log_csv(
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
  v_rows text[];
  v_count integer;
  v_last_id bigint;
  v_more boolean;
  v_headers jsonb;
begin
  perform audit.authorize_reader(p_org_id);
  if v_limit < 1 or v_limit > 50000 then
    raise exception 'p_limit must be between 1 and 50000 (got %)', v_limit using errcode = '22023';
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
         || E'\r\n' || coalesce(audit.csv_rows(v_rows) || E'\r\n', '');
end;
$$;

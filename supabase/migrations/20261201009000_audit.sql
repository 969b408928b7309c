-- =============================================================================
-- Baseline: the audit trail (docs/design.md invariant 8).
--
-- audit.log is append-only: written by the trigger audit.record_change on
-- every business table (attached at the end of this file, once every table
-- exists), readable only through public.audit_log_page and
-- public.audit_log_csv by owners and admins. The CSV export neutralises
-- spreadsheet formulas (docs/data-integrity.md).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE DOMAIN public."text/csv" AS text;

-- One audit row, with the actor, reason and request taken from the session.
-- Every writer goes through here (the triggers, the lock override fold, exports).
CREATE FUNCTION audit.append(p_org_id uuid, p_action text, p_table_name text, p_row_id text, p_diff jsonb, p_reason text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_key text := nullif(pg_catalog.current_setting('terrain.api_key_id', true), '');
begin
  insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
  values (
    p_org_id,
    auth.uid(),
    case when v_key ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_key::uuid end,
    -- The role set by SET ROLE (PostgREST: the JWT role), else the session
    -- user. A SECURITY DEFINER function does not change this setting.
    coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text),
    p_action,
    p_table_name,
    p_row_id,
    p_diff,
    left(coalesce(
      nullif(btrim(p_reason), ''),
      nullif(btrim(pg_catalog.current_setting('terrain.audit_reason', true)), ''),
      -- public.transition_mission's reason for unblocking / cancelling.
      nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), '')), 2000),
    audit.current_request_id());
end;
$_$;

-- Owner/admin of the organization, or the system actor.
CREATE FUNCTION audit.authorize_reader(p_org_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'An organization id is required');
  end if;
  if not private.is_system_actor()
     and not private.has_role_in(p_org_id, array['owner', 'admin']::public.member_role[]) then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can read its audit log');
  end if;
end;
$$;

-- Deferred to commit, for UPDATEs made in the lock_override context: when no
-- lock_override audit row exists for that row in this transaction (the code
-- that set the context wrote no lock_overrides row), write it now, with
-- terrain.audit_reason if one is set. A constraint trigger filtered by WHEN:
-- an ordinary UPDATE costs one current_setting() call.
CREATE FUNCTION audit.check_lock_override_recorded() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_table text := tg_table_schema || '.' || tg_table_name;
  v_new jsonb := pg_catalog.to_jsonb(new);
  v_org uuid := audit.row_org_id(v_table, v_new);
  v_row_id text := audit.row_id(v_new, tg_argv[0]::text[]);
  v_diff jsonb;
begin
  -- Written in this transaction, so among the newest rows of the table: the
  -- (org_id, table_name, id desc) index finds it at once (= and IS NULL are
  -- indexable, IS NOT DISTINCT FROM is not).
  if v_org is not null and exists (
    select from audit.log l
    where l.org_id = v_org and l.table_name = v_table and l.row_id = v_row_id
      and l.txid = pg_catalog.txid_current() and l.action = 'lock_override'
  ) or v_org is null and exists (
    select from audit.log l
    where l.org_id is null and l.table_name = v_table and l.row_id = v_row_id
      and l.txid = pg_catalog.txid_current() and l.action = 'lock_override'
  ) then
    return null;
  end if;
  v_diff := audit.diff(pg_catalog.to_jsonb(old), v_new, tg_argv[1]::text[], tg_argv[2]::text[]);
  if v_diff <> '{}'::jsonb then
    perform audit.append(v_org, 'lock_override', v_table, v_row_id, v_diff);
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION audit.check_lock_override_recorded() IS 'Deferred safety net: an UPDATE in the lock_override context without a lock_overrides row is audited at commit.';

REVOKE ALL ON FUNCTION audit.check_lock_override_recorded() FROM PUBLIC;

-- The audit.excluded_columns of a table ('*' rows included; the table's own
-- row for a column wins over the '*' row).
CREATE FUNCTION audit.columns_with_mode(p_table_name text, p_mode text) RETURNS text[]
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return (
    select coalesce(pg_catalog.array_agg(c.column_name order by c.column_name), '{}')
    from (
      select distinct on (e.column_name) e.column_name, e.mode
      from audit.excluded_columns e
      where e.table_name in (p_table_name, '*')
      order by e.column_name, e.table_name = '*'
    ) c
    where c.mode = p_mode);
end;
$$;

-- -----------------------------------------------------------------------------
-- audit_log_csv
-- -----------------------------------------------------------------------------
CREATE FUNCTION audit.csv_field(p_value text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$ select audit.csv_rows(array[[p_value]]) $$;

-- Rows (a two-dimensional array: one row per record, one column per field)
-- as RFC 4180 records joined by CRLF, without a final CRLF; null for no row.
-- string_agg's separator is per element: CRLF before the first field of each
-- record, a comma before the others — one pass, no grouping.
CREATE FUNCTION audit.csv_rows(p_rows text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;

-- The request id: PostgREST puts the HTTP headers in request.headers, a JSON
-- object with lower-case keys (the gateway always sets x-request-id); code
-- outside PostgREST may set terrain.request_id. Only a sane token is kept: it
-- is client-controlled and ends up in CSV files opened by spreadsheets (no
-- leading = + - @). Read with a regular expression rather than a JSON cast:
-- a malformed setting can then never make a business write fail, without an
-- EXCEPTION block (a subtransaction per audited row: bulk writes would
-- overflow the 64 cached subtransaction ids).
CREATE FUNCTION audit.current_request_id() RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
declare
  v_id text := pg_catalog.substring(pg_catalog.current_setting('request.headers', true),
                                    '"x-request-id"\s*:\s*"([^"\\]*)"');
begin
  v_id := coalesce(nullif(v_id, ''), nullif(pg_catalog.current_setting('terrain.request_id', true), ''));
  if v_id is null or v_id !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' then
    return null;
  end if;
  return v_id;
end;
$_$;

COMMENT ON FUNCTION audit.current_request_id() IS 'x-request-id from request.headers (PostgREST) or terrain.request_id; null unless it matches ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$.';

REVOKE ALL ON FUNCTION audit.current_request_id() FROM PUBLIC;

-- Field-level diff of two row images (to_jsonb of the row). p_old null:
-- insert (the new row); p_new null: delete (the old row); both: update, the
-- changed columns only, {"col": {"old": …, "new": …}}; '{}' when nothing
-- changed. Ignored columns left out, redacted ones "[redacted]".
CREATE FUNCTION audit.diff(p_old jsonb, p_new jsonb, p_ignore text[], p_redact text[]) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
declare
  v_old jsonb := p_old - p_ignore;
  v_new jsonb := p_new - p_ignore;
  v_diff jsonb;
  v_col text;
begin
  if p_old is null or p_new is null then
    v_diff := coalesce(v_new, v_old);
    foreach v_col in array p_redact loop
      if v_diff -> v_col is not null and v_diff -> v_col <> 'null'::jsonb then
        v_diff := pg_catalog.jsonb_set(v_diff, array[v_col], '"[redacted]"'::jsonb);
      end if;
    end loop;
    return v_diff;
  end if;
  if v_new = v_old then
    return '{}'::jsonb; -- the common no-op: nothing but ignored columns changed
  end if;
  select pg_catalog.jsonb_object_agg(n.key,
           case when n.key = any (p_redact) then '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                else pg_catalog.jsonb_build_object('old', coalesce(v_old -> n.key, 'null'::jsonb), 'new', n.value) end)
  into v_diff
  from pg_catalog.jsonb_each(v_new) n
  where n.value is distinct from v_old -> n.key;
  return coalesce(v_diff, '{}'::jsonb);
end;
$$;

-- -----------------------------------------------------------------------------
-- audit.enable_for(table, events): attaches the audit triggers, idempotently
-- (drops and recreates them: re-running it after a primary key or
-- configuration change, or with other events, is safe). The caller must own
-- the table (migrations do).
-- -----------------------------------------------------------------------------
CREATE FUNCTION audit.enable_for(p_table regclass, p_events text[] DEFAULT ARRAY['insert'::text, 'update'::text, 'delete'::text]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_name text;
  v_keys text[];
  v_args text;
  v_events text[];
  v_event text;
  v_trigger text;
begin
  select n.nspname || '.' || c.relname into v_name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = p_table and c.relkind in ('r', 'p');
  if v_name is null then
    raise exception '% is not a table', p_table using errcode = '42809';
  end if;
  select pg_catalog.array_agg(e order by e) into v_events
  from (select distinct lower(x) as e from pg_catalog.unnest(p_events) x) d;
  if v_events is null or not (v_events <@ array['delete', 'insert', 'update']) then
    raise exception 'Audit events must be a non-empty subset of insert, update, delete (got %)', p_events
      using errcode = '22023';
  end if;

  select pg_catalog.array_agg(a.attname::text order by k.ord) into v_keys
  from pg_catalog.pg_index i
  cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k (attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
  where i.indrelid = p_table and i.indisprimary;
  if v_keys is null then
    raise exception 'Table % has no primary key: audit rows need a row id', p_table using errcode = '42P10';
  end if;
  v_args := pg_catalog.format('%L, %L, %L', v_keys::text,
                              audit.columns_with_mode(v_name, 'ignore')::text,
                              audit.columns_with_mode(v_name, 'redact')::text);

  -- Dropped only when present (a "does not exist, skipping" notice otherwise),
  -- including the former row-level trigger audit_record_change.
  foreach v_trigger in array array['audit_record_change', 'audit_record_inserts', 'audit_record_updates', 'audit_record_deletes',
                                   'audit_lock_override_check'] loop
    if exists (select from pg_catalog.pg_trigger t where t.tgrelid = p_table and t.tgname = v_trigger) then
      execute pg_catalog.format('drop trigger %I on %s', v_trigger, p_table);
    end if;
  end loop;

  foreach v_event in array v_events loop
    execute pg_catalog.format(
      'create trigger %I after %s on %s referencing %s for each statement execute function audit.record_change(%s)',
      'audit_record_' || v_event || 's', v_event, p_table,
      case v_event when 'insert' then 'new table as new_rows'
                   when 'update' then 'old table as old_rows new table as new_rows'
                   else 'old table as old_rows' end,
      v_args);
  end loop;

  if 'update' = any (v_events) then
    execute pg_catalog.format(
      'create constraint trigger audit_lock_override_check after update on %s deferrable initially deferred '
      'for each row when (pg_catalog.current_setting(''terrain.system_context'', true) = ''lock_override'') '
      'execute function audit.check_lock_override_recorded(%s)',
      p_table, v_args);
  end if;
end;
$$;

-- 'timesheets' → 'public.timesheets'; null stays null.
CREATE FUNCTION audit.qualified_table_name(p_table_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case when nullif(btrim(p_table_name), '') is null then null
              when strpos(p_table_name, '.') > 0 then lower(btrim(p_table_name))
              else 'public.' || lower(btrim(p_table_name)) end
$$;

-- -----------------------------------------------------------------------------
-- The generic trigger: AFTER <one event> FOR EACH STATEMENT, reading the
-- statement's transition tables (REFERENCING OLD TABLE old_rows / NEW TABLE
-- new_rows), and writing every row's audit entry with one INSERT … SELECT
-- that computes the diffs set-based. As a FOR EACH ROW trigger it paid, per
-- changed row, an INSERT into audit.log (an executor start, the CHECK
-- constraints), the diff and the row-to-jsonb conversions: an update of 100
-- missions cost about twice the same update without the trigger.
-- PostgreSQL allows transition tables only on single-event triggers, so an
-- audited table has up to three (audit_record_inserts, _updates, _deletes).
--
-- What is written: one audit row per inserted, updated (only when a column
-- that matters changed) or deleted row, with the diff of audit.diff()
-- (changed columns only, ignored columns left out, redacted ones hidden), and
-- the actor, reason and request id of audit.append() and
-- audit.current_request_id(), computed once per statement. Those steps run
-- inline, not as calls to the helpers: each call with its own SET search_path
-- (a GUC save and restore, a search-path recomputation) was most of the
-- trigger's cost. The helpers stay for their other callers, which run once
-- per statement. 59-audit-trigger-hot-path.sql checks the trigger against
-- audit.diff() row by row on a multi-row statement; 55-57 check every field.
--
-- SECURITY DEFINER: it writes audit.log whoever changes the business row.
-- Arguments, set by audit.enable_for (text[] literals): the primary key
-- columns, the ignored columns, the redacted columns. The configuration is
-- baked into the trigger so a row costs no lookup; changing
-- audit.excluded_columns re-creates the triggers (audit.refresh_triggers).
--
-- Lock overrides: an UPDATE made in the terrain.system_context 'lock_override'
-- (public.override_timesheet_lock) is not written here but by the
-- public.lock_overrides row that records the override with its reason
-- (audit.record_lock_override): one audit row per override, carrying both the
-- field diff and the reason. audit.check_lock_override_recorded, deferred to
-- commit, writes the row itself if no lock_overrides row followed, so such an
-- update is never left unaudited.
-- -----------------------------------------------------------------------------
CREATE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  v_table text := tg_table_schema || '.' || tg_table_name;
  v_keys text[] := tg_argv[0]::text[];
  v_ignore text[] := tg_argv[1]::text[];
  v_redact text[] := tg_argv[2]::text[];
  -- A one-column key is read with ->>; a composite one through audit.row_id.
  v_key text := case when pg_catalog.cardinality(v_keys) = 1 then v_keys[pg_catalog.array_lower(v_keys, 1)] end;
  v_actor_user_id uuid;
  v_api_key_id uuid;
  v_actor_role text;
  v_reason text;
  v_request_id text;
begin
  if tg_op = 'UPDATE' and pg_catalog.current_setting('terrain.system_context', true) = 'lock_override' then
    return null; -- recorded by audit.record_lock_override; checked at commit by audit_lock_override_check
  end if;

  -- As audit.append and audit.current_request_id do, once for the statement:
  -- the actor, the reason and the request id.
  v_actor_user_id := auth.uid();
  v_api_key_id := case when pg_catalog.current_setting('terrain.api_key_id', true)
                            ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                       then pg_catalog.current_setting('terrain.api_key_id', true)::uuid end;
  -- The role set by SET ROLE (PostgREST: the JWT role), else the session
  -- user. A SECURITY DEFINER function does not change this setting.
  v_actor_role := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text);
  v_reason := pg_catalog.left(coalesce(
    nullif(pg_catalog.btrim(pg_catalog.current_setting('terrain.audit_reason', true)), ''),
    -- public.transition_mission's reason for unblocking / cancelling.
    nullif(pg_catalog.btrim(pg_catalog.current_setting('terrain.transition_reason', true)), '')), 2000);
  v_request_id := coalesce(
    nullif(pg_catalog.substring(pg_catalog.current_setting('request.headers', true), '"x-request-id"\s*:\s*"([^"\\]*)"'), ''),
    nullif(pg_catalog.current_setting('terrain.request_id', true), ''));
  if v_request_id !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' then
    v_request_id := null;
  end if;

  if tg_op = 'UPDATE' then
    -- Old and new rows are paired by position: PostgreSQL appends each
    -- updated row to both transition tables at once, in the same order. (A
    -- join on the primary key would lose a row whose key changed.)
    insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
    select case when v_table = 'public.organizations' then (c.new_row ->> 'id')::uuid else (c.new_row ->> 'org_id')::uuid end,
           v_actor_user_id, v_api_key_id, v_actor_role,
           -- Named actions, recognised from the diff where it is obvious; the
           -- most specific wins. Issuing an invoice assigns its number (draft →
           -- issued); sending records sent_at (issued → sent).
           case
             when v_table = 'public.invoices' and c.diff #> '{number,old}' = 'null'::jsonb then 'invoice_issued'
             when v_table = 'public.invoices' and c.diff #> '{sent_at,old}' = 'null'::jsonb then 'invoice_sent'
             when v_table = 'public.api_keys' and c.diff #> '{revoked_at,old}' = 'null'::jsonb then 'api_key_revoked'
             when c.diff #> '{approved_at,old}' = 'null'::jsonb and c.diff #> '{approved_at,new}' <> 'null'::jsonb then 'approval'
             when c.diff ? 'status' then 'status_change'
             else 'update'
           end,
           v_table,
           case when v_key is not null then c.new_row ->> v_key else audit.row_id(c.new_row, v_keys) end,
           c.diff, v_reason, v_request_id
    from (select n.ord, n.new_row,
                 -- As audit.diff: the changed columns, {"old": …, "new": …},
                 -- ignored ones left out, redacted ones hidden.
                 (select pg_catalog.jsonb_object_agg(e.key,
                           case when e.key = any (v_redact) then '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                                else pg_catalog.jsonb_build_object('old', coalesce(o.old_row -> e.key, 'null'::jsonb), 'new', e.value) end)
                  from pg_catalog.jsonb_each(n.new_row - v_ignore) e
                  where e.value is distinct from o.old_row -> e.key) as diff
          from (select pg_catalog.row_number() over () as ord, pg_catalog.to_jsonb(r) as old_row from old_rows r) o
          join (select pg_catalog.row_number() over () as ord, pg_catalog.to_jsonb(r) as new_row from new_rows r) n
            on n.ord = o.ord
          -- OFFSET 0 keeps this subquery from being pulled up: the diff is
          -- used seven times below and must be computed once per row.
          offset 0) c
    where c.diff is not null -- nothing that matters changed: no audit row
    order by c.ord;
  elsif tg_op = 'INSERT' then
    -- The whole row, ignored columns left out, redacted ones replaced when
    -- they hold a value (as audit.diff does for an insert).
    insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
    select case when v_table = 'public.organizations' then (c.row_data ->> 'id')::uuid else (c.row_data ->> 'org_id')::uuid end,
           v_actor_user_id, v_api_key_id, v_actor_role,
           case when v_table = 'public.api_keys' then 'api_key_created' else 'insert' end,
           v_table,
           case when v_key is not null then c.row_data ->> v_key else audit.row_id(c.row_data, v_keys) end,
           coalesce((select pg_catalog.jsonb_object_agg(e.key,
                              case when e.key = any (v_redact) and e.value <> 'null'::jsonb then '"[redacted]"'::jsonb else e.value end)
                     from pg_catalog.jsonb_each(c.row_data - v_ignore) e), '{}'::jsonb),
           v_reason, v_request_id
    from (select pg_catalog.to_jsonb(r) as row_data from new_rows r) c;
  else
    -- A delete: the same, from the old rows.
    insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
    select case when v_table = 'public.organizations' then (c.row_data ->> 'id')::uuid else (c.row_data ->> 'org_id')::uuid end,
           v_actor_user_id, v_api_key_id, v_actor_role,
           'delete',
           v_table,
           case when v_key is not null then c.row_data ->> v_key else audit.row_id(c.row_data, v_keys) end,
           coalesce((select pg_catalog.jsonb_object_agg(e.key,
                              case when e.key = any (v_redact) and e.value <> 'null'::jsonb then '"[redacted]"'::jsonb else e.value end)
                     from pg_catalog.jsonb_each(c.row_data - v_ignore) e), '{}'::jsonb),
           v_reason, v_request_id
    from (select pg_catalog.to_jsonb(r) as row_data from old_rows r) c;
  end if;
  return null;
end;
$_$;

COMMENT ON FUNCTION audit.record_change() IS 'Generic audit trigger, AFTER <one event> FOR EACH STATEMENT with transition tables old_rows / new_rows: one audit.log row per inserted, updated (changed columns only) or deleted row, written by one INSERT … SELECT per statement. Arguments: primary key, ignored and redacted columns (text[] literals). Attach with audit.enable_for(regclass).';

REVOKE ALL ON FUNCTION audit.record_change() FROM PUBLIC;

-- A public.lock_overrides row (written by the override functions with the
-- reason, the row before and after) becomes ONE audit row about the
-- overridden row: action lock_override, its field diff, its reason.
CREATE FUNCTION audit.record_lock_override() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_table text := 'public.' || new.table_name;
begin
  perform audit.append(new.org_id, 'lock_override', v_table, new.row_id::text,
                       audit.row_diff(v_table, new.before, new.after), new.reason);
  return null;
end;
$$;

COMMENT ON FUNCTION audit.record_lock_override() IS 'AFTER INSERT on public.lock_overrides: one lock_override audit row on the overridden row, with the field diff (before → after) and the reason.';

REVOKE ALL ON FUNCTION audit.record_lock_override() FROM PUBLIC;

-- Re-creates the audit triggers of every audited table with the current
-- configuration and the same events. Runs after any change to
-- audit.excluded_columns, so a newly listed secret column is redacted at once.
CREATE FUNCTION audit.refresh_triggers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_trigger record;
begin
  for v_trigger in
    select t.tgrelid::regclass as tbl,
           pg_catalog.array_agg(case t.tgname when 'audit_record_inserts' then 'insert'
                                              when 'audit_record_updates' then 'update'
                                              else 'delete' end) as events
    from pg_catalog.pg_trigger t
    where t.tgname in ('audit_record_inserts', 'audit_record_updates', 'audit_record_deletes')
      and t.tgfoid = 'audit.record_change()'::pg_catalog.regprocedure
    group by t.tgrelid
  loop
    perform audit.enable_for(v_trigger.tbl, v_trigger.events);
  end loop;
  return null;
end;
$$;

COMMENT ON FUNCTION audit.refresh_triggers() IS 'After a change to audit.excluded_columns: re-creates every audit trigger with the new configuration.';

REVOKE ALL ON FUNCTION audit.refresh_triggers() FROM PUBLIC;

CREATE FUNCTION audit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  perform private.raise_api_error('append_only', 'audit.log is append-only', p_details => pg_catalog.format('%s on audit.log refused.', tg_op), p_hint => 'Audit rows are never changed nor removed; record a new row instead.');
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$$;

COMMENT ON FUNCTION audit.refuse_change() IS 'Trigger function: refuses UPDATE, DELETE and TRUNCATE on audit.log, for every role.';

REVOKE ALL ON FUNCTION audit.refuse_change() FROM PUBLIC;

-- The diff of a table's row images with that table's current configuration
-- (for callers that are not the trigger: the lock override fold).
CREATE FUNCTION audit.row_diff(p_table_name text, p_old jsonb, p_new jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return audit.diff(p_old, p_new, audit.columns_with_mode(p_table_name, 'ignore'),
                    audit.columns_with_mode(p_table_name, 'redact'));
end;
$$;

-- The row id from the primary key columns: the value as text for a
-- one-column key, a json object for a composite one.
CREATE FUNCTION audit.row_id(p_row jsonb, p_key_columns text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
declare
  v_key jsonb := '{}'::jsonb;
  v_col text;
begin
  if pg_catalog.cardinality(p_key_columns) = 1 then
    return p_row ->> p_key_columns[pg_catalog.array_lower(p_key_columns, 1)];
  end if;
  foreach v_col in array p_key_columns loop
    v_key := v_key || pg_catalog.jsonb_build_object(v_col, p_row -> v_col);
  end loop;
  return v_key::text;
end;
$$;

-- The organization a row belongs to: its org_id, or its id for organizations.
CREATE FUNCTION audit.row_org_id(p_table_name text, p_row jsonb) RETURNS uuid
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
begin
  if p_table_name = 'public.organizations' then
    return (p_row ->> 'id')::uuid;
  end if;
  return (p_row ->> 'org_id')::uuid;
end;
$$;

-- utc_iso and csv_field run for every field of every exported row (up to
-- 700,000 calls for 50,000 rows): plain SQL expressions without a SET clause,
-- so the planner inlines them into the export query (a SET clause forbids
-- inlining: measured 4.9 s for 50,000 rows with it). They are SECURITY
-- INVOKER, use only pg_catalog names, and the callers run with
-- search_path = ''.
CREATE FUNCTION audit.utc_iso(p_time timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.to_char(pg_catalog.timezone('UTC', p_time), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The audit CSV export: escaping in one audit.csv_rows call per export (per-field
-- calls of a function with its own search_path cannot be inlined and cost ~10×
-- on a 50,000-row export), with the catalogue's raise for a bad limit.
CREATE FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 10000) RETURNS public."text/csv"
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

-- -----------------------------------------------------------------------------
-- audit_log_page
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text DEFAULT NULL::text, p_actor uuid DEFAULT NULL::uuid, p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone, p_before_id bigint DEFAULT NULL::bigint, p_limit integer DEFAULT 50) RETURNS jsonb
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

CREATE TABLE audit.log (
    id bigint NOT NULL,
    -- No foreign key: the trail outlives the organization (and must not block
    -- or cascade from its deletion). Null for rows about org-less data
    -- (profiles, the mission transition graph).
    org_id uuid,
    -- Clock time of the write (not the transaction start): rows of a long
    -- transaction keep their real order in time.
    occurred_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    -- auth.uid() of the signed-in user; null for the system actor (pg_cron,
    -- service_role edge functions, maintenance as postgres). No foreign key:
    -- the record outlives the account.
    actor_user_id uuid,
    -- The API key the request was made with (terrain.api_key_id), if any.
    actor_api_key_id uuid,
    -- The database role that executed the statement (what PostgREST set from
    -- the JWT role claim: anon, authenticated, service_role; postgres for
    -- migrations, seeds, pg_cron and psql).
    actor_role text NOT NULL,
    action text NOT NULL,
    -- Schema-qualified, e.g. 'public.timesheets'; 'audit.log' for exports.
    table_name text NOT NULL,
    -- The primary key of the row, as text (uuid, bigint; a json object for a
    -- composite key). Null for actions that are not about one row (exports).
    row_id text,
    diff jsonb,
    reason text,
    request_id text,
    txid bigint DEFAULT txid_current() NOT NULL,
    CONSTRAINT log_action_length CHECK (((length(action) >= 1) AND (length(action) <= 63))),
    CONSTRAINT log_reason_length CHECK (((reason IS NULL) OR (length(reason) <= 2000))),
    CONSTRAINT log_request_id_length CHECK (((request_id IS NULL) OR (length(request_id) <= 128)))
);

ALTER TABLE audit.log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME audit.log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY audit.log
    ADD CONSTRAINT log_pkey PRIMARY KEY (id);

-- The time windows of audit_log_page / audit_log_csv: occurred_at grows with
-- id in this append-only table, so a window is a range of the heap, what BRIN
-- is for (a few pages for millions of rows). It is combined with
-- log_org_id_idx (BitmapAnd) when a window is narrow; otherwise the planner
-- walks log_org_id_idx backwards and filters by time. An insert summarises
-- nothing until its range is complete, so there is no per-row maintenance
-- (a B-tree on (org_id, occurred_at desc, id desc) cost every audited row and
-- still had to sort, its order not being the page order).
CREATE INDEX log_occurred_at_brin ON audit.log USING brin (occurred_at);

COMMENT ON INDEX audit.log_occurred_at_brin IS 'Time windows of audit_log_page / audit_log_csv (occurred_at grows with the append-only log); replaces a B-tree maintained on every audited row.';

CREATE INDEX log_org_actor_idx ON audit.log USING btree (org_id, actor_user_id, id DESC) WHERE (actor_user_id IS NOT NULL);

-- The admin screens, newest first (keyset on id desc), per organization:
-- everything; by table (also one row's history: table then row_id filter);
-- by actor; by time range (log_occurred_at_brin). Every index costs each
-- audited write (measured: ~5 us per index per row), so there are no more
-- than the reads need.
CREATE INDEX log_org_id_idx ON audit.log USING btree (org_id, id DESC);

CREATE INDEX log_org_table_idx ON audit.log USING btree (org_id, table_name, id DESC);

ALTER TABLE audit.log ENABLE ROW LEVEL SECURITY;

CREATE TRIGGER log_append_only BEFORE DELETE OR UPDATE ON audit.log FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

ALTER TABLE audit.log ENABLE ALWAYS TRIGGER log_append_only;

CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON audit.log FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

ALTER TABLE audit.log ENABLE ALWAYS TRIGGER log_no_truncate;

COMMENT ON TABLE audit.log IS 'Append-only audit trail: who (user, API key, role), what (action, table, row, field-level diff), why (reason), when (clock time), which request and transaction. UPDATE, DELETE and TRUNCATE are refused for every role.';

COMMENT ON COLUMN audit.log.action IS 'insert | update | delete, or a named action: status_change, approval, invoice_issued, invoice_sent, lock_override, api_key_created, api_key_revoked, audit_export, ownership_transferred, push_subscription_moved.';

COMMENT ON COLUMN audit.log.diff IS 'insert/delete: the row; update: {"col": {"old": …, "new": …}} for the changed columns only. Secrets are "[redacted]" (audit.excluded_columns).';

REVOKE ALL ON TABLE audit.log FROM postgres;
GRANT SELECT,INSERT ON TABLE audit.log TO postgres;

-- The rows of one page or export, newest first: p_limit rows (the caller asks
-- for one more to know whether another page follows). Dynamic SQL so each
-- call is planned for the filters it actually has (index by table, by actor,
-- by time, or by id alone) rather than one generic plan full of "is null or".
CREATE FUNCTION audit.select_rows(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) RETURNS SETOF audit.log
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
  v_sql := v_sql || ' order by l.id desc limit $7';
  return query execute v_sql using p_org_id, p_table_name, p_actor, p_from, p_to, p_before_id, p_limit;
end;
$_$;

-- Columns never written in clear, or not at all. table_name '*' applies to
-- every table; a row for a specific table wins over '*'.
--   redact: the value is replaced by "[redacted]" (secrets: the row still
--           shows that the column was set or changed);
--   ignore: the column is left out (bookkeeping such as updated_at, and
--           values a trigger derives from another audited table, whose own
--           audit row records the change).
CREATE TABLE audit.excluded_columns (
    table_name text NOT NULL,
    column_name text NOT NULL,
    mode text NOT NULL,
    why text NOT NULL,
    CONSTRAINT excluded_columns_mode_check CHECK ((mode = ANY (ARRAY['redact'::text, 'ignore'::text]))),
    CONSTRAINT excluded_columns_table_name_check CHECK (((table_name = '*'::text) OR (table_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'::text)))
);

ALTER TABLE ONLY audit.excluded_columns
    ADD CONSTRAINT excluded_columns_pkey PRIMARY KEY (table_name, column_name);

ALTER TABLE audit.excluded_columns ENABLE ROW LEVEL SECURITY;

CREATE TRIGGER excluded_columns_refresh AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON audit.excluded_columns FOR EACH STATEMENT EXECUTE FUNCTION audit.refresh_triggers();

COMMENT ON TABLE audit.excluded_columns IS 'Columns the audit redacts (secrets) or ignores (bookkeeping, derived values). table_name ''*'' = every table. A migration adding a secret column adds its row here in the same migration.';

INSERT INTO audit.excluded_columns (table_name, column_name, mode, why) VALUES
    ('*', 'updated_at', 'ignore', 'Bookkeeping: occurred_at is the time of the change.'),
    ('*', 'encrypted_password', 'redact', 'Secret (password hash).'),
    ('*', 'secret_hash', 'redact', 'Secret (API key hash): a hash of a secret is still material for an offline guess.'),
    ('*', 'token_hash', 'redact', 'Secret (token hash).'),
    ('*', 'refresh_token', 'redact', 'Secret.'),
    ('public.api_keys', 'secret_hash', 'redact', 'API key secret hash: never in the audit, even hashed.'),
    ('public.api_keys', 'last_used_at', 'ignore', 'Touched on every request made with the key: usage, not a change (one row per request otherwise).'),
    ('public.stock_items', 'on_hand', 'ignore', 'Derived from stock_movements by trigger; the movement is the audited row.'),
    ('public.stock_items', 'movement_count', 'ignore', 'Derived from stock_movements by trigger; the movement is the audited row.'),
    ('public.invoices', 'total_ht_cents', 'ignore', 'Derived from invoice_lines by trigger; the line change is the audited row.'),
    ('public.invoices', 'total_vat_cents', 'ignore', 'Derived from invoice_lines by trigger; the line change is the audited row.'),
    ('public.invoices', 'total_ttc_cents', 'ignore', 'Generated from the two totals above.'),
    ('public.quotes', 'total_ht_cents', 'ignore', 'Derived from quote_lines by trigger; the line change is the audited row.'),
    ('public.quotes', 'total_vat_cents', 'ignore', 'Derived from quote_lines by trigger; the line change is the audited row.'),
    ('public.quotes', 'total_ttc_cents', 'ignore', 'Generated from the two totals above.');

-- Tables of schema public that deliberately have no audit trigger. The pgTAP
-- suite fails for any other public table without one, so a new table is
-- either audited (audit.enable_for) or listed here with its reason.
CREATE TABLE audit.unaudited_tables (
    table_name text NOT NULL,
    why text NOT NULL,
    CONSTRAINT unaudited_tables_table_name_check CHECK ((table_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'::text))
);

ALTER TABLE ONLY audit.unaudited_tables
    ADD CONSTRAINT unaudited_tables_pkey PRIMARY KEY (table_name);

ALTER TABLE audit.unaudited_tables ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE audit.unaudited_tables IS 'Allowlist of public tables without an audit trigger, each with its reason (checked by the pgTAP suite).';

INSERT INTO audit.unaudited_tables (table_name, why) VALUES
    ('public.idempotency_keys', 'A cache of API results for offline replays, not business data: the change each key stands for is audited on its own table; every result (up to a whole timesheet or movement) would be stored twice; the daily 90-day purge would write one delete row per key.'),
    ('public.notifications', 'Derived messages: the event that caused a notification (API key created, alert) is audited on its own table; delivery status updates (pending, sent, failed, retries) would flood the trail with one row per user, channel and attempt.'),
    ('public.app_events', 'An append-only business event log written by triggers and definer functions: it is itself a trail, and auditing it would store every event twice (no update or delete is granted to any API role).'),
    ('public.alerts', 'Derived from the alert views every minute (last_fired_at, notify_count change on every run): auditing would write a row per open alert and minute. Who acknowledged or silenced an alert, and when, is kept on the row itself.'),
    ('public.notification_templates', 'Reference data written only by migrations (reviewed in git), never at run time.'),
    ('public.push_subscriptions', 'Device registrations refreshed on every app start (last_seen_at); they hold device keys that must not be copied into the trail.'),
    ('public.unsubscribe_tokens', 'One token per email sent: high churn; the unsubscribe itself is audited on notification_preferences.'),
    ('public.events', 'Machine input at equipment rate (thousands a day per organization), written once and never edited by people: the event row is itself the record (api_key_id, received_at); what a rule did with it is audited on the tables it wrote to (emergency_requests, client_requests).'),
    ('public.rule_firings', 'Derived log of rule evaluations, one row per matching event: the record of a firing is this row plus the audited request it created; auditing it would double every event.');

COMMENT ON DOMAIN public."text/csv" IS 'PostgREST media type handler: functions returning it answer Accept: text/csv with the raw text.';

COMMENT ON FUNCTION audit.append(p_org_id uuid, p_action text, p_table_name text, p_row_id text, p_diff jsonb, p_reason text) IS 'Writes one audit row; actor (auth.uid(), terrain.api_key_id, role), reason (argument, else terrain.audit_reason, else terrain.transition_reason) and request id come from the session.';

COMMENT ON FUNCTION audit.csv_field(p_value text) IS 'One CSV field, escaped as audit.csv_rows does (formula prefix, RFC 4180 quoting); null is an empty field.';

COMMENT ON FUNCTION audit.csv_rows(p_rows text[]) IS 'RFC 4180 records (CRLF-separated, no final CRLF) from a 2-D array of fields. A field starting with =, +, -, @, tab or CR gets a leading single quote (CSV injection); a field holding a comma, quote, CR, LF or edge spaces is quoted, inner quotes doubled; null is an empty field.';

COMMENT ON FUNCTION audit.diff(p_old jsonb, p_new jsonb, p_ignore text[], p_redact text[]) IS 'Field-level diff: insert/delete the row image, update {"col": {"old", "new"}} of the changed columns only; ignored columns left out, redacted ones "[redacted]".';

COMMENT ON FUNCTION audit.enable_for(p_table regclass, p_events text[]) IS 'Attaches the audit triggers to a table (idempotent): AFTER <event> FOR EACH STATEMENT audit.record_change(<primary key>, <ignored>, <redacted>) for each of the events (audit_record_inserts / _updates / _deletes), and the deferred lock-override safety net when UPDATE is audited. Run by migrations (the table owner).';

COMMENT ON FUNCTION audit.utc_iso(p_time timestamp with time zone) IS 'ISO-8601 UTC with microseconds, e.g. 2026-12-03T09:11:12.500000Z.';

COMMENT ON FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) IS 'RFC 4180 CSV export of an organization''s audit log (owners and admins), same filters and order as audit_log_page, p_limit 1..50000 (default 10000). Audited as action audit_export. Call with POST.';

COMMENT ON FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) IS 'Audit log of an organization, newest first, for its owners and admins: {rows: [...], next_before_id}. Keyset pagination (pass next_before_id as p_before_id), p_limit 1..500; filters: table, actor, occurred_at in [p_from, p_to).';

-- The audit triggers of the business tables of the baselines before this one,
-- as audit.enable_for writes them from audit.excluded_columns: the statement
-- triggers audit_record_inserts / _updates / _deletes and the deferred
-- lock-override check. mission_status_history and lock_overrides audit only
-- updates and deletes: an insert there records a change the audit already
-- holds (the mission's status change; the override, by
-- audit.record_lock_override). Later baselines attach their tables the same way.
select audit.enable_for('public.client_requests');
select audit.enable_for('public.clients');
select audit.enable_for('public.emergency_requests');
select audit.enable_for('public.invoice_lines');
select audit.enable_for('public.invoices');
select audit.enable_for('public.lock_overrides', '{delete,update}');
select audit.enable_for('public.maintenance_contracts');
select audit.enable_for('public.memberships');
select audit.enable_for('public.mission_notes');
select audit.enable_for('public.mission_status_history', '{delete,update}');
select audit.enable_for('public.mission_valid_transitions');
select audit.enable_for('public.missions');
select audit.enable_for('public.organizations');
select audit.enable_for('public.payments');
select audit.enable_for('public.profiles');
select audit.enable_for('public.quote_lines');
select audit.enable_for('public.quotes');
select audit.enable_for('public.sites');
select audit.enable_for('public.stock_items');
select audit.enable_for('public.stock_movements');
select audit.enable_for('public.timesheets');

CREATE TRIGGER audit_record_lock_override AFTER INSERT ON public.lock_overrides FOR EACH ROW EXECUTE FUNCTION audit.record_lock_override();

REVOKE ALL ON FUNCTION audit.append(p_org_id uuid, p_action text, p_table_name text, p_row_id text, p_diff jsonb, p_reason text) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.authorize_reader(p_org_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.columns_with_mode(p_table_name text, p_mode text) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.csv_field(p_value text) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.csv_rows(p_rows text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.diff(p_old jsonb, p_new jsonb, p_ignore text[], p_redact text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.enable_for(p_table regclass, p_events text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.qualified_table_name(p_table_name text) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.row_diff(p_table_name text, p_old jsonb, p_new jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.row_id(p_row jsonb, p_key_columns text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.row_org_id(p_table_name text, p_row jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.select_rows(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION audit.utc_iso(p_time timestamp with time zone) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) TO authenticated;
GRANT ALL ON FUNCTION public.audit_log_csv(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) TO service_role;

REVOKE ALL ON FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) TO authenticated;
GRANT ALL ON FUNCTION public.audit_log_page(p_org_id uuid, p_table_name text, p_actor uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_before_id bigint, p_limit integer) TO service_role;


-- =============================================================================
-- The audit trigger runs once per statement, not once per row.
--
-- As a FOR EACH ROW trigger, audit.record_change() paid for every changed row
-- an INSERT into audit.log (an executor start, the table's CHECK constraints),
-- the diff and the row-to-jsonb conversions: an update of 100 missions cost
-- about twice the same update without the trigger. It is now an AFTER … FOR
-- EACH STATEMENT trigger reading the statement's transition tables
-- (REFERENCING OLD TABLE / NEW TABLE), and writes every row's audit entry with
-- one INSERT … SELECT that computes the diffs set-based.
--
-- PostgreSQL allows transition tables only on single-event triggers, so an
-- audited table now has up to three: audit_record_inserts,
-- audit_record_updates and audit_record_deletes, still attached by
-- audit.enable_for() and re-created by audit.refresh_triggers().
--
-- What is written does not change: one audit row per inserted, updated (only
-- when a column that matters changed) or deleted row, with the diff of
-- audit.diff() (changed columns only, ignored columns left out, redacted ones
-- hidden), the actor, organization, row id, action name, reason and request
-- id of audit.append() and audit.current_request_id(). The deferred
-- lock-override safety net stays a row-level constraint trigger.
-- =============================================================================

create or replace function audit.record_change()
returns trigger
language plpgsql
security definer
set search_path = ''
-- The INSERT … SELECT statements take the trigger arguments as parameters,
-- none of which changes the plan: a generic plan, made once per session, not
-- a custom one planned again on every statement.
set plan_cache_mode = force_generic_plan
as $$
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
$$;

comment on function audit.record_change() is 'Generic audit trigger, AFTER <one event> FOR EACH STATEMENT with transition tables old_rows / new_rows: one audit.log row per inserted, updated (changed columns only) or deleted row, written by one INSERT … SELECT per statement. Arguments: primary key, ignored and redacted columns (text[] literals). Attach with audit.enable_for(regclass).';

-- -----------------------------------------------------------------------------
-- audit.enable_for: one statement-level trigger per event.
-- -----------------------------------------------------------------------------
create or replace function audit.enable_for(p_table regclass, p_events text[] default array['insert', 'update', 'delete'])
returns void
language plpgsql
set search_path = ''
as $$
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

comment on function audit.enable_for(regclass, text[]) is 'Attaches the audit triggers to a table (idempotent): AFTER <event> FOR EACH STATEMENT audit.record_change(<primary key>, <ignored>, <redacted>) for each of the events (audit_record_inserts / _updates / _deletes), and the deferred lock-override safety net when UPDATE is audited. Run by migrations (the table owner).';

-- -----------------------------------------------------------------------------
-- audit.refresh_triggers: the events of a table are now its triggers' names.
-- -----------------------------------------------------------------------------
create or replace function audit.refresh_triggers()
returns trigger
language plpgsql
set search_path = ''
as $$
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

-- -----------------------------------------------------------------------------
-- Every table audited by the former row-level trigger gets the new ones, with
-- the same events.
-- -----------------------------------------------------------------------------
do $$
declare
  v_trigger record;
begin
  for v_trigger in
    select t.tgrelid::regclass as tbl,
           pg_catalog.array_remove(array[case when t.tgtype & 4 <> 0 then 'insert' end,
                                         case when t.tgtype & 8 <> 0 then 'delete' end,
                                         case when t.tgtype & 16 <> 0 then 'update' end], null) as events
    from pg_catalog.pg_trigger t
    where t.tgname = 'audit_record_change' and t.tgfoid = 'audit.record_change()'::pg_catalog.regprocedure
  loop
    perform audit.enable_for(v_trigger.tbl, v_trigger.events);
  end loop;
end;
$$;

-- alert_config audits only the changes made by a top-level statement (not the
-- defaults seeded by a trigger when an organization is created): its own
-- triggers keep that condition, evaluated once per statement.
drop trigger audit_record_change_top_level on public.alert_config;
create trigger audit_record_inserts_top_level after insert on public.alert_config
  referencing new table as new_rows
  for each statement when (pg_catalog.pg_trigger_depth() = 0)
  execute function audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');
create trigger audit_record_updates_top_level after update on public.alert_config
  referencing old table as old_rows new table as new_rows
  for each statement when (pg_catalog.pg_trigger_depth() = 0)
  execute function audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');
create trigger audit_record_deletes_top_level after delete on public.alert_config
  referencing old table as old_rows
  for each statement when (pg_catalog.pg_trigger_depth() = 0)
  execute function audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');

-- =============================================================================
-- audit.record_change(): the per-row work done in the trigger itself.
--
-- For every audited row the trigger called audit.diff(), then audit.append(),
-- which called audit.current_request_id(): three more PL/pgSQL calls, each
-- with a SET search_path clause (a GUC save and restore per call, and a
-- search-path recomputation on the way in and out). On an update of 959
-- missions in one statement that was most of the trigger's cost (2.2× the
-- update without the trigger, 100,000 missions; 1.3× for a one-row update).
--
-- The same statements now run inline, in this one SECURITY DEFINER function
-- (it must stay one: audit.log is not writable by the API roles), with
-- search_path = '' and every name qualified. What is written does not change:
--   * the diff is audit.diff()'s (changed columns only, ignored columns left
--     out, redacted ones shown as "[redacted]"); a no-op update writes nothing;
--   * actor (auth.uid(), terrain.api_key_id when it is a uuid, the SET ROLE
--     role or the session user), reason (terrain.audit_reason, else
--     terrain.transition_reason, trimmed, at most 2,000 characters) and the
--     request id (x-request-id header, else terrain.request_id, only a plain
--     token) are audit.append()'s and audit.current_request_id()'s.
-- Those helpers stay as they are for their other callers (the lock override
-- fold, exports, ops), which run once per statement, not per row; they keep
-- their fixed search_path (the database lint requires it of every function).
-- 59-audit-trigger-hot-path.sql checks the trigger against audit.diff() row by
-- row on a multi-row statement; 55-57 check every field.
-- =============================================================================

create or replace function audit.record_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text := tg_table_schema || '.' || tg_table_name;
  v_keys text[] := tg_argv[0]::text[];
  v_ignore text[] := tg_argv[1]::text[];
  v_redact text[] := tg_argv[2]::text[];
  v_row jsonb;
  v_old jsonb;
  v_new jsonb;
  v_diff jsonb;
  v_action text;
  v_col text;
  v_org_id uuid;
  v_row_id text;
  v_api_key_id uuid;
  v_actor_role text;
  v_reason text;
  v_request_id text;
begin
  if tg_op = 'UPDATE' then
    if pg_catalog.current_setting('terrain.system_context', true) = 'lock_override' then
      return null;
    end if;
    v_row := pg_catalog.to_jsonb(new);
    v_new := v_row - v_ignore;
    v_old := pg_catalog.to_jsonb(old) - v_ignore;
    if v_new = v_old then
      return null; -- nothing that matters changed (only updated_at, a derived value, or nothing at all)
    end if;
  elsif tg_op = 'INSERT' then
    v_row := pg_catalog.to_jsonb(new);
    v_action := case when v_table = 'public.api_keys' then 'api_key_created' else 'insert' end;
  else
    v_row := pg_catalog.to_jsonb(old);
    v_action := 'delete';
  end if;
  if tg_op <> 'UPDATE' then
    -- As audit.diff does for an insert or a delete: the whole row, ignored
    -- columns left out, redacted ones replaced when they hold a value.
    v_diff := v_row - v_ignore;
    foreach v_col in array v_redact loop
      if v_diff -> v_col is not null and v_diff -> v_col <> 'null'::jsonb then
        v_diff := pg_catalog.jsonb_set(v_diff, array[v_col], '"[redacted]"'::jsonb);
      end if;
    end loop;
  end if;

  -- As audit.append and audit.current_request_id do: the organization, the
  -- row id, the actor, the reason and the request id (plain expressions,
  -- evaluated without a query).
  v_org_id := case when v_table = 'public.organizations' then (v_row ->> 'id')::uuid else (v_row ->> 'org_id')::uuid end;
  v_row_id := case when pg_catalog.cardinality(v_keys) = 1 then v_row ->> v_keys[pg_catalog.array_lower(v_keys, 1)]
                   else audit.row_id(v_row, v_keys) end;
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
    -- One statement computes the diff (as audit.diff does: the changed
    -- columns, {"old": …, "new": …}, redacted ones hidden), names the action
    -- and writes the row: one query per audited row, not two.
    insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
    select v_org_id, auth.uid(), v_api_key_id, v_actor_role,
           -- Named actions, recognised from the diff where it is obvious; the
           -- most specific wins. Issuing an invoice assigns its number (draft →
           -- issued); sending records sent_at (issued → sent).
           case
             when v_table = 'public.invoices' and d.diff #> '{number,old}' = 'null'::jsonb then 'invoice_issued'
             when v_table = 'public.invoices' and d.diff #> '{sent_at,old}' = 'null'::jsonb then 'invoice_sent'
             when v_table = 'public.api_keys' and d.diff #> '{revoked_at,old}' = 'null'::jsonb then 'api_key_revoked'
             when d.diff #> '{approved_at,old}' = 'null'::jsonb and d.diff #> '{approved_at,new}' <> 'null'::jsonb then 'approval'
             when d.diff ? 'status' then 'status_change'
             else 'update'
           end,
           v_table, v_row_id, d.diff, v_reason, v_request_id
    from (select pg_catalog.jsonb_object_agg(n.key,
                   case when n.key = any (v_redact) then '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                        else pg_catalog.jsonb_build_object('old', coalesce(v_old -> n.key, 'null'::jsonb), 'new', n.value) end) as diff
          from pg_catalog.jsonb_each(v_new) n
          where n.value is distinct from v_old -> n.key) d
    where d.diff is not null;
  else
    insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
    values (v_org_id, auth.uid(), v_api_key_id, v_actor_role, v_action, v_table, v_row_id, v_diff, v_reason, v_request_id);
  end if;
  return null;
end;
$$;

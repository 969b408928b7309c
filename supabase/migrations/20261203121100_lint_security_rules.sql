-- =============================================================================
-- Database lint: the Supabase advisors' security lints that ops.lint_findings
-- did not implement yet, and one of our own.
--
--   rule                                                what is flagged
--   function_search_path_mutable                        (j) splinter 0011: a function of an application
--                                                           schema whose search_path is not ''
--   anon_security_definer_function_executable           (k) splinter 0028: a SECURITY DEFINER function of
--                                                           an exposed schema anon may execute
--   authenticated_security_definer_function_executable  (k) splinter 0029: the same for authenticated
--   business_error_outside_catalogue                    (l) a RAISE of P0001 / P0002 / 55000 (or with no
--                                                           SQLSTATE) in public, private or audit instead of
--                                                           private.raise_api_error (docs/errors.md)
--
-- The definer RPCs of public are the API: each checks its caller (role and
-- organization, from auth.uid()) before it reads or writes, and needs the
-- definer's rights for a table the API roles cannot write (counters, hash
-- chain, idempotency keys, history). Each is listed in ops.lint_allowlist
-- with how it checks, so a new definer RPC fails the lint until someone says
-- why it is safe.
-- =============================================================================

alter table ops.lint_allowlist drop constraint lint_allowlist_rule_check;
alter table ops.lint_allowlist add constraint lint_allowlist_rule_check check (rule in (
  'security_definer_search_path', 'rls_disabled', 'view_reads_auth_users', 'view_not_security_invoker',
  'materialized_view_exposed', 'anon_execute', 'fk_without_index', 'anon_table_privilege',
  'policy_unwrapped_call', 'table_without_primary_key',
  'function_search_path_mutable', 'anon_security_definer_function_executable',
  'authenticated_security_definer_function_executable', 'business_error_outside_catalogue'));

create or replace function ops.lint_catalog()
 RETURNS TABLE(rule text, object_type text, object text, message text, allowlisted_reason text)
 LANGUAGE sql
 STABLE
 SET search_path TO ''
 SET jit TO 'off'
AS $function$
  with raw as materialized (
    -- (a) SECURITY DEFINER without a fixed search_path, in every schema we own
    -- (application and tooling); extensions' own functions are theirs.
    select 'security_definer_search_path'::text as rule, 'function'::text as object_type,
           ops.fn_ident(p.oid) as object,
           pg_catalog.format('SECURITY DEFINER function with search_path %s: add  set search_path = ''''  and schema-qualify every name',
                             coalesce((select pg_catalog.substr(c.setting, 13) from pg_catalog.unnest(p.proconfig) as c (setting)
                                       where c.setting like 'search\_path=%'), 'not set (inherited from the caller)')) as message
    from pg_catalog.pg_proc p
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    where p.prosecdef
      and s.kind in ('application', 'tooling')
      and not exists (select from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')
      and coalesce((select pg_catalog.replace(pg_catalog.replace(pg_catalog.substr(c.setting, 13), '"', ''), ' ', '')
                    from pg_catalog.unnest(p.proconfig) as c (setting) where c.setting like 'search\_path=%'), '<unset>')
          not in ('', 'pg_catalog', 'pg_catalog,pg_temp')

    union all
    -- (b) tables (partitioned or not, partitions included) of exposed schemas without RLS.
    select 'rls_disabled', 'table', ops.rel_ident(c.oid),
           'table in an exposed schema without row level security: alter table … enable row level security (and add policies)'
    from pg_catalog.pg_class c
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    where s.exposed and c.relkind in ('r', 'p') and not c.relrowsecurity

    union all
    -- (c) views of exposed schemas that read auth.users, directly or through other views.
    select 'view_reads_auth_users', case v.relkind when 'm' then 'materialized view' else 'view' end, ops.rel_ident(v.oid),
           'exposes auth.users (emails, phone numbers, metadata) to the API: read public.profiles instead'
    from pg_catalog.pg_class v
    join ops.schema_scope s on s.schema_oid = v.relnamespace
    where s.exposed and v.relkind in ('v', 'm')
      and exists (
        with recursive refs (relid) as (
          select d.refobjid
          from pg_catalog.pg_rewrite rw
          join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
                                     and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> rw.ev_class
          where rw.ev_class = v.oid
          union
          select d.refobjid
          from refs
          join pg_catalog.pg_rewrite rw on rw.ev_class = refs.relid
          join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
                                     and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> rw.ev_class
        )
        select from refs where refs.relid = pg_catalog.to_regclass('auth.users')
      )

    union all
    -- (c) views of exposed schemas must apply the caller's RLS (security_invoker).
    select 'view_not_security_invoker', 'view', ops.rel_ident(v.oid),
           'view runs with its owner''s rights and bypasses RLS: create it  with (security_invoker = true)'
    from pg_catalog.pg_class v
    join ops.schema_scope s on s.schema_oid = v.relnamespace
    where s.exposed and v.relkind = 'v'
      and not coalesce((select pg_catalog.lower(o.option_value) in ('true', 'on', '1', 'yes')
                        from pg_catalog.pg_options_to_table(v.reloptions) o where o.option_name = 'security_invoker'), false)

    union all
    -- (c) a materialized view is a copy taken with its owner's rights: RLS and
    -- security_invoker do not apply to it, so an API role must not read it.
    select 'materialized_view_exposed', 'materialized view', ops.rel_ident(v.oid),
           'materialized view readable by an API role: its rows bypass RLS; revoke select or use a security_invoker view'
    from pg_catalog.pg_class v
    join ops.schema_scope s on s.schema_oid = v.relnamespace
    where s.exposed and v.relkind = 'm'
      and (pg_catalog.has_table_privilege('anon', v.oid, 'SELECT') or pg_catalog.has_table_privilege('authenticated', v.oid, 'SELECT'))

    union all
    -- (d) functions anon may execute (granted to anon, or to PUBLIC).
    select 'anon_execute', 'function', ops.fn_ident(p.oid),
           'executable by anon: revoke execute … from public, anon (or allowlist it with the reason)'
    from pg_catalog.pg_proc p
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    where s.kind = 'application' and pg_catalog.has_function_privilege('anon', p.oid, 'EXECUTE')

    union all
    -- (f) foreign keys without a supporting index. An index supports a foreign
    -- key when its leading key columns are foreign-key columns and either cover
    -- all of them, or map (through the key) onto columns holding a unique key of
    -- the referenced table: then rows matching those columns all reference the
    -- same parent row and match the whole key, e.g. (org_id, site_id) supports
    -- (org_id, client_id, site_id) → sites (org_id, client_id, id) since sites.id
    -- is unique. A partial index counts when its predicate is only
    -- "<fk column> IS NOT NULL" (implied by the equality lookups of the checks).
    select 'fk_without_index', 'foreign key',
           pg_catalog.format('%s on %s', k.conname, ops.rel_ident(k.conrelid)),
           pg_catalog.format('no index supports (%s) → %s: create index on %s (%s)',
             (select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by u.ord)
              from pg_catalog.unnest(k.conkey) with ordinality as u (attnum, ord)
              join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum),
             ops.rel_ident(k.confrelid), ops.rel_ident(k.conrelid),
             (select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by u.ord)
              from pg_catalog.unnest(k.conkey) with ordinality as u (attnum, ord)
              join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum))
    from pg_catalog.pg_constraint k
    join pg_catalog.pg_class r on r.oid = k.conrelid
    join ops.schema_scope s on s.schema_oid = r.relnamespace
    where k.contype = 'f' and k.conparentid = 0 and s.kind = 'application'
      and not exists (
        select
        from pg_catalog.pg_index i
        cross join lateral (
          -- the longest run of leading key columns that are foreign-key columns
          select pg_catalog.array_agg(x.attnum) as cols
          from (
            select u.attnum, bool_and(u.attnum = any (k.conkey)) over (order by u.ord) as leading
            from pg_catalog.unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) with ordinality as u (attnum, ord)
          ) x
          where x.leading
        ) lead
        where i.indrelid = k.conrelid and i.indisvalid and lead.cols is not null
          and (i.indpred is null or not exists (
                select
                from pg_catalog.regexp_split_to_table(ops.expr_text(i.indpred, i.indrelid), '\s+AND\s+') as conj (term)
                where pg_catalog.btrim(conj.term, '() ') not in (
                  select pg_catalog.quote_ident(a.attname) || ' IS NOT NULL'
                  from pg_catalog.pg_attribute a where a.attrelid = k.conrelid and a.attnum = any (k.conkey))))
          and (k.conkey <@ lead.cols
               or exists (
                 select from pg_catalog.pg_index ui
                 where ui.indrelid = k.confrelid and ui.indisunique and ui.indisvalid
                   and ui.indpred is null and ui.indexprs is null
                   and (ui.indkey::int2[])[0:ui.indnkeyatts - 1] <@ array(
                         select k.confkey[g] from pg_catalog.generate_subscripts(k.conkey, 1) as g
                         where k.conkey[g] = any (lead.cols))))
      )

    union all
    -- (g) relations of exposed schemas anon holds any privilege on.
    select 'anon_table_privilege',
           case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
           ops.rel_ident(c.oid),
           'anon holds a privilege on it: revoke all on … from anon (anon sees nothing)'
    from pg_catalog.pg_class c
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    where s.exposed
      and case
            when c.relkind = 'S' then pg_catalog.has_sequence_privilege('anon', c.oid, 'USAGE, SELECT, UPDATE')
            when c.relkind in ('r', 'p', 'v', 'm', 'f') then
              pg_catalog.has_table_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
              or pg_catalog.has_any_column_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
            else false
          end

    union all
    -- (h) calls that do not depend on the row, left unwrapped in a policy, run once
    -- per row; wrapped as (select f()) they run once per statement (an initPlan).
    -- Deparsed with an empty search_path, "(select auth.uid())" reads
    -- "( SELECT auth.uid() AS uid)": wrapped calls are removed first; what is
    -- left of auth.uid/jwt/role/email() and of private.*() called with no
    -- argument or constants only ('…'::type) is unwrapped. Calls taking a
    -- column (private.has_role_in(org_id, …)) depend on the row: not flagged.
    select 'policy_unwrapped_call', 'policy',
           pg_catalog.format('%s on %s', pol.polname, ops.rel_ident(pol.polrelid)),
           pg_catalog.format('calls %s per row: write (select %s)', m.call, m.call)
    from pg_catalog.pg_policy pol
    join pg_catalog.pg_class c on c.oid = pol.polrelid
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    cross join lateral (
      select distinct x.match[1] as call
      from pg_catalog.regexp_matches(
             pg_catalog.regexp_replace(
               coalesce(ops.expr_text(pol.polqual, pol.polrelid), '') || ' ' || coalesce(ops.expr_text(pol.polwithcheck, pol.polrelid), ''),
               'SELECT\s+(?:auth|private)\.\w+\([^()]*\)', '', 'g'),
             '(auth\.(?:uid|jwt|role|email)\(\)|private\.\w+\((?:\s*''[^'']*''(?:::[\w.\[\]" ]+)?\s*,?)*\))', 'g') as x (match)
    ) m
    where s.kind in ('application', 'tooling')

    union all
    -- (i) every table has a primary key (replication, the audit trail's row ids,
    -- PostgREST's updates by key, Citus distribution all need one).
    select 'table_without_primary_key', 'table', ops.rel_ident(c.oid), 'table without a primary key'
    from pg_catalog.pg_class c
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    where s.kind = 'application' and c.relkind in ('r', 'p')
      and not exists (select from pg_catalog.pg_constraint k where k.conrelid = c.oid and k.contype = 'p')

    union all
    -- (j) splinter 0011 function_search_path_mutable: any function (definer or
    -- invoker) whose search_path is not pinned to '' resolves names through
    -- the caller's path, so it can break, or be hijacked, depending on who calls.
    select 'function_search_path_mutable', 'function', ops.fn_ident(p.oid),
           'search_path is not set to '''': add  set search_path = ''''  and schema-qualify every name'
    from pg_catalog.pg_proc p
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    where s.kind = 'application'
      and not exists (select from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')
      and not coalesce(p.proconfig, '{}'::text[]) operator(pg_catalog.&&) array['search_path=""']

    union all
    -- (k) splinter 0028 / 0029: SECURITY DEFINER functions of an exposed schema
    -- (callable as /rest/v1/rpc/<name>) that anon / authenticated may execute.
    -- They bypass RLS, so each one must check its caller itself: it is listed
    -- in the allowlist with how it does (or moved out of the exposed schema).
    select r.rule, 'function', ops.fn_ident(p.oid),
           pg_catalog.format('SECURITY DEFINER function executable by %s through /rest/v1/rpc/%s: it bypasses RLS', r.role, p.proname)
    from pg_catalog.pg_proc p
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    cross join (values ('anon_security_definer_function_executable', 'anon'),
                       ('authenticated_security_definer_function_executable', 'authenticated')) as r (rule, role)
    where s.exposed and p.prosecdef
      and pg_catalog.has_function_privilege(r.role, p.oid, 'EXECUTE')
      and not exists (select from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')

    union all
    -- (l) a business error raised outside the API error catalogue: a
    -- RAISE EXCEPTION with SQLSTATE P0001 (also the default when none is
    -- given), P0002 or 55000 — which PostgREST answers 400, 500 and 500 —
    -- instead of private.raise_api_error(code, message) (docs/errors.md).
    -- ops is DBA tooling, never reached through the API.
    select distinct 'business_error_outside_catalogue', 'function', ops.fn_ident(p.oid),
           'raises ' || pg_catalog.left(pg_catalog.regexp_replace(m.stmt[1], '\s+', ' ', 'g'), 120)
           || ' — use private.raise_api_error(<code>, <message>) (docs/errors.md)'
    from pg_catalog.pg_proc p
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    join pg_catalog.pg_language l on l.oid = p.prolang and l.lanname = 'plpgsql'
    cross join lateral pg_catalog.regexp_matches(p.prosrc, '(\mraise\s+(?:exception\M)?\s*(?:''(?:[^'']|'''')*''|[^'';])*;)', 'gi') as m (stmt)
    where s.kind = 'application' and s.schema_name <> 'ops'
      and m.stmt[1] !~* '^raise\s+(notice|warning|info|log|debug|sqlstate)\M'
      and m.stmt[1] !~* '^raise\s*;'
      and (m.stmt[1] ~* 'errcode\s*=\s*''(P0001|P0002|55000)'''
           or m.stmt[1] ~* '\m(raise_exception|no_data_found|object_not_in_prerequisite_state)\M'
           or m.stmt[1] !~* '\merrcode\M')
  )
  select r.rule, r.object_type, r.object, r.message, a.reason
  from raw r
  left join ops.lint_allowlist a on a.rule = r.rule and a.object = r.object
  union all
  select 'allowlist_stale', 'allowlist entry', a.rule || ': ' || a.object,
         'allowlisted, but no such finding any more: delete the entry', null
  from ops.lint_allowlist a
  where not exists (select from raw r where r.rule = a.rule and r.object = a.object)
$function$;


comment on function ops.lint_catalog() is
  'Catalog lint rules (a)-(d), (f)-(l) with the allowlist applied; see ops.lint_findings.';

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.acknowledge_alert(uuid)',
   'Locks the alert through private.lock_alert_for_caller, which refuses unless the caller''s role may manage that alert type; definer to write alerts, which the API roles cannot update.'),
  ('authenticated_security_definer_function_executable', 'public.add_mission_note(uuid,text,text,uuid)',
   'Checks the caller''s role and, for technicians, the assignment before inserting; definer to write the idempotency key and the note in one step.'),
  ('authenticated_security_definer_function_executable', 'public.audit_log_csv(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)',
   'audit.authorize_reader refuses anyone but an owner or admin of the organization; definer because audit.log is closed to the API roles.'),
  ('authenticated_security_definer_function_executable', 'public.audit_log_page(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)',
   'audit.authorize_reader refuses anyone but an owner or admin of the organization; definer because audit.log is closed to the API roles.'),
  ('authenticated_security_definer_function_executable', 'public.bulk_approve_timesheets(uuid[])',
   'Reports per item and approves only rows of the caller''s organizations where they are owner, admin or dispatcher (not their own hours); definer to lock the rows across RLS scopes.'),
  ('authenticated_security_definer_function_executable', 'public.bulk_invoice_missions(uuid[])',
   'Each item goes through private.invoice_mission, which checks the caller''s invoicing role in the mission''s organization; definer to write invoices, lines and counters.'),
  ('authenticated_security_definer_function_executable', 'public.bulk_transition_missions(uuid[],public.mission_status,text)',
   'Each item goes through private.apply_mission_transition, which finds the mission only in the caller''s organizations and checks the role per transition.'),
  ('authenticated_security_definer_function_executable', 'public.create_api_key(uuid,text,text[],timestamp with time zone)',
   'private.authorize_api_key_admin refuses anyone but an owner or admin of the organization; definer because api_keys stores secret hashes the API roles cannot write.'),
  ('authenticated_security_definer_function_executable', 'public.create_rule(uuid,text,text,text,text,jsonb,public.emergency_severity,integer,integer,boolean)',
   'Refuses anyone but an owner or admin of the organization before inserting; definer to write public.rules, which has no insert policy.'),
  ('authenticated_security_definer_function_executable', 'public.delete_push_subscription(text)',
   'Deletes only the caller''s own subscription (user_id = auth.uid()); definer because push subscriptions are closed to direct writes.'),
  ('authenticated_security_definer_function_executable', 'public.issue_invoice(uuid)',
   'private.authorize_invoicing checks the caller''s owner/admin/accountant role in the invoice''s organization; definer to take the gapless counter and the hash chain head.'),
  ('authenticated_security_definer_function_executable', 'public.list_api_keys(uuid)',
   'private.authorize_api_key_admin refuses anyone but an owner or admin of the organization; definer to read api_keys without exposing secret_hash.'),
  ('authenticated_security_definer_function_executable', 'public.log_hours(uuid,date,numeric,text,text)',
   'Only technicians, only on missions assigned to them (checked against auth.uid()); definer to write the idempotency key with the timesheet.'),
  ('authenticated_security_definer_function_executable', 'public.mark_invoice_sent(uuid,text)',
   'private.authorize_invoicing checks the caller''s role in the invoice''s organization; definer to move the status the guard trigger reserves to this function.'),
  ('authenticated_security_definer_function_executable', 'public.override_timesheet_lock(uuid,jsonb,text)',
   'Refuses anyone but an owner or admin of the timesheet''s organization and requires a reason; definer to write lock_overrides, which is select-only for the API.'),
  ('authenticated_security_definer_function_executable', 'public.reconcile_payments(uuid)',
   'private.authorize_invoicing checks the caller''s role in the organization; definer to move payment statuses the guard trigger reserves to this function.'),
  ('authenticated_security_definer_function_executable', 'public.record_stock_use(uuid,numeric,uuid,text)',
   'Only technicians, only on missions assigned to them (checked against auth.uid()); definer to write the movement and the idempotency key atomically.'),
  ('authenticated_security_definer_function_executable', 'public.register_push_subscription(text,text,text)',
   'Registers a subscription for auth.uid() only and refuses a call without a session; definer because push subscriptions are closed to direct writes.'),
  ('authenticated_security_definer_function_executable', 'public.revoke_api_key(uuid)',
   'private.api_key_for_admin finds the key only in organizations the caller administers; definer because api_keys is not writable by the API roles.'),
  ('authenticated_security_definer_function_executable', 'public.rotate_api_key(uuid,interval)',
   'private.api_key_for_admin finds the key only in organizations the caller administers; definer because api_keys is not writable by the API roles.'),
  ('authenticated_security_definer_function_executable', 'public.send_quote(uuid)',
   'private.authorize_invoicing checks the caller''s role in the quote''s organization; definer to take the quote counter.'),
  ('authenticated_security_definer_function_executable', 'public.set_notification_preference(uuid,text,text,boolean)',
   'Refuses a caller without a session or not a member of the organization, and writes only the caller''s own preference row.'),
  ('authenticated_security_definer_function_executable', 'public.silence_alert(uuid,timestamp with time zone)',
   'Locks the alert through private.lock_alert_for_caller, which refuses unless the caller''s role may manage that alert type; definer to write alerts.'),
  ('authenticated_security_definer_function_executable', 'public.transition_mission(uuid,public.mission_status,text,text,uuid)',
   'private.apply_mission_transition finds the mission only in the caller''s organizations and the transition trigger checks the role per transition.'),
  ('authenticated_security_definer_function_executable', 'public.unsubscribe(text)',
   'The 64-hex token from the email (stored as sha256) is the credential; it only disables the token owner''s non-critical emails.'),
  ('authenticated_security_definer_function_executable', 'public.verify_invoice_chain(uuid)',
   'private.authorize_invoicing checks the caller''s role in the organization; definer to read the chain heads, which are closed to the API roles.'),
  ('anon_security_definer_function_executable', 'public.unsubscribe(text)',
   'The unsubscribe link of every email is opened signed out: the token is the credential; it only disables the token owner''s non-critical emails.'),
  ('function_search_path_mutable', 'audit.utc_iso(timestamp with time zone)',
   'Redefined with a fixed search_path by the non-finite numbers and CSV migrations; until then an immutable formatter that only calls pg_catalog.'),
  ('function_search_path_mutable', 'audit.csv_field(text)',
   'Redefined with a fixed search_path by the non-finite numbers and CSV migrations; until then an immutable formatter that only calls pg_catalog.');

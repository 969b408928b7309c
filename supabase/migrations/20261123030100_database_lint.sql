-- =============================================================================
-- Database lint (issue 4, item 9), as catalog queries a DBA can run anywhere
-- (`select * from ops.lint_findings where allowlisted_reason is null`) and the
-- pgTAP suite asserts empty (supabase/tests/90-lint.sql), so a future
-- migration that breaks a rule fails `npm test`.
--
--   rule                           what is flagged
--   security_definer_search_path   (a) SECURITY DEFINER function whose search_path is
--                                      not fixed to '' (or pg_catalog[, pg_temp])
--   rls_disabled                   (b) table in an exposed schema without RLS
--   view_reads_auth_users          (c) view/matview in an exposed schema reading
--                                      auth.users (directly or through other views)
--   view_not_security_invoker      (c) view in an exposed schema without security_invoker
--   materialized_view_exposed      (c) matview in an exposed schema readable by an API
--                                      role (neither RLS nor security_invoker applies)
--   anon_execute                   (d) function in an application schema anon can execute
--   fk_without_index               (f) foreign key without a supporting index
--   anon_table_privilege           (g) relation in an exposed schema anon holds a privilege on
--   policy_unwrapped_call          (h) policy calling auth.uid()/jwt()/role()/email() or a
--                                      zero-argument private helper unwrapped (per row)
--   table_without_primary_key      (i) table in an application schema without a primary key
--   allowlist_stale                    an allowlist entry that matches no finding any more
-- plus ops.lint_plpgsql                (e) plpgsql_check over every plpgsql function and
--                                      every (trigger function, table) pair
--
-- Exceptions live in ops.lint_allowlist, one row per (rule, object) with the
-- reason; a stale entry is itself a finding, so the list cannot rot.
-- =============================================================================

-- plpgsql_check is created by a migration, not only for the tests: Supabase
-- ships it as an extension (Dashboard → Extensions), so the same lint runs on
-- a hosted project (`select * from ops.lint_plpgsql`), and `supabase test db`
-- needs no step of its own. It does nothing until one of its functions is
-- called (no passive mode, no profiler). Its functions are for DBAs only.
create extension if not exists plpgsql_check with schema extensions;
do $revoke$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select d.objid::regprocedure
    from pg_catalog.pg_depend d
    join pg_catalog.pg_extension e on e.oid = d.refobjid and e.extname = 'plpgsql_check'
    where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.deptype = 'e'
  loop
    execute format('revoke all on function %s from public, anon, authenticated, service_role', v_fn);
  end loop;
end
$revoke$;

-- -----------------------------------------------------------------------------
-- Allowlist: every exception is named and justified.
--   object: as the findings name it (ops.fn_ident / ops.rel_ident, or
--           '<constraint> on <table>' / '<policy> on <table>').
-- -----------------------------------------------------------------------------
create table ops.lint_allowlist (
  rule       text not null check (rule in (
               'security_definer_search_path', 'rls_disabled', 'view_reads_auth_users', 'view_not_security_invoker',
               'materialized_view_exposed', 'anon_execute', 'fk_without_index', 'anon_table_privilege',
               'policy_unwrapped_call', 'table_without_primary_key')),
  object     text not null,
  reason     text not null check (length(btrim(reason)) >= 10),
  created_at timestamptz not null default now(),
  primary key (rule, object)
);
comment on table ops.lint_allowlist is
  'Lint exceptions, each with its reason. An entry that no longer matches a finding is reported as allowlist_stale.';
-- Not exposed; RLS on for consistency with the audit views (DBAs bypass it).
alter table ops.lint_allowlist enable row level security;

-- The exceptions known today (their objects come from earlier migrations).
insert into ops.lint_allowlist (rule, object, reason) values
  ('anon_execute', 'private.api_pre_request()',
   'PostgREST''s db-pre-request hook (rate limiting, migration 20261123022000): PostgREST calls it as the request''s role, '
   'anon included, before every request. It takes no argument and only counts or refuses; private is not exposed, so it is no RPC.');

-- -----------------------------------------------------------------------------
-- ops.lint_catalog(): every catalog rule, the allowlist applied, stale entries
-- added. A function rather than a plain view for one reason: these catalog
-- queries are estimated expensive, so with jit = on (the Postgres default)
-- planning them as a view compiles them to machine code first — about 10 s
-- spent to save nothing. `set jit = off` on the function keeps a full lint at
-- a few hundred milliseconds. ops.lint_findings is the view over it.
-- -----------------------------------------------------------------------------
create function ops.lint_catalog()
returns table (rule text, object_type text, object text, message text, allowlisted_reason text)
language sql
stable
set search_path = ''
set jit = off
as $lint$
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
  )
  select r.rule, r.object_type, r.object, r.message, a.reason
  from raw r
  left join ops.lint_allowlist a on a.rule = r.rule and a.object = r.object
  union all
  select 'allowlist_stale', 'allowlist entry', a.rule || ': ' || a.object,
         'allowlisted, but no such finding any more: delete the entry', null
  from ops.lint_allowlist a
  where not exists (select from raw r where r.rule = a.rule and r.object = a.object)
$lint$;
comment on function ops.lint_catalog() is
  'Catalog lint rules (a)-(d), (f)-(i) with the allowlist applied; see ops.lint_findings.';
revoke all on function ops.lint_catalog() from public;

create view ops.lint_findings
with (security_invoker = true)
as
select l.rule, l.object_type, l.object, l.message, l.allowlisted_reason
from ops.lint_catalog() l;
comment on view ops.lint_findings is
  'Catalog lint: one row per finding; allowlisted_reason is set for accepted exceptions. '
  'Clean means: select * from ops.lint_findings where allowlisted_reason is null  returns nothing.';

-- -----------------------------------------------------------------------------
-- (e) plpgsql_check over every plpgsql function of the application schemas.
-- A trigger function is checked once per table it is attached to (NEW and OLD
-- have that table's row type), with the transition tables its triggers on
-- that table declare (a statement trigger shared by INSERT/UPDATE/DELETE
-- triggers references each one in its own branch). A trigger function that is
-- attached nowhere cannot be checked: reported as a warning.
-- ops.plpgsql_check_one turns a checker failure into an 'error' row rather
-- than failing the whole view.
-- -----------------------------------------------------------------------------
create function ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name)
returns table (level text, lineno integer, sqlstate text, message text, detail text, hint text)
language plpgsql
volatile
set search_path = ''
as $$
begin
  return query
    select c.level, c.lineno, c.sqlstate, c.message, c.detail, c.hint
    from extensions.plpgsql_check_function_tb(
           p_fn::pg_catalog.regprocedure, coalesce(p_rel, 0)::pg_catalog.regclass,
           fatal_errors => false, oldtable => p_oldtable, newtable => p_newtable) as c;
exception when others then
  return query select 'error'::text, null::integer, sqlstate::text,
                      ('plpgsql_check could not check it: ' || sqlerrm)::text, null::text, null::text;
end;
$$;
comment on function ops.plpgsql_check_one(oid, oid, name, name) is
  'plpgsql_check_function_tb for one function (and trigger relation), never failing: a checker error becomes an error row.';
revoke all on function ops.plpgsql_check_one(oid, oid, name, name) from public;

-- A function with jit = off, like ops.lint_catalog, viewed by ops.lint_plpgsql.
create function ops.lint_plpgsql_run()
returns table (rule text, object text, level text, message text)
language sql
volatile
set search_path = ''
set jit = off
as $lint$
  with fns as (
    select p.oid, p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype as is_trigger
    from pg_catalog.pg_proc p
    join pg_catalog.pg_language l on l.oid = p.prolang and l.lanname = 'plpgsql'
    join ops.schema_scope s on s.schema_oid = p.pronamespace
    where s.kind = 'application' and p.prokind in ('f', 'p')
  ), targets as (
    -- plain functions (and event trigger functions): no relation
    select f.oid, null::oid as relid, null::name as oldtable, null::name as newtable
    from fns f where not f.is_trigger
    union all
    -- trigger functions: once per attached table, old × new transition table names
    select distinct f.oid, t.tgrelid, o.name, nw.name
    from fns f
    join pg_catalog.pg_trigger t on t.tgfoid = f.oid and not t.tgisinternal
    cross join lateral (
      select x.tgoldtable as name from pg_catalog.pg_trigger x
      where x.tgfoid = f.oid and x.tgrelid = t.tgrelid and x.tgoldtable is not null
      union select null where not exists (select from pg_catalog.pg_trigger x
                                          where x.tgfoid = f.oid and x.tgrelid = t.tgrelid and x.tgoldtable is not null)
    ) o
    cross join lateral (
      select x.tgnewtable as name from pg_catalog.pg_trigger x
      where x.tgfoid = f.oid and x.tgrelid = t.tgrelid and x.tgnewtable is not null
      union select null where not exists (select from pg_catalog.pg_trigger x
                                          where x.tgfoid = f.oid and x.tgrelid = t.tgrelid and x.tgnewtable is not null)
    ) nw
    where f.is_trigger
  )
  select 'plpgsql_check'::text as rule,
         ops.fn_ident(t.oid) || coalesce(' on ' || ops.rel_ident(t.relid), '') as object,
         c.level,
         pg_catalog.format('%sline %s: %s%s%s', case when c.sqlstate is not null then '[' || c.sqlstate || '] ' else '' end,
                           coalesce(c.lineno::text, '?'), c.message,
                           coalesce(' — ' || c.detail, ''), coalesce(' (hint: ' || c.hint || ')', '')) as message
  from targets t
  cross join lateral ops.plpgsql_check_one(t.oid, t.relid, t.oldtable, t.newtable) c
  union all
  select 'plpgsql_check', ops.fn_ident(f.oid), 'warning',
         'trigger function attached to no table: plpgsql_check needs the table to check it'
  from fns f
  where f.is_trigger and not exists (select from pg_catalog.pg_trigger t where t.tgfoid = f.oid and not t.tgisinternal)
$lint$;
comment on function ops.lint_plpgsql_run() is 'plpgsql_check over the application schemas; see ops.lint_plpgsql.';
revoke all on function ops.lint_plpgsql_run() from public;

create view ops.lint_plpgsql
with (security_invoker = true)
as
select l.rule, l.object, l.level, l.message from ops.lint_plpgsql_run() l;
comment on view ops.lint_plpgsql is
  'plpgsql_check findings (level error / warning / …) for every plpgsql function of the application schemas. '
  'Clean means no row with level = ''error''. DBAs only (plpgsql_check is not granted to the API roles).';

grant select on ops.lint_findings to service_role;
grant execute on function ops.lint_catalog() to service_role;
grant select on ops.lint_allowlist to service_role;

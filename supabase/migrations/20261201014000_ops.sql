-- =============================================================================
-- Baseline: operator tooling in the ops schema — RLS audit, database lint
-- (catalog rules, column rules, plpgsql_check), health checks and metrics.
--
-- Not exposed by PostgREST; the service role reads it (scripts/health.ts).
-- The lint enforces docs/conventions.md on the catalog itself, so a rule that
-- a later migration breaks is reported by the pgTAP suite
-- (supabase/tests/90-lint.sql, 91-column-lint.sql).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

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

-- Deparsed policy expressions with every function name schema-qualified.
CREATE FUNCTION ops.expr_text(p_expr pg_node_tree, p_relid oid) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$ select pg_catalog.pg_get_expr(p_expr, p_relid) $$;

CREATE FUNCTION ops.fn_ident(p_oid oid) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path TO ''
    AS $$ select p_oid::pg_catalog.regprocedure::text $$;

-- Operator health checks: loops over ops.health_check_catalog and runs each
-- check's view ops.check_<name>, one (name, period, ok, count, details) row
-- per check; details lists the first offending rows.

CREATE FUNCTION ops.health_checks(p_period text DEFAULT 'daily'::text) RETURNS TABLE(name text, period text, ok boolean, count bigint, details jsonb)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET jit TO 'off'
    AS $_$
#variable_conflict use_column
declare
  -- How many offending rows a check lists in details.
  c_sample constant integer := 5;
  v_check  record;
  v_count  bigint;
  v_sample jsonb;
begin
  if p_period is null or p_period not in ('daily', 'weekly', 'all') then
    raise exception 'Unknown health check period: % (expected daily, weekly or all)', coalesce(p_period, 'null')
      using errcode = '22023';
  end if;

  for v_check in
    select c.name, c.cadence, c.view, c.details_key, c.details_when_clean
    from ops.health_check_catalog c
    where p_period = 'all' or c.cadence = p_period
    order by c.position
  loop
    -- The view name comes from the catalogue; %I quotes it as an identifier.
    execute pg_catalog.format(
      'select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(v.detail order by v.sample_rank)'
      ' filter (where v.sample_rank <= $1), ''[]'') from ops.%I v', v_check.view)
      into v_count, v_sample
      using c_sample;
    return query select v_check.name, v_check.cadence, v_count = 0, v_count,
      case when v_count = 0 and v_check.details_when_clean is not null then v_check.details_when_clean
           else pg_catalog.jsonb_build_object(v_check.details_key, v_sample) end;
  end loop;
end;
$_$;

-- -----------------------------------------------------------------------------
-- ops.lint_catalog(): every catalog rule, the allowlist applied, stale entries
-- added. A function rather than a plain view for one reason: these catalog
-- queries are estimated expensive, so with jit = on (the Postgres default)
-- planning them as a view compiles them to machine code first — about 10 s
-- spent to save nothing. `set jit = off` on the function keeps a full lint at
-- a few hundred milliseconds. ops.lint_findings is the view over it.
-- -----------------------------------------------------------------------------
CREATE FUNCTION ops.lint_catalog() RETURNS TABLE(rule text, object_type text, object text, message text, allowlisted_reason text)
    LANGUAGE sql STABLE
    SET search_path TO ''
    SET jit TO 'off'
    AS $$
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
$$;

COMMENT ON FUNCTION ops.lint_catalog() IS 'Catalog lint rules (a)-(d), (f)-(l) with the allowlist applied; see ops.lint_findings.';

REVOKE ALL ON FUNCTION ops.lint_catalog() FROM PUBLIC;
GRANT ALL ON FUNCTION ops.lint_catalog() TO service_role;

CREATE FUNCTION ops.lint_column_rules() RETURNS TABLE(rule text, object_type text, object text, message text, allowlisted_reason text)
    LANGUAGE sql STABLE
    SET search_path TO ''
    SET jit TO 'off'
    AS $_$
  with cols as materialized (
    select c.oid as relid, a.attnum, a.atttypid, a.atttypmod, a.attgenerated, s.exposed,
           pg_catalog.format('%s.%I', ops.rel_ident(c.oid), a.attname) as object,
           -- the column name as pg_get_constraintdef prints it, escaped for a regex
           pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([.^$*+?()\[\]{}|\\"])', '\\\1', 'g') as col_re,
           -- base type, through a domain; for an array, its element's base type
           coalesce(nullif(e.typbasetype, 0::pg_catalog.oid), e.oid) as base_type,
           t.typcategory = 'A' as is_array
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    join pg_catalog.pg_type t on t.oid = a.atttypid
    join pg_catalog.pg_type e on e.oid = case when t.typcategory = 'A' then t.typelem
                                              when t.typtype = 'd' then t.typbasetype else t.oid end
    where s.kind = 'application' and c.relkind in ('r', 'p')
      and a.attnum > 0 and not a.attisdropped
  ),
  column_checks as materialized (
    select k.conrelid as relid, k.conkey, pg_catalog.pg_get_constraintdef(k.oid) as def
    from pg_catalog.pg_constraint k
    where k.contype = 'c' and k.conrelid <> 0
  ),
  domain_checks as materialized (
    select k.contypid as typid, pg_catalog.pg_get_constraintdef(k.oid) as def
    from pg_catalog.pg_constraint k
    where k.contype = 'c' and k.contypid <> 0
  ),
  raw as materialized (
    select 'numeric_not_finite'::text as rule, 'column'::text as object_type, c.object,
           'number column that accepts NaN and ±Infinity (NaN passes every > / >= check): '
           || 'add  constraint <table>_<column>_finite check (<column> not in (''NaN'', ''Infinity'', ''-Infinity''))' as message
    from cols c
    where not c.is_array
      and c.base_type in ('pg_catalog.numeric'::pg_catalog.regtype, 'pg_catalog.float4'::pg_catalog.regtype,
                          'pg_catalog.float8'::pg_catalog.regtype)
      and not exists (
        select from column_checks k
        where k.relid = c.relid and k.conkey = array[c.attnum]
          and k.def operator(pg_catalog.~) ('^CHECK \(\(' || c.col_re || ' <> ALL \(ARRAY\[''NaN''::[a-z ]+, ''Infinity''::[a-z ]+, ''-Infinity''::[a-z ]+\]\)\)\)$'))
      and not exists (
        select from domain_checks d
        where d.typid = c.atttypid
          and d.def operator(pg_catalog.~) '^CHECK \(\(VALUE <> ALL \(ARRAY\[''NaN''::[a-z ]+, ''Infinity''::[a-z ]+, ''-Infinity''::[a-z ]+\]\)\)\)$')

    union all
    select 'text_without_limit', 'column', c.object,
           'free text without a maximum length in an exposed schema: add  constraint <table>_<column>_length check '
           || '(char_length(<column>) <= N)  (JSON: octet_length(<column>::text) <= N), or allowlist it with the reason'
    from cols c
    where c.exposed and c.attgenerated = ''
      and c.base_type in ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype,
                          'pg_catalog.bpchar'::pg_catalog.regtype, 'pg_catalog.json'::pg_catalog.regtype,
                          'pg_catalog.jsonb'::pg_catalog.regtype)
      -- varchar(n) / char(n) carry their own bound (not for arrays: no count bound)
      and not (c.atttypmod > 0 and not c.is_array)
      and not exists (
        select from column_checks k
        where k.relid = c.relid and c.attnum = any (k.conkey)
          and (
            -- a length or size compared with a number
            k.def operator(pg_catalog.~)
              ('\m(char_length|length|octet_length|pg_column_size|cardinality)\([^<>=]*?\m' || c.col_re || '\M[^<>=]*?\) <=? [0-9]')
            -- an enumeration
            or k.def operator(pg_catalog.~) ('\m' || c.col_re || '\M = (ANY \(ARRAY\[|''[^'']*''::)')
            -- an anchored pattern without unbounded repetition
            or exists (
              select from pg_catalog.regexp_matches(k.def, '\m' || c.col_re || '\M ~ ''(\^[^'']*\$)''::text', 'g') as m (groups)
              where not (m.groups[1] operator(pg_catalog.~) '[*+]|\{[0-9]+,\}'))
          ))
      and not exists (
        select from domain_checks d
        where d.typid = c.atttypid
          and d.def operator(pg_catalog.~) '\m(char_length|length|octet_length)\([^<>=]*?\mVALUE\M[^<>=]*?\) <=? [0-9]')
  )
  select r.rule, r.object_type, r.object, r.message, a.reason
  from raw r
  left join ops.column_rule_allowlist a on a.rule = r.rule and a.object = r.object
  union all
  select 'allowlist_stale', 'allowlist entry', a.rule || ': ' || a.object,
         'allowlisted, but no such finding any more: delete the entry from ops.column_rule_allowlist', null
  from ops.column_rule_allowlist a
  where not exists (select from raw r where r.rule = a.rule and r.object = a.object)
$_$;

COMMENT ON FUNCTION ops.lint_column_rules() IS 'Column lint rules numeric_not_finite and text_without_limit with ops.column_rule_allowlist applied; see ops.lint_column_findings.';

REVOKE ALL ON FUNCTION ops.lint_column_rules() FROM PUBLIC;
GRANT ALL ON FUNCTION ops.lint_column_rules() TO service_role;

-- A function with jit = off, like ops.lint_catalog, viewed by ops.lint_plpgsql.
CREATE FUNCTION ops.lint_plpgsql_run() RETURNS TABLE(rule text, object text, level text, message text)
    LANGUAGE sql
    SET search_path TO ''
    SET jit TO 'off'
    AS $$
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
$$;

COMMENT ON FUNCTION ops.lint_plpgsql_run() IS 'plpgsql_check over the application schemas; see ops.lint_plpgsql.';

REVOKE ALL ON FUNCTION ops.lint_plpgsql_run() FROM PUBLIC;

-- =============================================================================
-- ops.metrics(): every Prometheus series, one row per (metric, labels).
--   terrain_alerts{org_id,severity,status}               open alerts (firing, acknowledged)
--   terrain_notifications_backlog{channel}               pending notifications
--   terrain_notifications_oldest_pending_seconds{channel} age of the oldest pending one
--   terrain_cron_job_failures_24h{jobname}               failed runs of each cron job, 24 h
--   terrain_invoices_total_cents{org_id,status}          sum of total TTC (invoices, not credit notes)
--   terrain_invoices_count{org_id,status}                number of invoices
--   terrain_health_check_ok{name,period}                 1 when the check passes, else 0
-- Gauges that are zero are still emitted for the known channels and cron jobs
-- (a series that disappears is not the same as 0 for an alert rule).
-- =============================================================================
CREATE FUNCTION ops.metrics() RETURNS TABLE(metric text, labels jsonb, value double precision)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET jit TO 'off'
    AS $$
#variable_conflict use_column
begin
  -- Open alerts only: resolved ones are history (alerts_org_type_status_idx).
  return query
  select 'terrain_alerts'::text,
         pg_catalog.jsonb_build_object('org_id', a.org_id::text, 'severity', a.severity, 'status', a.status),
         pg_catalog.count(*)::double precision
  from public.alerts a
  where a.status in ('firing', 'acknowledged')
  group by a.org_id, a.severity, a.status;

  return query
  select 'terrain_notifications_backlog'::text, pg_catalog.jsonb_build_object('channel', ch.channel),
         (select pg_catalog.count(*) from public.notifications n
          where n.delivery_status = 'pending' and n.channel = ch.channel)::double precision
  from (values ('email'), ('push'), ('in_app')) as ch (channel);

  return query
  select 'terrain_notifications_oldest_pending_seconds'::text, pg_catalog.jsonb_build_object('channel', ch.channel),
         coalesce((select extract(epoch from pg_catalog.now() - pg_catalog.min(n.created_at))
                   from public.notifications n
                   where n.delivery_status = 'pending' and n.channel = ch.channel), 0)::double precision
  from (values ('email'), ('push'), ('in_app')) as ch (channel);

  return query
  select 'terrain_cron_job_failures_24h'::text, pg_catalog.jsonb_build_object('jobname', coalesce(j.jobname, 'job ' || j.jobid)),
         (select pg_catalog.count(*) from cron.job_run_details d
          where d.jobid = j.jobid and d.status = 'failed'
            and d.start_time > pg_catalog.now() - interval '24 hours')::double precision
  from cron.job j;

  return query
  select 'terrain_invoices_total_cents'::text,
         pg_catalog.jsonb_build_object('org_id', i.org_id::text, 'status', i.status::text),
         pg_catalog.sum(i.total_ttc_cents)::double precision
  from public.invoices i
  where i.kind = 'invoice'
  group by i.org_id, i.status;

  return query
  select 'terrain_invoices_count'::text,
         pg_catalog.jsonb_build_object('org_id', i.org_id::text, 'status', i.status::text),
         pg_catalog.count(*)::double precision
  from public.invoices i
  where i.kind = 'invoice'
  group by i.org_id, i.status;

  return query
  select 'terrain_health_check_ok'::text, pg_catalog.jsonb_build_object('name', h.name, 'period', h.period),
         case when h.ok then 1 else 0 end::double precision
  from ops.health_checks('all') h;
end;
$$;

COMMENT ON FUNCTION ops.metrics() IS 'Prometheus series as (metric, labels, value) for the metrics edge function, which only formats them. Runs every health check (daily and weekly): scrape every minute or slower.';

REVOKE ALL ON FUNCTION ops.metrics() FROM PUBLIC;
GRANT ALL ON FUNCTION ops.metrics() TO service_role;

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
CREATE FUNCTION ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name) RETURNS TABLE(level text, lineno integer, sqlstate text, message text, detail text, hint text)
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

-- -----------------------------------------------------------------------------
-- Names that do not depend on the caller's search_path: with an empty
-- search_path every non-catalog name comes out schema-qualified
-- ('public.missions', 'private.has_role_in(uuid,public.member_role[])'), so
-- the same object always has the same name in findings and allowlists.
-- -----------------------------------------------------------------------------
CREATE FUNCTION ops.rel_ident(p_oid oid) RETURNS text
    LANGUAGE sql STABLE STRICT
    SET search_path TO ''
    AS $$ select p_oid::pg_catalog.regclass::text $$;

-- -----------------------------------------------------------------------------
-- ops.sql_statement_count: how many statements a SQL text holds, skipping
-- string literals ('…', E'…' with backslash escapes), quoted identifiers,
-- dollar-quoted bodies and comments (-- and nested /* */). Used to refuse
-- several statements with a clear message before anything runs; Postgres
-- itself is the backstop (a cursor cannot be opened over several statements).
-- -----------------------------------------------------------------------------
CREATE FUNCTION ops.sql_statement_count(p_sql text) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path TO ''
    AS $_$
declare
  n        integer := pg_catalog.length(p_sql);
  i        integer := 1;
  j        integer;
  c        text;
  tag      text;
  depth    integer;
  escapes  boolean;
  pending  boolean := false;  -- a statement has started since the last ';'
  total    integer := 0;
begin
  while i <= n loop
    c := pg_catalog.substr(p_sql, i, 1);
    if c = '''' then
      escapes := i > 1 and pg_catalog.lower(pg_catalog.substr(p_sql, i - 1, 1)) = 'e'
                 and (i = 2 or pg_catalog.substr(p_sql, i - 2, 1) !~ '[[:alnum:]_$]');
      i := i + 1;
      while i <= n loop
        c := pg_catalog.substr(p_sql, i, 1);
        if escapes and c = '\' then
          i := i + 2;
        elsif c = '''' and pg_catalog.substr(p_sql, i + 1, 1) = '''' then
          i := i + 2;
        elsif c = '''' then
          exit;
        else
          i := i + 1;
        end if;
      end loop;
      i := i + 1;
      pending := true;
    elsif c = '"' then
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i + 1), '"');
      i := case when j = 0 then n + 1 else i + j + 1 end;
      pending := true;
    elsif c = '-' and pg_catalog.substr(p_sql, i + 1, 1) = '-' then
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i), pg_catalog.chr(10));
      i := case when j = 0 then n + 1 else i + j end;
    elsif c = '/' and pg_catalog.substr(p_sql, i + 1, 1) = '*' then
      depth := 1;
      i := i + 2;
      while i <= n and depth > 0 loop
        if pg_catalog.substr(p_sql, i, 2) = '/*' then
          depth := depth + 1;
          i := i + 2;
        elsif pg_catalog.substr(p_sql, i, 2) = '*/' then
          depth := depth - 1;
          i := i + 2;
        else
          i := i + 1;
        end if;
      end loop;
    elsif c = '$' and (i = 1 or pg_catalog.substr(p_sql, i - 1, 1) !~ '[[:alnum:]_$]')
          and pg_catalog.substr(p_sql, i) ~ '^\$([A-Za-z_][A-Za-z0-9_]*)?\$' then
      tag := pg_catalog.substring(pg_catalog.substr(p_sql, i), '^(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)');
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i + pg_catalog.length(tag)), tag);
      i := case when j = 0 then n + 1 else i + pg_catalog.length(tag) + j - 1 + pg_catalog.length(tag) end;
      pending := true;
    elsif c = ';' then
      if pending then
        total := total + 1;
        pending := false;
      end if;
      i := i + 1;
    else
      if c !~ '\s' then
        pending := true;
      end if;
      i := i + 1;
    end if;
  end loop;
  if pending then
    total := total + 1;
  end if;
  return total;
end;
$_$;

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role(p_role, p_user_id, p_query) returns setof jsonb
--
-- Runs ONE statement the way PostgREST would for that caller: role anon,
-- authenticated or service_role (set local role), request.jwt.claims with sub,
-- role, email (and aud, app_metadata) of the auth.users row, search_path
-- "public, extensions" (PostgREST's db-extra-search-path) and the role's own
-- statement_timeout (SET ROLE does not apply per-role settings; PostgREST's
-- login does). Each result row comes back as jsonb.
--
-- Everything happens inside a subtransaction that is ALWAYS rolled back: a
-- write the statement makes (INSERT/UPDATE/DELETE … RETURNING, an RPC that
-- writes) is visible to the statement itself and then undone, and the role,
-- claims and settings return to the caller's. Only non-transactional effects
-- escape (sequence values consumed). An error raised by the statement (e.g.
-- 42501 permission denied) propagates unchanged, so it can be asserted.
--
-- SECURITY INVOKER, deliberately:
--   * Postgres forbids SET ROLE inside a SECURITY DEFINER function;
--   * it runs arbitrary SQL: as a definer function it would run that SQL with
--     the owner's rights for anyone allowed to call it. As an invoker function
--     it can never do more than its caller, who must already be a member of the
--     API roles (postgres is, as on Supabase) — and a statement that escapes
--     the API role (RESET ROLE) gets back to the caller's own rights only.
-- Hence: revoked from public, granted to nobody; DBAs call it as postgres.
-- service_role could not use it anyway (it is not a member of anon or
-- authenticated) and must not be able to run arbitrary SQL.
--
-- Errors (SQLSTATE 22023 unless noted):
--   Role must be anon, authenticated or service_role (got …)
--   The query is empty
--   ops.test_rls_as_role runs exactly one statement (got N)         42601
--   An anon request carries no user: pass null as p_user_id
--   Role authenticated needs a user (p_user_id is null)
--   Unknown user …                                                   P0002
--   ops.test_rls_as_role needs one statement that returns rows (SELECT, or
--     INSERT/UPDATE/DELETE … RETURNING)                               42601
-- -----------------------------------------------------------------------------
CREATE FUNCTION ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text) RETURNS SETOF jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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
$$;

CREATE TABLE ops.column_rule_allowlist (
    rule text NOT NULL,
    object text NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT column_rule_allowlist_reason_check CHECK ((length(btrim(reason)) >= 10)),
    CONSTRAINT column_rule_allowlist_rule_check CHECK ((rule = ANY (ARRAY['numeric_not_finite'::text, 'text_without_limit'::text])))
);

ALTER TABLE ONLY ops.column_rule_allowlist
    ADD CONSTRAINT column_rule_allowlist_pkey PRIMARY KEY (rule, object);

ALTER TABLE ops.column_rule_allowlist ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE ops.column_rule_allowlist IS 'Exceptions to the column lint (ops.lint_column_findings), each with its reason. Objects: <schema>.<table>.<column>.';

GRANT SELECT ON TABLE ops.column_rule_allowlist TO service_role;

INSERT INTO ops.column_rule_allowlist (rule, object, reason, created_at) VALUES
    ('text_without_limit', 'public.invoices.number', 'Derived: invoices_issued_fields requires it to equal private.document_number(series, fiscal_year, sequence), e.g. FAC-2026-00001.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.quotes.number', 'Derived: the quotes check requires it to equal private.document_number(''DEV'', fiscal_year, sequence).', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.invoices.legal_mentions', 'Built by the invoice issuing function from bounded organization and client columns; users cannot write it.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.lock_overrides.before', 'Row snapshot taken by the lock override function; every column of the snapshotted row has its own bound.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.lock_overrides.after', 'Row snapshot taken by the lock override function; every column of the snapshotted row has its own bound.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.idempotency_keys.result', 'The result an RPC returned, stored by private.idempotency_store for replays; never supplied by the caller.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.events.result', 'Written by the rule engine after matching an event (payload capped at 64 KiB) against the organization''s rules.', '2026-12-03 06:04:25.864797+00'),
    ('text_without_limit', 'public.alerts.details', 'Written only by the alert checks from one row of an alert view, whose columns are bounded.', '2026-12-03 06:04:25.864797+00');

-- -----------------------------------------------------------------------------
-- ops.cron_job_status: one row per job with its last run and recent failures.
-- In ops (not exposed): cron.job and cron.job_run_details hold every job's
-- command and output, which API users must not see. security_invoker: the
-- reader needs its own privileges on cron (postgres; service_role granted below).
-- -----------------------------------------------------------------------------
CREATE VIEW ops.cron_job_status WITH (security_invoker='true') AS
 SELECT j.jobid,
    j.jobname,
    j.schedule,
    j.active,
    last.start_time AS last_start,
    last.end_time AS last_end,
    last.status AS last_status,
    last.return_message AS last_message,
    (( SELECT count(*) AS count
           FROM cron.job_run_details d
          WHERE ((d.jobid = j.jobid) AND (d.status = 'failed'::text) AND (d.start_time > (now() - '24:00:00'::interval)))))::integer AS failures_24h
   FROM (cron.job j
     LEFT JOIN LATERAL ( SELECT d.start_time,
            d.end_time,
            d.status,
            d.return_message
           FROM cron.job_run_details d
          WHERE (d.jobid = j.jobid)
          ORDER BY d.start_time DESC NULLS LAST
         LIMIT 1) last ON (true));

COMMENT ON VIEW ops.cron_job_status IS 'pg_cron jobs with their last run (start, end, status, message) and failed runs in the last 24 h. Not exposed; postgres and service_role.';

GRANT SELECT ON TABLE ops.cron_job_status TO service_role;

-- Views for psql (`table ops.daily_health;`). They run as their owner, like
-- the function; only service_role (and DBAs) may read them.
CREATE VIEW ops.daily_health AS
 SELECT h.name,
    h.period,
    h.ok,
    h.count,
    h.details
   FROM ops.health_checks('daily'::text) h(name, period, ok, count, details);

COMMENT ON VIEW ops.daily_health IS 'The daily health checks (ops.health_checks(''daily'')): every row must be ok.';

GRANT SELECT ON TABLE ops.daily_health TO service_role;

-- -----------------------------------------------------------------------------
-- Allowlist: every exception is named and justified.
--   object: as the findings name it (ops.fn_ident / ops.rel_ident, or
--           '<constraint> on <table>' / '<policy> on <table>').
-- -----------------------------------------------------------------------------
CREATE TABLE ops.lint_allowlist (
    rule text NOT NULL,
    object text NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT lint_allowlist_reason_check CHECK ((length(btrim(reason)) >= 10)),
    CONSTRAINT lint_allowlist_rule_check CHECK ((rule = ANY (ARRAY['security_definer_search_path'::text, 'rls_disabled'::text, 'view_reads_auth_users'::text, 'view_not_security_invoker'::text, 'materialized_view_exposed'::text, 'anon_execute'::text, 'fk_without_index'::text, 'anon_table_privilege'::text, 'policy_unwrapped_call'::text, 'table_without_primary_key'::text, 'function_search_path_mutable'::text, 'anon_security_definer_function_executable'::text, 'authenticated_security_definer_function_executable'::text, 'business_error_outside_catalogue'::text])))
);

ALTER TABLE ONLY ops.lint_allowlist
    ADD CONSTRAINT lint_allowlist_pkey PRIMARY KEY (rule, object);

ALTER TABLE ops.lint_allowlist ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE ops.lint_allowlist IS 'Lint exceptions, each with its reason. An entry that no longer matches a finding is reported as allowlist_stale.';

GRANT SELECT ON TABLE ops.lint_allowlist TO service_role;

INSERT INTO ops.lint_allowlist (rule, object, reason, created_at) VALUES
    ('anon_execute', 'private.api_pre_request()', 'PostgREST''s db-pre-request hook (rate limiting, migration 20261123022000): PostgREST calls it as the request''s role, anon included, before every request. It takes no argument and only counts or refuses; private is not exposed, so it is no RPC.', '2026-12-03 06:04:25.686053+00'),
    ('anon_execute', 'public.unsubscribe(text)', 'The unsubscribe link of every email is opened signed out: the 64-hex token (stored as sha256) is the credential; it only disables the token owner''s non-critical emails.', '2026-12-03 06:04:25.765224+00'),
    ('anon_execute', 'private.raise_api_error(text,text,text,text)', 'Every business error is raised through it, including from functions and triggers anon runs; it only raises the catalogued error for a code.', '2026-12-03 06:04:25.822914+00'),
    ('anon_execute', 'private.api_error_parts(text,text,text)', 'Exception handlers of functions anon may run read the code and message of a caught error with it; it is pure (immutable) and reads nothing.', '2026-12-03 06:04:25.822914+00'),
    ('authenticated_security_definer_function_executable', 'public.acknowledge_alert(uuid)', 'Locks the alert through private.lock_alert_for_caller, which refuses unless the caller''s role may manage that alert type; definer to write alerts, which the API roles cannot update.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.add_mission_note(uuid,text,text,uuid)', 'Checks the caller''s role and, for technicians, the assignment before inserting; definer to write the idempotency key and the note in one step.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.audit_log_csv(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)', 'audit.authorize_reader refuses anyone but an owner or admin of the organization; definer because audit.log is closed to the API roles.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.audit_log_page(uuid,text,uuid,timestamp with time zone,timestamp with time zone,bigint,integer)', 'audit.authorize_reader refuses anyone but an owner or admin of the organization; definer because audit.log is closed to the API roles.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.bulk_approve_timesheets(uuid[])', 'Reports per item and approves only rows of the caller''s organizations where they are owner, admin or dispatcher (not their own hours); definer to lock the rows across RLS scopes.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.bulk_invoice_missions(uuid[])', 'Each item goes through private.invoice_mission, which checks the caller''s invoicing role in the mission''s organization; definer to write invoices, lines and counters.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.bulk_transition_missions(uuid[],public.mission_status,text)', 'Each item goes through private.apply_mission_transition, which finds the mission only in the caller''s organizations and checks the role per transition.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.create_api_key(uuid,text,text[],timestamp with time zone)', 'private.authorize_api_key_admin refuses anyone but an owner or admin of the organization; definer because api_keys stores secret hashes the API roles cannot write.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.create_rule(uuid,text,text,text,text,jsonb,public.emergency_severity,integer,integer,boolean)', 'Refuses anyone but an owner or admin of the organization before inserting; definer to write public.rules, which has no insert policy.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.delete_push_subscription(text)', 'Deletes only the caller''s own subscription (user_id = auth.uid()); definer because push subscriptions are closed to direct writes.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.issue_invoice(uuid)', 'private.authorize_invoicing checks the caller''s owner/admin/accountant role in the invoice''s organization; definer to take the gapless counter and the hash chain head.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.list_api_keys(uuid)', 'private.authorize_api_key_admin refuses anyone but an owner or admin of the organization; definer to read api_keys without exposing secret_hash.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.log_hours(uuid,date,numeric,text,text)', 'Only technicians, only on missions assigned to them (checked against auth.uid()); definer to write the idempotency key with the timesheet.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.mark_invoice_sent(uuid,text)', 'private.authorize_invoicing checks the caller''s role in the invoice''s organization; definer to move the status the guard trigger reserves to this function.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.override_timesheet_lock(uuid,jsonb,text)', 'Refuses anyone but an owner or admin of the timesheet''s organization and requires a reason; definer to write lock_overrides, which is select-only for the API.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.reconcile_payments(uuid)', 'private.authorize_invoicing checks the caller''s role in the organization; definer to move payment statuses the guard trigger reserves to this function.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.record_stock_use(uuid,numeric,uuid,text)', 'Only technicians, only on missions assigned to them (checked against auth.uid()); definer to write the movement and the idempotency key atomically.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.register_push_subscription(text,text,text)', 'Registers a subscription for auth.uid() only and refuses a call without a session; definer because push subscriptions are closed to direct writes.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.revoke_api_key(uuid)', 'private.api_key_for_admin finds the key only in organizations the caller administers; definer because api_keys is not writable by the API roles.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.rotate_api_key(uuid,interval)', 'private.api_key_for_admin finds the key only in organizations the caller administers; definer because api_keys is not writable by the API roles.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.send_quote(uuid)', 'private.authorize_invoicing checks the caller''s role in the quote''s organization; definer to take the quote counter.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.set_notification_preference(uuid,text,text,boolean)', 'Refuses a caller without a session or not a member of the organization, and writes only the caller''s own preference row.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.silence_alert(uuid,timestamp with time zone)', 'Locks the alert through private.lock_alert_for_caller, which refuses unless the caller''s role may manage that alert type; definer to write alerts.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.transition_mission(uuid,public.mission_status,text,text,uuid)', 'private.apply_mission_transition finds the mission only in the caller''s organizations and the transition trigger checks the role per transition.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.unsubscribe(text)', 'The 64-hex token from the email (stored as sha256) is the credential; it only disables the token owner''s non-critical emails.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.verify_invoice_chain(uuid)', 'private.authorize_invoicing checks the caller''s role in the organization; definer to read the chain heads, which are closed to the API roles.', '2026-12-03 06:04:25.950738+00'),
    ('anon_security_definer_function_executable', 'public.unsubscribe(text)', 'The unsubscribe link of every email is opened signed out: the token is the credential; it only disables the token owner''s non-critical emails.', '2026-12-03 06:04:25.950738+00'),
    ('authenticated_security_definer_function_executable', 'public.transfer_ownership(uuid,uuid,public.member_role)', 'Refuses anyone but a current owner of the organization (checked again after taking the organization row lock) and needs a live session; definer to change both memberships and append the named audit entry atomically.', '2026-12-03 06:04:25.955634+00');

CREATE VIEW ops.lint_column_findings WITH (security_invoker='true') AS
 SELECT l.rule,
    l.object_type,
    l.object,
    l.message,
    l.allowlisted_reason
   FROM ops.lint_column_rules() l(rule, object_type, object, message, allowlisted_reason);

COMMENT ON VIEW ops.lint_column_findings IS 'Column lint: one row per finding; allowlisted_reason is set for accepted exceptions. Clean means: select * from ops.lint_column_findings where allowlisted_reason is null  returns nothing.';

GRANT SELECT ON TABLE ops.lint_column_findings TO service_role;

CREATE VIEW ops.lint_findings WITH (security_invoker='true') AS
 SELECT l.rule,
    l.object_type,
    l.object,
    l.message,
    l.allowlisted_reason
   FROM ops.lint_catalog() l(rule, object_type, object, message, allowlisted_reason);

COMMENT ON VIEW ops.lint_findings IS 'Catalog lint: one row per finding; allowlisted_reason is set for accepted exceptions. Clean means: select * from ops.lint_findings where allowlisted_reason is null  returns nothing.';

GRANT SELECT ON TABLE ops.lint_findings TO service_role;

CREATE VIEW ops.lint_plpgsql WITH (security_invoker='true') AS
 SELECT l.rule,
    l.object,
    l.level,
    l.message
   FROM ops.lint_plpgsql_run() l(rule, object, level, message);

COMMENT ON VIEW ops.lint_plpgsql IS 'plpgsql_check findings (level error / warning / …) for every plpgsql function of the application schemas. Clean means no row with level = ''error''. DBAs only (plpgsql_check is not granted to the API roles).';

-- -----------------------------------------------------------------------------
-- Which schema is what. Every lint rule and audit view scopes itself with this
-- one view, so a schema added later is covered without touching the rules:
--   system       Postgres' own (pg_catalog, information_schema, toast, temp)
--   platform     owned and migrated by Supabase, not by this project
--   extension    created by an extension (its objects are the extension's)
--   tooling      test helpers installed by the pgTAP suite (schema tests)
--   application  everything else: public, private, audit, ops, and any new one
-- exposed: served by PostgREST. `public` (supabase/config.toml [api] schemas,
-- scripts/stack/postgrest.ts db-schemas), plus any schema a migration adds to
-- authenticator's pgrst.db_schemas (PostgREST runs with db-config = true).
-- -----------------------------------------------------------------------------
CREATE VIEW ops.schema_scope WITH (security_invoker='true') AS
 WITH exposed AS (
         SELECT 'public'::text AS name
        UNION
         SELECT btrim(s.name) AS btrim
           FROM (((pg_db_role_setting rs
             JOIN pg_roles r ON (((r.oid = rs.setrole) AND (r.rolname = 'authenticator'::name))))
             CROSS JOIN LATERAL unnest(rs.setconfig) c(setting))
             CROSS JOIN LATERAL regexp_split_to_table(substr(c.setting, 18), ','::text) s(name))
          WHERE (c.setting ~~ 'pgrst.db\_schemas=%'::text)
        )
 SELECT n.oid AS schema_oid,
    (n.nspname)::text AS schema_name,
        CASE
            WHEN ((n.nspname = ANY (ARRAY['pg_catalog'::name, 'information_schema'::name])) OR (n.nspname ~~ 'pg\_toast%'::text) OR (n.nspname ~~ 'pg\_temp\_%'::text)) THEN 'system'::text
            WHEN (n.nspname = ANY (ARRAY['auth'::name, 'storage'::name, 'realtime'::name, '_realtime'::name, 'graphql'::name, 'graphql_public'::name, 'vault'::name, 'pgsodium'::name, 'pgsodium_masks'::name, 'net'::name, 'supabase_functions'::name, 'supabase_migrations'::name, 'pgbouncer'::name, 'cron'::name, 'extensions'::name, '_analytics'::name, 'pgtle'::name])) THEN 'platform'::text
            WHEN (EXISTS ( SELECT
               FROM pg_depend d
              WHERE ((d.classid = ('pg_namespace'::regclass)::oid) AND (d.objid = n.oid) AND (d.deptype = 'e'::"char")))) THEN 'extension'::text
            WHEN (n.nspname = 'tests'::name) THEN 'tooling'::text
            ELSE 'application'::text
        END AS kind,
    (EXISTS ( SELECT
           FROM exposed e
          WHERE (e.name = n.nspname))) AS exposed
   FROM pg_namespace n;

COMMENT ON VIEW ops.schema_scope IS 'Every schema with its kind (system, platform, extension, tooling, application) and whether PostgREST exposes it. Lint rules and RLS audit views scope themselves with it, so new schemas are covered automatically.';

GRANT SELECT ON TABLE ops.schema_scope TO service_role;

-- -----------------------------------------------------------------------------
-- ops.rls_enabled_check: every table of the exposed schemas and of audit, and
-- every critical table even when it is missing.
--   finding: null when fine, else
--     'missing'                    a critical table does not exist
--     'RLS disabled'               the API roles' grants apply to every row
--     'no policy: API roles see nothing'  (deny-all; fine for a table only
--                                  functions touch, a bug for one the API reads)
-- -----------------------------------------------------------------------------
CREATE VIEW ops.rls_enabled_check WITH (security_invoker='true') AS
 WITH critical(table_name) AS (
         VALUES ('missions'::text), ('invoices'::text), ('quotes'::text), ('stock_items'::text), ('stock_movements'::text), ('timesheets'::text), ('notifications'::text), ('client_requests'::text), ('emergency_requests'::text), ('profiles'::text), ('maintenance_contracts'::text)
        ), tables AS (
         SELECT s.schema_name,
            (c.relname)::text AS table_name,
            c.relrowsecurity,
            c.relforcerowsecurity,
            ( SELECT (count(*))::integer AS count
                   FROM pg_policy p
                  WHERE (p.polrelid = c.oid)) AS policies
           FROM (pg_class c
             JOIN ops.schema_scope s ON ((s.schema_oid = c.relnamespace)))
          WHERE ((c.relkind = ANY (ARRAY['r'::"char", 'p'::"char"])) AND (s.exposed OR (s.schema_name = 'audit'::text)))
        )
 SELECT COALESCE(t.schema_name, 'public'::text) AS schema_name,
    COALESCE(t.table_name, k.table_name) AS table_name,
    (t.table_name IS NOT NULL) AS table_exists,
    t.relrowsecurity AS rls_enabled,
    t.relforcerowsecurity AS rls_forced,
    COALESCE(t.policies, 0) AS policies,
    (k.table_name IS NOT NULL) AS critical,
        CASE
            WHEN (t.table_name IS NULL) THEN 'missing'::text
            WHEN (NOT t.relrowsecurity) THEN 'RLS disabled'::text
            WHEN (t.policies = 0) THEN 'no policy: API roles see nothing'::text
            ELSE NULL::text
        END AS finding
   FROM (tables t
     FULL JOIN critical k ON (((t.schema_name = 'public'::text) AND (t.table_name = k.table_name))))
  ORDER BY (k.table_name IS NOT NULL) DESC, COALESCE(t.schema_name, 'public'::text), COALESCE(t.table_name, k.table_name);

COMMENT ON VIEW ops.rls_enabled_check IS 'Every table of the exposed schemas and audit (plus every critical table, even missing): RLS enabled/forced, policy count, finding.';

GRANT SELECT ON TABLE ops.rls_enabled_check TO service_role;

-- -----------------------------------------------------------------------------
-- ops.rls_policy_coverage: one row per table × API role (anon, authenticated)
-- × operation (select, insert, update, delete), for the same tables.
--   has_privilege   the role holds the privilege (table-level or on any column)
--   policies        permissive policies that apply to the role (TO the role, a
--                   role it belongs to, or PUBLIC) for the operation (or ALL)
--   restrictive     restrictive policies that apply (they only narrow)
--   finding: null when consistent (privilege + policy, or neither), else
--     'RLS disabled: the privilege reaches every row'
--     'privilege without policy'         (granted, yet RLS denies every row:
--                                         a missing policy or a stray grant)
--     'policy without privilege (dead policy)'
--     'only restrictive policies: no row can pass'
--     'table has no policy'              (no privilege, no policy at all on the table)
-- service_role is not listed: it bypasses RLS.
-- -----------------------------------------------------------------------------
CREATE VIEW ops.rls_policy_coverage WITH (security_invoker='true') AS
 WITH tables AS (
         SELECT c_1.oid,
            s.schema_name,
            (c_1.relname)::text AS table_name,
            c_1.relrowsecurity,
            (EXISTS ( SELECT
                   FROM pg_policy p
                  WHERE (p.polrelid = c_1.oid))) AS table_has_policies
           FROM (pg_class c_1
             JOIN ops.schema_scope s ON ((s.schema_oid = c_1.relnamespace)))
          WHERE ((c_1.relkind = ANY (ARRAY['r'::"char", 'p'::"char"])) AND (s.exposed OR (s.schema_name = 'audit'::text)))
        ), grid AS (
         SELECT t.oid,
            t.schema_name,
            t.table_name,
            t.relrowsecurity,
            t.table_has_policies,
            r.role_name,
            o.operation,
            o.polcmd
           FROM ((tables t
             CROSS JOIN ( VALUES ('anon'::text), ('authenticated'::text)) r(role_name))
             CROSS JOIN ( VALUES ('select'::text,'r'::text), ('insert'::text,'a'::text), ('update'::text,'w'::text), ('delete'::text,'d'::text)) o(operation, polcmd))
        ), cells AS (
         SELECT g.oid,
            g.schema_name,
            g.table_name,
            g.relrowsecurity,
            g.table_has_policies,
            g.role_name,
            g.operation,
            g.polcmd,
                CASE g.operation
                    WHEN 'delete'::text THEN has_table_privilege((g.role_name)::name, g.oid, 'DELETE'::text)
                    ELSE has_any_column_privilege((g.role_name)::name, g.oid, upper(g.operation))
                END AS has_privilege,
            ARRAY( SELECT (p.polname)::text AS polname
                   FROM pg_policy p
                  WHERE ((p.polrelid = g.oid) AND p.polpermissive AND (((p.polcmd)::text = g.polcmd) OR (p.polcmd = '*'::"char")) AND (EXISTS ( SELECT
                           FROM unnest(p.polroles) pr(role_oid)
                          WHERE ((pr.role_oid = (0)::oid) OR pg_has_role((g.role_name)::name, pr.role_oid, 'MEMBER'::text)))))
                  ORDER BY p.polname) AS policies,
            ARRAY( SELECT (p.polname)::text AS polname
                   FROM pg_policy p
                  WHERE ((p.polrelid = g.oid) AND (NOT p.polpermissive) AND (((p.polcmd)::text = g.polcmd) OR (p.polcmd = '*'::"char")) AND (EXISTS ( SELECT
                           FROM unnest(p.polroles) pr(role_oid)
                          WHERE ((pr.role_oid = (0)::oid) OR pg_has_role((g.role_name)::name, pr.role_oid, 'MEMBER'::text)))))
                  ORDER BY p.polname) AS restrictive
           FROM grid g
        )
 SELECT c.schema_name,
    c.table_name,
    c.role_name,
    c.operation,
    c.relrowsecurity AS rls_enabled,
    c.has_privilege,
    c.policies,
    c.restrictive,
    c.table_has_policies,
        CASE
            WHEN ((NOT c.relrowsecurity) AND c.has_privilege) THEN 'RLS disabled: the privilege reaches every row'::text
            WHEN (c.has_privilege AND (cardinality(c.policies) = 0) AND (cardinality(c.restrictive) > 0)) THEN 'only restrictive policies: no row can pass'::text
            WHEN (c.has_privilege AND (cardinality(c.policies) = 0)) THEN 'privilege without policy'::text
            WHEN ((NOT c.has_privilege) AND (cardinality(c.policies) > 0)) THEN 'policy without privilege (dead policy)'::text
            WHEN (NOT c.table_has_policies) THEN 'table has no policy'::text
            ELSE NULL::text
        END AS finding
   FROM cells c
  ORDER BY c.schema_name, c.table_name, c.role_name, (array_position(ARRAY['select'::text, 'insert'::text, 'update'::text, 'delete'::text], c.operation));

COMMENT ON VIEW ops.rls_policy_coverage IS 'Per table × API role × operation: privilege held, policies that cover it, and a finding when they disagree (privilege without policy, dead policy, RLS disabled, table without any policy).';

GRANT SELECT ON TABLE ops.rls_policy_coverage TO service_role;

CREATE VIEW ops.weekly_health AS
 SELECT h.name,
    h.period,
    h.ok,
    h.count,
    h.details
   FROM ops.health_checks('weekly'::text) h(name, period, ok, count, details);

COMMENT ON VIEW ops.weekly_health IS 'The weekly health checks (ops.health_checks(''weekly'')): every row must be ok.';

GRANT SELECT ON TABLE ops.weekly_health TO service_role;

-- -----------------------------------------------------------------------------
-- Operator health checks as data: one view per check, a catalogue, one runner
-- (ops.health_checks). Each check is a view ops.check_<name> returning its
-- offending rows, readable on its own from psql (`table
-- ops.check_stock_negative;`); ops.health_check_catalog lists the checks.
-- Adding a check is a view and a catalogue row. Every check view has the same
-- two leading columns the runner reads:
--   detail      jsonb   what details lists about the row (an id, or an object)
--   sample_rank bigint  1, 2, … in the order the first rows are listed
-- followed by whatever columns make the row readable. The views run as their
-- owner, like the runner: only service_role (and DBAs) may read them.
-- -----------------------------------------------------------------------------

CREATE VIEW ops.check_stock_negative AS
 SELECT to_jsonb(n.item_id) AS detail,
    row_number() OVER (ORDER BY n.item_id) AS sample_rank,
    n.item_id
   FROM public.stock_negative n;

COMMENT ON VIEW ops.check_stock_negative IS 'Health check stock_negative: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_stock_negative TO service_role;

CREATE VIEW ops.check_invoices_sent_without_pdf AS
 SELECT to_jsonb(i.id) AS detail,
    row_number() OVER (ORDER BY i.id) AS sample_rank,
    i.id,
    i.org_id,
    i.status
   FROM public.invoices i
  WHERE ((i.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status, 'paid'::public.invoice_status])) AND (i.pdf_sha256 IS NULL));

COMMENT ON VIEW ops.check_invoices_sent_without_pdf IS 'Health check invoices_sent_without_pdf: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_invoices_sent_without_pdf TO service_role;

-- Findings that matter: a missing critical table, RLS disabled, a critical
-- table without policy, a privilege no policy covers. 'table has no policy'
-- (no privilege either: deny-all, consistent) and dead policies do not expose
-- anything and are left to ops.rls_policy_coverage.
CREATE VIEW ops.check_rls_coverage AS
 WITH f AS (
         SELECT ((((e.schema_name || '.'::text) || e.table_name) || ': '::text) || e.finding) AS finding
           FROM ops.rls_enabled_check e
          WHERE ((e.finding = ANY (ARRAY['missing'::text, 'RLS disabled'::text])) OR (e.critical AND (e.finding IS NOT NULL)))
        UNION
         SELECT ((((((((c.schema_name || '.'::text) || c.table_name) || ' '::text) || c.role_name) || ' '::text) || c.operation) || ': '::text) || c.finding)
           FROM ops.rls_policy_coverage c
          WHERE (c.finding = ANY (ARRAY['RLS disabled: the privilege reaches every row'::text, 'privilege without policy'::text, 'only restrictive policies: no row can pass'::text]))
        )
 SELECT to_jsonb(f.finding) AS detail,
    row_number() OVER (ORDER BY f.finding) AS sample_rank,
    f.finding
   FROM f;

COMMENT ON VIEW ops.check_rls_coverage IS 'Health check rls_coverage: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_rls_coverage TO service_role;

-- The threshold is the org's emergency_pending row of public.alert_config
-- (threshold + unit), whether or not the alert is enabled: a disabled alert
-- does not make a stale emergency fine. An org without that row gets the
-- design's 5 minutes.
CREATE VIEW ops.check_emergencies_pending_overdue AS
 SELECT to_jsonb(e.id) AS detail,
    row_number() OVER (ORDER BY e.created_at) AS sample_rank,
    e.id,
    e.org_id,
    e.created_at
   FROM (public.emergency_requests e
     LEFT JOIN public.alert_config c ON (((c.org_id = e.org_id) AND (c.alert_type = 'emergency_pending'::text))))
  WHERE ((e.status = 'pending'::public.emergency_status) AND (e.created_at < (now() - COALESCE(((c.threshold)::double precision *
        CASE c.unit
            WHEN 'minutes'::text THEN '00:01:00'::interval
            WHEN 'hours'::text THEN '01:00:00'::interval
            WHEN 'days'::text THEN '1 day'::interval
            ELSE NULL::interval
        END), '00:05:00'::interval))));

COMMENT ON VIEW ops.check_emergencies_pending_overdue IS 'Health check emergencies_pending_overdue: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_emergencies_pending_overdue TO service_role;

-- Only organizations that issued something have a chain to verify.
CREATE VIEW ops.check_invoice_chain AS
 SELECT jsonb_build_object('org_id', o.id, 'invoice_id', v.invoice_id, 'number', v.number, 'reason', v.reason) AS detail,
    row_number() OVER (ORDER BY o.id) AS sample_rank,
    o.id AS org_id,
    v.invoice_id,
    v.number,
    v.reason
   FROM (public.organizations o
     CROSS JOIN LATERAL public.verify_invoice_chain(o.id) v(ok, checked, invoice_id, number, reason))
  WHERE ((NOT v.ok) AND ((EXISTS ( SELECT
           FROM public.invoices i
          WHERE ((i.org_id = o.id) AND (i.chain_position IS NOT NULL)))) OR (EXISTS ( SELECT
           FROM private.invoice_chain_heads h
          WHERE (h.org_id = o.id)))));

COMMENT ON VIEW ops.check_invoice_chain IS 'Health check invoice_chain: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_invoice_chain TO service_role;

CREATE VIEW ops.check_cron_failures_24h AS
 SELECT jsonb_build_object('runid', d.runid, 'jobname', COALESCE(j.jobname, (('job '::text || d.jobid))::name), 'message', "left"(d.return_message, 200)) AS detail,
    row_number() OVER (ORDER BY d.start_time DESC) AS sample_rank,
    d.runid,
    COALESCE(j.jobname, (('job '::text || d.jobid))::name) AS jobname,
    d.start_time,
    d.return_message
   FROM (cron.job_run_details d
     LEFT JOIN cron.job j ON ((j.jobid = d.jobid)))
  WHERE ((d.status = 'failed'::text) AND (d.start_time > (now() - '24:00:00'::interval)));

COMMENT ON VIEW ops.check_cron_failures_24h IS 'Health check cron_failures_24h: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_cron_failures_24h TO service_role;

-- A failed row stays failed for ever: only the last 24 h count, so a daily
-- check reports new failures instead of failing for ever on an old one.
CREATE VIEW ops.check_notifications_failed_or_stuck AS
 SELECT to_jsonb(n.id) AS detail,
    row_number() OVER (ORDER BY n.created_at) AS sample_rank,
    n.id,
    n.org_id,
    n.delivery_status,
    n.created_at,
    n.next_attempt_at
   FROM public.notifications n
  WHERE (((n.delivery_status = 'failed'::text) AND (n.created_at > (now() - '24:00:00'::interval))) OR ((n.delivery_status = 'pending'::text) AND (COALESCE(n.next_attempt_at, n.created_at) < (now() - '01:00:00'::interval))));

COMMENT ON VIEW ops.check_notifications_failed_or_stuck IS 'Health check notifications_failed_or_stuck: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_notifications_failed_or_stuck TO service_role;

CREATE VIEW ops.check_missions_unreachable_status AS
 SELECT jsonb_build_object('id', m.id, 'status', m.status) AS detail,
    row_number() OVER (ORDER BY m.id) AS sample_rank,
    m.id,
    m.org_id,
    m.status
   FROM public.missions m
  WHERE ((m.status <> 'new'::public.mission_status) AND (NOT (EXISTS ( SELECT
           FROM public.mission_valid_transitions t
          WHERE (t.to_status = m.status)))));

COMMENT ON VIEW ops.check_missions_unreachable_status IS 'Health check missions_unreachable_status: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_missions_unreachable_status TO service_role;

CREATE VIEW ops.check_timesheets_unapproved_30d AS
 SELECT to_jsonb(t.id) AS detail,
    row_number() OVER (ORDER BY t.work_date, t.id) AS sample_rank,
    t.id,
    t.org_id,
    t.work_date
   FROM public.timesheets t
  WHERE ((t.approved_at IS NULL) AND (t.work_date < (CURRENT_DATE - 30)));

COMMENT ON VIEW ops.check_timesheets_unapproved_30d IS 'Health check timesheets_unapproved_30d: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_timesheets_unapproved_30d TO service_role;

-- No original (the reference missing, dangling, or not an invoice of the
-- same org and client), or issued credit notes together above the original's
-- total (the credit notes are listed).
CREATE VIEW ops.check_credit_notes_invalid AS
 WITH bad AS (
         SELECT cn.id,
            'no original invoice'::text AS reason
           FROM public.invoices cn
          WHERE ((cn.kind = 'credit_note'::public.invoice_kind) AND (NOT (EXISTS ( SELECT
                   FROM public.invoices o
                  WHERE ((o.org_id = cn.org_id) AND (o.client_id = cn.client_id) AND (o.id = cn.credited_invoice_id) AND (o.kind = 'invoice'::public.invoice_kind))))))
        UNION ALL
         SELECT cn.id,
            'credit notes exceed the invoice total'::text AS text
           FROM ((public.invoices cn
             JOIN ( SELECT c.org_id,
                    c.credited_invoice_id,
                    sum(c.total_ttc_cents) AS credited
                   FROM public.invoices c
                  WHERE ((c.kind = 'credit_note'::public.invoice_kind) AND (c.status <> 'draft'::public.invoice_status) AND (c.credited_invoice_id IS NOT NULL))
                  GROUP BY c.org_id, c.credited_invoice_id) agg ON (((agg.org_id = cn.org_id) AND (agg.credited_invoice_id = cn.credited_invoice_id))))
             JOIN public.invoices o ON (((o.org_id = agg.org_id) AND (o.id = agg.credited_invoice_id))))
          WHERE ((cn.kind = 'credit_note'::public.invoice_kind) AND (cn.status <> 'draft'::public.invoice_status) AND (agg.credited > (o.total_ttc_cents)::numeric))
        )
 SELECT jsonb_build_object('id', b.id, 'reason', b.reason) AS detail,
    row_number() OVER (ORDER BY b.id) AS sample_rank,
    b.id,
    b.reason
   FROM bad b;

COMMENT ON VIEW ops.check_credit_notes_invalid IS 'Health check credit_notes_invalid: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_credit_notes_invalid TO service_role;

-- No attachments table exists yet (documents are files in storage referenced
-- by nothing in the schema). Until one does, the check has nothing to report;
-- the day public.attachments appears it returns a row saying so, so whoever
-- adds attachments must write the real orphan check here instead of it
-- staying silently green.
CREATE VIEW ops.check_orphaned_attachments AS
 SELECT to_jsonb('public.attachments exists but ops.check_orphaned_attachments has no orphan check for it yet: write one'::text) AS detail,
    (1)::bigint AS sample_rank
  WHERE (to_regclass('public.attachments'::text) IS NOT NULL);

COMMENT ON VIEW ops.check_orphaned_attachments IS 'Health check orphaned_attachments: the offending rows (see ops.health_check_catalog).';

GRANT SELECT ON TABLE ops.check_orphaned_attachments TO service_role;

-- The catalogue: position orders ops.health_checks' output (stable for
-- readers of npm run health); view is the check's view in schema ops, which
-- the runner quotes with format('%I'); details_key names the list of the
-- first offending rows in details; details_when_clean is what details says
-- when the check passes, if not an empty list.
CREATE TABLE ops.health_check_catalog (
    name text NOT NULL,
    cadence text NOT NULL,
    "position" smallint NOT NULL,
    description text NOT NULL,
    view name NOT NULL,
    details_key text NOT NULL,
    details_when_clean jsonb,
    CONSTRAINT health_check_catalog_cadence_check CHECK ((cadence = ANY (ARRAY['daily'::text, 'weekly'::text]))),
    CONSTRAINT health_check_catalog_check CHECK ((view = (('check_'::text || name))::name)),
    CONSTRAINT health_check_catalog_description_check CHECK ((length(btrim(description)) >= 10)),
    CONSTRAINT health_check_catalog_details_key_check CHECK ((details_key ~ '^[a-z_]+$'::text))
);

ALTER TABLE ONLY ops.health_check_catalog
    ADD CONSTRAINT health_check_catalog_pkey PRIMARY KEY (name);

ALTER TABLE ONLY ops.health_check_catalog
    ADD CONSTRAINT health_check_catalog_position_key UNIQUE ("position");

ALTER TABLE ONLY ops.health_check_catalog
    ADD CONSTRAINT health_check_catalog_view_key UNIQUE (view);

ALTER TABLE ops.health_check_catalog ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE ops.health_check_catalog IS 'The operator health checks: one row per check, its cadence and the ops.check_<name> view returning its offending rows. ops.health_checks runs them.';

GRANT SELECT ON TABLE ops.health_check_catalog TO service_role;

INSERT INTO ops.health_check_catalog (name, cadence, "position", description, view, details_key, details_when_clean) VALUES
    ('stock_negative', 'daily', 1, 'Stock items whose on-hand quantity is below zero.', 'check_stock_negative', 'ids', NULL),
    ('invoices_sent_without_pdf', 'daily', 2, 'Sent or paid invoices without the SHA-256 of their PDF.', 'check_invoices_sent_without_pdf', 'ids', NULL),
    ('rls_coverage', 'daily', 3, 'Tables exposing rows: RLS disabled, a critical table missing or without policy, a privilege no policy covers.', 'check_rls_coverage', 'findings', NULL),
    ('emergencies_pending_overdue', 'daily', 4, 'Emergencies still pending beyond the org''s emergency_pending threshold (5 minutes by default).', 'check_emergencies_pending_overdue', 'ids', NULL),
    ('invoice_chain', 'daily', 5, 'Broken links in an organization''s invoice hash chain.', 'check_invoice_chain', 'broken', NULL),
    ('cron_failures_24h', 'daily', 6, 'pg_cron runs that failed in the last 24 hours.', 'check_cron_failures_24h', 'runs', NULL),
    ('notifications_failed_or_stuck', 'daily', 7, 'Notifications failed in the last 24 hours or pending for over an hour.', 'check_notifications_failed_or_stuck', 'ids', NULL),
    ('missions_unreachable_status', 'weekly', 8, 'Missions in a status no valid transition leads to.', 'check_missions_unreachable_status', 'missions', NULL),
    ('timesheets_unapproved_30d', 'weekly', 9, 'Timesheets still unapproved 30 days after the work date.', 'check_timesheets_unapproved_30d', 'ids', NULL),
    ('credit_notes_invalid', 'weekly', 10, 'Credit notes without their original invoice, or crediting more than its total.', 'check_credit_notes_invalid', 'credit_notes', NULL),
    ('orphaned_attachments', 'weekly', 11, 'Placeholder until an attachments table exists: then it fails until a real orphan check is written.', 'check_orphaned_attachments', 'note', '{"note": "no attachments table"}');

COMMENT ON FUNCTION ops.expr_text(p_expr pg_node_tree, p_relid oid) IS 'pg_get_expr with an empty search_path: function names always come out schema-qualified (auth.uid(), private.fn()).';

COMMENT ON FUNCTION ops.fn_ident(p_oid oid) IS 'Schema-qualified signature of a function (argument types qualified too), independent of the caller''s search_path.';

COMMENT ON FUNCTION ops.health_checks(p_period text) IS 'Operator health checks: one row per ops.health_check_catalog entry (name, period, ok, count, details with the first offending rows of its ops.check_<name> view). p_period: daily, weekly or all (22023 otherwise). Runs as its owner so service_role can read cron and catalogs.';

COMMENT ON FUNCTION ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name) IS 'plpgsql_check_function_tb for one function (and trigger relation), never failing: a checker error becomes an error row.';

COMMENT ON FUNCTION ops.rel_ident(p_oid oid) IS 'Schema-qualified name of a relation, independent of the caller''s search_path.';

COMMENT ON FUNCTION ops.sql_statement_count(p_sql text) IS 'Number of statements in a SQL text (quotes, dollar quotes and comments skipped; empty statements not counted).';

COMMENT ON FUNCTION ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text) IS 'Runs one statement as anon, authenticated or service_role with the JWT claims of an auth user, inside a subtransaction that is always rolled back; returns the rows as jsonb. SECURITY INVOKER: for DBAs (postgres) only.';

REVOKE ALL ON FUNCTION ops.expr_text(p_expr pg_node_tree, p_relid oid) FROM PUBLIC;
GRANT ALL ON FUNCTION ops.expr_text(p_expr pg_node_tree, p_relid oid) TO service_role;

REVOKE ALL ON FUNCTION ops.fn_ident(p_oid oid) FROM PUBLIC;
GRANT ALL ON FUNCTION ops.fn_ident(p_oid oid) TO service_role;

REVOKE ALL ON FUNCTION ops.health_checks(p_period text) FROM PUBLIC;
GRANT ALL ON FUNCTION ops.health_checks(p_period text) TO service_role;

REVOKE ALL ON FUNCTION ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name) FROM PUBLIC;

REVOKE ALL ON FUNCTION ops.rel_ident(p_oid oid) FROM PUBLIC;
GRANT ALL ON FUNCTION ops.rel_ident(p_oid oid) TO service_role;

REVOKE ALL ON FUNCTION ops.sql_statement_count(p_sql text) FROM PUBLIC;

REVOKE ALL ON FUNCTION ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text) FROM PUBLIC;

-- ops.cron_job_status reads pg_cron's own tables with the caller's rights.
grant usage on schema cron to service_role;
grant select on cron.job, cron.job_run_details to service_role;

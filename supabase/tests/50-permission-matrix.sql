-- The permission matrix against the catalog: every
-- relation of `public` has matrix rows (or is closed on purpose), and its
-- grants and policies say exactly what the matrix says — no more, no less.
-- What each policy lets each role see and write is proven row by row in
-- 51-rls-matrix.sql; this file checks the shape: grants, policies per
-- operation `to authenticated`, WITH CHECK on writes, helpers wrapped and
-- SECURITY DEFINER, indexes behind policy filters, foreign keys that cannot
-- be used to probe another organization, views as security invoker.
begin;
set local jit = off;

create temp table rels on commit drop as
select c.oid::regclass as rel, format('%I.%I', n.nspname, c.relname) as qname, c.relkind,
       exists (select from private.permission_matrix pm where pm.table_name = format('%I.%I', n.nspname, c.relname)) as in_matrix,
       exists (select from private.permission_matrix_closed_tables ct where ct.table_name = format('%I.%I', n.nspname, c.relname)) as closed
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f');

create temp table ops on commit drop as
select * from (values ('select', 'SELECT', 'r'), ('insert', 'INSERT', 'a'), ('update', 'UPDATE', 'w'), ('delete', 'DELETE', 'd'))
  as o (operation, privilege, polcmd);

-- Has the API role the privilege on the relation, or on at least one of its columns?
create function pg_temp.can(p_role text, p_rel regclass, p_privilege text) returns boolean language sql stable as $$
  select has_table_privilege(p_role, p_rel, p_privilege)
      or (p_privilege in ('SELECT', 'INSERT', 'UPDATE')
          and exists (select from pg_attribute a where a.attrelid = p_rel and a.attnum > 0 and not a.attisdropped
                        and has_column_privilege(p_role, p_rel, a.attname, p_privilege)))
$$;

-- Deparsed policy expressions.
create temp table pols on commit drop as
select p.oid, p.polrelid::regclass as rel, r.qname, p.polname, p.polcmd, p.polroles,
       pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p join rels r on r.rel = p.polrelid;

select plan((select count(*)::integer * 6 from rels where relkind in ('r', 'p')) + (select count(*)::integer * 4 from rels where relkind not in ('r', 'p')) + 9);

-- -----------------------------------------------------------------------------
-- Per relation: covered by the matrix; grants to anon, authenticated and
-- service_role as the matrix says.
-- -----------------------------------------------------------------------------
select ok(in_matrix or closed,
          case when in_matrix or closed then format('%s has permission matrix rows%s', qname, case when closed then ' (closed to every API role on purpose)' else '' end)
               else format('table %s has no permission matrix rows', qname) end)
from rels order by qname;

select is(
  (select array_agg(o.operation order by o.operation)
     from ops o
    where pg_temp.can('authenticated', r.rel, o.privilege)
       <> exists (select from private.permission_matrix pm where pm.table_name = r.qname and pm.operation = o.operation and pm.role <> 'anon')),
  null,
  format('%s: authenticated holds exactly the privileges the matrix needs (select/insert/update/delete)', r.qname))
from rels r order by r.qname;

select is(
  (select array_agg(o.operation order by o.operation)
     from ops o
    where pg_temp.can('anon', r.rel, o.privilege)
       <> exists (select from private.permission_matrix pm where pm.table_name = r.qname and pm.operation = o.operation and pm.role = 'anon')),
  null,
  format('%s: anon holds a privilege only where the matrix has an anon row (it has none: anon sees nothing)', r.qname))
from rels r order by r.qname;

-- Per table: one policy per operation the matrix allows, none for the others.
select is(
  (select array_agg(o.operation order by o.operation)
     from ops o
    where exists (select from pols p where p.rel = r.rel and p.polcmd in (o.polcmd, '*'))
       <> exists (select from private.permission_matrix pm where pm.table_name = r.qname and pm.operation = o.operation)),
  null,
  format('%s: a policy for exactly the operations the matrix allows', r.qname))
from rels r where r.relkind in ('r', 'p') order by r.qname;

-- Per table: the columns its SELECT-side policy expressions filter on are
-- indexed (leading column of an index, or second after org_id). Only the
-- table's own columns, which the expressions name unqualified: a qualified
-- one (m.status) belongs to the table a subquery reads.
select is(
  (select array_agg(distinct m[1] order by m[1])
     from pols p
     cross join lateral regexp_matches(coalesce(p.qual, ''), '(?:^|[^.a-z_])([a-z_]+) (?:= ANY|= \( SELECT|IN \( SELECT)', 'g') as m
    where p.rel = r.rel
      and not exists (select from pg_index i
                       where i.indrelid = r.rel
                         and (i.indkey[0] = (select a.attnum from pg_attribute a where a.attrelid = r.rel and a.attname = m[1])
                              or (i.indkey[1] = (select a.attnum from pg_attribute a where a.attrelid = r.rel and a.attname = m[1])
                                  and i.indkey[0] = (select a.attnum from pg_attribute a where a.attrelid = r.rel and a.attname = 'org_id'))))),
  null,
  format('%s: every column a policy filters on is covered by an index', r.qname))
from rels r where r.relkind in ('r', 'p') order by r.qname;

-- Per relation: service_role (edge functions, bypasses RLS) reads every
-- relation that is not closed, and has nothing on closed ones.
select ok(case when r.closed then not (pg_temp.can('service_role', r.rel, 'SELECT') or pg_temp.can('service_role', r.rel, 'INSERT')
                                        or pg_temp.can('service_role', r.rel, 'UPDATE') or pg_temp.can('service_role', r.rel, 'DELETE'))
               else pg_temp.can('service_role', r.rel, 'SELECT') end,
          format('%s: service_role %s', r.qname, case when r.closed then 'has no privilege (closed table)' else 'may read it' end))
from rels r order by r.qname;

-- -----------------------------------------------------------------------------
-- Global checks.
-- -----------------------------------------------------------------------------
select is_empty(
  $$select pm.table_name from private.permission_matrix pm where to_regclass(pm.table_name) is null
    union all
    select ct.table_name from private.permission_matrix_closed_tables ct where to_regclass(ct.table_name) is null
    union all
    select ct.table_name from private.permission_matrix_closed_tables ct join private.permission_matrix pm using (table_name)$$,
  'every matrix row names an existing relation; a closed table has no matrix row');

select tests.rls_enabled('public');

select is_empty(
  $$select qname from rels where relkind = 'v'
      and not coalesce((select bool_or(o = 'security_invoker=true' or o = 'security_invoker=on')
                          from pg_class c, unnest(c.reloptions) as o where c.oid = rel), false)$$,
  'every view of public is security_invoker (RLS of the underlying tables applies to the caller)');

select is_empty(
  $$select qname || '.' || polname from pols
     where polroles <> array['authenticated'::regrole::oid]
       and not exists (select from private.permission_matrix pm where pm.table_name = pols.qname and pm.role = 'anon')$$,
  'every policy is `to authenticated` (never to public or anon)');

select is_empty(
  $$select qname || '.' || polname from pols where polcmd in ('a', 'w', '*') and with_check is null$$,
  'every INSERT and UPDATE policy has a WITH CHECK');

select is_empty(
  $$select qname || '.' || polname || ': ' || m[2]
      from pols cross join lateral regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''),
                                                  '(.{0,7})((?:private|auth)\.[a-z_]+)\(', 'g') as m
     where m[1] <> 'SELECT '$$,
  'every helper call in a policy is wrapped in a sub-select (evaluated once per statement)');

select is_empty(
  $$select distinct d.refobjid::regprocedure::text
      from pg_depend d
      join pols p on p.oid = d.objid and d.classid = 'pg_policy'::regclass
      join pg_proc f on f.oid = d.refobjid and d.refclassid = 'pg_proc'::regclass
      join pg_namespace n on n.oid = f.pronamespace
     where n.nspname = 'private'
       and not (f.prosecdef and f.provolatile = 's' and coalesce(f.proconfig, '{}') @> array['search_path=""'])$$,
  'every private helper a policy calls is STABLE SECURITY DEFINER with search_path = ''''');

-- A foreign key whose columns a user may write must carry org_id: the
-- referenced row is then in the row's own organization (the WITH CHECK pins
-- org_id), so a 23503 can never confirm another organization's id exists.
select is_empty(
  $$select r.qname || '.' || con.conname
      from pg_constraint con
      join rels r on r.rel = con.conrelid
     where con.contype = 'f'
       and exists (select from unnest(con.conkey) k (attnum)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                   where has_column_privilege('authenticated', con.conrelid, a.attname, 'INSERT')
                      or has_column_privilege('authenticated', con.conrelid, a.attname, 'UPDATE'))
       and not exists (select from unnest(con.conkey) k (attnum)
                       join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                       where a.attname = 'org_id')$$,
  'every foreign key a user can write through includes org_id (no probing of another organization''s ids)');

select is_empty(
  $$select table_name || ' ' || role || ' ' || operation from private.permission_matrix
     where table_name not like '%.%' or role = 'anon'$$,
  'matrix rows are schema-qualified and anon has none (anon sees nothing)');

select * from finish();
rollback;

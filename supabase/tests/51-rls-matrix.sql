-- The RLS suite generated from the permission matrix.
--
-- For EVERY relation of `public` (and every relation the matrix names), every
-- role (owner, admin, dispatcher, technician, accountant, client of org A, and
-- anon) and every operation, one assertion (the same roles of org B repeat the
-- boundary cases: what they see, and their writes into org A):
--   select  the user sees exactly the rows the scope defines (computed here as
--           superuser, independently of the policies), hence none of the
--           other organization; no matrix row → permission denied or nothing;
--   update  a no-op update (`set c = c` on a column the role may update)
--           reaches exactly the scope's rows; no row → 42501 or 0 rows;
--   delete  reaches exactly the scope's rows; no row → 42501 or 0 rows;
--   insert  a copy of an existing row of the user's organization with a new
--           id succeeds (or fails on a business rule, never on 42501) when the
--           matrix allows it, and is refused with 42501 otherwise; a copy of a
--           row of the OTHER organization is always refused with 42501; for a
--           portal user, a copy of another client's row too.
-- Cases come from the catalog and the matrix, so a new table is tested the
-- moment it exists (and fails 50-permission-matrix.sql until it has matrix rows).
--
-- How: each statement runs as the user (role authenticated + JWT claims, or
-- anon) inside a subtransaction that is always rolled back, with
-- session_replication_role = replica so that business triggers (locks, state
-- machines, foreign-key checks) stay out of the way: what is measured is
-- grants and row-level security alone. RLS and WITH CHECK apply in replica
-- mode exactly as in origin mode; the business rules have their own suites.
begin;
-- Catalog queries look expensive to the planner: JIT would compile them (seconds, for nothing).
set local jit = off;

-- -----------------------------------------------------------------------------
-- Actors: the seeded demo users of both organizations, plus an admin for each
-- (the seed has owners only; admin is a role of its own in the matrix).
-- -----------------------------------------------------------------------------
select tests.create_supabase_user('rls-admin-a') is not null as created;
select tests.create_supabase_user('rls-admin-b') is not null as created;
insert into public.memberships (org_id, user_id, role) values
  ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('rls-admin-a'), 'admin'),
  ('b0000000-0000-4000-8000-0000000000b0', tests.get_supabase_uid('rls-admin-b'), 'admin');

-- Rows org B's seed lacks, so every table has rows in both organizations.
insert into public.client_requests (org_id, client_id, subject, status, created_by) values
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'Fuite chambre 9', 'open',
   'b0000000-0000-4000-8000-000000000006');
insert into public.emergency_requests (org_id, client_id, description, source, created_by) values
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'Dégât des eaux en cuisine', 'portal',
   'b0000000-0000-4000-8000-000000000006');
insert into public.lock_overrides (org_id, table_name, row_id, actor, reason, before, after) values
  ('b0000000-0000-4000-8000-0000000000b0', 'timesheets', gen_random_uuid(), 'b0000000-0000-4000-8000-000000000001',
   'Correction de test pour la suite RLS', '{}', '{}');

create temp table actors (role text, org_label text, user_id uuid, org_id uuid, other_org_id uuid) on commit drop;
insert into actors
select r.role, o.label, case r.role when 'admin' then tests.get_supabase_uid('rls-admin-' || lower(o.label))
                                    when 'anon' then null
                                    else (o.prefix || '0000000-0000-4000-8000-00000000000' || r.n)::uuid end,
       case when r.role = 'anon' then null else o.org_id end, o.other_org_id
from (values ('owner', '1'), ('admin', null), ('dispatcher', '2'), ('technician', '3'), ('accountant', '5'), ('client', '6'))
       as r (role, n)
cross join (values ('A', 'a', 'a0000000-0000-4000-8000-0000000000a0'::uuid, 'b0000000-0000-4000-8000-0000000000b0'::uuid),
                   ('B', 'b', 'b0000000-0000-4000-8000-0000000000b0'::uuid, 'a0000000-0000-4000-8000-0000000000a0'::uuid))
       as o (label, prefix, org_id, other_org_id)
union all
select 'anon', 'A', null, null, 'a0000000-0000-4000-8000-0000000000a0';
-- (anon belongs to no organization: its "other organization" is org A, whose rows it must not reach)

-- -----------------------------------------------------------------------------
-- The scopes, restated as plain SQL over alias t (evaluated as superuser).
-- These definitions are the test's own reading of the matrix, not the
-- policies' helpers: a policy that drifts from them fails here.
-- -----------------------------------------------------------------------------

-- Conditions the matrix notes add to a scope for one (table, role, operation).
create temp table scope_refinements (table_name text, role text, operation text, predicate text) on commit drop;
insert into scope_refinements values
  ('public.timesheets',         'accountant', 'select', 't.approved_at is not null'),              -- approved hours only
  ('public.quotes',             'client',     'select', $$t.status <> 'draft'$$),                  -- once sent
  ('public.invoices',           'client',     'select', $$t.status <> 'draft'$$),                  -- once issued
  ('public.client_requests',    'client',     'insert', $$t.status = 'open'$$),
  ('public.emergency_requests', 'client',     'insert', $$t.source = 'portal' and t.status = 'pending'$$);

-- Rows that belong to a parent row (scope 'client' / 'assigned' follow the parent).
create temp table scope_parents (table_name text, parent_table text, fk_column text) on commit drop;
insert into scope_parents values
  ('public.quote_lines', 'public.quotes', 'quote_id'),
  ('public.invoice_lines', 'public.invoices', 'invoice_id'),
  ('public.invoice_pdfs', 'public.invoices', 'invoice_id'),
  ('public.payments', 'public.invoices', 'invoice_id');

-- For scope 'assigned': which column of missions a table's id is.
create temp table assigned_refs (table_name text, mission_column text) on commit drop;
insert into assigned_refs values
  ('public.missions', 'id'), ('public.clients', 'client_id'), ('public.sites', 'site_id'),
  ('public.maintenance_contracts', 'contract_id'), ('public.client_requests', 'client_request_id'),
  ('public.emergency_requests', 'emergency_request_id');

-- Schema-qualified name, as the matrix spells it (regclass::text drops the
-- schema of anything on the search_path).
create function pg_temp.qname(p_rel regclass) returns text language sql stable as $$
  select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = p_rel
$$;

create function pg_temp.has_col(p_rel regclass, p_col text) returns boolean language sql stable as $$
  select exists (select from pg_attribute a where a.attrelid = p_rel and a.attname = p_col and a.attnum > 0 and not a.attisdropped)
$$;

-- The organization a row belongs to (null: reference data without one).
create function pg_temp.org_expr(p_rel regclass) returns text language sql stable as $$
  select case
    when p_rel = 'public.organizations'::regclass then 't.id'
    when p_rel = 'public.profiles'::regclass then '(select m.org_id from public.memberships m where m.user_id = t.id order by m.org_id limit 1)'
    when pg_temp.has_col(p_rel, 'org_id') then 't.org_id'
  end
$$;

-- How a row is identified: its primary key (tables) or its content (views).
create function pg_temp.key_expr(p_rel regclass) returns text language sql stable as $$
  select coalesce(
    (select '(' || string_agg('t.' || quote_ident(a.attname), ', ' order by k.ord) || ')::text'
       from pg_index i
       cross join lateral unnest(i.indkey) with ordinality as k (attnum, ord)
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = p_rel and i.indisprimary),
    'md5(to_jsonb(t)::text)')
$$;

create temp table relations on commit drop as
select c.oid::regclass as rel
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
union
select to_regclass(pm.table_name) from private.permission_matrix pm where to_regclass(pm.table_name) is not null;

-- Per-relation facts the cases need, computed once.
create temp table rel_meta on commit drop as
select r.rel,
       pg_temp.qname(r.rel) as qname,
       pg_temp.key_expr(r.rel) as key_expr,
       pg_temp.org_expr(r.rel) as org_expr,
       -- A column the API roles may update (any, when none: the privilege check must refuse).
       (select a.attname from pg_attribute a
         where a.attrelid = r.rel and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' and a.attidentity = ''
         order by has_column_privilege('authenticated', r.rel, a.attname, 'UPDATE') desc, a.attnum
         limit 1) as update_column,
       -- The columns an INSERT names: those the API roles may insert (all
       -- insertable ones when they may insert none, to meet the privilege check).
       (with cols as (
          select a.attname, a.attnum, has_column_privilege('authenticated', r.rel, a.attname, 'INSERT') as granted
          from pg_attribute a
          where a.attrelid = r.rel and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' and a.attidentity <> 'a'
            and pg_column_is_updatable(r.rel, a.attnum, false))
        select string_agg(quote_ident(attname), ', ' order by attnum) from cols
        where granted or not exists (select from cols where granted)) as insert_columns,
       (select array_agg(a.attname::text || ':' || format_type(a.atttypid, a.atttypmod))
          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
         where i.indrelid = r.rel and i.indisprimary) as pk_columns
from relations r;

create function pg_temp.scope_predicate(p_rel regclass, p_role text, p_operation text, p_scope text, p_user uuid)
returns text language plpgsql stable as $$
declare
  v_table text := (select m.qname from rel_meta m where m.rel = p_rel);
  v_orgs text := format('(select m.org_id from public.memberships m where m.user_id = %L and m.role = %L)', p_user, p_role);
  v_clients text := format('(select m.org_id, m.client_id from public.memberships m where m.user_id = %L and m.role = ''client'')', p_user);
  v_assigned text := format(
    '(select mm.id from public.missions mm where mm.org_id in %s and (mm.technician_id = %L or (mm.status = ''published'' and mm.technician_id is null)))',
    format('(select m.org_id from public.memberships m where m.user_id = %L and m.role = ''technician'')', p_user), p_user);
  v_parent scope_parents;
  v_ref text;
  v_pred text;
begin
  if p_scope = 'reference' then
    v_pred := 'true';
  elsif p_scope = 'org' then
    v_pred := case
      when p_rel = 'public.organizations'::regclass then 't.id in ' || v_orgs
      when p_rel = 'public.profiles'::regclass then 't.id in (select m2.user_id from public.memberships m2 where m2.org_id in ' || v_orgs || ')'
      when pg_temp.has_col(p_rel, 'org_id') then 't.org_id in ' || v_orgs
    end;
  elsif p_scope = 'own' then
    v_pred := case
      when p_rel = 'public.profiles'::regclass then format('t.id = %L', p_user)
      when p_rel = 'public.memberships'::regclass then format('t.user_id = %L and t.role = %L', p_user, p_role)
      when pg_temp.has_col(p_rel, 'user_id') and pg_temp.has_col(p_rel, 'org_id') then format('t.user_id = %L and t.org_id in %s', p_user, v_orgs)
      when pg_temp.has_col(p_rel, 'technician_id') then format('t.technician_id = %L and t.org_id in %s', p_user, v_orgs)
    end;
  elsif p_scope = 'client' then
    select * into v_parent from scope_parents sp where sp.table_name = v_table;
    v_pred := case
      when p_rel = 'public.clients'::regclass then '(t.org_id, t.id) in ' || v_clients
      when pg_temp.has_col(p_rel, 'client_id') then '(t.org_id, t.client_id) in ' || v_clients
      when v_parent.table_name is not null then
        format('t.%I in (select t.id from %s t where %s)', v_parent.fk_column, v_parent.parent_table,
               pg_temp.scope_predicate(v_parent.parent_table::regclass, p_role, 'select', 'client', p_user))
    end;
  elsif p_scope = 'assigned' then
    select ar.mission_column into v_ref from assigned_refs ar where ar.table_name = v_table;
    v_pred := case
      when v_ref = 'id' then 't.id in ' || v_assigned
      when v_ref is not null then format('(t.org_id, t.id) in (select mm.org_id, mm.%I from public.missions mm where mm.id in %s)', v_ref, v_assigned)
      when pg_temp.has_col(p_rel, 'mission_id') then 't.mission_id in ' || v_assigned
    end;
  end if;
  if v_pred is null then
    raise exception 'The suite does not know scope % of % (role %, %): teach pg_temp.scope_predicate', p_scope, v_table, p_role, p_operation;
  end if;
  return '(' || v_pred || coalesce((select string_agg(' and ' || r.predicate, '') from scope_refinements r
                                     where r.table_name = v_table and r.role = p_role and r.operation = p_operation), '') || ')';
end;
$$;

-- -----------------------------------------------------------------------------
-- Running one statement as an actor, always rolled back.
-- Returns {ok: true, rows: [keys]} or {ok: false, code, message}.
-- -----------------------------------------------------------------------------
create function pg_temp.run_as(p_user uuid, p_sql text) returns jsonb language plpgsql as $$
declare
  v_rows text[];
  v_count bigint;
  v_result jsonb;
begin
  begin
    perform set_config('session_replication_role', 'replica', true);
    if p_user is null then
      perform set_config('request.jwt.claims', '', true);
      perform set_config('role', 'anon', true);
    else
      perform set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
      perform set_config('role', 'authenticated', true);
    end if;
    if p_sql like 'insert%' then
      execute p_sql;
      get diagnostics v_count = row_count;
      v_rows := array[v_count::text];
    else
      execute p_sql into v_rows;
    end if;
    v_result := jsonb_build_object('ok', true, 'rows', to_jsonb(coalesce(v_rows, '{}')));
    raise exception using errcode = 'ZR001';  -- undo whatever the statement did
  exception
    when sqlstate 'ZR001' then null;
    when others then v_result := jsonb_build_object('ok', false, 'code', sqlstate, 'message', sqlerrm);
  end;
  return v_result;
end;
$$;

create function pg_temp.expected_keys(p_rel regclass, p_predicate text) returns text[] language plpgsql as $$
declare v text[];
begin
  execute format('select coalesce(array_agg(k order by k collate "C"), ''{}'') from (select %s as k from %s t where %s) s',
                 (select m.key_expr from rel_meta m where m.rel = p_rel), p_rel, p_predicate) into v;
  return v;
end;
$$;

create function pg_temp.describe(p_res jsonb) returns text language sql immutable as $$
  select case when (p_res ->> 'ok')::boolean then format('%s row(s)', jsonb_array_length(p_res -> 'rows'))
              else format('%s %s', p_res ->> 'code', p_res ->> 'message') end
$$;

create function pg_temp.denied(p_res jsonb) returns boolean language sql immutable as $$
  select not (p_res ->> 'ok')::boolean and p_res ->> 'code' = '42501'
$$;

-- A copy of a row as a jsonb document with a fresh primary key (and, when
-- asked, moved to another organization).
create function pg_temp.copy_row(p_rel regclass, p_where text, p_org uuid default null) returns jsonb language plpgsql as $$
declare
  v jsonb;
  v_meta rel_meta;
  v_pk text;
begin
  select * into v_meta from rel_meta m where m.rel = p_rel;
  execute format('select to_jsonb(t) from %s t where %s order by %s collate "C" limit 1', p_rel, p_where, v_meta.key_expr) into v;
  if v is null then
    return null;
  end if;
  foreach v_pk in array coalesce(v_meta.pk_columns, '{}') loop
    v := v || jsonb_build_object(split_part(v_pk, ':', 1),
                                 case split_part(v_pk, ':', 2) when 'uuid' then to_jsonb(gen_random_uuid())
                                                               when 'text' then to_jsonb('rls-' || gen_random_uuid())
                                                               else v -> split_part(v_pk, ':', 1) end);
  end loop;
  if p_org is not null then
    v := v || case when p_rel = 'public.organizations'::regclass then jsonb_build_object('id', p_org)
                   else jsonb_build_object('org_id', p_org) end;
  end if;
  return v;
end;
$$;

-- INSERT of a jsonb row through the columns of rel_meta.insert_columns.
create function pg_temp.insert_sql(p_rel regclass, p_row jsonb) returns text language sql stable as $$
  select format('insert into %s (%2$s) select %2$s from jsonb_populate_record(null::%1$s, %3$L::jsonb)', p_rel, m.insert_columns, p_row)
  from rel_meta m where m.rel = p_rel
$$;

-- -----------------------------------------------------------------------------
-- The cases.
-- -----------------------------------------------------------------------------
create temp table cases on commit drop as
select row_number() over (order by r.qname collate "C", a.org_label, array_position(array['owner','admin','dispatcher','technician','accountant','client','anon'], a.role), k.ord) as n,
       r.rel, a.role, a.org_label, a.user_id, a.org_id, a.other_org_id, k.kind
from rel_meta r
cross join actors a
cross join (values (1, 'select'), (2, 'update'), (3, 'delete'), (4, 'insert'), (5, 'insert_other_org'), (6, 'insert_other_client'))
       as k (ord, kind)
where (k.kind <> 'insert_other_org' or r.org_expr is not null)
  -- Org B's users repeat what concerns the boundary (what they see, what they
  -- try to write into org A); the rest is the same policy on the same role.
  and (a.org_label = 'A' or k.kind in ('select', 'insert_other_org'))
  and (k.kind <> 'insert_other_client'
       or exists (select from private.permission_matrix pm
                  where pm.table_name = r.qname and pm.role = a.role and pm.operation = 'insert' and pm.scope = 'client'));

create function pg_temp.run_case(c cases) returns text language plpgsql as $$
declare
  v_meta rel_meta;
  v_op text := case when c.kind like 'insert%' then 'insert' else c.kind end;
  v_rule private.permission_matrix;
  v_label text;
  v_pred text;
  v_expected text[];
  v_res jsonb;
  v_key text;
  v_row jsonb;
  v_org text;
begin
  select * into v_meta from rel_meta m where m.rel = c.rel;
  v_label := format('%s · %s of org %s · %s', v_meta.qname, c.role, c.org_label, replace(c.kind, '_', ' '));
  v_key := v_meta.key_expr;
  v_org := v_meta.org_expr;
  select * into v_rule from private.permission_matrix pm
  where pm.table_name = v_meta.qname and pm.role = c.role and pm.operation = v_op;

  if c.kind in ('select', 'update', 'delete') then
    if c.kind = 'select' then
      v_res := pg_temp.run_as(c.user_id, format(
        'select coalesce(array_agg(k order by k collate "C"), ''{}'') from (select %s as k from %s t) s', v_key, c.rel));
    else
      v_res := pg_temp.run_as(c.user_id, format(
        case c.kind
          when 'update' then 'with w as (update %1$s t set %2$I = t.%2$I returning %3$s as k) select coalesce(array_agg(k order by k collate "C"), ''{}'') from w'
          else 'with w as (delete from %1$s t returning %3$s as k) select coalesce(array_agg(k order by k collate "C"), ''{}'') from w' end,
        c.rel, v_meta.update_column, v_key));
    end if;
    if v_rule.table_name is null then
      return ok(pg_temp.denied(v_res) or v_res -> 'rows' = '[]'::jsonb,
                format('%s: denied (no matrix row) — got %s', v_label, pg_temp.describe(v_res)));
    end if;
    v_pred := pg_temp.scope_predicate(c.rel, c.role, v_op, v_rule.scope, c.user_id);
    v_expected := pg_temp.expected_keys(c.rel, v_pred);
    if not (v_res ->> 'ok')::boolean then
      return ok(false, format('%s: allowed (%s), %s row(s) expected — got %s', v_label, v_rule.scope, cardinality(v_expected), pg_temp.describe(v_res)));
    end if;
    return is(array(select jsonb_array_elements_text(v_res -> 'rows')), v_expected,
              format('%s: exactly the %s row(s) of scope %s%s', v_label, cardinality(v_expected), v_rule.scope,
                     case when v_org is not null then ', none of the other organization' else '' end));
  end if;

  -- Inserts.
  if c.kind = 'insert' then
    if v_rule.table_name is not null then
      v_row := pg_temp.copy_row(c.rel, pg_temp.scope_predicate(c.rel, c.role, 'insert', v_rule.scope, c.user_id));
    end if;
    if v_row is null and v_org is not null and c.org_id is not null then
      v_row := pg_temp.copy_row(c.rel, format('%s = %L', v_org, c.org_id));
    end if;
    -- Nothing of its own to copy: any row, moved to its organization.
    v_row := coalesce(v_row, pg_temp.copy_row(c.rel, 'true', c.org_id));
    if v_row is null then
      return ok(v_rule.table_name is null, format('%s: no row to copy (empty relation)', v_label));
    end if;
    v_res := pg_temp.run_as(c.user_id, pg_temp.insert_sql(c.rel, v_row));
    if v_rule.table_name is not null then
      return ok(not pg_temp.denied(v_res),
                format('%s: allowed (%s): a copy of its own row is not refused by RLS — got %s', v_label, v_rule.scope, pg_temp.describe(v_res)));
    end if;
    return ok(pg_temp.denied(v_res), format('%s: denied (no matrix row) — got %s', v_label, pg_temp.describe(v_res)));
  elsif c.kind = 'insert_other_org' then
    v_row := coalesce(pg_temp.copy_row(c.rel, format('%s = %L', v_org, c.other_org_id)),
                      pg_temp.copy_row(c.rel, 'true', c.other_org_id));
    v_res := pg_temp.run_as(c.user_id, pg_temp.insert_sql(c.rel, v_row));
    return ok(pg_temp.denied(v_res),
              format('%s: a copy of a row of the other organization is refused — got %s', v_label, pg_temp.describe(v_res)));
  else  -- insert_other_client: its own row, addressed to another client of its organization
    v_row := pg_temp.copy_row(c.rel, pg_temp.scope_predicate(c.rel, c.role, 'insert', v_rule.scope, c.user_id));
    v_row := v_row || jsonb_build_object('client_id',
               (select cl.id from public.clients cl
                 where cl.org_id = c.org_id and cl.id <> all (select m.client_id from public.memberships m
                                                              where m.user_id = c.user_id and m.client_id is not null)
                 order by cl.id limit 1));
    if v_row ? 'site_id' then
      v_row := v_row || '{"site_id": null}';
    end if;
    if v_row is null or v_row -> 'client_id' = 'null'::jsonb then
      return ok(false, format('%s: nothing to copy (no own row, or no other client in the organization)', v_label));
    end if;
    v_res := pg_temp.run_as(c.user_id, pg_temp.insert_sql(c.rel, v_row));
    return ok(pg_temp.denied(v_res),
              format('%s: its own row addressed to another client of the organization is refused — got %s', v_label, pg_temp.describe(v_res)));
  end if;
end;
$$;

select plan((select count(*)::integer from cases));
select pg_temp.run_case(c) from cases c order by c.n;
select * from finish();
rollback;

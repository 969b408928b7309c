-- Database lint. The rules are catalog queries in
-- ops.lint_findings / ops.lint_plpgsql (the ops baseline); this file
-- asserts the schema is clean, then proves every rule fires: it creates a bad
-- object of each kind inside this transaction (rolled back at the end) and
-- expects the rule to name it — and a correct twin not to be named.
begin;
select plan(72);

create function pg_temp.flagged(p_rule text, p_object text) returns boolean language sql as $$
  select exists (select from ops.lint_findings f
                 where f.rule = p_rule and f.object = p_object and f.allowlisted_reason is null)
$$;
create function pg_temp.plpgsql_errors(p_object text) returns bigint language sql as $$
  select count(*) from ops.lint_plpgsql l where l.object = p_object and l.level = 'error'
$$;
create function pg_temp.plpgsql_warnings(p_object text) returns bigint language sql as $$
  select count(*) from ops.lint_plpgsql l where l.object = p_object and l.level like 'warning%'
$$;

-- -----------------------------------------------------------------------------
-- Who runs the lint: DBAs; service_role reads the catalog findings too (an
-- operator dashboard), but not plpgsql_check, which stays with DBAs.
-- -----------------------------------------------------------------------------
select is(tests.count_as('service_role', 'select * from ops.lint_findings'), (select count(*) from ops.lint_findings),
  'service_role reads ops.lint_findings');
select throws_ok($$select tests.count_as('service_role', 'select * from ops.lint_plpgsql')$$,
  '42501', 'permission denied for view lint_plpgsql', 'service_role cannot run plpgsql_check');

-- -----------------------------------------------------------------------------
-- The schema is clean: one assertion per rule, each listing what breaks it.
-- -----------------------------------------------------------------------------
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'security_definer_search_path' and allowlisted_reason is null$$,
  '(a) every SECURITY DEFINER function has search_path fixed to '''' (or pg_catalog)');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'rls_disabled' and allowlisted_reason is null$$,
  '(b) every table of an exposed schema has row level security enabled');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'view_reads_auth_users' and allowlisted_reason is null$$,
  '(c) no view of an exposed schema reads auth.users');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule in ('view_not_security_invoker', 'materialized_view_exposed') and allowlisted_reason is null$$,
  '(c) every view of an exposed schema is security_invoker; no matview is readable by an API role');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'anon_execute' and allowlisted_reason is null$$,
  '(d) anon executes no function of an application schema, except allowlisted ones');
select is_empty($$select object || ': ' || message from ops.lint_plpgsql where level = 'error'$$,
  '(e) plpgsql_check reports no error on any plpgsql function (triggers checked against each table they are attached to)');
select is_empty($$select object || ': ' || message from ops.lint_plpgsql where level like 'warning%'$$,
  '(e) plpgsql_check reports no warning either (implicit casts of literals, paths that end without RETURN, ...)');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'fk_without_index' and allowlisted_reason is null$$,
  '(f) every foreign key of an application schema has a supporting index');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'anon_table_privilege' and allowlisted_reason is null$$,
  '(g) anon holds no privilege on any relation of an exposed schema');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'policy_unwrapped_call' and allowlisted_reason is null$$,
  '(h) policies wrap auth.uid() & co as (select auth.uid())');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'table_without_primary_key' and allowlisted_reason is null$$,
  '(i) every table of an application schema has a primary key');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'function_search_path_mutable' and allowlisted_reason is null$$,
  '(j) splinter 0011: every function of an application schema has search_path fixed to ''''');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule in ('anon_security_definer_function_executable', 'authenticated_security_definer_function_executable')
                    and allowlisted_reason is null$$,
  '(k) splinter 0028/0029: every SECURITY DEFINER function anon or authenticated can call through /rpc is allowlisted with how it checks its caller');
select is_empty($$select object || ': ' || message from ops.lint_findings
                  where rule = 'business_error_outside_catalogue' and allowlisted_reason is null$$,
  '(l) every P0001/P0002/55000 business error of public, private and audit goes through private.raise_api_error');
select is_empty($$select object || ': ' || message from ops.lint_findings where rule = 'allowlist_stale'$$,
  'every allowlist entry still matches a finding');
select is_empty($$select a.rule || ' ' || a.object from ops.lint_allowlist a where length(btrim(a.reason)) < 10$$,
  'every allowlist entry has a reason');

-- -----------------------------------------------------------------------------
-- (a) SECURITY DEFINER without a fixed search_path.
-- -----------------------------------------------------------------------------
create function public.lint_definer_no_path() returns integer language sql security definer as 'select 1';
create function private.lint_definer_public_path() returns integer language sql security definer set search_path = public as 'select 1';
create function private.lint_definer_catalog_path() returns integer language sql security definer set search_path = pg_catalog, pg_temp as 'select 1';
create function public.lint_invoker_no_path() returns integer language sql as 'select 1';
select ok(pg_temp.flagged('security_definer_search_path', 'public.lint_definer_no_path()'),
  '(a) fires: a SECURITY DEFINER function with no search_path');
select ok(pg_temp.flagged('security_definer_search_path', 'private.lint_definer_public_path()'),
  '(a) fires: a SECURITY DEFINER function with search_path = public');
select ok(not pg_temp.flagged('security_definer_search_path', 'private.lint_definer_catalog_path()'),
  '(a) accepts search_path = pg_catalog, pg_temp');
select ok(not pg_temp.flagged('security_definer_search_path', 'public.lint_invoker_no_path()'),
  '(a) ignores SECURITY INVOKER functions');

-- -----------------------------------------------------------------------------
-- (b) a table of public without RLS (also a partitioned one).
-- -----------------------------------------------------------------------------
create table public.lint_no_rls (id integer primary key);
create table public.lint_no_rls_parted (id integer, day date, primary key (id, day)) partition by range (day);
create table public.lint_with_rls (id integer primary key);
alter table public.lint_with_rls enable row level security;
create table private.lint_private_no_rls (id integer primary key);
select ok(pg_temp.flagged('rls_disabled', 'public.lint_no_rls'), '(b) fires: a table of public without RLS');
select ok(pg_temp.flagged('rls_disabled', 'public.lint_no_rls_parted'), '(b) fires: a partitioned table of public without RLS');
select ok(not pg_temp.flagged('rls_disabled', 'public.lint_with_rls'), '(b) accepts a table with RLS enabled');
select ok(not pg_temp.flagged('rls_disabled', 'private.lint_private_no_rls'), '(b) ignores schemas PostgREST does not expose');

-- -----------------------------------------------------------------------------
-- (c) views over auth.users (directly or through a view of another schema),
-- views without security_invoker, matviews readable by the API.
-- -----------------------------------------------------------------------------
create view public.lint_users_direct with (security_invoker = true) as select u.id, u.email from auth.users u;
create view private.lint_users as select u.id, u.email from auth.users u;
create view public.lint_users_indirect with (security_invoker = true) as select * from private.lint_users;
create view public.lint_profiles with (security_invoker = true) as select p.id, p.full_name from public.profiles p;
create view public.lint_definer_view as select 1 as x;
create materialized view public.lint_matview as select 1 as x;
grant select on public.lint_matview to authenticated;
create materialized view public.lint_matview_private as select 1 as x;
select ok(pg_temp.flagged('view_reads_auth_users', 'public.lint_users_direct'), '(c) fires: a public view selecting from auth.users');
select ok(pg_temp.flagged('view_reads_auth_users', 'public.lint_users_indirect'),
  '(c) fires: a public view reading auth.users through a view of another schema');
select ok(not pg_temp.flagged('view_reads_auth_users', 'public.lint_profiles'), '(c) accepts a view over public.profiles');
select ok(pg_temp.flagged('view_not_security_invoker', 'public.lint_definer_view'), '(c) fires: a public view without security_invoker');
select ok(not pg_temp.flagged('view_not_security_invoker', 'public.lint_profiles'), '(c) accepts a security_invoker view');
select ok(pg_temp.flagged('materialized_view_exposed', 'public.lint_matview'), '(c) fires: a public matview authenticated can read');
select ok(not pg_temp.flagged('materialized_view_exposed', 'public.lint_matview_private'), '(c) accepts a matview no API role can read');

-- -----------------------------------------------------------------------------
-- (d) functions executable by anon (granted to anon or to PUBLIC), and the allowlist.
-- -----------------------------------------------------------------------------
create function public.lint_anon_fn() returns integer language sql as 'select 1';
grant execute on function public.lint_anon_fn() to anon;
create function private.lint_public_fn() returns integer language sql as 'select 1';
grant execute on function private.lint_public_fn() to public;
create function public.lint_authenticated_fn() returns integer language sql as 'select 1';
grant execute on function public.lint_authenticated_fn() to authenticated;
select ok(pg_temp.flagged('anon_execute', 'public.lint_anon_fn()'), '(d) fires: a function granted to anon');
select ok(pg_temp.flagged('anon_execute', 'private.lint_public_fn()'), '(d) fires: a function granted to PUBLIC');
select ok(not pg_temp.flagged('anon_execute', 'public.lint_authenticated_fn()'), '(d) accepts a function granted to authenticated only');
insert into ops.lint_allowlist (rule, object, reason)
  values ('anon_execute', 'public.lint_anon_fn()', 'test: anon must be able to call it');
select is((select allowlisted_reason from ops.lint_findings where rule = 'anon_execute' and object = 'public.lint_anon_fn()'),
  'test: anon must be able to call it', '(d) an allowlisted function is reported with its reason, not as a problem');
insert into ops.lint_allowlist (rule, object, reason)
  values ('anon_execute', 'public.lint_gone()', 'test: this function does not exist');
select ok(exists (select from ops.lint_findings where rule = 'allowlist_stale' and object = 'anon_execute: public.lint_gone()'),
  'an allowlist entry that matches nothing is reported as stale');
select throws_ok($$insert into ops.lint_allowlist (rule, object, reason) values ('anon_execute', 'public.x()', 'why')$$,
  '23514', null, 'an allowlist entry needs a real reason');

-- -----------------------------------------------------------------------------
-- (e) plpgsql_check: a function and a trigger function referring to columns
-- that do not exist (CREATE FUNCTION accepts both; calling them would fail).
-- -----------------------------------------------------------------------------
create function public.lint_broken_fn() returns integer language plpgsql as $$
begin
  return (select m.no_such_column from public.missions m limit 1);
end;
$$;
create table public.lint_trigger_target (id integer primary key, name text);
create function private.lint_broken_trigger() returns trigger language plpgsql as $$
begin
  new.no_such_column := 'x';
  return new;
end;
$$;
create trigger lint_broken before insert on public.lint_trigger_target
  for each row execute function private.lint_broken_trigger();
create function private.lint_good_trigger() returns trigger language plpgsql as $$
begin
  new.name := coalesce(new.name, 'x');
  return new;
end;
$$;
create trigger lint_good before insert on public.lint_trigger_target
  for each row execute function private.lint_good_trigger();
select ok(pg_temp.plpgsql_errors('public.lint_broken_fn()') > 0, '(e) fires: a function selecting a missing column');
select ok(pg_temp.plpgsql_errors('private.lint_broken_trigger() on public.lint_trigger_target') > 0,
  '(e) fires: a trigger function writing a missing column of the table it is attached to');
select is(pg_temp.plpgsql_errors('private.lint_good_trigger() on public.lint_trigger_target'), 0::bigint,
  '(e) a correct trigger function has no error');

create function public.lint_cast_warning() returns jsonb language plpgsql as $$
declare
  v jsonb := '{}';
begin
  return v;
end;
$$;
create function public.lint_cast_clean() returns jsonb language plpgsql as $$
declare
  v jsonb := '{}'::jsonb;
begin
  return v;
end;
$$;
select ok(pg_temp.plpgsql_warnings('public.lint_cast_warning()') > 0, '(e) fires: a warning (a text literal assigned to a jsonb variable)');
select is(pg_temp.plpgsql_warnings('public.lint_cast_clean()'), 0::bigint, '(e) the typed literal has no warning');

-- -----------------------------------------------------------------------------
-- (f) foreign keys without a supporting index.
-- -----------------------------------------------------------------------------
create table public.lint_parent (org_id uuid, id uuid primary key, unique (org_id, id));
create table public.lint_child (
  id uuid primary key, org_id uuid, parent_id uuid, other_id uuid, third_id uuid,
  constraint lint_child_parent_fkey foreign key (org_id, parent_id) references public.lint_parent (org_id, id),
  constraint lint_child_other_fkey foreign key (other_id) references public.lint_parent (id),
  constraint lint_child_third_fkey foreign key (third_id) references public.lint_parent (id)
);
select ok(pg_temp.flagged('fk_without_index', 'lint_child_parent_fkey on public.lint_child'), '(f) fires: a composite foreign key without an index');
select ok(pg_temp.flagged('fk_without_index', 'lint_child_other_fkey on public.lint_child'), '(f) fires: a single-column foreign key without an index');
create index on public.lint_child (parent_id, org_id) where parent_id is not null;
create index on public.lint_child (other_id) where id is not null;
create index on public.lint_child (org_id, third_id);
select ok(not pg_temp.flagged('fk_without_index', 'lint_child_parent_fkey on public.lint_child'),
  '(f) accepts an index on the key columns in any order, partial on "<fk column> IS NOT NULL"');
select ok(pg_temp.flagged('fk_without_index', 'lint_child_other_fkey on public.lint_child'),
  '(f) still fires when the only index has another predicate');
select ok(pg_temp.flagged('fk_without_index', 'lint_child_third_fkey on public.lint_child'),
  '(f) still fires when the key column is not a leading index column');

-- -----------------------------------------------------------------------------
-- (g) privileges of anon on relations of public (table-level or on a column).
-- -----------------------------------------------------------------------------
create table public.lint_anon_table (id integer primary key, secret text);
alter table public.lint_anon_table enable row level security;
grant select on public.lint_anon_table to anon;
create table public.lint_anon_column (id integer primary key, secret text);
alter table public.lint_anon_column enable row level security;
grant update (secret) on public.lint_anon_column to anon;
select ok(pg_temp.flagged('anon_table_privilege', 'public.lint_anon_table'), '(g) fires: select granted to anon');
select ok(pg_temp.flagged('anon_table_privilege', 'public.lint_anon_column'), '(g) fires: a column privilege granted to anon');

-- -----------------------------------------------------------------------------
-- (h) unwrapped auth.*() / private.*() calls in policies.
-- -----------------------------------------------------------------------------
create table public.lint_policies (id integer primary key, owner_id uuid, org_id uuid);
alter table public.lint_policies enable row level security;
create policy lint_bare_uid on public.lint_policies for select to authenticated using (owner_id = auth.uid());
create policy lint_bare_check on public.lint_policies for insert to authenticated
  with check (org_id in (select private.my_org_ids()) and owner_id = auth.uid());
create policy lint_bare_helper on public.lint_policies for delete to authenticated using (private.is_system_actor());
create policy lint_wrapped on public.lint_policies for update to authenticated
  using (owner_id = (select auth.uid()) and org_id in (select private.my_org_ids()))
  with check (owner_id = (select auth.uid()));
create policy lint_bare_const on public.lint_policies for select to authenticated
  using (private.has_role_in('a0000000-0000-4000-8000-0000000000a0'::uuid, '{owner}'));
create policy lint_row_arg on public.lint_policies for select to authenticated
  using (private.has_role_in(org_id, '{owner}'));
select ok(pg_temp.flagged('policy_unwrapped_call', 'lint_bare_uid on public.lint_policies'), '(h) fires: bare auth.uid() in USING');
select ok(pg_temp.flagged('policy_unwrapped_call', 'lint_bare_check on public.lint_policies'), '(h) fires: bare auth.uid() in WITH CHECK');
select ok(pg_temp.flagged('policy_unwrapped_call', 'lint_bare_helper on public.lint_policies'), '(h) fires: a bare zero-argument private helper');
select ok(not pg_temp.flagged('policy_unwrapped_call', 'lint_wrapped on public.lint_policies'), '(h) accepts (select auth.uid()) and (select private.my_org_ids())');
select ok(pg_temp.flagged('policy_unwrapped_call', 'lint_bare_const on public.lint_policies'),
  '(h) fires: a private helper called with constant arguments only');
select ok(not pg_temp.flagged('policy_unwrapped_call', 'lint_row_arg on public.lint_policies'),
  '(h) accepts a helper that takes a column of the row (it cannot be evaluated once)');

-- -----------------------------------------------------------------------------
-- (i) tables without a primary key.
-- -----------------------------------------------------------------------------
create table public.lint_no_pk (x integer);
alter table public.lint_no_pk enable row level security;
create table private.lint_no_pk (x integer unique);
select ok(pg_temp.flagged('table_without_primary_key', 'public.lint_no_pk'), '(i) fires: a table of public without a primary key');
select ok(pg_temp.flagged('table_without_primary_key', 'private.lint_no_pk'), '(i) fires: a table of private with only a unique key');

-- -----------------------------------------------------------------------------
-- (j) splinter 0011: functions whose search_path is not ''.
-- -----------------------------------------------------------------------------
create function private.lint_invoker_mutable() returns integer language sql as 'select 1';
create function private.lint_invoker_pinned() returns integer language sql set search_path = '' as 'select 1';
select ok(pg_temp.flagged('function_search_path_mutable', 'private.lint_invoker_mutable()'),
  '(j) fires: a SECURITY INVOKER function without a search_path');
select ok(pg_temp.flagged('function_search_path_mutable', 'private.lint_definer_catalog_path()'),
  '(j) fires: search_path = pg_catalog is not '''' (splinter accepts only the empty path)');
select ok(not pg_temp.flagged('function_search_path_mutable', 'private.lint_invoker_pinned()'),
  '(j) accepts search_path = ''''');

-- -----------------------------------------------------------------------------
-- (k) splinter 0028/0029: definer functions of an exposed schema executable by anon / authenticated.
-- -----------------------------------------------------------------------------
create function public.lint_definer_rpc() returns integer language sql security definer set search_path = '' as 'select 1';
revoke all on function public.lint_definer_rpc() from public;
grant execute on function public.lint_definer_rpc() to authenticated;
create function public.lint_definer_anon_rpc() returns integer language sql security definer set search_path = '' as 'select 1';
grant execute on function public.lint_definer_anon_rpc() to anon;
create function public.lint_definer_closed() returns integer language sql security definer set search_path = '' as 'select 1';
revoke all on function public.lint_definer_closed() from public;
create function private.lint_definer_hidden() returns integer language sql security definer set search_path = '' as 'select 1';
grant execute on function private.lint_definer_hidden() to authenticated;
create function public.lint_invoker_rpc() returns integer language sql set search_path = '' as 'select 1';
grant execute on function public.lint_invoker_rpc() to authenticated;
select ok(pg_temp.flagged('authenticated_security_definer_function_executable', 'public.lint_definer_rpc()'),
  '(k) 0029 fires: a definer function of public granted to authenticated');
select ok(pg_temp.flagged('anon_security_definer_function_executable', 'public.lint_definer_anon_rpc()'),
  '(k) 0028 fires: a definer function of public granted to anon');
select ok(not pg_temp.flagged('authenticated_security_definer_function_executable', 'public.lint_definer_closed()')
          and not pg_temp.flagged('anon_security_definer_function_executable', 'public.lint_definer_closed()'),
  '(k) accepts a definer function no API role may execute');
select ok(not pg_temp.flagged('authenticated_security_definer_function_executable', 'private.lint_definer_hidden()'),
  '(k) ignores schemas PostgREST does not expose (no /rpc there)');
select ok(not pg_temp.flagged('authenticated_security_definer_function_executable', 'public.lint_invoker_rpc()'),
  '(k) ignores SECURITY INVOKER functions (RLS applies)');

-- -----------------------------------------------------------------------------
-- (l) business errors raised outside the API error catalogue.
-- -----------------------------------------------------------------------------
create function private.lint_raw_p0001() returns void language plpgsql set search_path = '' as $$
begin
  raise exception 'Invoice % is locked; edit a credit note', 1 using errcode = 'P0001';
end;
$$;
create function private.lint_raw_default() returns void language plpgsql set search_path = '' as $$
begin
  raise exception 'Something went wrong';
end;
$$;
create function public.lint_raw_not_found() returns void language plpgsql set search_path = '' as $$
begin
  raise exception 'Thing not found' using errcode = 'P0002';
end;
$$;
create function private.lint_raw_state() returns void language plpgsql set search_path = '' as $$
begin
  raise exception using errcode = 'object_not_in_prerequisite_state', message = 'wrong state';
end;
$$;
create function private.lint_catalogued() returns void language plpgsql set search_path = '' as $$
begin
  raise notice 'about to refuse';
  raise exception 'Bad parameter' using errcode = '22023';
  perform private.raise_api_error('not_found', 'Thing not found');
end;
$$;
select ok(pg_temp.flagged('business_error_outside_catalogue', 'private.lint_raw_p0001()'), '(l) fires: RAISE … errcode P0001');
select ok(pg_temp.flagged('business_error_outside_catalogue', 'private.lint_raw_default()'), '(l) fires: RAISE EXCEPTION without a SQLSTATE (P0001)');
select ok(pg_temp.flagged('business_error_outside_catalogue', 'public.lint_raw_not_found()'), '(l) fires: RAISE … errcode P0002');
select ok(pg_temp.flagged('business_error_outside_catalogue', 'private.lint_raw_state()'), '(l) fires: RAISE … object_not_in_prerequisite_state (55000)');
select ok(not pg_temp.flagged('business_error_outside_catalogue', 'private.lint_catalogued()'),
  '(l) accepts private.raise_api_error, notices and parameter errors with their own SQLSTATE');

select * from finish();
rollback;

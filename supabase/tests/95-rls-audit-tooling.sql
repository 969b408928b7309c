-- RLS audit tooling for DBAs: ops.test_rls_as_role, the
-- ops.rls_enabled_check and ops.rls_policy_coverage views, and who may use them.
begin;
select plan(41);

-- -----------------------------------------------------------------------------
-- Who may use ops.
-- -----------------------------------------------------------------------------
select ok(not has_schema_privilege('anon', 'ops', 'usage'), 'anon has no usage on schema ops');
select ok(not has_schema_privilege('authenticated', 'ops', 'usage'), 'authenticated has no usage on schema ops');
select ok(has_schema_privilege('service_role', 'ops', 'usage'), 'service_role may use schema ops');
select is((select prosecdef from pg_proc where oid = 'ops.test_rls_as_role(text, uuid, text)'::regprocedure), false,
  'ops.test_rls_as_role is SECURITY INVOKER');
select ok(not has_function_privilege('anon', 'ops.test_rls_as_role(text, uuid, text)', 'execute')
      and not has_function_privilege('authenticated', 'ops.test_rls_as_role(text, uuid, text)', 'execute')
      and not has_function_privilege('service_role', 'ops.test_rls_as_role(text, uuid, text)', 'execute'),
  'no API role may execute ops.test_rls_as_role (it runs arbitrary SQL)');
select is(tests.count_as('service_role', 'select * from ops.rls_enabled_check'),
  (select count(*) from ops.rls_enabled_check), 'service_role reads ops.rls_enabled_check');
select is(tests.count_as('service_role', 'select * from ops.rls_policy_coverage'),
  (select count(*) from ops.rls_policy_coverage), 'service_role reads ops.rls_policy_coverage');
select throws_ok($$select tests.count_as('authenticated', 'select * from ops.rls_enabled_check')$$,
  '42501', 'permission denied for schema ops', 'authenticated cannot read the audit views');

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role: identity.
-- -----------------------------------------------------------------------------
select is(
  (select r from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
     $$select auth.uid() as uid, auth.jwt() ->> 'email' as email, auth.jwt() ->> 'role' as claim_role, current_user as role_name$$) r),
  '{"uid": "a0000000-0000-4000-8000-000000000003", "email": "tech1@chaleur-express.test", "claim_role": "authenticated", "role_name": "authenticated"}'::jsonb,
  'runs as authenticated with the user''s sub, role and email (from auth.users) in request.jwt.claims');
select is(
  (select r from ops.test_rls_as_role('anon', null,
     $$select auth.uid() as uid, auth.role() as claim_role, current_user as role_name, current_setting('statement_timeout') as timeout$$) r),
  '{"uid": null, "claim_role": "anon", "role_name": "anon", "timeout": "3s"}'::jsonb,
  'anon: no user, role anon, and anon''s own statement_timeout (3s) applies');
select is(
  (select r from ops.test_rls_as_role('service_role', null,
     $$select current_user as role_name, private.is_system_actor() as system_actor$$) r),
  '{"role_name": "service_role", "system_actor": true}'::jsonb,
  'service_role without a user is the system actor, as an edge function is');

-- The caller's identity and settings are back afterwards.
do $$
begin
  perform set_config('request.jwt.claims', '{"role": "caller"}', true);
  perform ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000004', 'select 1 as x');
end
$$;
select is(current_user::text, 'postgres', 'the caller''s role is back after the call');
select is(current_setting('request.jwt.claims'), '{"role": "caller"}', 'the caller''s claims are back after the call');
do $$ begin perform set_config('request.jwt.claims', '', true); end $$;

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role: what each caller sees.
-- -----------------------------------------------------------------------------
-- "Their missions" as the permission matrix defines the technician's select
-- on missions (scope 'assigned'): the missions assigned to them, plus the
-- pool they accept from — published missions of their organization with no
-- technician yet (invariant 1: published → assigned when a technician accepts).
select set_eq(
  $$select (r ->> 'id')::uuid from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
      'select id from public.missions') r$$,
  $$select id from public.missions
    where technician_id = 'a0000000-0000-4000-8000-000000000003'
       or (status = 'published' and technician_id is null and org_id = 'a0000000-0000-4000-8000-0000000000a0')$$,
  'technician …03 querying missions gets exactly their missions: assigned to them, or the published pool of their organization');
select is(
  (select count(*) from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
     'select technician_id, org_id from public.missions') r
   where r ->> 'technician_id' <> 'a0000000-0000-4000-8000-000000000003'
      or r ->> 'org_id' <> 'a0000000-0000-4000-8000-0000000000a0'),
  0::bigint, '… and no mission of another technician or of another organization');
select throws_ok(
  $$select ops.test_rls_as_role('anon', null, 'select id from public.missions')$$,
  '42501', 'permission denied for table missions',
  'anon gets nothing: no privilege on missions, the error of the statement comes back unchanged');
select is(current_user::text, 'postgres', '… and the caller''s role is back after an error');

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role: nothing persists.
-- -----------------------------------------------------------------------------
create table public.ops_probe (id integer primary key, v text);
alter table public.ops_probe enable row level security;
create policy ops_probe_all on public.ops_probe for all to authenticated using (true) with check (true);
grant select, insert, update, delete on public.ops_probe to authenticated;
insert into public.ops_probe values (1, 'before');

select is(
  (select r from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
     $$insert into public.ops_probe values (2, 'written') returning id, v$$) r),
  '{"id": 2, "v": "written"}'::jsonb, 'an INSERT … RETURNING runs and returns its row');
select is((select count(*) from public.ops_probe where id = 2), 0::bigint, '… and leaves no row behind');
select is(
  (select r from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
     $$with u as (update public.ops_probe set v = 'changed' returning id) select (select count(*) from u) as updated$$) r),
  '{"updated": 1}'::jsonb, 'a data-modifying WITH updates the row inside the call');
select is((select v from public.ops_probe where id = 1), 'before', '… and the update is undone');
select is(
  (select r -> 'note' ->> 'note_id' from ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
     $$select public.add_mission_note('a0000000-0000-4000-8000-000000002004', 'probe', 'ops-probe-0001',
                                     'f9500000-0000-4000-8000-000000000001') as note$$) r),
  'f9500000-0000-4000-8000-000000000001', 'a writing RPC (add_mission_note) succeeds as the technician inside the call');
select is((select count(*) from public.mission_notes where id = 'f9500000-0000-4000-8000-000000000001'), 0::bigint,
  '… and its note is gone afterwards');
select is((select count(*) from public.idempotency_keys where key = 'ops-probe-0001'), 0::bigint,
  '… and so is its idempotency record (so the same call again adds it again, not a replay)');

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role: refusals.
-- -----------------------------------------------------------------------------
select throws_ok($$select ops.test_rls_as_role('anon', null, 'select 1; select 2')$$,
  '42601', 'ops.test_rls_as_role runs exactly one statement (got 2)', 'a second statement is refused');
select throws_ok($$select ops.test_rls_as_role('authenticated', 'a0000000-0000-4000-8000-000000000003',
    'select 1 as a; delete from public.ops_probe')$$,
  '42601', 'ops.test_rls_as_role runs exactly one statement (got 2)', 'a second, writing statement is refused before anything runs');
select is((select count(*) from public.ops_probe), 1::bigint, '… and nothing ran');
select is((select r from ops.test_rls_as_role('anon', null, $q$select ';' as "a;b", $$;$$ as c; -- a comment;$q$) r),
  '{"a;b": ";", "c": ";"}'::jsonb, 'semicolons in strings, identifiers, dollar quotes and comments are not statements');
select throws_ok($$select ops.test_rls_as_role('anon', null, 'set role postgres')$$,
  '42601', 'ops.test_rls_as_role needs one statement that returns rows (SELECT, or INSERT/UPDATE/DELETE … RETURNING)',
  'a statement that returns no rows is refused');
select throws_ok($$select ops.test_rls_as_role('postgres', null, 'select 1')$$,
  '22023', 'Role must be anon, authenticated or service_role (got postgres)', 'roles other than the three API roles are refused');
select throws_ok($$select ops.test_rls_as_role('anon', 'a0000000-0000-4000-8000-000000000003', 'select 1')$$,
  '22023', 'An anon request carries no user: pass null as p_user_id', 'anon with a user is refused');
select throws_ok($$select ops.test_rls_as_role('authenticated', null, 'select 1')$$,
  '22023', 'Role authenticated needs a user (p_user_id is null)', 'authenticated without a user is refused');
select throws_ok($$select ops.test_rls_as_role('authenticated', 'f9500000-0000-4000-8000-0000000000ff', 'select 1')$$,
  'P0002', 'Unknown user f9500000-0000-4000-8000-0000000000ff', 'an unknown user is refused');

-- -----------------------------------------------------------------------------
-- ops.rls_enabled_check
-- -----------------------------------------------------------------------------
select set_eq(
  $$select table_name from ops.rls_enabled_check where critical$$,
  $$values ('missions'), ('invoices'), ('quotes'), ('stock_items'), ('stock_movements'), ('timesheets'), ('notifications'),
           ('client_requests'), ('emergency_requests'), ('profiles'), ('maintenance_contracts')$$,
  'rls_enabled_check lists the eleven critical tables');
select is_empty(
  $$select table_name || ': ' || coalesce(finding, 'RLS disabled') from ops.rls_enabled_check
    where critical and (not table_exists or not rls_enabled)$$,
  'every critical table exists and has RLS enabled');
select set_eq(
  $$select schema_name || '.' || table_name from ops.rls_enabled_check where table_exists$$,
  $$select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname in ('public', 'audit')$$,
  'rls_enabled_check lists every table of public and audit');
create table public.ops_probe_no_rls (id integer primary key);
select is((select finding from ops.rls_enabled_check where schema_name = 'public' and table_name = 'ops_probe_no_rls'),
  'RLS disabled', 'a table without RLS is reported');

-- -----------------------------------------------------------------------------
-- ops.rls_policy_coverage
-- -----------------------------------------------------------------------------
create table public.ops_probe_no_policy (id integer primary key);
alter table public.ops_probe_no_policy enable row level security;
grant select on public.ops_probe_no_policy to authenticated;
create policy ops_probe_dead on public.ops_probe for delete to anon using (true);
select is((select finding from ops.rls_policy_coverage
           where table_name = 'ops_probe_no_policy' and role_name = 'authenticated' and operation = 'select'),
  'privilege without policy', 'a table created without policies is flagged: privilege without policy');
select set_eq(
  $$select role_name || ' ' || operation from ops.rls_policy_coverage
    where table_name = 'ops_probe_no_policy' and finding = 'table has no policy'$$,
  $$values ('anon select'), ('anon insert'), ('anon update'), ('anon delete'),
           ('authenticated insert'), ('authenticated update'), ('authenticated delete')$$,
  '… and every other operation of it: table has no policy');
select is((select finding from ops.rls_policy_coverage
           where table_name = 'ops_probe' and role_name = 'anon' and operation = 'delete'),
  'policy without privilege (dead policy)', 'a policy for a role without the privilege is a dead policy');
select is_empty(
  $$select role_name || ' ' || operation || ': ' || finding from ops.rls_policy_coverage
    where table_name = 'ops_probe' and role_name = 'authenticated' and finding is not null$$,
  'a table whose grants and policies agree has no finding');

select * from finish();
rollback;

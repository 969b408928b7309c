-- The Supabase roles exist with the attributes Supabase gives them, and
-- PostgREST's login role can become exactly the three API roles.
begin;
select plan(22);

select has_role('anon');
select has_role('authenticated');
select has_role('service_role');
select has_role('authenticator');
select has_role('supabase_admin');
select has_role('supabase_auth_admin');

-- Nobody but authenticator logs in from the API side.
select is((select rolcanlogin from pg_roles where rolname = 'anon'), false, 'anon cannot log in');
select is((select rolcanlogin from pg_roles where rolname = 'authenticated'), false, 'authenticated cannot log in');
select is((select rolcanlogin from pg_roles where rolname = 'service_role'), false, 'service_role cannot log in');
select is((select rolcanlogin from pg_roles where rolname = 'authenticator'), true, 'authenticator logs in');
select is((select rolinherit from pg_roles where rolname = 'authenticator'), false, 'authenticator is NOINHERIT: it holds no privilege until it switches role');

-- Only service_role bypasses row-level security.
select is((select rolbypassrls from pg_roles where rolname = 'service_role'), true, 'service_role bypasses RLS');
select is((select rolbypassrls from pg_roles where rolname = 'anon'), false, 'anon is subject to RLS');
select is((select rolbypassrls from pg_roles where rolname = 'authenticated'), false, 'authenticated is subject to RLS');
select is((select rolsuper from pg_roles where rolname = 'authenticator'), false, 'authenticator is not a superuser');

select is_member_of('anon', 'authenticator');
select is_member_of('authenticated', 'authenticator');
select is_member_of('service_role', 'authenticator');

-- Statement timeouts keep anonymous and user traffic cheap, as on Supabase.
select ok(
  (select setconfig @> array['statement_timeout=3s'] from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
    where r.rolname = 'anon' and s.setdatabase = 0),
  'anon has a 3 s statement timeout');
select ok(
  (select setconfig @> array['statement_timeout=8s'] from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
    where r.rolname = 'authenticated' and s.setdatabase = 0),
  'authenticated has an 8 s statement timeout');

-- New functions in public are not executable by PUBLIC (so not by anon) unless granted.
create function public.__compat_probe() returns int language sql as 'select 1';
select is(has_function_privilege('anon', 'public.__compat_probe()', 'execute'), false,
  'a new public function is not executable by anon without an explicit grant');
-- Nor are new tables readable by the API roles (Supabase 2026 default).
create table public.__compat_probe_t (id int);
select is(has_table_privilege('authenticated', 'public.__compat_probe_t', 'select'), false,
  'a new public table is not granted to authenticated without an explicit grant');

select * from finish();
rollback;

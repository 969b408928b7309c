-- Test helpers in the spirit of supabase-test-helpers (basejump): schema
-- `tests` with functions to create users, sign in as them, act as
-- service_role, clear the session and check RLS.
--
-- pg_prove runs the files of supabase/tests in name order, so this file runs
-- before every test that uses the helpers (only 00-compat-roles.sql sorts
-- before it). It is NOT wrapped in begin/rollback: the helpers are installed
-- (idempotently: create or replace) and committed, exactly as basejump
-- recommends, so they also exist under `supabase test db`. It ends with a
-- one-test plan asserting they exist.
--
-- The `tests` schema is never created by a migration: it exists only in
-- databases the pgTAP suite ran against (local and CI), never in production.
-- PostgREST does not expose it.
--
-- Usage inside a test transaction:
--   select tests.create_supabase_user('client-c2');           -- a fresh auth user (+ profile)
--   select tests.authenticate_as('client-c2');                -- role authenticated, claims of that user
--   select tests.authenticate_as_user('a0000000-…-000000000003'); -- a seeded demo user, by id
--   select tests.authenticate_as_service_role();
--   select tests.clear_authentication();                      -- back to anon, no claims (basejump semantics)
--   reset role;                                               -- back to postgres (pgTAP functions need it)
-- Every setting is transaction-local (set_config(…, true)): the test's
-- rollback undoes it.

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- Creates an auth user tagged with a test identifier (raw_user_meta_data.test_identifier);
-- the auth trigger creates its profile. Returns its id.
create or replace function tests.create_supabase_user(identifier text, email text default null)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
  values (v_id, 'authenticated', 'authenticated',
          coalesce(email, identifier || '@tests.terrain.test'),
          jsonb_build_object('test_identifier', identifier, 'full_name', identifier),
          '{"provider": "email", "providers": ["email"]}'::jsonb, now(), now());
  return v_id;
end;
$$;

-- The id of a user created by tests.create_supabase_user.
create or replace function tests.get_supabase_uid(identifier text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select u.id into v_id from auth.users u where u.raw_user_meta_data ->> 'test_identifier' = identifier limit 1;
  if v_id is null then
    raise exception 'Test user % not found (create it with tests.create_supabase_user)', identifier;
  end if;
  return v_id;
end;
$$;

-- The email of an auth user (readable only as the table owner).
create or replace function tests.get_supabase_email(user_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_email text;
begin
  select u.email into v_email from auth.users u where u.id = user_id;
  if not found then
    raise exception 'User % not found', user_id;
  end if;
  return v_email;
end;
$$;

-- Acts as a user: role authenticated and the JWT claims PostgREST would set
-- (sub, role, email), until the transaction ends or another identity is taken.
-- The identity switchers are SECURITY INVOKER on purpose (Postgres refuses to
-- set the role inside a SECURITY DEFINER function) and have no SET clause, so
-- the transaction-local settings they make outlive the call.
create or replace function tests.authenticate_as_user(user_id uuid)
returns void
language plpgsql
as $$
begin
  perform pg_catalog.set_config('request.jwt.claims',
    pg_catalog.json_build_object('sub', user_id, 'role', 'authenticated', 'aud', 'authenticated',
                                 'email', tests.get_supabase_email(user_id))::text, true);
  perform pg_catalog.set_config('role', 'authenticated', true);
end;
$$;

create or replace function tests.authenticate_as(identifier text)
returns void
language plpgsql
as $$
begin
  perform tests.authenticate_as_user(tests.get_supabase_uid(identifier));
end;
$$;

-- Acts as service_role (edge functions): bypasses RLS, no user.
create or replace function tests.authenticate_as_service_role()
returns void
language plpgsql
as $$
begin
  perform pg_catalog.set_config('request.jwt.claims', pg_catalog.json_build_object('role', 'service_role')::text, true);
  perform pg_catalog.set_config('role', 'service_role', true);
end;
$$;

-- As in basejump: an anonymous request (role anon, no claims). `reset role`
-- returns to the session user (postgres) when the test needs pgTAP again.
create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform pg_catalog.set_config('request.jwt.claims', '', true);
  perform pg_catalog.set_config('role', 'anon', true);
end;
$$;

-- pgTAP assertion: every table (and partitioned table) of the schema has RLS enabled.
-- No SET search_path: pgTAP's own functions call each other unqualified and
-- need the caller's search_path (which includes extensions).
create or replace function tests.rls_enabled(testing_schema text)
returns text
language sql
stable
as $$
  select extensions.is(
    (select pg_catalog.array_agg(c.relname::text order by c.relname)
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = testing_schema and c.relkind in ('r', 'p') and not c.relrowsecurity),
    null::text[],
    pg_catalog.format('every table in the %s schema has row level security enabled', testing_schema))
$$;


-- Run one statement as an API role and return its single jsonb result, then
-- go back to the session's own role. The identity switch lives inside the
-- function because pgTAP's own functions are not executable by the API
-- roles: throws_ok(... 'select tests.as_user(...)') keeps pgTAP outside.
-- SECURITY INVOKER on purpose: SET ROLE is refused inside definer functions.
create or replace function tests.as_role(p_role text, p_claims jsonb, p_sql text)
returns jsonb
language plpgsql
as $$
declare
  v jsonb;
begin
  perform pg_catalog.set_config('request.jwt.claims', p_claims::text, true);
  perform pg_catalog.set_config('role', p_role, true);
  execute p_sql into v;
  perform pg_catalog.set_config('role', 'none', true);
  perform pg_catalog.set_config('request.jwt.claims', '', true);
  return v;
end
$$;

create or replace function tests.as_user(p_user uuid, p_sql text)
returns jsonb
language sql
as $$ select tests.as_role('authenticated', pg_catalog.jsonb_build_object('sub', p_user, 'role', 'authenticated'), p_sql) $$;

create or replace function tests.as_anon(p_sql text)
returns jsonb
language sql
as $$ select tests.as_role('anon', '{"role": "anon"}', p_sql) $$;

create or replace function tests.as_service(p_sql text)
returns jsonb
language sql
as $$ select tests.as_role('service_role', '{"role": "service_role"}', p_sql) $$;

-- Asserts that p_sql, run as a signed-in user (tests.as_user), is refused
-- with p_errcode and p_message: pgTAP's throws_ok for the refusal cases of a
-- test, which read as a table of (user, statement, code, message, why):
--   select tests.throws_as_user(u, s, e, m, d) from (values (…), (…)) t (u, s, e, m, d);
create or replace function tests.throws_as_user(p_user uuid, p_sql text, p_errcode text, p_message text, p_description text)
returns text
language sql
as $$
  select extensions.throws_ok(pg_catalog.format('select tests.as_user(%L, %L)', p_user, p_sql), p_errcode, p_message, p_description)
$$;

-- The values of the first column a query returns when run as a signed-in
-- user (role authenticated and their claims), as text sorted ('{}' for none),
-- distinct ones only when asked: for "who sees which rows" checks, compared
-- with a literal list or with the same rows read as postgres.
create or replace function tests.values_as_user(p_user uuid, p_sql text, p_distinct boolean default false)
returns text[]
language plpgsql
as $$
declare
  v text[];
begin
  perform tests.authenticate_as_user(p_user);
  execute pg_catalog.format('select coalesce(pg_catalog.array_agg(%s x::text order by x::text), ''{}'') from (%s) s (x)',
                            case when p_distinct then 'distinct' else '' end, p_sql)
    into v;
  reset role;
  perform pg_catalog.set_config('request.jwt.claims', '', true);
  return v;
end
$$;

-- How many rows a query returns when run as an API role with no user
-- (service_role, authenticated, anon): for "who may read this view" checks.
create or replace function tests.count_as(p_role text, p_sql text)
returns bigint
language sql
as $$ select (tests.as_role(p_role, pg_catalog.jsonb_build_object('role', p_role),
                            'select pg_catalog.count(*) from (' || p_sql || ') q'))::bigint $$;

-- How many rows one statement (select, update, delete …) reaches when run as
-- a signed-in user: for RLS matrices ("the technician updates 0 rows").
create or replace function tests.row_count_as_user(p_user uuid, p_sql text)
returns bigint
language plpgsql
as $$
declare
  v bigint;
begin
  perform tests.authenticate_as_user(p_user);
  execute p_sql;
  get diagnostics v = row_count;
  reset role;
  perform pg_catalog.set_config('request.jwt.claims', '', true);
  return v;
end
$$;

revoke all on all functions in schema tests from public;
grant execute on all functions in schema tests to anon, authenticated, service_role;

select extensions.plan(1);
select extensions.ok(
  to_regprocedure('tests.create_supabase_user(text, text)') is not null
  and to_regprocedure('tests.get_supabase_uid(text)') is not null
  and to_regprocedure('tests.get_supabase_email(uuid)') is not null
  and to_regprocedure('tests.authenticate_as(text)') is not null
  and to_regprocedure('tests.authenticate_as_user(uuid)') is not null
  and to_regprocedure('tests.authenticate_as_service_role()') is not null
  and to_regprocedure('tests.clear_authentication()') is not null
  and to_regprocedure('tests.rls_enabled(text)') is not null
  and to_regprocedure('tests.as_user(uuid, text)') is not null
  and to_regprocedure('tests.as_anon(text)') is not null
  and to_regprocedure('tests.as_service(text)') is not null
  and to_regprocedure('tests.throws_as_user(uuid, text, text, text, text)') is not null
  and to_regprocedure('tests.values_as_user(uuid, text, boolean)') is not null
  and to_regprocedure('tests.count_as(text, text)') is not null
  and to_regprocedure('tests.row_count_as_user(uuid, text)') is not null,
  'the test helpers are installed (schema tests)');
select * from extensions.finish();

-- =============================================================================
-- Supabase compatibility layer — roles, schemas and privileges.
--
-- LOCAL STACK ONLY. A hosted Supabase project (or `supabase start`) already
-- has all of this; the local stack applies supabase/compat/*.sql in file-name
-- order before any migration, on every start. Never put this in a migration.
-- Every statement is idempotent: running the file twice changes nothing.
--
-- Mirrors supabase/postgres init scripts. The passwords below are
-- LOCAL DEVELOPMENT DEFAULTS ("postgres", as the Supabase CLI uses).
-- =============================================================================

do $roles$
begin
  -- API roles: PostgREST `set local role`s into these from the JWT `role` claim.
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;

  -- The role PostgREST logs in as; it holds no privilege of its own (noinherit)
  -- and may only switch to the three API roles.
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;

  -- Owner of platform objects, as `supabase_admin` is on a hosted project.
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_admin') then
    create role supabase_admin login superuser createdb createrole replication bypassrls password 'postgres';
  end if;

  -- Owner of the auth schema; the auth server (GoTrue, or the local stand-in) logs in as it.
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit createrole password 'postgres';
  end if;
end
$roles$;

-- Attributes are (re)asserted so an older local cluster converges to the same state.
alter role anon nologin inherit nobypassrls;
alter role authenticated nologin inherit nobypassrls;
alter role service_role nologin noinherit bypassrls;
alter role authenticator login noinherit nobypassrls;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant supabase_auth_admin to postgres;

-- Statement timeouts as on Supabase: anonymous traffic must stay cheap.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';

-- Extensions live in their own schema, as on Supabase.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

-- Same search_path Supabase gives its roles, so `gen_random_bytes()` and
-- friends resolve in ad-hoc SQL; migrations still schema-qualify.
alter role postgres set search_path = "$user", public, extensions;
alter role authenticator set search_path = "$user", public, extensions;
alter role anon set search_path = "$user", public, extensions;
alter role authenticated set search_path = "$user", public, extensions;
alter role service_role set search_path = "$user", public, extensions;

-- public: the API roles may look up objects, nothing more. Since 2026 Supabase
-- no longer auto-grants new public tables (or functions) to anon /
-- authenticated / service_role: every migration grants exactly what is needed.
-- We mirror that default, and also stop Postgres' implicit EXECUTE-to-PUBLIC on
-- new functions so nothing becomes callable by anon by accident. (That implicit
-- grant is a global default: a per-schema ALTER DEFAULT PRIVILEGES can only add
-- to it, so the revoke is global, for the roles that own our objects.)
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres revoke execute on functions from public;
alter default privileges for role supabase_admin revoke execute on functions from public;


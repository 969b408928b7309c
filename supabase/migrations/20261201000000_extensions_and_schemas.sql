-- =============================================================================
-- Baseline: extensions and schemas.
--
-- The four schemas of docs/design.md § Schemas: public is the API (PostgREST
-- exposes it), private holds what the API must not call directly (trigger
-- functions, policy helpers, configuration), audit and ops are their own
-- domains and are not exposed. The role terrain_gateway is created here
-- because the schema grants below name it; what it may do is granted in the
-- api_keys_and_rate_limits baseline (docs/rate-limiting.md).
--
-- Baselines apply in file-name order; each one's objects are described in
-- supabase/README.md, and the catalog they produce is supabase/schema.sql.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- Extensions the application relies on.
--
-- pg_cron: scheduled jobs (alert checks, clean-ups) run inside the database so
--   they keep running whatever happens to the API tier. It must be created in
--   the database named by `cron.database_name` (postgres, locally and on
--   Supabase). Supabase creates it in pg_catalog; the `cron` schema holds
--   its tables.
-- pgcrypto: digest() for hash chains and API-key hashes, gen_random_bytes() for
--   secrets. Supabase keeps it in the `extensions` schema.
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pgcrypto with schema extensions;

grant usage on schema cron to postgres;

-- The API gateway's login role: it may count requests and nothing else. Created
-- NOLOGIN: each environment that runs a gateway gives it LOGIN and a password
-- of its own (the local stack does so with a local-only default, see
-- scripts/stack/stack.ts). Roles outlive a database reset: create it once.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'terrain_gateway') then
    create role terrain_gateway nologin noinherit;
  end if;
end
$$;
comment on role terrain_gateway is 'API gateway: counts requests for rate limiting (execute on two private functions), nothing else.';

CREATE SCHEMA audit;

COMMENT ON SCHEMA audit IS 'Audit trail: append-only audit.log written by triggers on every business table. Not exposed by PostgREST; read through public.audit_log_page and public.audit_log_csv (owners and admins of the organization).';

CREATE SCHEMA ops;

COMMENT ON SCHEMA ops IS 'Operator tooling (RLS audit, database lint). Not exposed by PostgREST; not granted to anon/authenticated.';

CREATE SCHEMA private;

GRANT USAGE ON SCHEMA ops TO service_role;

GRANT USAGE ON SCHEMA private TO authenticated;
GRANT USAGE ON SCHEMA private TO service_role;
GRANT USAGE ON SCHEMA private TO anon;
GRANT USAGE ON SCHEMA private TO terrain_gateway;

GRANT USAGE ON SCHEMA public TO postgres;
GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;


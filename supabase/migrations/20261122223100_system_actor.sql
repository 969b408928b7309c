-- =============================================================================
-- The "system" actor.
--
-- Business rules (state machines, locks, stock, numbering) apply to everyone;
-- role checks apply to people. A change made with no user identity
-- (auth.uid() is null) by a role trusted to bypass row-level security — the
-- service_role of edge functions, pg_cron jobs and maintenance sessions run as
-- postgres, pgTAP as postgres — is made by the system: it is subject to every
-- data rule but to no role check.
--
-- The role looked at is the session's current role as set by SET ROLE
-- (PostgREST does `set local role <jwt role>`), read from the `role` setting,
-- which a SECURITY DEFINER function does not change; without SET ROLE it is the
-- session user. So an anonymous request (role anon) or an authenticated role
-- without a `sub` claim is never the system, even inside a definer function.
-- =============================================================================

create function private.is_system_actor()
returns boolean
language sql
stable
set search_path = ''
as $$
  select auth.uid() is null
     and coalesce((
           select r.rolsuper or r.rolbypassrls
           from pg_catalog.pg_roles r
           where r.rolname = coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user)
         ), false)
$$;
comment on function private.is_system_actor() is
  'True when no user is authenticated (auth.uid() is null) and the session role bypasses RLS (service_role, '
  'a superuser): the trusted system actor, subject to data rules but not to role checks.';

grant execute on function private.is_system_actor() to authenticated, service_role;

-- Down file of supabase/migrations/20261201003000_security_and_rls_helpers.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop policy profiles_select on public.profiles;
drop policy organizations_update on public.organizations;
drop policy organizations_select on public.organizations;
drop policy memberships_update on public.memberships;
drop policy memberships_select on public.memberships;
drop policy memberships_delete on public.memberships;

-- objects it created, dependents first
drop table private.permission_matrix_closed_tables;
drop table private.permission_matrix;
drop function private.my_technician_mission_keys();
drop function private.my_org_ids_as(p_roles public.member_role[]);
drop function private.my_colleague_ids();
drop function private.my_client_quote_ids();
drop function private.my_client_invoice_ids();
drop function private.my_client_ids();
drop function private.my_assigned_mission_refs(p_column text);
drop function private.my_assigned_mission_ids();

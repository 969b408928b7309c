-- DRAFT down file of 20261201003000_security_and_rls_helpers.sql

-- triggers, policies, constraints and indexes it added to existing tables
drop policy profiles_select on public.profiles;
drop policy organizations_update on public.organizations;
drop policy organizations_select on public.organizations;
drop policy memberships_update on public.memberships;
drop policy memberships_select on public.memberships;
drop policy memberships_delete on public.memberships;

-- objects it created, newest first
drop table private.permission_matrix_closed_tables cascade;
drop table private.permission_matrix cascade;
drop function private.my_technician_mission_keys() cascade;
drop function private.my_org_ids_as(p_roles public.member_role[]) cascade;
drop function private.my_colleague_ids() cascade;
drop function private.my_client_quote_ids() cascade;
drop function private.my_client_invoice_ids() cascade;
drop function private.my_client_ids() cascade;
drop function private.my_assigned_mission_refs(p_column text) cascade;
drop function private.my_assigned_mission_ids() cascade;

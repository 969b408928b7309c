-- DRAFT down file of 20261201004000_customers_and_sites.sql

-- triggers, policies, constraints and indexes it added to existing tables
alter table public.memberships drop constraint memberships_client_fkey;

-- objects it created, newest first
drop table public.sites cascade;
drop table public.maintenance_contracts cascade;
drop table public.clients cascade;
drop table public.client_requests cascade;
drop table public.emergency_requests cascade;
drop function private.guard_emergency_status() cascade;
drop type public.emergency_status cascade;
drop type public.emergency_severity cascade;

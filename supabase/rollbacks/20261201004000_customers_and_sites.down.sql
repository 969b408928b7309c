-- Down file of supabase/migrations/20261201004000_customers_and_sites.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
alter table public.memberships drop constraint memberships_client_fkey;

-- objects it created, dependents first
drop table public.maintenance_contracts;
drop table public.client_requests;
drop table public.emergency_requests;
drop table public.sites;
drop table public.clients;
drop function private.guard_emergency_status();
drop type public.emergency_status;
drop type public.emergency_severity;

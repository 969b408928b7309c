-- Down file of supabase/migrations/20261206150000_emergency_description_required.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger emergency_requests_validate_description on public.emergency_requests;

-- objects it created, dependents first
drop function private.validate_emergency_description();

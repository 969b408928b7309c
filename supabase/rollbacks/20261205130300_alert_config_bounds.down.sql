-- Down file of supabase/migrations/20261205130300_alert_config_bounds.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger alert_config_validate_bounds on public.alert_config;

-- objects it created, dependents first
drop function private.validate_alert_config_bounds();

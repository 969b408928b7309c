-- Down file of supabase/migrations/20261205130100_alerts_resolved_recent_index.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.alerts_org_resolved_recent_idx;

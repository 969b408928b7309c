-- Down file of supabase/migrations/20261201000000_extensions_and_schemas.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first. Every later migration is undone by
-- now, so the three schemas are empty. pg_cron goes with its cron schema and
-- jobs. Left in place on purpose: pgcrypto and the extensions schema (the
-- compat layer, supabase/compat/10_roles.sql, owns them: the migration's
-- `create extension if not exists` found it there) and the role
-- terrain_gateway (roles belong to the cluster, not to this database: other
-- databases of the cluster may hold its grants; the migration creates it only
-- when missing).
drop schema private;
drop schema ops;
drop schema audit;
drop extension pg_cron;

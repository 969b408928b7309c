-- Down file of supabase/migrations/20261204130100_push_subscriptions_stale_purge.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-stale-push-subscriptions');

-- objects it created, dependents first
drop function private.purge_stale_push_subscriptions();

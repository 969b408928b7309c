-- DRAFT down file of 20261204130100_push_subscriptions_stale_purge.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-stale-push-subscriptions');

-- objects it created, newest first
drop function private.purge_stale_push_subscriptions() cascade;

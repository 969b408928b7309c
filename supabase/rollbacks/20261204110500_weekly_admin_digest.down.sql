-- Down file of supabase/migrations/20261204110500_weekly_admin_digest.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('weekly-admin-digest');

-- rows it wrote into tables that existed before it
delete from public.notification_templates where type = 'weekly_digest' and language = 'fr';
delete from public.notification_templates where type = 'weekly_digest' and language = 'en';

-- objects it created, dependents first
drop function private.queue_weekly_digests();

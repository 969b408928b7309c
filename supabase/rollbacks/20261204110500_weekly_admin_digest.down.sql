-- DRAFT down file of 20261204110500_weekly_admin_digest.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('weekly-admin-digest');

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from public.notification_templates where type = 'weekly_digest' and language = 'fr';
delete from public.notification_templates where type = 'weekly_digest' and language = 'en';
set local session_replication_role = origin;

-- objects it created, newest first
drop function private.queue_weekly_digests() cascade;

-- Down file of supabase/migrations/20261204110400_membership_invitation_email.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from public.notification_templates where type = 'invitation' and language = 'fr';
delete from public.notification_templates where type = 'invitation' and language = 'en';

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger memberships_notify_invitation on public.memberships;

-- objects it created, dependents first
drop function private.notify_invitation();

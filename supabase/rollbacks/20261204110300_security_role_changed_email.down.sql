-- Down file of supabase/migrations/20261204110300_security_role_changed_email.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from public.notification_templates where type = 'role_changed' and language = 'fr';
delete from public.notification_templates where type = 'role_changed' and language = 'en';

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger memberships_notify_role_changed on public.memberships;

-- objects it created, dependents first
drop function private.notify_role_changed();
drop function private.role_label(p_role public.member_role, p_language text);

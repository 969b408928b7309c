-- DRAFT down file of 20261204110300_security_role_changed_email.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from public.notification_templates where type = 'role_changed' and language = 'fr';
delete from public.notification_templates where type = 'role_changed' and language = 'en';
set local session_replication_role = origin;

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger memberships_notify_role_changed on public.memberships;

-- objects it created, newest first
drop function private.notify_role_changed() cascade;
drop function private.role_label(p_role public.member_role, p_language text) cascade;

-- DRAFT down file of 20261204110400_membership_invitation_email.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from public.notification_templates where type = 'invitation' and language = 'fr';
delete from public.notification_templates where type = 'invitation' and language = 'en';
set local session_replication_role = origin;

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger memberships_notify_invitation on public.memberships;

-- objects it created, newest first
drop function private.notify_invitation() cascade;

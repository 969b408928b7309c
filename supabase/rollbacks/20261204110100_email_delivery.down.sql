-- DRAFT down file of 20261204110100_email_delivery.sql

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.notifications_client_idx;
alter table public.notifications drop constraint notifications_params_length;
alter table public.notifications drop constraint notifications_params_object;
alter table public.notifications drop constraint notifications_recipient_email_format;
alter table public.notifications drop constraint notifications_recipient_kind;
alter table public.notifications drop constraint notifications_client_fkey;

-- columns it added to existing tables
alter table public.notifications drop column client_id;
alter table public.notifications drop column recipient_email;
alter table public.notifications drop column params;

-- objects it created, newest first
drop function public.email_suppression(p_email text) cascade;
drop function public.record_email_event(p_event_id text, p_type text, p_payload jsonb) cascade;
drop function public.claim_email_deliveries(p_limit integer) cascade;
drop table private.email_events cascade;
drop table private.email_suppressions cascade;

-- columns it changed, as they were
alter table public.notifications alter column user_id set not null;

-- comments it changed on existing objects
comment on column public.notifications.user_id is null;

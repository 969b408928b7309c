-- Down file of supabase/migrations/20261204110100_email_delivery.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- Emails to clients (user_id null, client_id set) cannot exist before this
-- migration: user_id becomes not null again below. They go first; the
-- rollback tool reports them as the values of the dropped client_id column
-- and refuses unless forced.
delete from public.notifications where user_id is null;

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

-- objects it created, dependents first
drop table private.email_events;
drop table private.email_suppressions;
drop function public.email_suppression(p_email text);
drop function public.record_email_event(p_event_id text, p_type text, p_payload jsonb);
drop function public.claim_email_deliveries(p_limit integer);

-- columns it changed, as they were
alter table public.notifications alter column user_id set not null;

-- comments it changed on existing objects
comment on column public.notifications.user_id is null;

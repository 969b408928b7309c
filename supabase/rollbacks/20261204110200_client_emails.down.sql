-- Down file of supabase/migrations/20261204110200_client_emails.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from private.api_errors where code = 'client_without_email';
delete from public.notification_templates where type = 'invoice_sent' and language = 'fr';
delete from public.notification_templates where type = 'invoice_sent' and language = 'en';
delete from public.notification_templates where type = 'credit_note_sent' and language = 'fr';
delete from public.notification_templates where type = 'credit_note_sent' and language = 'en';
delete from public.notification_templates where type = 'intervention_report' and language = 'fr';
delete from public.notification_templates where type = 'intervention_report' and language = 'en';
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.send_invoice(uuid)';

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger missions_intervention_report on public.missions;

-- objects it created, dependents first
drop function private.queue_intervention_report();
drop function public.send_invoice(p_invoice_id uuid);
drop function private.queue_client_email(p_org uuid, p_client uuid, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb);

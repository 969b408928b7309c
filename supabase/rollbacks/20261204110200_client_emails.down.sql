-- DRAFT down file of 20261204110200_client_emails.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from private.api_errors where code = 'client_without_email';
delete from public.notification_templates where type = 'invoice_sent' and language = 'fr';
delete from public.notification_templates where type = 'invoice_sent' and language = 'en';
delete from public.notification_templates where type = 'credit_note_sent' and language = 'fr';
delete from public.notification_templates where type = 'credit_note_sent' and language = 'en';
delete from public.notification_templates where type = 'intervention_report' and language = 'fr';
delete from public.notification_templates where type = 'intervention_report' and language = 'en';
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.send_invoice(uuid)';
set local session_replication_role = origin;

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger missions_intervention_report on public.missions;

-- objects it created, newest first
drop function private.queue_intervention_report() cascade;
drop function public.send_invoice(p_invoice_id uuid) cascade;
drop function private.queue_client_email(p_org uuid, p_client uuid, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) cascade;

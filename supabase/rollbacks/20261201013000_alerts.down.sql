-- DRAFT down file of 20261201013000_alerts.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('alert-checks');
select cron.unschedule('alerts-daily-paris');

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger organizations_seed_alert_config on public.organizations;
drop trigger invoices_queue_overdue_check_update on public.invoices;
drop trigger invoices_queue_overdue_check_insert on public.invoices;
drop trigger invoices_queue_overdue_check_delete on public.invoices;

-- objects it created, newest first
drop view public.alert_timesheets_unapproved cascade;
drop view public.alert_stock_critical cascade;
drop view public.alert_missions_blocked cascade;
drop view public.alert_invoices_overdue cascade;
drop view public.alert_emergencies_pending cascade;
drop view private.alert_candidates_timesheets_unapproved cascade;
drop view private.alert_candidates_stock_critical cascade;
drop view private.alert_candidates_missions_blocked cascade;
drop view private.alert_candidates_invoices_overdue cascade;
drop view private.alert_candidates_emergencies_pending cascade;
drop function private.alert_config_of(p_org uuid, p_type text) cascade;
drop table public.alert_config cascade;
drop function private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean) cascade;
drop function private.lock_alert_for_caller(p_id uuid) cascade;
drop function private.create_alert_notifications(p_notices private.alert_notice[]) cascade;
drop type private.alert_notice cascade;
drop function private.forget_invoice_overdue_evaluations() cascade;
drop table private.alert_invoice_overdue_evaluations cascade;
drop function private.queue_invoice_for_overdue_check() cascade;
drop table private.alert_invoice_overdue_queue cascade;
drop table public.alerts cascade;
drop function public.silence_alert(p_id uuid, p_until timestamp with time zone) cascade;
drop function public.run_all_alert_checks() cascade;
drop function public.acknowledge_alert(p_id uuid) cascade;
drop function private.validate_alert_config() cascade;
drop function private.seed_alert_config_for_new_org() cascade;
drop function private.seed_alert_config(p_org uuid) cascade;
drop function private.run_alert_check(p_view text, p_types text[]) cascade;
drop function private.invoice_overdue_alert_type(p_org uuid, p_due date) cascade;
drop function private.check_timesheets_unapproved() cascade;
drop function private.check_stock_critical() cascade;
drop function private.check_missions_blocked() cascade;
drop function private.check_invoices_overdue() cascade;
drop function private.check_emergencies_pending() cascade;
drop function private.alert_notify_batch_size() cascade;
drop function private.alert_cutoff_time(p_org uuid, p_type text) cascade;
drop function private.alert_cutoff_date(p_org uuid, p_type text) cascade;

-- Down file of supabase/migrations/20261201013000_alerts.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('alert-checks');
select cron.unschedule('alerts-daily-paris');

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger organizations_seed_alert_config on public.organizations;
drop trigger invoices_queue_overdue_check_update on public.invoices;
drop trigger invoices_queue_overdue_check_insert on public.invoices;
drop trigger invoices_queue_overdue_check_delete on public.invoices;

-- objects it created, dependents first
drop view public.alert_timesheets_unapproved;
drop view public.alert_stock_critical;
drop view public.alert_missions_blocked;
drop view public.alert_invoices_overdue;
drop view public.alert_emergencies_pending;
drop view private.alert_candidates_timesheets_unapproved;
drop view private.alert_candidates_stock_critical;
drop view private.alert_candidates_missions_blocked;
drop view private.alert_candidates_invoices_overdue;
drop view private.alert_candidates_emergencies_pending;
drop table private.alert_invoice_overdue_evaluations;
drop table private.alert_invoice_overdue_queue;
drop function private.alert_config_of(p_org uuid, p_type text);
drop function private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean);
drop function private.lock_alert_for_caller(p_id uuid);
drop function private.create_alert_notifications(p_notices private.alert_notice[]);
drop function private.queue_invoice_for_overdue_check();
drop function public.silence_alert(p_id uuid, p_until timestamp with time zone);
drop function public.run_all_alert_checks();
drop function public.acknowledge_alert(p_id uuid);
drop function private.seed_alert_config_for_new_org();
drop function private.seed_alert_config(p_org uuid);
drop function private.run_alert_check(p_view text, p_types text[]);
drop function private.invoice_overdue_alert_type(p_org uuid, p_due date);
drop function private.check_timesheets_unapproved();
drop function private.check_stock_critical();
drop function private.check_missions_blocked();
drop function private.check_invoices_overdue();
drop function private.check_emergencies_pending();
drop function private.alert_notify_batch_size();
drop function private.alert_cutoff_time(p_org uuid, p_type text);
drop function private.alert_cutoff_date(p_org uuid, p_type text);
drop type private.alert_notice;
drop table public.alerts;
drop table public.alert_config;
drop function private.forget_invoice_overdue_evaluations();
drop function private.validate_alert_config();

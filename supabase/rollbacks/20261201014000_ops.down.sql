-- DRAFT down file of 20261201014000_ops.sql

-- objects it created, newest first
drop table ops.health_check_catalog cascade;
drop view ops.check_orphaned_attachments cascade;
drop view ops.check_credit_notes_invalid cascade;
drop view ops.check_timesheets_unapproved_30d cascade;
drop view ops.check_missions_unreachable_status cascade;
drop view ops.check_notifications_failed_or_stuck cascade;
drop view ops.check_cron_failures_24h cascade;
drop view ops.check_invoice_chain cascade;
drop view ops.check_emergencies_pending_overdue cascade;
drop view ops.check_rls_coverage cascade;
drop view ops.check_invoices_sent_without_pdf cascade;
drop view ops.check_stock_negative cascade;
drop view ops.weekly_health cascade;
drop view ops.rls_policy_coverage cascade;
drop view ops.rls_enabled_check cascade;
drop view ops.schema_scope cascade;
drop view ops.lint_plpgsql cascade;
drop view ops.lint_findings cascade;
drop view ops.lint_column_findings cascade;
drop table ops.lint_allowlist cascade;
drop view ops.daily_health cascade;
drop view ops.cron_job_status cascade;
drop table ops.column_rule_allowlist cascade;
drop function ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text) cascade;
drop function ops.sql_statement_count(p_sql text) cascade;
drop function ops.rel_ident(p_oid oid) cascade;
drop function ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name) cascade;
drop function ops.metrics() cascade;
drop function ops.lint_plpgsql_run() cascade;
drop function ops.lint_column_rules() cascade;
drop function ops.lint_catalog() cascade;
drop function ops.health_checks(p_period text) cascade;
drop function ops.fn_ident(p_oid oid) cascade;
drop function ops.expr_text(p_expr pg_node_tree, p_relid oid) cascade;
drop extension plpgsql_check;

-- grants it changed on existing objects
revoke all on table cron.job_run_details from public, service_role;
grant DELETE on table cron.job_run_details to public;
grant SELECT on table cron.job_run_details to public;
revoke all on table cron.job from public, service_role;
grant SELECT on table cron.job to public;
revoke all on schema cron from service_role;

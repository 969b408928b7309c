-- Down file of supabase/migrations/20261201014000_ops.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop view ops.check_orphaned_attachments;
drop view ops.check_credit_notes_invalid;
drop view ops.check_timesheets_unapproved_30d;
drop view ops.check_missions_unreachable_status;
drop view ops.check_notifications_failed_or_stuck;
drop view ops.check_cron_failures_24h;
drop view ops.check_invoice_chain;
drop view ops.check_emergencies_pending_overdue;
drop view ops.check_rls_coverage;
drop view ops.check_invoices_sent_without_pdf;
drop view ops.check_stock_negative;
drop view ops.weekly_health;
drop view ops.rls_policy_coverage;
drop view ops.rls_enabled_check;
drop view ops.schema_scope;
drop view ops.lint_plpgsql;
drop view ops.lint_findings;
drop view ops.lint_column_findings;
drop view ops.daily_health;
drop view ops.cron_job_status;
drop table ops.health_check_catalog;
drop table ops.lint_allowlist;
drop table ops.column_rule_allowlist;
drop function ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text);
drop function ops.sql_statement_count(p_sql text);
drop function ops.rel_ident(p_oid oid);
drop function ops.plpgsql_check_one(p_fn oid, p_rel oid, p_oldtable name, p_newtable name);
drop function ops.metrics();
drop function ops.lint_plpgsql_run();
drop function ops.lint_column_rules();
drop function ops.lint_catalog();
drop function ops.health_checks(p_period text);
drop function ops.fn_ident(p_oid oid);
drop function ops.expr_text(p_expr pg_node_tree, p_relid oid);
drop extension plpgsql_check;

-- grants it changed on existing objects
revoke all on table cron.job_run_details from public, service_role;
grant DELETE on table cron.job_run_details to public;
grant SELECT on table cron.job_run_details to public;
revoke all on table cron.job from public, service_role;
grant SELECT on table cron.job to public;
revoke all on schema cron from service_role;

-- Down file of supabase/migrations/20261205110500_chart_revenue_by_month.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.payments_org_paid_on_idx;
drop index public.invoices_org_issue_date_idx;

-- objects it created, dependents first
drop function public.revenue_by_month(p_org_id uuid, p_from date, p_to date);

-- Down file of supabase/migrations/20261205110300_chart_alerts_over_time.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.alerts_org_resolved_idx;
drop index public.alerts_org_first_fired_idx;

-- objects it created, dependents first
drop function public.alerts_over_time(p_org_id uuid, p_from date, p_to date);
drop function private.assert_chart_period(p_from date, p_to date, p_max_days integer);

-- grants it changed on existing objects
revoke all on function private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text) from authenticated, service_role;

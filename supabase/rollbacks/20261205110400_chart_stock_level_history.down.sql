-- Down file of supabase/migrations/20261205110400_chart_stock_level_history.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.stock_movements_item_created_idx;

-- objects it created, dependents first
drop function public.stock_level_history(p_item_id uuid, p_from date, p_to date);

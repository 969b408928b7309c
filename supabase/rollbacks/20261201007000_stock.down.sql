-- Down file of supabase/migrations/20261201007000_stock.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop view public.stock_negative;
drop view public.stock_low;
drop table public.stock_movements;
drop table public.stock_items;
drop function public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text);
drop function private.guard_stock_on_hand();
drop function private.check_stock_movement();

-- DRAFT down file of 20261201007000_stock.sql

-- objects it created, newest first
drop view public.stock_negative cascade;
drop table public.stock_movements cascade;
drop view public.stock_low cascade;
drop table public.stock_items cascade;
drop function public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) cascade;
drop function private.guard_stock_on_hand() cascade;
drop function private.check_stock_movement() cascade;

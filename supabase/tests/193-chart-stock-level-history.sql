-- Chart data: public.stock_level_history — a stock item's quantity on hand at
-- the end of each day (organization time zone, Europe/Paris for org A), from
-- its ledger; for owners, admins, dispatchers and accountants.
-- Fixture: a new item of org A whose movements are dated in June 2026 (the
-- ledger trigger numbers them and computes balance_after in insert order).
begin;
select plan(12);

insert into public.stock_items (id, org_id, sku, name, unit)
values ('e1930000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'TEST-193', 'Joint fibre 1/2"', 'u');
create function pg_temp.move(p_kind text, p_quantity numeric, p_at timestamptz) returns void language sql as $$
  insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction, reason, created_at)
  values ('a0000000-0000-4000-8000-0000000000a0', 'e1930000-0000-4000-8000-000000000001',
          case when p_kind = 'down' then 'adjustment' else p_kind end, p_quantity,
          case when p_kind = 'down' then 'down' end, case when p_kind = 'down' then 'inventory count' end, p_at)
$$;
select pg_temp.move('in',   50, '2026-05-20 10:00+00');   -- before the period: 50
select pg_temp.move('out',  10, '2026-06-02 08:00+00');   -- 40
select pg_temp.move('out',   5, '2026-06-02 15:00+00');   -- 35, the day's last
select pg_temp.move('in',   20, '2026-06-04 22:30+00');   -- 00:30 on 5 June in Paris: 55
select pg_temp.move('down',  3, '2026-06-05 09:00+00');   -- 52
select pg_temp.move('out',   2, '2026-06-09 09:00+00');   -- after the period

select results_eq(
  $$select day, on_hand from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-06-01', '2026-06-06')$$,
  $$values ('2026-06-01'::date, 50::numeric), ('2026-06-02', 35), ('2026-06-03', 35), ('2026-06-04', 35), ('2026-06-05', 52), ('2026-06-06', 52)$$,
  'each day ends at the balance after its last movement, quiet days keep the previous level, the period opens at the level before it');
select results_eq(
  $$select day, on_hand from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-05-18', '2026-05-20')$$,
  $$values ('2026-05-18'::date, 0::numeric), ('2026-05-19', 0), ('2026-05-20', 50)$$,
  'before the first movement the level is 0');
select is((select on_hand from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-06-10', '2026-06-10')),
  (select on_hand from public.stock_items where id = 'e1930000-0000-4000-8000-000000000001'),
  'after the last movement, the level is the item''s on_hand');

-- -----------------------------------------------------------------------------
-- Who may read it
-- -----------------------------------------------------------------------------
select is((tests.as_user(u, $$select jsonb_agg(on_hand order by day) from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-06-01', '2026-06-06')$$)),
  '[50, 35, 35, 35, 52, 52]'::jsonb, d)
from (values ('a0000000-0000-4000-8000-000000000002'::uuid, 'a dispatcher reads the history'),
             ('a0000000-0000-4000-8000-000000000005', 'an accountant reads the history')) t (u, d);
select tests.throws_as_user(u, $$select count(*) from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-06-01', '2026-06-06')$$, e, m, d)
from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, '42501', 'Permission denied: stock_level_history requires one of the roles owner, admin, dispatcher, accountant',
   'a technician, who sees only their missions'' movements, is refused'),
  ('a0000000-0000-4000-8000-000000000006', 'P0002', 'Stock item e1930000-0000-4000-8000-000000000001 not found', 'a portal user learns nothing'),
  ('b0000000-0000-4000-8000-000000000001', 'P0002', 'Stock item e1930000-0000-4000-8000-000000000001 not found', 'another organization''s admin learns nothing')
) t (u, e, m, d);
select throws_ok($$select tests.as_anon('select count(*) from public.stock_level_history(''e1930000-0000-4000-8000-000000000001'', ''2026-06-01'', ''2026-06-03'')')$$,
  '42501', 'permission denied for function stock_level_history', 'anon may not call it');

-- -----------------------------------------------------------------------------
-- Refusals
-- -----------------------------------------------------------------------------
select throws_ok($$select * from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-06-03', '2026-06-01')$$,
  '22023', 'The period ends (2026-06-01) before it starts (2026-06-03)', 'a period that ends before it starts is refused');
select throws_ok($$select * from public.stock_level_history('e1930000-0000-4000-8000-000000000001', '2026-01-01', '2027-01-02')$$,
  '22023', 'At most 366 days per chart (asked: 367)', 'more than a year of days is refused');
select throws_ok($$select * from public.stock_level_history('e1930000-0000-4000-8000-000000000009', '2026-06-01', '2026-06-03')$$,
  'P0002', 'Stock item e1930000-0000-4000-8000-000000000009 not found', 'an unknown item is not found');

select * from finish();
rollback;

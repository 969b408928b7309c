-- Invoiced and cancelled missions take no more hours and no more stock use,
-- whoever writes (here the system actor, which skips role checks only).
begin;
select plan(5);

create temp table on_hand_before as
  select on_hand from public.stock_items where id = 'a0000000-0000-4000-8000-000000003202';

select throws_ok(
  $$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
            'a0000000-0000-4000-8000-000000002006', current_date - 30, 2)$$,
  'P0001', 'Mission a0000000-0000-4000-8000-000000002006 is invoiced: no more hours or stock can be recorded on it',
  'no timesheet on an invoiced mission');

select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 1,
            'a0000000-0000-4000-8000-000000002006', 'closed-mission-test-1')$$,
  'P0001', 'Mission a0000000-0000-4000-8000-000000002006 is invoiced: no more hours or stock can be recorded on it',
  'no stock use on an invoiced mission');

select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 1,
            'a0000000-0000-4000-8000-000000002008', 'closed-mission-test-2')$$,
  'P0001', 'Mission a0000000-0000-4000-8000-000000002008 is cancelled: no more hours or stock can be recorded on it',
  'no stock use on a cancelled mission');

select is(
  (select on_hand from public.stock_items where id = 'a0000000-0000-4000-8000-000000003202'),
  (select on_hand from on_hand_before), 'the refused movements changed nothing');

-- A done mission (not yet invoiced) still takes parts.
select lives_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 1,
            'a0000000-0000-4000-8000-000000002009', 'closed-mission-test-3')$$,
  'a done mission still takes stock use');

select * from finish();
rollback;

-- Stock (invariant 6): on_hand is maintained only by movements, never goes
-- negative (exact message, nothing changed), movements are append-only, the
-- views stock_negative (always empty) and stock_low, and record_stock_use
-- (assigned missions only, idempotent replays).
begin;
select plan(59);


-- Fixtures: missions e3…01 (Karim …03, in progress), e3…02 (Sophie …04, in
-- progress), e3…03 (published), e3…0b (org B); items e33…01.. in org A.
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('e3000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — entretien chaudière'),
  ('e3000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — désembouage'),
  ('e3000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2', 'Test — four à pain'),
  ('e3000000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1', 'Test — fuite local technique');
update public.missions set status = 'published' where id::text like 'e3000000-%';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-000000000001';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000004' where id = 'e3000000-0000-4000-8000-000000000002';
update public.missions set status = 'assigned', technician_id = 'b0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-00000000000b';
update public.missions set status = 'in_progress' where id in ('e3000000-0000-4000-8000-000000000001', 'e3000000-0000-4000-8000-000000000002', 'e3000000-0000-4000-8000-00000000000b');
update public.missions set technician_id = 'a0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-000000000003';

insert into public.stock_items (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate) values
  ('e3300000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'TST-VANNE-15', 'Vanne d''arrêt 15 mm (test)', 'u', 5, 450, 990, 20),
  ('e3300000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'TST-CU-14', 'Tube cuivre Ø14 (test)', 'm', 10, 620, 1150, 20),
  ('e3300000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'TST-JOINT', 'Joint fibre 15x21 (test)', 'u', 0, 5, 30, 10);

-- -----------------------------------------------------------------------------
-- Items.
-- -----------------------------------------------------------------------------
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 0::numeric, 'a new item starts at 0');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name, on_hand) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-X', 'x', 10)$$,
  'P0001', 'Stock item TST-X must be created with on_hand 0; record an ''in'' movement for its initial stock',
  'an item cannot be created with a stock level');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-VANNE-15', 'doublon')$$,
  '23505', null, 'the SKU is unique within an organization');
select lives_ok(
  $$insert into public.stock_items (org_id, sku, name) values ('b0000000-0000-4000-8000-0000000000b0', 'TST-VANNE-15', 'Vanne d''arrêt')$$,
  '… but another organization may use the same SKU');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name, vat_rate) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-TVA', 'x', 7)$$,
  '23514', null, 'only French VAT rates are accepted');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name, min_stock) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-MIN', 'x', -1)$$,
  '23514', null, 'min_stock cannot be negative');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name, cost_cents) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-COST', 'x', -1)$$,
  '23514', null, 'a cost cannot be negative');
select throws_ok(
  $$insert into public.stock_items (org_id, sku, name, unit) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-UNIT', 'x', 'palette')$$,
  '23514', null, 'units come from the list (u, m, m2, kg, l)');

-- -----------------------------------------------------------------------------
-- Movements keep on_hand.
-- -----------------------------------------------------------------------------
insert into public.stock_movements (id, org_id, item_id, kind, quantity, reason) values
  ('e3400000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'in', 50, 'Livraison BL-TEST-1');
select results_eq(
  $$select (select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), balance_after, delta
    from public.stock_movements where id = 'e3400000-0000-4000-8000-000000000001'$$,
  $$values (50::numeric, 50::numeric, 50::numeric)$$,
  'an in movement adds to on_hand and records the balance after it');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'out', 100, 'e3000000-0000-4000-8000-000000000001')$$,
  'P0001', 'Insufficient stock. Available: 50, Requested: 100', 'taking more than is on hand is refused with the exact message');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 50::numeric, '… on_hand is unchanged');
select is((select count(*)::int from public.stock_movements where item_id = 'e3300000-0000-4000-8000-000000000001'), 1, '… and no movement was recorded');
select lives_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'out', 20, 'e3000000-0000-4000-8000-000000000001')$$,
  'an out movement within the stock is accepted');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 30::numeric, '… 50 - 20 = 30');
select lives_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction, reason)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'adjustment', 5, 'down', 'Inventaire : 5 vannes cassées')$$,
  'an adjustment down is accepted');
select lives_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction, reason)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'adjustment', 2.5, 'up', 'Inventaire : carton retrouvé')$$,
  'an adjustment up is accepted');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 27.5::numeric, '… 30 - 5 + 2.5 = 27.5');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction, reason)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'adjustment', 30, 'down', 'Inventaire annuel')$$,
  'P0001', 'Insufficient stock. Available: 27.5, Requested: 30', 'an adjustment down cannot go below zero either (numbers without trailing zeros)');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id) values
    ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'out', 20, 'e3000000-0000-4000-8000-000000000001'),
    ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'out', 10, 'e3000000-0000-4000-8000-000000000001')$$,
  'P0001', 'Insufficient stock. Available: 7.5, Requested: 10', 'two movements of one statement are applied one after the other');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 27.5::numeric, '… and the whole statement is undone');
select lives_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000001', 'out', 27.5, 'e3000000-0000-4000-8000-000000000001')$$,
  'taking exactly what is on hand is accepted');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 0::numeric, '… and leaves 0');
select is(
  (select sum(delta) from public.stock_movements where item_id = 'e3300000-0000-4000-8000-000000000001'),
  (select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'),
  'on_hand equals the sum of the movement deltas');
select results_eq(
  $$select item_seq, delta, balance_after from public.stock_movements where item_id = 'e3300000-0000-4000-8000-000000000001' order by item_seq$$,
  $$values (1::bigint, 50::numeric, 50::numeric), (2, -20, 30), (3, -5, 25), (4, 2.5, 27.5), (5, -27.5, 0)$$,
  'the item''s ledger is numbered without gaps and each movement records the balance it left');
select is((select movement_count from public.stock_items where id = 'e3300000-0000-4000-8000-000000000001'), 5::bigint,
  '… and the item counts its movements');

select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'adjustment', 1, 'up')$$,
  '23514', null, 'an adjustment needs a reason');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'adjustment', 1, 'Inventaire')$$,
  '23514', null, 'an adjustment needs a direction');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, adjustment_direction)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'in', 1, 'down')$$,
  '23514', null, 'only adjustments have a direction');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity) values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'in', -100)$$,
  '23514', 'Stock movement quantity must be greater than 0 (got -100)', 'a negative in is refused as such, not as a stock shortage');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity) values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'in', 0)$$,
  '23514', null, 'a movement of 0 is refused');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity) values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'out', -5)$$,
  '23514', null, 'a negative quantity is refused (an out of -5 is not an in of 5)');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity) values ('b0000000-0000-4000-8000-0000000000b0', 'e3300000-0000-4000-8000-000000000002', 'in', 5)$$,
  '23503', 'Stock item e3300000-0000-4000-8000-000000000002 not found', 'a movement cannot use another organization''s item');
select throws_ok(
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id) values ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000002', 'in', 5, 'e3000000-0000-4000-8000-00000000000b')$$,
  '23503', null, 'a movement cannot point at another organization''s mission');
select is((select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000002'), 0::numeric, '… and refused movements left on_hand alone');

-- -----------------------------------------------------------------------------
-- on_hand is the database's; movements are history.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$update public.stock_items set on_hand = 1000 where id = 'e3300000-0000-4000-8000-000000000002'$$,
  'P0001', 'on_hand of stock item TST-CU-14 is maintained by stock movements; record a movement instead', 'on_hand cannot be written directly');
select throws_ok(
  $$with c as (select set_config('terrain.stock_movement_item', 'e3300000-0000-4000-8000-000000000002', true))
    update public.stock_items set on_hand = 1000 where id = 'e3300000-0000-4000-8000-000000000002' and exists (select from c)$$,
  'P0001', 'on_hand of stock item TST-CU-14 is maintained by stock movements; record a movement instead',
  'setting the movement marker by hand does not help');
select lives_ok(
  $$update public.stock_items set name = 'Tube cuivre écroui Ø14 (test)', min_stock = 12 where id = 'e3300000-0000-4000-8000-000000000002'$$,
  'the other columns of an item can be edited');
select throws_ok($$update public.stock_movements set quantity = 1 where id = 'e3400000-0000-4000-8000-000000000001'$$,
  'P0001', 'Table public.stock_movements is append-only: UPDATE is not allowed', 'a movement cannot be edited');
select throws_ok($$delete from public.stock_movements where id = 'e3400000-0000-4000-8000-000000000001'$$,
  'P0001', 'Table public.stock_movements is append-only: DELETE is not allowed', 'a movement cannot be deleted');
select throws_ok($$truncate public.stock_movements cascade$$,
  'P0001', 'Table public.stock_movements is append-only: TRUNCATE is not allowed', 'the ledger cannot be truncated');

-- -----------------------------------------------------------------------------
-- Views.
-- -----------------------------------------------------------------------------
select is_empty($$select * from public.stock_negative$$, 'stock_negative is empty');
select is_empty(
  $$select i.id from public.stock_items i
    left join public.stock_movements m on m.org_id = i.org_id and m.item_id = i.id
    group by i.id, i.on_hand, i.movement_count
    having i.on_hand <> coalesce(sum(m.delta), 0) or i.movement_count <> count(m.id)
        or i.on_hand <> coalesce((array_agg(m.balance_after order by m.item_seq desc))[1], 0)$$,
  'for every item (demo data included), on_hand = sum of deltas = the last balance, and the count matches the ledger');
select results_eq(
  $$select sku, on_hand, min_stock, shortfall from public.stock_low where sku like 'TST-%' and org_id = 'a0000000-0000-4000-8000-0000000000a0' order by sku$$,
  $$values ('TST-CU-14'::text, 0::numeric, 12::numeric, 12::numeric), ('TST-VANNE-15'::text, 0::numeric, 5::numeric, 5::numeric)$$,
  'stock_low lists the items below their minimum, with the shortfall (an item at min_stock 0 is never low)');
select is(
  (select reloptions from pg_class where oid = 'public.stock_low'::regclass) || (select reloptions from pg_class where oid = 'public.stock_negative'::regclass),
  array['security_invoker=true', 'security_invoker=true'], 'both views run with the caller''s rights');

-- -----------------------------------------------------------------------------
-- record_stock_use: the technician's call.
-- -----------------------------------------------------------------------------
insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values
  ('a0000000-0000-4000-8000-0000000000a0', 'e3300000-0000-4000-8000-000000000003', 'in', 10, 'Livraison BL-TEST-2');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 4, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0001')$q$)
    - 'movement_id',
  '{"item_id": "e3300000-0000-4000-8000-000000000003", "sku": "TST-JOINT", "quantity": 4, "mission_id": "e3000000-0000-4000-8000-000000000001", "on_hand": 6}'::jsonb,
  'a technician records parts used on their mission');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 4, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0001')$q$) ->> 'on_hand',
  '6', 'a replay returns the first result (on_hand 6) …');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 4.0, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0001')$q$) ->> 'on_hand',
  '6', '… and so does a third one');
select results_eq(
  $$select (select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000003'),
           (select count(*) from public.stock_movements where item_id = 'e3300000-0000-4000-8000-000000000003' and kind = 'out'),
           (select author from public.stock_movements where idempotency_key = 'stock-use-key-0001')$$,
  $$values (6::numeric, 1::bigint, 'a0000000-0000-4000-8000-000000000003'::uuid)$$,
  'three calls took the parts once, authored by the technician');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 5, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0001')$q$)$$,
  'P0001', 'Idempotency key stock-use-key-0001 was already used for a different request', 'the same key with another quantity is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 7, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0002')$q$)$$,
  'P0001', 'Insufficient stock. Available: 6, Requested: 7', 'record_stock_use cannot take more than is on hand');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 1, 'e3000000-0000-4000-8000-000000000002', 'stock-use-key-0003')$q$)$$,
  '42501', 'Mission e3000000-0000-4000-8000-000000000002 is not assigned to you', 'not on another technician''s mission');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 1, 'e3000000-0000-4000-8000-000000000003', 'stock-use-key-0004')$q$)$$,
  'P0001', 'Cannot record stock use on a mission in status published', 'not on a mission that has not been accepted');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 1, 'e3000000-0000-4000-8000-00000000000b', 'stock-use-key-0005')$q$)$$,
  'P0002', 'Mission e3000000-0000-4000-8000-00000000000b not found', 'not on another organization''s mission');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 1, 'e3000000-0000-4000-8000-00000000000b', 'stock-use-key-0006')$q$)$$,
  'P0002', 'Stock item e3300000-0000-4000-8000-000000000003 not found', 'another organization''s item is not found');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 1, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0007')$q$)$$,
  '42501', 'Only technicians record stock use', 'a dispatcher does not use the technician''s call');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.record_stock_use('e3300000-0000-4000-8000-000000000003', 0, 'e3000000-0000-4000-8000-000000000001', 'stock-use-key-0008')$q$)$$,
  '23514', 'Quantity must be greater than 0 (got 0)', 'a quantity of 0 is refused');
select results_eq(
  $$select (select on_hand from public.stock_items where id = 'e3300000-0000-4000-8000-000000000003'),
           (select count(*) from public.idempotency_keys where key like 'stock-use-key-%')$$,
  $$values (6::numeric, 1::bigint)$$,
  'refused calls changed nothing and stored no result');

select ok(has_function_privilege('authenticated', 'public.record_stock_use(uuid, numeric, uuid, text)', 'execute')
          and has_function_privilege('service_role', 'public.record_stock_use(uuid, numeric, uuid, text)', 'execute')
          and not has_function_privilege('anon', 'public.record_stock_use(uuid, numeric, uuid, text)', 'execute'),
  'authenticated and service_role can call record_stock_use, anon cannot');
select ok(not has_column_privilege('authenticated', 'public.stock_items', 'on_hand', 'insert, update')
          and not has_table_privilege('authenticated', 'public.stock_movements', 'update, delete')
          and not has_table_privilege('authenticated', 'public.stock_low', 'insert, update, delete')
          and not has_table_privilege('anon', 'public.stock_items', 'select, insert, update, delete')
          and not has_table_privilege('anon', 'public.stock_movements', 'select, insert, update, delete')
          and not has_table_privilege('anon', 'public.stock_low', 'select')
          and not has_table_privilege('anon', 'public.stock_negative', 'select'),
  'on_hand is never writable through the API, movements are never updated or deleted; anon has nothing');

select * from finish();
rollback;

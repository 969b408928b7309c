-- What runs while a stock item's row is locked (16 writers on one item wait
-- for each other there): one statement locks, checks and updates the item;
-- the stock_low event is decided from that statement's values, not from a
-- second read; record_stock_use hashes its request and checks everything
-- before the lock, and stores its idempotent result without a second
-- advisory-lock round. Invariants (never negative, replay) are proven by
-- 20-idempotency, 32-stock, 70-app-events and the concurrent integration test.
begin;
select plan(10);

-- -----------------------------------------------------------------------------
-- Shape
-- -----------------------------------------------------------------------------
select unalike(
  (select prosrc from pg_proc where oid = 'private.check_stock_movement()'::regprocedure),
  '%for update%', 'check_stock_movement: no separate SELECT … FOR UPDATE before its UPDATE (one statement locks, checks, writes)');
select is(
  (select count(*)::int from pg_trigger where tgrelid = 'public.stock_movements'::regclass and tgname = 'stock_movements_log_low'),
  0, 'no AFTER trigger reads the item again to decide stock_low');
select unalike(
  (select prosrc from pg_proc where oid = 'public.record_stock_use(uuid, numeric, uuid, text)'::regprocedure),
  '%private.idempotency_store(%', 'record_stock_use stores its result itself (its key is already locked by the lookup)');
select ok(
  (select prosrc from pg_proc where oid = 'private.check_stock_movement()'::regprocedure) like '%''NaN'', ''Infinity'', ''-Infinity''%',
  'check_stock_movement keeps the non-finite quantity guard');

-- -----------------------------------------------------------------------------
-- Behaviour through record_stock_use: result, ledger, idempotent replay,
-- refusals that change nothing. Seed: Karim (a…03) holds mission a…2003
-- (assigned); item a…3202 VASE-EXP-8L has on_hand 4, min_stock 2.
-- -----------------------------------------------------------------------------
create temporary table t_result (label text primary key, result jsonb) on commit drop;
grant all on t_result to authenticated;
select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$insert into t_result select 'first', public.record_stock_use('a0000000-0000-4000-8000-000000003202', 3, 'a0000000-0000-4000-8000-000000002003', 'hot-path-0001') returning 1$$);
select is((select (result ->> 'on_hand')::numeric from t_result where label = 'first'), 1::numeric,
  'record_stock_use returns the balance after the movement (4 - 3 = 1)');
select is(
  (select on_hand from public.stock_items where id = 'a0000000-0000-4000-8000-000000003202'),
  (select sum(delta) from public.stock_movements where item_id = 'a0000000-0000-4000-8000-000000003202'),
  'on_hand is the sum of the ledger');
select is(
  (select count(*)::int from public.app_events where type = 'stock_low' and entity_id = 'a0000000-0000-4000-8000-000000003202'
      and payload ->> 'movement_id' = (select result ->> 'movement_id' from t_result where label = 'first')
      and (payload ->> 'on_hand')::numeric = 1 and (payload ->> 'min_stock')::numeric = 2 and payload ->> 'sku' = 'VASE-EXP-8L'),
  1, '4 → 1 crosses min_stock 2: one stock_low event naming the movement, the balance and the threshold');

select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$insert into t_result select 'replay', public.record_stock_use('a0000000-0000-4000-8000-000000003202', 3, 'a0000000-0000-4000-8000-000000002003', 'hot-path-0001') returning 1$$);
select is((select result from t_result where label = 'replay'), (select result from t_result where label = 'first'),
  'a replay returns the first result and applies nothing again');
select is((select count(*)::int from public.idempotency_keys where key = 'hot-path-0001'
            and request_hash = private.idempotency_request_hash(jsonb_build_object(
                  'item_id', 'a0000000-0000-4000-8000-000000003202'::uuid, 'quantity', 3,
                  'mission_id', 'a0000000-0000-4000-8000-000000002003'::uuid))
            and user_id = 'a0000000-0000-4000-8000-000000000003' and operation = 'record_stock_use'),
  1, 'the stored key carries the request hash, the user and the operation');

select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      $q$select public.record_stock_use('a0000000-0000-4000-8000-000000003202', 2, 'a0000000-0000-4000-8000-000000002003', 'hot-path-0002')$q$)$$,
  'P0001', 'Insufficient stock. Available: 1, Requested: 2', 'more than on hand is refused with what is available');

select * from finish();
rollback;

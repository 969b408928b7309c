-- Non-finite numbers: 'NaN', 'Infinity' and '-Infinity' are refused on every
-- path that stores a number (RPCs, and direct writes as each role the policies
-- let write), with 23514 naming the <table>_<column>_finite constraint (22003
-- where a numeric(p, s) type already refuses an infinity). After each refusal
-- nothing changed; the stock guard (invariant 6) still holds after a NaN try.
begin;
select plan(59);

-- Seed people (supabase/seed.sql), organization A:
--   …01 owner · …02 dispatcher · …03 technician Karim · …05 accountant
-- Mission a…2004 is in progress, assigned to Karim; invoice a…4005 and
-- quote a…4201 are drafts.

-- Runs p_sql (with %s replaced by each non-finite literal) as p_user and
-- expects a refusal with p_codes[i] for 'NaN', 'Infinity', '-Infinity' (and,
-- for NaN, p_nan_message when given). 22003 is numeric(p, s) refusing an
-- infinity as it is parsed ("numeric field overflow").
create function pg_temp.refuses_non_finite(
  p_user uuid, p_sql text, p_nan_message text, p_codes text[], p_description text
) returns setof text language plpgsql as $$
declare
  v_values text[] := array['NaN', 'Infinity', '-Infinity'];
begin
  for i in 1..3 loop
    return next throws_ok(
      format('select tests.as_user(%L, %L)', p_user, format(p_sql, quote_literal(v_values[i]))),
      p_codes[i],
      case when i = 1 then p_nan_message when p_codes[i] = '22003' then 'numeric field overflow' end,
      format('%s: %s is refused', p_description, v_values[i]));
  end loop;
end $$;

-- A fingerprint of a table's rows, to prove a refusal changed nothing.
create function pg_temp.fingerprint(p_table regclass) returns text language plpgsql as $$
declare v text;
begin
  execute format('select md5(coalesce(string_agg(t::text, %L order by t::text), %L)) from %s t', ',', '', p_table) into v;
  return v;
end $$;

-- Fixture: an item with 5 units (org A).
insert into public.stock_items (id, org_id, sku, name, unit, min_stock) values
  ('e3800000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'TST-NF-1', 'Vanne (test non-finite)', 'u', 1);
insert into public.stock_movements (org_id, item_id, kind, quantity, reason) values
  ('a0000000-0000-4000-8000-0000000000a0', 'e3800000-0000-4000-8000-000000000001', 'in', 5, 'Livraison test');

create temporary table before_state as
select pg_temp.fingerprint('public.stock_items') as stock_items,
       pg_temp.fingerprint('public.stock_movements') as stock_movements,
       pg_temp.fingerprint('public.idempotency_keys') as idempotency_keys;

-- -----------------------------------------------------------------------------
-- record_stock_use (technician RPC) and the stock guard.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.record_stock_use(''e3800000-0000-4000-8000-000000000001'', ''NaN'', ''a0000000-0000-4000-8000-000000002004'', ''nf-stock-nan-1'')')$$,
  '23514', 'Stock movement quantity must be a finite number (got NaN)',
  'record_stock_use refuses a NaN quantity before any stock arithmetic');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.record_stock_use(''e3800000-0000-4000-8000-000000000001'', ''Infinity'', ''a0000000-0000-4000-8000-000000002004'', ''nf-stock-inf-1'')')$$,
  '23514', 'Stock movement quantity must be a finite number (got Infinity)',
  'record_stock_use refuses an infinite quantity');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.record_stock_use(''e3800000-0000-4000-8000-000000000001'', ''-Infinity'', ''a0000000-0000-4000-8000-000000002004'', ''nf-stock-ninf-1'')')$$,
  '23514', 'Quantity must be greater than 0 (got -Infinity)',
  'record_stock_use refuses -Infinity');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.record_stock_use(''e3800000-0000-4000-8000-000000000001'', 500, ''a0000000-0000-4000-8000-000000002004'', ''nf-stock-500-1'')')$$,
  'P0001', 'Insufficient stock. Available: 5, Requested: 500',
  'after the NaN attempts the stock guard still refuses 500 units from a 5-unit item');
select is((select on_hand from public.stock_items where id = 'e3800000-0000-4000-8000-000000000001'), 5::numeric,
  '… on_hand is still 5');
select is((select pg_temp.fingerprint('public.stock_items')), (select stock_items from before_state),
  '… no stock item changed');
select is((select pg_temp.fingerprint('public.stock_movements')), (select stock_movements from before_state),
  '… no movement was recorded');
select is((select pg_temp.fingerprint('public.idempotency_keys')), (select idempotency_keys from before_state),
  '… and no idempotency key was stored (a retry with a good quantity still works)');
select is_empty($$select * from public.stock_negative$$, 'stock_negative stays empty');
select is((tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.record_stock_use(''e3800000-0000-4000-8000-000000000001'', 2, ''a0000000-0000-4000-8000-000000002004'', ''nf-stock-nan-1'')')
    ->> 'on_hand')::numeric, 3::numeric,
  'the same idempotency key with a finite quantity is applied normally');

-- -----------------------------------------------------------------------------
-- Direct writes as owner (stock ledger and items), and as service_role.
-- -----------------------------------------------------------------------------
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000001',
  $$insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
    values ('a0000000-0000-4000-8000-0000000000a0', 'e3800000-0000-4000-8000-000000000001', 'in', %s, 'test') returning to_jsonb(id)$$,
  'Stock movement quantity must be a finite number (got NaN)', '{23514,23514,23514}', 'owner: stock movement in');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      'insert into public.stock_movements (org_id, item_id, kind, adjustment_direction, quantity, reason)
       values (''a0000000-0000-4000-8000-0000000000a0'', ''e3800000-0000-4000-8000-000000000001'', ''adjustment'', ''down'', ''NaN'', ''inventaire'') returning to_jsonb(id)')$$,
  '23514', 'Stock movement quantity must be a finite number (got NaN)',
  'owner: a NaN adjustment down is refused');
select throws_ok(
  $$select tests.as_service('insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
       values (''a0000000-0000-4000-8000-0000000000a0'', ''e3800000-0000-4000-8000-000000000001'', ''out'', ''NaN'', ''x'') returning to_jsonb(id)')$$,
  '23514', 'Stock movement quantity must be a finite number (got NaN)',
  'service_role (bypasses RLS) is refused too');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000001',
  $$update public.stock_items set min_stock = %s where id = 'e3800000-0000-4000-8000-000000000001' returning to_jsonb(id)$$,
  'new row for relation "stock_items" violates check constraint "stock_items_min_stock_finite"', '{23514,23514,23514}', 'owner: stock_items.min_stock update');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000001',
  $$insert into public.stock_items (org_id, sku, name, min_stock) values ('a0000000-0000-4000-8000-0000000000a0', 'TST-NF-2', 'x', %s) returning to_jsonb(id)$$,
  'new row for relation "stock_items" violates check constraint "stock_items_min_stock_finite"', '{23514,23514,23514}', 'owner: stock_items.min_stock insert');
select is((select on_hand from public.stock_items where id = 'e3800000-0000-4000-8000-000000000001'), 3::numeric,
  'after the refused direct writes on_hand is still 3');
select is((select min_stock from public.stock_items where id = 'e3800000-0000-4000-8000-000000000001'), 1::numeric,
  '… and min_stock still 1');
select is((select count(*)::int from public.stock_items where sku = 'TST-NF-2'), 0, '… and no item was created');

-- -----------------------------------------------------------------------------
-- Alert thresholds (owner).
-- -----------------------------------------------------------------------------
create temporary table alert_before as select pg_temp.fingerprint('public.alert_config') as v;
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000001',
  $$update public.alert_config set threshold = %s
    where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = 'stock_critical' returning to_jsonb(threshold)$$,
  'new row for relation "alert_config" violates check constraint "alert_config_threshold_finite"', '{23514,23514,22023}', 'owner: alert_config.threshold');
select is(pg_temp.fingerprint('public.alert_config'), (select v from alert_before), '… alert_config unchanged');

-- -----------------------------------------------------------------------------
-- Quote and invoice lines (numeric(12,3) quantities, VAT rate domain).
-- -----------------------------------------------------------------------------
create temporary table lines_before as
select pg_temp.fingerprint('public.invoice_lines') as invoice_lines, pg_temp.fingerprint('public.quote_lines') as quote_lines,
       pg_temp.fingerprint('public.invoices') as invoices, pg_temp.fingerprint('public.quotes') as quotes;
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000005',
  $$insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000004005', 90, 'Test', %s, 'u', 1000, 20) returning to_jsonb(id)$$,
  'Invoice line quantity must be a finite number (got NaN)', '{23514,22003,22003}', 'accountant: invoice line quantity');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000005',
      'insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate)
       values (''a0000000-0000-4000-8000-0000000000a0'', ''a0000000-0000-4000-8000-000000004005'', 91, ''Test'', 1, ''u'', 1000, ''NaN'') returning to_jsonb(id)')$$,
  '23514', null, 'accountant: an invoice line VAT rate of NaN is refused');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000002',
  $$insert into public.quote_lines (org_id, quote_id, position, description, quantity, unit, unit_price_cents, vat_rate)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000004201', 90, 'Test', %s, 'u', 1000, 20) returning to_jsonb(id)$$,
  'Quote line quantity must be a finite number (got NaN)', '{23514,22003,22003}', 'dispatcher: quote line quantity');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000002',
  $$update public.quote_lines set quantity = %s where quote_id = 'a0000000-0000-4000-8000-000000004201' returning to_jsonb(id)$$,
  'Quote line quantity must be a finite number (got NaN)', '{23514,22003,22003}', 'dispatcher: quote line quantity update');
select results_eq(
  $$select pg_temp.fingerprint('public.invoice_lines'), pg_temp.fingerprint('public.quote_lines'),
           pg_temp.fingerprint('public.invoices'), pg_temp.fingerprint('public.quotes')$$,
  $$select invoice_lines, quote_lines, invoices, quotes from lines_before$$,
  '… no line, invoice or quote (nor their totals) changed');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000005',
      'insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on)
       values (''a0000000-0000-4000-8000-0000000000a0'', ''a0000000-0000-4000-8000-000000004004'', ''NaN'', ''transfer'', current_date) returning to_jsonb(id)')$$,
  '22P02', null, 'accountant: a payment amount (integer cents) of NaN is not even a number');

-- -----------------------------------------------------------------------------
-- Organization settings (owner) and site coordinates (dispatcher).
-- -----------------------------------------------------------------------------
create temporary table org_before as
select pg_temp.fingerprint('public.organizations') as organizations, pg_temp.fingerprint('public.sites') as sites;
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000001',
  $$update public.organizations set late_penalty_rate = %s where id = 'a0000000-0000-4000-8000-0000000000a0' returning to_jsonb(id)$$,
  null, '{23514,22003,22003}', 'owner: late_penalty_rate');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      'update public.organizations set labour_vat_rate = ''NaN'' where id = ''a0000000-0000-4000-8000-0000000000a0'' returning to_jsonb(id)')$$,
  '23514', null, 'owner: a labour VAT rate of NaN is refused');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000002',
  $$update public.sites set latitude = %s where id = 'a0000000-0000-4000-8000-0000000000d1' returning to_jsonb(id)$$,
  null, '{23514,22003,22003}', 'dispatcher: site latitude');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000002',
  $$update public.sites set longitude = %s where id = 'a0000000-0000-4000-8000-0000000000d1' returning to_jsonb(id)$$,
  null, '{23514,22003,22003}', 'dispatcher: site longitude');
select results_eq($$select pg_temp.fingerprint('public.organizations'), pg_temp.fingerprint('public.sites')$$,
  $$select organizations, sites from org_before$$, '… no organization or site changed');

-- -----------------------------------------------------------------------------
-- Hours: log_hours (technician) and a correction by the dispatcher.
-- -----------------------------------------------------------------------------
select is((tests.as_user('a0000000-0000-4000-8000-000000000003',
      'select public.log_hours(''a0000000-0000-4000-8000-000000002004'', current_date, 1.5, null, ''nf-hours-ok-1'')') ->> 'hours')::numeric,
  1.5, 'fixture: Karim logs 1.5 h');
create temporary table hours_before as select pg_temp.fingerprint('public.timesheets') as v;
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000003',
  $$select public.log_hours('a0000000-0000-4000-8000-000000002004', current_date, %s, null, 'nf-hours-bad-1')$$,
  'Hours must be greater than 0 and at most 24 (got NaN)', '{23514,23514,23514}', 'technician: log_hours');
select pg_temp.refuses_non_finite('a0000000-0000-4000-8000-000000000002',
  $$update public.timesheets set hours = %s where mission_id = 'a0000000-0000-4000-8000-000000002004' and work_date = current_date returning to_jsonb(id)$$,
  null, '{23514,22003,22003}', 'dispatcher: timesheet hours correction');
select is(pg_temp.fingerprint('public.timesheets'), (select v from hours_before), '… no timesheet changed');

select * from finish();
rollback;

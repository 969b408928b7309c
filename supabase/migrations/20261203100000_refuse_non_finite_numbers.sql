-- =============================================================================
-- Every stored number is finite.
--
-- Postgres numeric (since 14) and float columns accept 'NaN', 'Infinity' and
-- '-Infinity'. NaN sorts above every number, so range checks written as
-- `x > 0` or `x >= 0` accept it, and arithmetic on it yields NaN again: one
-- NaN quantity turned a stock item's on_hand into NaN, after which
-- `on_hand + delta < 0` was never true and the stock guard (invariant 6) let
-- any quantity out. Typed numeric(p, s) columns refuse the infinities
-- (22003 "numeric field overflow") but still accept NaN.
--
-- The rule: every numeric, real and double precision column of an application
-- schema carries a CHECK named <table>_<column>_finite (a domain over numeric
-- carries <domain>_finite), so a bad value is refused with SQLSTATE 23514 and
-- a constraint name that says what is wrong. ops.lint_column_findings (rule
-- numeric_not_finite) reports any future numeric column without it.
--
-- `x not in ('NaN', 'Infinity', '-Infinity')` is used rather than a range:
-- it states the rule itself, leaves each column's own range check alone, and
-- NULL still passes (nullability is each column's own concern).
--
-- Nothing is repaired: if a row already holds a non-finite value, the check
-- below stops the migration with the list of offending columns. A DBA decides
-- what the right value was (NaN stock needs a recount, not a guess) and
-- re-runs the migration; rewriting rows here would hide the damage.
-- =============================================================================

do $preflight$
declare
  v_column record;
  v_count bigint;
  v_found text[] := '{}';
begin
  for v_column in
    select n.nspname as schema_name, c.relname as table_name, a.attname as column_name
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_type t on t.oid = a.atttypid
    where n.nspname in ('public', 'private', 'audit', 'ops')
      and c.relkind in ('r', 'p')
      and a.attnum > 0 and not a.attisdropped
      and (case when t.typtype = 'd' then t.typbasetype else t.oid end)
          in ('pg_catalog.numeric'::pg_catalog.regtype, 'pg_catalog.float4'::pg_catalog.regtype,
              'pg_catalog.float8'::pg_catalog.regtype)
    order by 1, 2, 3
  loop
    execute pg_catalog.format(
      'select count(*) from %I.%I where %I::numeric in (''NaN'', ''Infinity'', ''-Infinity'')',
      v_column.schema_name, v_column.table_name, v_column.column_name)
    into v_count;
    if v_count > 0 then
      v_found := v_found || pg_catalog.format('%I.%I.%I: %s row(s)',
        v_column.schema_name, v_column.table_name, v_column.column_name, v_count);
    end if;
  end loop;
  if pg_catalog.cardinality(v_found) > 0 then
    raise exception 'Non-finite numbers (NaN or Infinity) are stored; fix these rows by hand, then re-run this migration: %',
      pg_catalog.array_to_string(v_found, '; ')
      using errcode = '23514';
  end if;
end
$preflight$;

-- Domain over numeric: VAT rates are already an enumeration of finite values;
-- the explicit rule keeps them finite if the list ever widens, and lets the
-- lint see it.
alter domain public.fr_vat_rate
  add constraint fr_vat_rate_finite check (value not in ('NaN', 'Infinity', '-Infinity'));

alter table public.alert_config
  add constraint alert_config_threshold_finite check (threshold not in ('NaN', 'Infinity', '-Infinity'));

alter table public.invoice_lines
  add constraint invoice_lines_quantity_finite check (quantity not in ('NaN', 'Infinity', '-Infinity'));

alter table public.quote_lines
  add constraint quote_lines_quantity_finite check (quantity not in ('NaN', 'Infinity', '-Infinity'));

alter table public.organizations
  add constraint organizations_late_penalty_rate_finite check (late_penalty_rate not in ('NaN', 'Infinity', '-Infinity'));

alter table public.sites
  add constraint sites_latitude_finite check (latitude not in ('NaN', 'Infinity', '-Infinity')),
  add constraint sites_longitude_finite check (longitude not in ('NaN', 'Infinity', '-Infinity'));

alter table public.stock_items
  add constraint stock_items_min_stock_finite check (min_stock not in ('NaN', 'Infinity', '-Infinity')),
  add constraint stock_items_on_hand_finite check (on_hand not in ('NaN', 'Infinity', '-Infinity')),
  add constraint stock_items_vat_rate_finite check (vat_rate not in ('NaN', 'Infinity', '-Infinity'));

-- delta is generated from quantity and balance_after is computed by
-- check_stock_movement(); both are checked anyway, so no later change to
-- either derivation can store a non-finite ledger value.
alter table public.stock_movements
  add constraint stock_movements_quantity_finite check (quantity not in ('NaN', 'Infinity', '-Infinity')),
  add constraint stock_movements_delta_finite check (delta not in ('NaN', 'Infinity', '-Infinity')),
  add constraint stock_movements_balance_after_finite check (balance_after not in ('NaN', 'Infinity', '-Infinity'));

alter table public.timesheets
  add constraint timesheets_hours_finite check (hours not in ('NaN', 'Infinity', '-Infinity'));

-- -----------------------------------------------------------------------------
-- The stock movement trigger runs BEFORE the table's CHECK constraints and
-- does arithmetic on the quantity (on_hand + delta). Same function as in
-- 20261122231500_stock.sql, with one change: a first guard refuses a
-- non-finite quantity, so NaN never reaches the stock computation and the
-- caller (a direct insert or record_stock_use) reads which value was wrong.
-- -----------------------------------------------------------------------------
create or replace function private.check_stock_movement()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_on_hand numeric;
  v_count bigint;
  v_delta numeric;
begin
  -- The generated column is computed after BEFORE triggers: derive it here,
  -- strictly. A malformed row is refused now (the CHECK constraints would
  -- refuse it too, but only after this trigger had judged the stock on a
  -- meaningless delta, e.g. an 'in' of -100 reported as insufficient stock,
  -- or a NaN that compares greater than every number).
  if new.quantity in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'Stock movement quantity must be a finite number (got %)', new.quantity
      using errcode = '23514', schema = tg_table_schema, table = tg_table_name, column = 'quantity',
            constraint = 'stock_movements_quantity_finite';
  end if;
  if new.quantity is null or new.quantity <= 0 then
    raise exception 'Stock movement quantity must be greater than 0 (got %)', coalesce(pg_catalog.trim_scale(new.quantity)::text, 'null')
      using errcode = '23514';
  end if;
  v_delta := case
    when new.kind = 'in' and new.adjustment_direction is null then new.quantity
    when new.kind = 'out' and new.adjustment_direction is null then -new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'up' then new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'down' then -new.quantity
  end;
  if v_delta is null then
    raise exception 'Stock movement kind must be in, out or adjustment; an adjustment needs a direction (up or down) and only adjustments have one'
      using errcode = '23514';
  end if;

  select i.on_hand, i.movement_count into v_on_hand, v_count
  from public.stock_items i
  where i.org_id = new.org_id and i.id = new.item_id
  for update;
  if not found then
    raise exception 'Stock item % not found', new.item_id using errcode = '23503';
  end if;

  if v_on_hand + v_delta < 0 then
    raise exception 'Insufficient stock. Available: %, Requested: %',
      pg_catalog.trim_scale(v_on_hand), pg_catalog.trim_scale(new.quantity)
      using errcode = 'P0001';
  end if;

  perform pg_catalog.set_config('terrain.stock_movement_item', new.item_id::text, true);
  update public.stock_items i
  set on_hand = v_on_hand + v_delta, movement_count = v_count + 1
  where i.org_id = new.org_id and i.id = new.item_id;
  perform pg_catalog.set_config('terrain.stock_movement_item', '', true);

  new.item_seq := v_count + 1;
  new.balance_after := v_on_hand + v_delta;
  if auth.uid() is not null then
    new.author := auth.uid();
  end if;
  return new;
end;
$$;

-- -----------------------------------------------------------------------------
-- Quote and invoice lines compute stored generated columns from the quantity
-- (round(quantity * unit_price_cents)::bigint). Postgres computes them after
-- BEFORE triggers but before CHECK constraints, so a NaN quantity used to be
-- refused by the cast with 0A000 "cannot convert NaN to bigint", an error
-- that names neither the column nor the rule. This trigger runs first and
-- refuses it as the quantity_finite constraint would (23514, with the
-- constraint, table and column in the error fields). The infinities never get
-- here: numeric(12,3) refuses them as the value is parsed (22003).
-- -----------------------------------------------------------------------------
create function private.refuse_non_finite_line_quantity()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.quantity in ('NaN', 'Infinity', '-Infinity') then
    raise exception '% quantity must be a finite number (got %)',
      case tg_table_name when 'quote_lines' then 'Quote line' else 'Invoice line' end, new.quantity
      using errcode = '23514', schema = tg_table_schema, table = tg_table_name, column = 'quantity',
            constraint = tg_table_name || '_quantity_finite';
  end if;
  return new;
end;
$$;
comment on function private.refuse_non_finite_line_quantity() is
  'Refuses a NaN line quantity (23514, constraint <table>_quantity_finite) before the generated line totals cast it to bigint.';
revoke all on function private.refuse_non_finite_line_quantity() from public;

-- 05: before the lock guard (10) — a malformed value is reported as such.
create trigger quote_lines_05_quantity_finite
  before insert or update of quantity on public.quote_lines
  for each row execute function private.refuse_non_finite_line_quantity();
create trigger invoice_lines_05_quantity_finite
  before insert or update of quantity on public.invoice_lines
  for each row execute function private.refuse_non_finite_line_quantity();

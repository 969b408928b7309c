-- =============================================================================
-- A stock movement locks, checks and updates its item in one statement, and
-- decides the stock_low event from that statement's values.
--
-- The item row is the one lock every writer of an item queues on (invariant
-- 6: the balance is decided under it), and it is held until commit. Under it
-- the movement used to run: SELECT … FOR UPDATE of the item, an UPDATE of the
-- same row, the movement's other triggers, and an AFTER trigger
-- (stock_movements_log_low) that read the item a third time for min_stock.
--
-- Now one `UPDATE … WHERE on_hand + delta >= 0 RETURNING` locks the row,
-- refuses a negative balance and writes it. Under concurrency it is as safe
-- as the explicit lock: a second writer's UPDATE waits for the first to
-- commit, then re-evaluates its WHERE on the committed row (READ COMMITTED
-- re-check), so it never computes from a stale on_hand. When it updates
-- nothing, one read (off the hot path) tells a missing item from
-- insufficient stock, with the same errors as before.
-- The stock_low event (the balance crosses below min_stock) is logged here
-- from the RETURNING values; the AFTER trigger and its function are dropped.
-- The event names the movement (new.id is set before BEFORE triggers run); if
-- the insert fails later, the event rolls back with it.
-- The non-finite quantity guard and every message are unchanged.
-- =============================================================================

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
  v_min_stock numeric;
  v_sku text;
  v_name text;
begin
  -- The generated column is computed after BEFORE triggers: derive it here,
  -- strictly. A malformed row is refused now (the CHECK constraints would
  -- refuse it too, but only after this trigger had judged the stock on a
  -- meaningless delta, e.g. an 'in' of -100 reported as insufficient stock).
  -- NaN compares greater than every number and ±Infinity survives the sums:
  -- refuse both before any stock arithmetic (docs/data-integrity.md).
  if new.quantity in ('NaN', 'Infinity', '-Infinity') then
    perform private.raise_api_error('validation_failed',
      pg_catalog.format('Stock movement quantity must be a finite number (got %s)', new.quantity));
  end if;
  if new.quantity is null or new.quantity <= 0 then
    perform private.raise_api_error('validation_failed', pg_catalog.format('Stock movement quantity must be greater than 0 (got %s)', coalesce(pg_catalog.trim_scale(new.quantity)::text, 'null')));
  end if;
  v_delta := case
    when new.kind = 'in' and new.adjustment_direction is null then new.quantity
    when new.kind = 'out' and new.adjustment_direction is null then -new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'up' then new.quantity
    when new.kind = 'adjustment' and new.adjustment_direction = 'down' then -new.quantity
  end;
  if v_delta is null then
    perform private.raise_api_error('validation_failed', 'Stock movement kind must be in, out or adjustment; an adjustment needs a direction (up or down) and only adjustments have one');
  end if;

  -- Lock, check and write in one statement (the marker lets
  -- private.guard_stock_on_hand accept this on_hand change).
  perform pg_catalog.set_config('terrain.stock_movement_item', new.item_id::text, true);
  update public.stock_items i
  set on_hand = i.on_hand + v_delta, movement_count = i.movement_count + 1
  where i.org_id = new.org_id and i.id = new.item_id
    and i.on_hand + v_delta >= 0
  returning i.on_hand, i.movement_count, i.min_stock, i.sku, i.name
  into v_on_hand, v_count, v_min_stock, v_sku, v_name;
  perform pg_catalog.set_config('terrain.stock_movement_item', '', true);

  if v_count is null then
    -- Nothing updated: no such item in this organization, or not enough stock.
    select i.on_hand into v_on_hand
    from public.stock_items i
    where i.org_id = new.org_id and i.id = new.item_id;
    if not found then
      perform private.raise_api_error('unknown_reference', pg_catalog.format('Stock item %s not found', new.item_id));
    end if;
    perform private.raise_api_error('insufficient_stock', pg_catalog.format('Insufficient stock. Available: %s, Requested: %s', pg_catalog.trim_scale(v_on_hand), pg_catalog.trim_scale(new.quantity)));
  end if;

  new.item_seq := v_count;
  new.balance_after := v_on_hand;
  if auth.uid() is not null then
    new.author := auth.uid();
  end if;

  -- stock_low: this movement takes the item below its minimum.
  if v_delta < 0 and v_on_hand < v_min_stock and v_on_hand - v_delta >= v_min_stock then
    perform private.log_app_event(
      new.org_id, 'stock_low', 'warning', 'public.stock_items', new.item_id,
      pg_catalog.jsonb_build_object('sku', v_sku, 'name', v_name, 'on_hand', v_on_hand,
                                    'min_stock', v_min_stock, 'movement_id', new.id));
  end if;
  return new;
end;
$$;

drop trigger stock_movements_log_low on public.stock_movements;
drop function private.log_stock_low();

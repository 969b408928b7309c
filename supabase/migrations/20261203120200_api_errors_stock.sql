-- API errors, stock: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.check_stock_movement()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_on_hand numeric;
  v_count bigint;
  v_delta numeric;
begin
  -- The generated column is computed after BEFORE triggers: derive it here,
  -- strictly. A malformed row is refused now (the CHECK constraints would
  -- refuse it too, but only after this trigger had judged the stock on a
  -- meaningless delta, e.g. an 'in' of -100 reported as insufficient stock).
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

  select i.on_hand, i.movement_count into v_on_hand, v_count
  from public.stock_items i
  where i.org_id = new.org_id and i.id = new.item_id
  for update;
  if not found then
    perform private.raise_api_error('unknown_reference', pg_catalog.format('Stock item %s not found', new.item_id));
  end if;

  if v_on_hand + v_delta < 0 then
    perform private.raise_api_error('insufficient_stock', pg_catalog.format('Insufficient stock. Available: %s, Requested: %s', pg_catalog.trim_scale(v_on_hand), pg_catalog.trim_scale(new.quantity)));
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
$function$;

CREATE OR REPLACE FUNCTION private.guard_stock_on_hand()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  if tg_op = 'INSERT' then
    if new.on_hand <> 0 or new.movement_count <> 0 then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Stock item %s must be created with on_hand 0; record an ''in'' movement for its initial stock', new.sku));
    end if;
  elsif (new.on_hand is distinct from old.on_hand or new.movement_count is distinct from old.movement_count)
        and not (coalesce(pg_catalog.current_setting('terrain.stock_movement_item', true), '') = old.id::text
                 and pg_catalog.pg_trigger_depth() > 1) then
    perform private.raise_api_error('rule_violation', pg_catalog.format('on_hand of stock item %s is maintained by stock movements; record a movement instead', old.sku));
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_system boolean := private.is_system_actor();
  v_item record;
  v_mission record;
  v_request jsonb;
  v_result jsonb;
  v_movement public.stock_movements;
begin
  select i.id, i.org_id, i.sku into v_item
  from public.stock_items i
  where i.id = p_item_id
    and (v_system or i.org_id in (select private.my_org_ids()));
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Stock item %s not found', p_item_id));
  end if;

  v_request := pg_catalog.jsonb_build_object(
    'item_id', p_item_id,
    'quantity', pg_catalog.trim_scale(p_quantity),
    'mission_id', p_mission_id);
  -- Validates the key (8..200 characters) and holds the (org, key) advisory lock
  -- until commit, so concurrent replays of one action run one after the other.
  v_result := private.idempotency_lookup(v_item.org_id, p_idempotency_key, 'record_stock_use', v_request);
  if v_result is not null then
    return v_result; -- replay: the first result, nothing applied again
  end if;

  -- The mission is in the item's organization (so a key cannot cross tenants).
  select m.id, m.technician_id, m.status into v_mission
  from public.missions m
  where m.org_id = v_item.org_id and m.id = p_mission_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Mission %s not found', p_mission_id));
  end if;
  if not v_system then
    if private.member_role_in(v_item.org_id) is distinct from 'technician' then
      perform private.raise_api_error('forbidden_role', 'Only technicians record stock use');
    end if;
    if v_mission.technician_id is distinct from auth.uid() then
      perform private.raise_api_error('not_assigned', pg_catalog.format('Mission %s is not assigned to you', p_mission_id));
    end if;
  end if;
  if v_mission.status not in ('assigned', 'in_progress', 'blocked', 'done') then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Cannot record stock use on a mission in status %s', v_mission.status));
  end if;
  if p_quantity is null or p_quantity <= 0 then
    perform private.raise_api_error('validation_failed', pg_catalog.format('Quantity must be greater than 0 (got %s)', coalesce(pg_catalog.trim_scale(p_quantity)::text, 'null')));
  end if;

  -- check_stock_movement() locks the item, refuses a negative balance and updates on_hand.
  insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key)
  values (v_item.org_id, p_item_id, 'out', p_quantity, p_mission_id, p_idempotency_key)
  returning * into v_movement;

  v_result := pg_catalog.jsonb_build_object(
    'movement_id', v_movement.id,
    'item_id', v_movement.item_id,
    'sku', v_item.sku,
    'quantity', v_movement.quantity,
    'mission_id', v_movement.mission_id,
    'on_hand', v_movement.balance_after);
  perform private.idempotency_store(v_item.org_id, p_idempotency_key, 'record_stock_use', v_request, v_result);
  return v_result;
end;
$function$;

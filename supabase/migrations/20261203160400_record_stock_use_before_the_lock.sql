-- =============================================================================
-- record_stock_use: nothing that can run before the item's row lock runs
-- after it.
--
-- The item row lock (taken by the movement's insert, in
-- private.check_stock_movement) is what 16 writers of one item queue on, and
-- it is held until commit. After it, record_stock_use used to call
-- private.idempotency_store(), which took the (org, key) advisory lock again
-- and hashed the request, then inserted the key. Now the request hash is
-- computed before the lock, with the item, mission, role and quantity checks
-- and the idempotent lookup (which already holds the advisory lock until
-- commit), and the key row is inserted directly. The movement's own values
-- come from RETURNING id, balance_after (not the whole row). Same result,
-- same stored key (operation, user, request hash, result), same replay.
-- =============================================================================

create or replace function public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_system boolean := private.is_system_actor();
  v_item record;
  v_mission record;
  v_request jsonb;
  v_result jsonb;
  v_request_hash text;
  v_movement_id uuid;
  v_balance_after numeric;
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

  -- Everything that does not need the item's balance is done before the
  -- movement takes the item's row lock: the request hash for the
  -- idempotency store is computed now.
  v_request_hash := private.idempotency_request_hash(v_request);

  -- The lock: check_stock_movement() locks the item, refuses a negative
  -- balance and updates on_hand; it is held until commit.
  insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id, idempotency_key)
  values (v_item.org_id, p_item_id, 'out', p_quantity, p_mission_id, p_idempotency_key)
  returning id, balance_after into v_movement_id, v_balance_after;

  v_result := pg_catalog.jsonb_build_object(
    'movement_id', v_movement_id,
    'item_id', p_item_id,
    'sku', v_item.sku,
    'quantity', p_quantity,
    'mission_id', p_mission_id,
    'on_hand', v_balance_after);
  -- As private.idempotency_store does, without its second advisory-lock call
  -- and hash (idempotency_lookup above already holds the (org, key) lock). A
  -- plain insert on purpose: a conflict means this call did its work without
  -- seeing the first call's row, and must fail rather than apply twice.
  insert into public.idempotency_keys (org_id, key, user_id, operation, request_hash, result)
  values (v_item.org_id, p_idempotency_key, auth.uid(), 'record_stock_use', v_request_hash, v_result);
  return v_result;
end;
$$;

-- =============================================================================
-- Stock API (PostgREST RPC) for the technician's device.
--   record_stock_use  an 'out' movement of parts used on a mission assigned to
--                     the caller; idempotent per client key (invariant 9).
-- SECURITY DEFINER with an empty search_path; checks the caller itself. The
-- trusted system actor (private.is_system_actor()) skips the role checks;
-- the stock rule itself (never negative) is the movement trigger's, for all.
-- =============================================================================

-- Missions accept parts while assigned, in progress, blocked or done (the
-- same window as hours): not before assignment, nor once invoiced or cancelled.
create function public.record_stock_use(
  p_item_id         uuid,
  p_quantity        numeric,
  p_mission_id      uuid,
  p_idempotency_key text
)
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
  v_movement public.stock_movements;
begin
  select i.id, i.org_id, i.sku into v_item
  from public.stock_items i
  where i.id = p_item_id
    and (v_system or i.org_id in (select private.my_org_ids()));
  if not found then
    raise exception 'Stock item % not found', p_item_id using errcode = 'P0002';
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
    raise exception 'Mission % not found', p_mission_id using errcode = 'P0002';
  end if;
  if not v_system then
    if private.member_role_in(v_item.org_id) is distinct from 'technician' then
      raise exception 'Only technicians record stock use' using errcode = '42501';
    end if;
    if v_mission.technician_id is distinct from auth.uid() then
      raise exception 'Mission % is not assigned to you', p_mission_id using errcode = '42501';
    end if;
  end if;
  if v_mission.status not in ('assigned', 'in_progress', 'blocked', 'done') then
    raise exception 'Cannot record stock use on a mission in status %', v_mission.status using errcode = 'P0001';
  end if;
  if p_quantity is null or p_quantity <= 0 then
    raise exception 'Quantity must be greater than 0 (got %)', coalesce(pg_catalog.trim_scale(p_quantity)::text, 'null')
      using errcode = '23514';
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
$$;
comment on function public.record_stock_use(uuid, numeric, uuid, text) is
  'Technician records parts used on a mission assigned to them (an out movement; never below zero). '
  'Idempotent: a replay with the same key returns the first result.';

grant execute on function public.record_stock_use(uuid, numeric, uuid, text) to authenticated, service_role;

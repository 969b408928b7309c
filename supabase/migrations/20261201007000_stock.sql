-- =============================================================================
-- Baseline: stock items, movements and the stock views.
--
-- on_hand is the sum of the item's movements and never goes negative, under
-- any concurrency: the movement trigger locks the item row before it checks
-- and applies the quantity (docs/design.md invariant 6).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- The stock trigger: the catalogue's raises plus the finite-quantity guard.
-- The item row is the one lock every writer of an item queues on, held until
-- commit, so the work under it is one statement: `UPDATE … WHERE on_hand +
-- delta >= 0 RETURNING` locks the row, refuses a negative balance and writes
-- it. Under concurrency it is as safe as an explicit SELECT … FOR UPDATE: a
-- second writer's UPDATE waits for the first to commit, then re-evaluates its
-- WHERE on the committed row (READ COMMITTED re-check), so it never computes
-- from a stale on_hand. When it updates nothing, one read (off the hot path)
-- tells a missing item from insufficient stock. The stock_low event (the
-- balance crosses below min_stock) is logged here from the RETURNING values,
-- naming the movement (new.id is set before BEFORE triggers run); it rolls
-- back with the movement.
CREATE FUNCTION private.check_stock_movement() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION private.check_stock_movement() IS 'Invariant 6: locks the item row, refuses a movement that would make on_hand negative (Insufficient stock. Available: X, Requested: Y) and applies the movement to on_hand.';

REVOKE ALL ON FUNCTION private.check_stock_movement() FROM PUBLIC;

-- on_hand (and movement_count) move only with a movement. The movement
-- trigger announces the item it is about to update in a transaction-local
-- setting and clears it right after; anything else (a direct UPDATE, an
-- INSERT with a stock level) is refused. pg_trigger_depth() > 1 makes sure the
-- write comes from inside a trigger, not from a session that set the value
-- itself.
CREATE FUNCTION private.guard_stock_on_hand() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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
$$;

COMMENT ON FUNCTION private.guard_stock_on_hand() IS 'Refuses any write of stock_items.on_hand that does not come from check_stock_movement().';

REVOKE ALL ON FUNCTION private.guard_stock_on_hand() FROM PUBLIC;

-- Missions accept parts while assigned, in progress, blocked or done (the
-- same window as hours): not before assignment, nor once invoiced or cancelled.
--
-- Nothing that can run before the item's row lock (taken by the movement's
-- insert) runs after it: the request hash, the item, mission, role and
-- quantity checks and the idempotent lookup (which holds the (org, key)
-- advisory lock until commit) come first; after the movement, the key row is
-- inserted directly, with the movement's id and balance_after from RETURNING.

CREATE FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

CREATE TABLE public.stock_items (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    -- No cascade: an item with movements is history (the ledger is append-only).
    org_id uuid NOT NULL,
    sku text NOT NULL,
    name text NOT NULL,
    -- u (unit/piece), m (metre), m2, kg, l: what a quantity is counted in.
    unit text DEFAULT 'u'::text NOT NULL,
    -- Below this the item shows in stock_low and the "stock critical" alert.
    min_stock numeric DEFAULT 0 NOT NULL,
    cost_cents bigint DEFAULT 0 NOT NULL,
    price_cents bigint DEFAULT 0 NOT NULL,
    -- French VAT rates (CGI art. 278 to 281 nonies).
    vat_rate numeric(4,2) DEFAULT 20 NOT NULL,
    on_hand numeric DEFAULT 0 NOT NULL,
    -- Number of movements applied so far: the last stock_movements.item_seq.
    movement_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stock_items_cost_cents_check CHECK ((cost_cents >= 0)),
    CONSTRAINT stock_items_min_stock_check CHECK ((min_stock >= (0)::numeric)),
    CONSTRAINT stock_items_min_stock_finite CHECK ((min_stock <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT stock_items_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT stock_items_on_hand_finite CHECK ((on_hand <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT stock_items_on_hand_not_negative CHECK ((on_hand >= (0)::numeric)),
    CONSTRAINT stock_items_price_cents_check CHECK ((price_cents >= 0)),
    CONSTRAINT stock_items_sku_check CHECK ((sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,49}$'::text)),
    CONSTRAINT stock_items_unit_check CHECK ((unit = ANY (ARRAY['u'::text, 'm'::text, 'm2'::text, 'kg'::text, 'l'::text]))),
    CONSTRAINT stock_items_vat_rate_check CHECK ((vat_rate = ANY (ARRAY[(20)::numeric, (10)::numeric, 5.5, 2.1]))),
    CONSTRAINT stock_items_vat_rate_finite CHECK ((vat_rate <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric])))
);

ALTER TABLE ONLY public.stock_items
    ADD CONSTRAINT stock_items_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.stock_items
    ADD CONSTRAINT stock_items_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.stock_items
    ADD CONSTRAINT stock_items_sku_key UNIQUE (org_id, sku);

ALTER TABLE ONLY public.stock_items
    ADD CONSTRAINT stock_items_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);

-- The stock-critical alert scans only items below their minimum.
CREATE INDEX stock_items_low_idx ON public.stock_items USING btree (org_id) WHERE (on_hand < min_stock);

ALTER TABLE public.stock_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY stock_items_delete ON public.stock_items FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY stock_items_insert ON public.stock_items FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- stock_items ----------------------------------------------------------------
CREATE POLICY stock_items_select ON public.stock_items FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY stock_items_update ON public.stock_items FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER stock_items_guard_on_hand BEFORE INSERT OR UPDATE ON public.stock_items FOR EACH ROW EXECUTE FUNCTION private.guard_stock_on_hand();

CREATE TRIGGER stock_items_touch BEFORE UPDATE ON public.stock_items FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.stock_items IS 'Parts and consumables held in stock. on_hand is maintained by the database from stock_movements only.';

COMMENT ON COLUMN public.stock_items.on_hand IS 'Quantity in stock = sum of the item''s movement deltas; written only by check_stock_movement().';

GRANT SELECT,DELETE ON TABLE public.stock_items TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.stock_items TO service_role;

GRANT INSERT(id) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(org_id) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(sku),UPDATE(sku) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(name),UPDATE(name) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(unit),UPDATE(unit) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(min_stock),UPDATE(min_stock) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(cost_cents),UPDATE(cost_cents) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(price_cents),UPDATE(price_cents) ON TABLE public.stock_items TO authenticated;

GRANT INSERT(vat_rate),UPDATE(vat_rate) ON TABLE public.stock_items TO authenticated;

CREATE VIEW public.stock_low WITH (security_invoker='true') AS
 SELECT i.org_id,
    i.id AS item_id,
    i.sku,
    i.name,
    i.unit,
    i.on_hand,
    i.min_stock,
    (i.min_stock - i.on_hand) AS shortfall
   FROM public.stock_items i
  WHERE (i.on_hand < i.min_stock);

COMMENT ON VIEW public.stock_low IS 'Stock items below their minimum (on_hand < min_stock), with the shortfall; feeds the stock-critical alert.';

GRANT SELECT ON TABLE public.stock_low TO authenticated;
GRANT SELECT ON TABLE public.stock_low TO service_role;

CREATE TABLE public.stock_movements (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    item_id uuid NOT NULL,
    kind text NOT NULL,
    quantity numeric NOT NULL,
    -- Only for adjustments: 'up' adds, 'down' removes (quantity stays positive).
    adjustment_direction text,
    -- The signed change this movement makes to on_hand.
    delta numeric GENERATED ALWAYS AS (
CASE
    WHEN ((kind = 'in'::text) OR (adjustment_direction = 'up'::text)) THEN quantity
    ELSE (- quantity)
END) STORED NOT NULL,
    -- Position of this movement in the item's ledger (1, 2, 3, … without gaps)
    -- and on_hand right after it, both written by the trigger under the item's
    -- row lock. created_at cannot order the ledger (it is the transaction's
    -- start, and transactions apply in lock order); item_seq does, so
    -- balance_after(n) = balance_after(n-1) + delta(n) can be audited row by row.
    item_seq bigint DEFAULT 0 NOT NULL,
    balance_after numeric DEFAULT 0 NOT NULL,
    mission_id uuid,
    reason text,
    -- Who recorded it; forced to auth.uid() for signed-in users. No foreign key:
    -- a ledger row outlives the account that wrote it.
    author uuid DEFAULT auth.uid(),
    -- Client-generated key of the offline action that produced the movement
    -- (same format as public.idempotency_keys). Unique per organization for
    -- ever: even after the idempotency_keys retention purge, a very late replay
    -- fails on this key instead of taking the parts a second time.
    idempotency_key text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stock_movements_adjustment_direction_check CHECK ((adjustment_direction = ANY (ARRAY['up'::text, 'down'::text]))),
    CONSTRAINT stock_movements_adjustment_reason CHECK (((kind <> 'adjustment'::text) OR (COALESCE(length(btrim(reason)), 0) > 0))),
    CONSTRAINT stock_movements_balance_after_check CHECK ((balance_after >= (0)::numeric)),
    CONSTRAINT stock_movements_balance_after_finite CHECK ((balance_after <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT stock_movements_delta_finite CHECK ((delta <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT stock_movements_direction_iff_adjustment CHECK (((kind = 'adjustment'::text) = (adjustment_direction IS NOT NULL))),
    CONSTRAINT stock_movements_idempotency_key_check CHECK (((idempotency_key IS NULL) OR ((length(idempotency_key) >= 8) AND (length(idempotency_key) <= 200)))),
    CONSTRAINT stock_movements_kind_check CHECK ((kind = ANY (ARRAY['in'::text, 'out'::text, 'adjustment'::text]))),
    CONSTRAINT stock_movements_quantity_check CHECK ((quantity > (0)::numeric)),
    CONSTRAINT stock_movements_quantity_finite CHECK ((quantity <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT stock_movements_reason_check CHECK (((reason IS NULL) OR (length(reason) <= 2000)))
);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_idempotency_key UNIQUE (org_id, idempotency_key);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_item_seq_key UNIQUE (org_id, item_id, item_seq);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_item_fkey FOREIGN KEY (org_id, item_id) REFERENCES public.stock_items(org_id, id);

ALTER TABLE ONLY public.stock_movements
    ADD CONSTRAINT stock_movements_mission_fkey FOREIGN KEY (org_id, mission_id) REFERENCES public.missions(org_id, id);

CREATE INDEX stock_movements_mission_idx ON public.stock_movements USING btree (org_id, mission_id) WHERE (mission_id IS NOT NULL);

ALTER TABLE public.stock_movements ENABLE ROW LEVEL SECURITY;

CREATE POLICY stock_movements_insert ON public.stock_movements FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- stock_movements ------------------------------------------------------------
CREATE POLICY stock_movements_select ON public.stock_movements FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (mission_id IN ( SELECT private.my_assigned_mission_ids() AS my_assigned_mission_ids)))));

CREATE TRIGGER stock_movements_append_only BEFORE DELETE OR UPDATE ON public.stock_movements FOR EACH ROW EXECUTE FUNCTION private.refuse_append_only_change();

CREATE TRIGGER stock_movements_apply BEFORE INSERT ON public.stock_movements FOR EACH ROW EXECUTE FUNCTION private.check_stock_movement();

CREATE TRIGGER stock_movements_mission_open BEFORE INSERT ON public.stock_movements FOR EACH ROW EXECUTE FUNCTION private.refuse_work_on_closed_mission();

CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON public.stock_movements FOR EACH STATEMENT EXECUTE FUNCTION private.refuse_append_only_change();

COMMENT ON TABLE public.stock_movements IS 'Append-only stock ledger: in / out / adjustment (up or down). on_hand of an item = sum(delta) of its movements.';

COMMENT ON COLUMN public.stock_movements.delta IS 'Signed change to on_hand: +quantity for in and adjustment up, -quantity for out and adjustment down.';

GRANT SELECT ON TABLE public.stock_movements TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.stock_movements TO service_role;

GRANT INSERT(id) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(org_id) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(item_id) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(kind) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(quantity) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(adjustment_direction) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(mission_id) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(reason) ON TABLE public.stock_movements TO authenticated;

GRANT INSERT(idempotency_key) ON TABLE public.stock_movements TO authenticated;

CREATE VIEW public.stock_negative WITH (security_invoker='true') AS
 SELECT i.org_id,
    i.id AS item_id,
    i.sku,
    i.name,
    i.unit,
    i.on_hand
   FROM public.stock_items i
  WHERE (i.on_hand < (0)::numeric);

COMMENT ON VIEW public.stock_negative IS 'Stock items with a negative on_hand. Must always be empty (invariant 6).';

GRANT SELECT ON TABLE public.stock_negative TO authenticated;
GRANT SELECT ON TABLE public.stock_negative TO service_role;


--
-- PostgreSQL database dump complete
--

COMMENT ON FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) IS 'Technician records parts used on a mission assigned to them (an out movement; never below zero). Idempotent: a replay with the same key returns the first result.';

REVOKE ALL ON FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) TO authenticated;
GRANT ALL ON FUNCTION public.record_stock_use(p_item_id uuid, p_quantity numeric, p_mission_id uuid, p_idempotency_key text) TO service_role;


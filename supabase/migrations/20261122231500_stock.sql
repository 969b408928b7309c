-- =============================================================================
-- Stock (DESIGN.md invariant 6): items and an append-only ledger of movements.
--
--   stock_items.on_hand is maintained ONLY by the database: it starts at 0 and
--   changes only through the movement trigger; a direct write is refused.
--   stock_movements is the ledger: 'in' adds, 'out' removes, 'adjustment'
--   adds or removes (adjustment_direction 'up' / 'down') after an inventory
--   count. quantity is always > 0; the signed change is the generated column
--   `delta`, so on_hand = sum(delta) of the item's movements, always.
--   Movements are never updated nor deleted: a correction is a new movement.
--
-- check_stock_movement() (BEFORE INSERT) locks the item row (SELECT … FOR
-- UPDATE), computes the new balance, refuses a negative one with
--   Insufficient stock. Available: 50, Requested: 100   (SQLSTATE P0001)
-- and writes the new on_hand. Concurrent movements on one item queue on that
-- row lock, so each sees the balance the previous one left: no race, under
-- READ COMMITTED; under REPEATABLE READ / SERIALIZABLE the second writer gets
-- a serialization failure (40001) and retries, also never going negative.
-- P0001 (not 23514): it is a business rule raised by a trigger, like the other
-- rules of the domain; PostgREST answers 400 for both.
-- RLS is enabled with no policy (the RLS issue adds policies and grants).
-- =============================================================================

create table public.stock_items (
  id             uuid primary key default gen_random_uuid(),
  -- No cascade: an item with movements is history (the ledger is append-only).
  org_id         uuid not null references public.organizations (id),
  sku            text not null check (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,49}$'),
  name           text not null check (length(btrim(name)) between 1 and 200),
  -- u (unit/piece), m (metre), m2, kg, l: what a quantity is counted in.
  unit           text not null default 'u' check (unit in ('u', 'm', 'm2', 'kg', 'l')),
  -- Below this the item shows in stock_low and the "stock critical" alert.
  min_stock      numeric not null default 0 check (min_stock >= 0),
  cost_cents     bigint not null default 0 check (cost_cents >= 0),
  price_cents    bigint not null default 0 check (price_cents >= 0),
  -- French VAT rates (CGI art. 278 to 281 nonies).
  vat_rate       numeric(4, 2) not null default 20 check (vat_rate in (20, 10, 5.5, 2.1)),
  on_hand        numeric not null default 0,
  -- Number of movements applied so far: the last stock_movements.item_seq.
  movement_count bigint not null default 0,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  constraint stock_items_org_id_id_key unique (org_id, id),
  constraint stock_items_sku_key unique (org_id, sku),
  -- Belt and braces behind the trigger's clear message.
  constraint stock_items_on_hand_not_negative check (on_hand >= 0)
);
comment on table public.stock_items is
  'Parts and consumables held in stock. on_hand is maintained by the database from stock_movements only.';
comment on column public.stock_items.on_hand is 'Quantity in stock = sum of the item''s movement deltas; written only by check_stock_movement().';
-- The stock-critical alert scans only items below their minimum.
create index stock_items_low_idx on public.stock_items (org_id) where on_hand < min_stock;
create trigger stock_items_touch before update on public.stock_items
  for each row execute function private.touch_updated_at();

-- on_hand (and movement_count) move only with a movement. The movement
-- trigger announces the item it is about to update in a transaction-local
-- setting and clears it right after; anything else (a direct UPDATE, an
-- INSERT with a stock level) is refused. pg_trigger_depth() > 1 makes sure the
-- write comes from inside a trigger, not from a session that set the value
-- itself.
create function private.guard_stock_on_hand()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.on_hand <> 0 or new.movement_count <> 0 then
      raise exception 'Stock item % must be created with on_hand 0; record an ''in'' movement for its initial stock', new.sku
        using errcode = 'P0001';
    end if;
  elsif (new.on_hand is distinct from old.on_hand or new.movement_count is distinct from old.movement_count)
        and not (coalesce(pg_catalog.current_setting('terrain.stock_movement_item', true), '') = old.id::text
                 and pg_catalog.pg_trigger_depth() > 1) then
    raise exception 'on_hand of stock item % is maintained by stock movements; record a movement instead', old.sku
      using errcode = 'P0001';
  end if;
  return new;
end;
$$;
comment on function private.guard_stock_on_hand() is 'Refuses any write of stock_items.on_hand that does not come from check_stock_movement().';
create trigger stock_items_guard_on_hand
  before insert or update on public.stock_items
  for each row execute function private.guard_stock_on_hand();

create table public.stock_movements (
  id                   uuid primary key default gen_random_uuid(),
  org_id               uuid not null,
  item_id              uuid not null,
  kind                 text not null check (kind in ('in', 'out', 'adjustment')),
  quantity             numeric not null check (quantity > 0),
  -- Only for adjustments: 'up' adds, 'down' removes (quantity stays positive).
  adjustment_direction text check (adjustment_direction in ('up', 'down')),
  -- The signed change this movement makes to on_hand.
  delta                numeric not null generated always as (
                         case when kind = 'in' or adjustment_direction = 'up' then quantity else -quantity end
                       ) stored,
  -- Position of this movement in the item's ledger (1, 2, 3, … without gaps)
  -- and on_hand right after it, both written by the trigger under the item's
  -- row lock. created_at cannot order the ledger (it is the transaction's
  -- start, and transactions apply in lock order); item_seq does, so
  -- balance_after(n) = balance_after(n-1) + delta(n) can be audited row by row.
  item_seq             bigint not null default 0,
  balance_after        numeric not null default 0 check (balance_after >= 0),
  mission_id           uuid,
  reason               text check (reason is null or length(reason) <= 2000),
  -- Who recorded it; forced to auth.uid() for signed-in users. No foreign key:
  -- a ledger row outlives the account that wrote it.
  author               uuid default auth.uid(),
  -- Client-generated key of the offline action that produced the movement
  -- (same format as public.idempotency_keys). Unique per organization for
  -- ever: even after the idempotency_keys retention purge, a very late replay
  -- fails on this key instead of taking the parts a second time.
  idempotency_key      text check (idempotency_key is null or length(idempotency_key) between 8 and 200),
  created_at           timestamptz not null default now(),
  constraint stock_movements_org_id_id_key unique (org_id, id),
  constraint stock_movements_item_fkey foreign key (org_id, item_id) references public.stock_items (org_id, id),
  constraint stock_movements_mission_fkey foreign key (org_id, mission_id) references public.missions (org_id, id),
  constraint stock_movements_idempotency_key unique (org_id, idempotency_key),
  -- The item's ledger in order (and the index of the item foreign key).
  constraint stock_movements_item_seq_key unique (org_id, item_id, item_seq),
  constraint stock_movements_direction_iff_adjustment check ((kind = 'adjustment') = (adjustment_direction is not null)),
  -- An adjustment changes the stock without a delivery or a mission: say why.
  constraint stock_movements_adjustment_reason check (kind <> 'adjustment' or coalesce(length(btrim(reason)), 0) > 0)
);
comment on table public.stock_movements is
  'Append-only stock ledger: in / out / adjustment (up or down). on_hand of an item = sum(delta) of its movements.';
comment on column public.stock_movements.delta is 'Signed change to on_hand: +quantity for in and adjustment up, -quantity for out and adjustment down.';
create index stock_movements_mission_idx on public.stock_movements (org_id, mission_id) where mission_id is not null;

-- SECURITY DEFINER: it must read and write stock_items whatever the caller's
-- privileges on that table (a technician inserting a movement has none).
create function private.check_stock_movement()
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
  -- meaningless delta, e.g. an 'in' of -100 reported as insufficient stock).
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
comment on function private.check_stock_movement() is
  'Invariant 6: locks the item row, refuses a movement that would make on_hand negative '
  '(Insufficient stock. Available: X, Requested: Y) and applies the movement to on_hand.';
create trigger stock_movements_apply
  before insert on public.stock_movements
  for each row execute function private.check_stock_movement();

create trigger stock_movements_append_only
  before update or delete on public.stock_movements
  for each row execute function private.refuse_append_only_change();
create trigger stock_movements_no_truncate
  before truncate on public.stock_movements
  for each statement execute function private.refuse_append_only_change();

alter table public.stock_items enable row level security;
alter table public.stock_movements enable row level security;

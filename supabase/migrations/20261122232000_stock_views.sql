-- =============================================================================
-- Stock views for health checks and alerts.
--   stock_negative  items whose on_hand is below zero: must ALWAYS be empty
--                   (invariant 6); a health check and a pgTAP test assert it.
--   stock_low       items below their min_stock (the "stock critical" alert).
-- security_invoker = true: the views apply the caller's privileges and RLS on
-- stock_items, never the view owner's (a view owned by postgres would
-- otherwise bypass RLS). No grant to the API roles yet (RLS issue).
-- =============================================================================

create view public.stock_negative
with (security_invoker = true)
as
select i.org_id, i.id as item_id, i.sku, i.name, i.unit, i.on_hand
from public.stock_items i
where i.on_hand < 0;
comment on view public.stock_negative is 'Stock items with a negative on_hand. Must always be empty (invariant 6).';

create view public.stock_low
with (security_invoker = true)
as
select i.org_id, i.id as item_id, i.sku, i.name, i.unit, i.on_hand, i.min_stock,
       i.min_stock - i.on_hand as shortfall
from public.stock_items i
-- Same predicate as the partial index stock_items_low_idx, so it is used.
where i.on_hand < i.min_stock;
comment on view public.stock_low is 'Stock items below their minimum (on_hand < min_stock), with the shortfall; feeds the stock-critical alert.';

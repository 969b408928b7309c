-- Chart data for the back office (README.md "Chart data"): a stock item's
-- quantity on hand at the end of each day, from its ledger (stock_movements).
--
-- The ledger already carries the answer: balance_after is on_hand right after
-- each movement and item_seq orders them. The level at the end of a day is
-- the balance_after of the day's last movement (highest item_seq), or the
-- previous day's level when nothing moved. One index range over the period,
-- plus one look-up for the level the period starts with.
create index stock_movements_item_created_idx on public.stock_movements (org_id, item_id, created_at)
  include (item_seq, balance_after);

-- Owners, admins, dispatchers and accountants read the whole ledger; a
-- technician's policy shows only the movements of their own missions, so a
-- history drawn from them would be wrong: refused (forbidden_role). An item
-- the caller cannot see is not_found. Days are calendar days in the
-- organization's time zone; at most 366 of them.
create function public.stock_level_history(p_item_id uuid, p_from date, p_to date)
returns table (day date, on_hand numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_org_id uuid;
  v_zone text;
  v_opening numeric;
begin
  if p_item_id is null then
    perform private.raise_api_error('missing_parameter', 'p_item_id is required');
  end if;
  select i.org_id into v_org_id from public.stock_items i where i.id = p_item_id;
  if v_org_id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Stock item %s not found', p_item_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'dispatcher', 'accountant']::public.member_role[],
                                      'stock_level_history', pg_catalog.format('Stock item %s', p_item_id));
  perform private.assert_chart_period(p_from, p_to, 366);
  select o.timezone into v_zone from public.organizations o where o.id = v_org_id;

  -- The level when the period starts: after the last movement before it (0 before the first).
  select coalesce((
    select m.balance_after
    from public.stock_movements m
    where m.org_id = v_org_id and m.item_id = p_item_id
      and m.created_at < (p_from::timestamp at time zone v_zone)
    order by m.item_seq desc
    limit 1), 0)
  into v_opening;

  return query
  with days as (
    select g.d::date as day from pg_catalog.generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as g (d)
  ),
  closing as (
    -- The day's last movement: its balance is the level at the end of the day.
    select distinct on ((m.created_at at time zone v_zone)::date)
           (m.created_at at time zone v_zone)::date as day, m.balance_after
    from public.stock_movements m
    where m.org_id = v_org_id and m.item_id = p_item_id
      and m.created_at >= (p_from::timestamp at time zone v_zone)
      and m.created_at < ((p_to + 1)::timestamp at time zone v_zone)
    order by (m.created_at at time zone v_zone)::date, m.item_seq desc
  ),
  marked as (
    -- Days without a movement carry the last known level: number the days
    -- that have one, and each day belongs to the group of the last of them.
    select d.day, c.balance_after, count(c.balance_after) over (order by d.day) as grp
    from days d
    left join closing c on c.day = d.day
  )
  select k.day, coalesce(max(k.balance_after) over (partition by k.grp), v_opening)
  from marked k
  order by k.day;
end;
$$;

comment on function public.stock_level_history(uuid, date, date) is
  'RPC (owner, admin, dispatcher, accountant): a stock item''s quantity on hand at the end of each day (organization time zone) of the period, from the ledger (balance_after of the day''s last movement, else the previous day''s level); at most 366 days.';

revoke all on function public.stock_level_history(uuid, date, date) from public;
grant execute on function public.stock_level_history(uuid, date, date) to authenticated, service_role;

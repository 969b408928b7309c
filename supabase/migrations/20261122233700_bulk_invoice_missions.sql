-- =============================================================================
-- Bulk invoicing of done missions (issue 3, item 9): one draft invoice per
-- mission, with a line per approved timesheet (hours × the organization's
-- hourly rate) and a line per stock item taken out for the mission (summed
-- quantity × the item's price); then, in the invoicing system context, the
-- mission moves done → invoiced and its timesheets approved → invoiced.
--
-- The drafts are reviewed and issued by an accountant (issue_invoice): the
-- bulk step never assigns numbers, so a rejected draft costs no number.
-- =============================================================================

-- The labour rate and its VAT rate used to bill hours. Nullable rate: an
-- organization that never bills hours needs none; billing hours without it
-- is refused with a clear message.
alter table public.organizations
  add column hourly_rate_cents bigint check (hourly_rate_cents is null or hourly_rate_cents between 0 and 10000000),
  add column labour_vat_rate public.fr_vat_rate not null default 20.0;
comment on column public.organizations.hourly_rate_cents is 'Hourly labour rate excl. VAT, in cents, used to invoice approved timesheets.';
comment on column public.organizations.labour_vat_rate is
  'VAT rate of labour lines (20 %; 10 % or 5.5 % for work on dwellings older than two years, CGI art. 279-0 bis and 278-0 bis A).';

-- Invoices one mission (the caller has been authorized for its organization).
-- Raises with a readable message when the mission cannot be invoiced; the
-- bulk function runs it in a subtransaction per mission.
create function private.invoice_mission(p_mission_id uuid)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_mission    public.missions;
  v_org        public.organizations;
  v_site       public.sites;
  v_invoice_id uuid;
  v_timesheets uuid[];
  v_stock_rows integer;
  v_unapproved integer;
  v_context    text := coalesce(pg_catalog.current_setting('terrain.system_context', true), '');
begin
  select m.* into v_mission from public.missions m where m.id = p_mission_id;
  if not found then
    raise exception 'Mission % not found', p_mission_id using errcode = 'P0002';
  end if;
  perform private.authorize_invoicing(v_mission.org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'bulk_invoice_missions', pg_catalog.format('Mission %s', p_mission_id));

  -- Lock the mission: a concurrent bulk call over the same mission waits, then
  -- finds it invoiced.
  select m.* into v_mission from public.missions m where m.id = p_mission_id for update;
  if v_mission.status <> 'done' then
    raise exception 'Mission % is not done (status: %)', p_mission_id, v_mission.status using errcode = 'P0001';
  end if;
  select o.* into v_org from public.organizations o where o.id = v_mission.org_id;
  select s.* into v_site from public.sites s where s.org_id = v_mission.org_id and s.id = v_mission.site_id;

  -- Hours not yet approved would be left behind once the mission is invoiced.
  select count(*) into v_unapproved
  from public.timesheets t
  where t.org_id = v_mission.org_id and t.mission_id = p_mission_id and t.approved_at is null;
  if v_unapproved > 0 then
    raise exception 'Mission % has % unapproved timesheet(s): approve them before invoicing', p_mission_id, v_unapproved
      using errcode = 'P0001';
  end if;

  select coalesce(array_agg(t.id order by t.work_date, t.id), '{}') into v_timesheets
  from (select t.id, t.work_date
        from public.timesheets t
        where t.org_id = v_mission.org_id and t.mission_id = p_mission_id and not t.invoiced
        for update) t;
  select count(distinct sm.item_id) into v_stock_rows
  from public.stock_movements sm
  where sm.org_id = v_mission.org_id and sm.mission_id = p_mission_id and sm.kind = 'out';

  if cardinality(v_timesheets) = 0 and v_stock_rows = 0 then
    raise exception 'Mission % has nothing to invoice (no approved timesheet, no stock used)', p_mission_id using errcode = 'P0001';
  end if;
  if cardinality(v_timesheets) > 0 and v_org.hourly_rate_cents is null then
    raise exception 'Organization % has no hourly rate: set organizations.hourly_rate_cents to invoice hours', v_org.name
      using errcode = 'P0001';
  end if;

  insert into public.invoices (org_id, client_id, kind, service_date, notes)
  values (v_mission.org_id, v_mission.client_id, 'invoice',
          (coalesce(v_mission.completed_at, now()) at time zone v_org.timezone)::date,
          pg_catalog.format('Intervention « %s » — %s, %s', v_mission.title, v_site.name,
                            concat_ws(' ', v_site.address, v_site.postal_code, v_site.city)))
  returning id into v_invoice_id;

  -- Labour: one line per approved timesheet, then parts: one line per item.
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate,
                                    mission_id, timesheet_id, stock_item_id)
  select v_mission.org_id, v_invoice_id, row_number() over (order by src.sort_group, src.sort_key),
         src.description, src.quantity, src.unit, src.unit_price_cents, src.vat_rate,
         p_mission_id, src.timesheet_id, src.stock_item_id
  from (
    select 1 as sort_group, pg_catalog.to_char(t.work_date, 'YYYYMMDD') || t.id::text as sort_key,
           pg_catalog.format('Main d''œuvre — %s — %s', coalesce(p.full_name, 'technicien'),
                             pg_catalog.to_char(t.work_date, 'DD/MM/YYYY')) as description,
           t.hours::numeric as quantity, 'h' as unit, v_org.hourly_rate_cents as unit_price_cents,
           v_org.labour_vat_rate as vat_rate, t.id as timesheet_id, null::uuid as stock_item_id
    from public.timesheets t
    left join public.profiles p on p.id = t.technician_id
    where t.org_id = v_mission.org_id and t.id = any (v_timesheets)
    union all
    select 2, i.sku,
           pg_catalog.format('%s (réf. %s)', i.name, i.sku),
           sum(sm.quantity), i.unit, i.price_cents,
           i.vat_rate::public.fr_vat_rate, null::uuid, i.id
    from public.stock_movements sm
    join public.stock_items i on i.org_id = sm.org_id and i.id = sm.item_id
    where sm.org_id = v_mission.org_id and sm.mission_id = p_mission_id and sm.kind = 'out'
    group by i.id, i.sku, i.name, i.unit, i.price_cents, i.vat_rate
  ) src;

  -- The contract with the mission state machine and the timesheet lock: these
  -- two moves are allowed only in the invoicing system context.
  perform pg_catalog.set_config('terrain.system_context', 'invoicing', true);
  update public.missions m set status = 'invoiced' where m.id = p_mission_id;
  update public.timesheets t set invoiced = true, invoice_id = v_invoice_id
  where t.org_id = v_mission.org_id and t.id = any (v_timesheets);
  perform pg_catalog.set_config('terrain.system_context', v_context, true);

  return v_invoice_id;
end;
$$;
comment on function private.invoice_mission(uuid) is
  'Creates the draft invoice of one done mission (approved hours × hourly rate, parts used × price) and marks the mission '
  'and its timesheets invoiced (invoicing system context). Raises a readable message when it cannot.';

-- Up to 50 missions per call, each in its own subtransaction: one bad mission
-- (not done, another organization, unapproved hours, nothing billable) is
-- reported and never blocks the others. 50 subtransactions stay under the
-- 64 subtransaction ids a backend caches, so other sessions' snapshots do not
-- overflow to pg_subtrans. Missions are processed in id order (lock order:
-- two bulk calls over the same missions queue instead of deadlocking); the
-- results keep the caller's order.
-- Returns {results: [{id, ok, error, invoice_id}], summary: {requested, succeeded, failed}}.
-- Roles: owner, admin, accountant (or the system actor).
create function public.bulk_invoice_missions(p_mission_ids uuid[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count     integer := coalesce(cardinality(p_mission_ids), 0);
  v_results   jsonb[];
  v_item      record;
  v_invoice   uuid;
  v_succeeded integer := 0;
begin
  if p_mission_ids is null then
    raise exception 'A list of mission ids is required' using errcode = '22004';
  end if;
  if v_count > 50 then
    raise exception 'At most 50 missions per bulk invoicing (got %)', v_count using errcode = '22023';
  end if;
  if array_ndims(p_mission_ids) > 1 then
    raise exception 'Mission ids must be a one-dimensional list' using errcode = '22023';
  end if;
  if auth.uid() is null and not private.is_system_actor() then
    raise exception 'Authentication required' using errcode = '42501';
  end if;
  v_results := array_fill(null::jsonb, array[v_count]);

  for v_item in
    select u.id, u.ord from unnest(p_mission_ids) with ordinality as u (id, ord) order by u.id, u.ord
  loop
    begin
      v_invoice := private.invoice_mission(v_item.id);
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', true, 'error', null, 'invoice_id', v_invoice);
      v_succeeded := v_succeeded + 1;
    exception when others then
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', false, 'error', sqlerrm,
                                                             'code', sqlstate, 'invoice_id', null);
    end;
  end loop;

  return pg_catalog.jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', pg_catalog.jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded));
end;
$$;
comment on function public.bulk_invoice_missions(uuid[]) is
  'RPC: creates one draft invoice per done mission (up to 50) and marks missions and timesheets invoiced. Returns '
  '{results: [{id, ok, error, code?, invoice_id}] in the given order, summary: {requested, succeeded, failed}}. Roles owner, admin, accountant.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.bulk_invoice_missions(uuid[]) from public, anon;
grant execute on function public.bulk_invoice_missions(uuid[]) to authenticated, service_role;

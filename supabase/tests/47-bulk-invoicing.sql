-- Bulk invoicing of done missions: up to 50 missions, one
-- draft invoice each (approved hours × the organization's hourly rate, parts
-- taken out × their price), missions and timesheets moved to invoiced in the
-- invoicing system context; a per-item result and a summary; one bad mission
-- (not done, other organization, unapproved hours, nothing billable, no rate)
-- never blocks the others and leaves nothing behind.
begin;
select plan(27);

create function pg_temp.bulk_as(p_user uuid, p_ids uuid[]) returns jsonb language sql as $$
  select tests.as_user(p_user, format('select public.bulk_invoice_missions(%L::uuid[])', p_ids))
$$;
-- A mission brought to p_status along the graph by the system actor.
create function pg_temp.mission_at(p_id uuid, p_status public.mission_status,
                                   p_org text default 'a', p_tech uuid default 'a0000000-0000-4000-8000-000000000003')
returns uuid language plpgsql as $$
declare v_step public.mission_status;
begin
  insert into public.missions (id, org_id, client_id, site_id, title)
  values (p_id, (p_org || '0000000-0000-4000-8000-0000000000' || p_org || '0')::uuid,
          (p_org || '0000000-0000-4000-8000-0000000000c1')::uuid, (p_org || '0000000-0000-4000-8000-0000000000d1')::uuid,
          'Test — entretien chaudière');
  foreach v_step in array case p_status
      when 'in_progress' then '{published,assigned,in_progress}'::public.mission_status[]
      when 'done'        then '{published,assigned,in_progress,done}' end
  loop
    update public.missions set status = v_step,
           technician_id = case when v_step = 'assigned' then p_tech else technician_id end
     where id = p_id;
  end loop;
  return p_id;
end $$;
create function pg_temp.hours(p_id uuid, p_mission uuid, p_tech uuid, p_days_ago int, p_hours numeric, p_approved boolean default true,
                              p_org uuid default 'a0000000-0000-4000-8000-0000000000a0') returns void language sql as $$
  insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours, approved_at)
  values (p_id, p_org, p_tech, p_mission, (now() at time zone 'Europe/Paris')::date - p_days_ago, p_hours,
          case when p_approved then now() end)
$$;
create function pg_temp.parts_out(p_mission uuid, p_quantity numeric) returns void language sql as $$
  insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id)
  values ('a0000000-0000-4000-8000-0000000000a0', 'c4000000-0000-4000-8000-00000000f001', 'out', p_quantity, p_mission)
$$;

-- A part in stock (12.90 excl. VAT, 20 %).
insert into public.stock_items (id, org_id, sku, name, unit, price_cents, vat_rate)
values ('c4000000-0000-4000-8000-00000000f001', 'a0000000-0000-4000-8000-0000000000a0', 'TEST-VANNE-15', 'Vanne d''isolement 15x21', 'u', 1290, 20);
insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
values ('a0000000-0000-4000-8000-0000000000a0', 'c4000000-0000-4000-8000-00000000f001', 'in', 20, 'Livraison test');

-- m1 done: hours of Karim and Sophie, parts taken twice · m2 done: parts only
-- m3 in progress · m4 done, nothing billable · m5 done, one unapproved timesheet
-- mb done in organization B
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000001', 'done');
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000002', 'done');
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000003', 'in_progress');
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000004', 'done');
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000005', 'done');
select pg_temp.mission_at('c4700000-0000-4000-8000-00000000000b', 'done', 'b', 'b0000000-0000-4000-8000-000000000003');
select pg_temp.hours('c4710000-0000-4000-8000-000000000001', 'c4700000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000003', 2, 2);
select pg_temp.hours('c4710000-0000-4000-8000-000000000002', 'c4700000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000004', 1, 1.5);
select pg_temp.hours('c4710000-0000-4000-8000-000000000005', 'c4700000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-000000000003', 1, 1, false);
select pg_temp.hours('c4710000-0000-4000-8000-00000000000b', 'c4700000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-000000000003', 1, 1,
                     true, 'b0000000-0000-4000-8000-0000000000b0');
select pg_temp.parts_out('c4700000-0000-4000-8000-000000000001', 2);
select pg_temp.parts_out('c4700000-0000-4000-8000-000000000001', 1);
select pg_temp.parts_out('c4700000-0000-4000-8000-000000000002', 4);

-- ---------------------------------------------------------------------------
-- The accountant invoices a mixed batch
-- ---------------------------------------------------------------------------
create temporary table t_bulk on commit drop as
select pg_temp.bulk_as('a0000000-0000-4000-8000-000000000005', array[
  'c4700000-0000-4000-8000-000000000003', 'c4700000-0000-4000-8000-000000000001', 'c4700000-0000-4000-8000-00000000000b',
  'c4700000-0000-4000-8000-000000000004', 'c4700000-0000-4000-8000-000000000005', 'c4700000-0000-4000-8000-000000000002',
  'c4700000-0000-4000-8000-00000000dead', 'c4700000-0000-4000-8000-000000000001']::uuid[]) as r;

select is((select r -> 'summary' from t_bulk), '{"requested": 8, "succeeded": 2, "failed": 6}'::jsonb,
  'the summary counts requested, succeeded and failed items');
select results_eq(
  $$select x.id, x.ok, x.error from t_bulk, jsonb_to_recordset(r -> 'results') as x (id uuid, ok boolean, error text)$$,
  $$values
    ('c4700000-0000-4000-8000-000000000003'::uuid, false, 'Mission c4700000-0000-4000-8000-000000000003 is not done (status: in_progress)'),
    ('c4700000-0000-4000-8000-000000000001', true, null),
    ('c4700000-0000-4000-8000-00000000000b', false, 'Mission c4700000-0000-4000-8000-00000000000b not found'),
    ('c4700000-0000-4000-8000-000000000004', false, 'Mission c4700000-0000-4000-8000-000000000004 has nothing to invoice (no approved timesheet, no stock used)'),
    ('c4700000-0000-4000-8000-000000000005', false, 'Mission c4700000-0000-4000-8000-000000000005 has 1 unapproved timesheet(s): approve them before invoicing'),
    ('c4700000-0000-4000-8000-000000000002', true, null),
    ('c4700000-0000-4000-8000-00000000dead', false, 'Mission c4700000-0000-4000-8000-00000000dead not found'),
    ('c4700000-0000-4000-8000-000000000001', false, 'Mission c4700000-0000-4000-8000-000000000001 is not done (status: invoiced)')$$,
  'one result per requested id, in the given order: bad missions are reported, good ones invoiced');
select is(
  (select count(*)::int from t_bulk, jsonb_array_elements(r -> 'results') e
   where (e ->> 'ok')::boolean = (e ->> 'invoice_id' is not null)),
  8, 'each successful item carries its invoice id, each failed one none');

create temporary table t_inv on commit drop as
select (e ->> 'id')::uuid as mission_id, (e ->> 'invoice_id')::uuid as invoice_id
from t_bulk, jsonb_array_elements(r -> 'results') e where (e ->> 'ok')::boolean;

-- m1: two labour lines and one parts line (quantities summed).
select results_eq(
  $$select l.position, l.description, l.quantity, l.unit, l.unit_price_cents, l.vat_rate::numeric, l.line_ht_cents,
           l.timesheet_id is not null, l.stock_item_id is not null, l.mission_id
    from public.invoice_lines l
    where l.invoice_id = (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001')
    order by l.position$$,
  $$values
    (1, 'Main d''œuvre — Karim Benali — ' || to_char((now() at time zone 'Europe/Paris')::date - 2, 'DD/MM/YYYY'), 2.000, 'h', 6800::bigint, 10.0, 13600::bigint, true, false, 'c4700000-0000-4000-8000-000000000001'::uuid),
    (2, 'Main d''œuvre — Sophie Lambert — ' || to_char((now() at time zone 'Europe/Paris')::date - 1, 'DD/MM/YYYY'), 1.500, 'h', 6800, 10.0, 10200, true, false, 'c4700000-0000-4000-8000-000000000001'),
    (3, 'Vanne d''isolement 15x21 (réf. TEST-VANNE-15)', 3.000, 'u', 1290, 20.0, 3870, false, true, 'c4700000-0000-4000-8000-000000000001')$$,
  'approved hours × the hourly rate (labour VAT rate), then parts taken out × their price (the item''s VAT rate)');
select results_eq(
  $$select i.status::text, i.kind::text, i.client_id, i.service_date, i.total_ht_cents, i.total_vat_cents, i.total_ttc_cents
    from public.invoices i where i.id = (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001')$$,
  $$select 'draft'::text, 'invoice'::text, 'a0000000-0000-4000-8000-0000000000c1'::uuid,
           (m.completed_at at time zone 'Europe/Paris')::date, 27670::bigint, 3154::bigint, 30824::bigint
    from public.missions m where m.id = 'c4700000-0000-4000-8000-000000000001'$$,
  'a draft invoice for the mission''s client, dated by the service, totals computed');
select results_eq(
  $$select status::text, invoiced_at is not null from public.missions where id = 'c4700000-0000-4000-8000-000000000001'$$,
  $$values ('invoiced'::text, true)$$, 'the mission is invoiced');
select is(
  (select array_agg(to_jsonb(t) - array['id', 'org_id', 'technician_id', 'mission_id', 'work_date', 'hours', 'note', 'approved_by', 'approved_at', 'created_at', 'updated_at'] order by t.id)
   from public.timesheets t where t.mission_id = 'c4700000-0000-4000-8000-000000000001'),
  array[jsonb_build_object('invoiced', true, 'invoice_id', (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001')),
        jsonb_build_object('invoiced', true, 'invoice_id', (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001'))],
  'its timesheets are invoiced and point at the invoice');
select is(
  (select to_jsonb(h) - 'id' - 'changed_at' from public.mission_status_history h
   where h.mission_id = 'c4700000-0000-4000-8000-000000000001' order by h.id desc limit 1),
  jsonb_build_object('org_id', 'a0000000-0000-4000-8000-0000000000a0', 'mission_id', 'c4700000-0000-4000-8000-000000000001',
                     'from_status', 'done', 'to_status', 'invoiced', 'changed_by', 'a0000000-0000-4000-8000-000000000005', 'reason', null),
  'the mission history records done → invoiced by the accountant');
select results_eq(
  $$select count(*)::int, sum(l.line_ht_cents)::bigint from public.invoice_lines l
    where l.invoice_id = (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000002')$$,
  $$values (1, 5160::bigint)$$, 'a mission with parts only gets a parts line');

-- The bad ones left nothing behind.
select results_eq(
  $$select id, status::text from public.missions where id in ('c4700000-0000-4000-8000-000000000003', 'c4700000-0000-4000-8000-000000000004',
                                                    'c4700000-0000-4000-8000-000000000005', 'c4700000-0000-4000-8000-00000000000b') order by id$$,
  $$values ('c4700000-0000-4000-8000-000000000003'::uuid, 'in_progress'::text), ('c4700000-0000-4000-8000-000000000004', 'done'),
           ('c4700000-0000-4000-8000-000000000005', 'done'), ('c4700000-0000-4000-8000-00000000000b', 'done')$$,
  'refused missions keep their status');
select is(
  (select count(*)::int from public.invoice_lines where mission_id in ('c4700000-0000-4000-8000-000000000003', 'c4700000-0000-4000-8000-000000000004',
                                                                   'c4700000-0000-4000-8000-000000000005', 'c4700000-0000-4000-8000-00000000000b')),
  0, 'no invoice line exists for a refused mission');
select is(
  (select count(*)::int from public.invoices i
   where i.org_id = 'a0000000-0000-4000-8000-0000000000a0' and i.status = 'draft'
     and not exists (select from public.invoice_lines l where l.invoice_id = i.id)
     and i.created_at = now()),
  0, 'no empty draft is left by a refused mission (each item rolled back on its own)');
select is((select invoiced from public.timesheets where id = 'c4710000-0000-4000-8000-00000000000b'), false,
  'another organization''s hours are untouched');

-- ---------------------------------------------------------------------------
-- What follows from invoicing
-- ---------------------------------------------------------------------------
select throws_ok($$update public.timesheets set hours = 3 where id = 'c4710000-0000-4000-8000-000000000001'$$,
  'P0001', 'Timesheet c4710000-0000-4000-8000-000000000001 is invoiced and locked', 'invoiced hours are locked');
select throws_ok(format('delete from public.invoices where id = %L', (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001')),
  '23503', null, 'the draft that invoiced timesheets cannot be deleted from under them');
select alike(public.issue_invoice((select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000001')) ->> 'number',
  'FAC-%', 'the accountant issues the draft like any other');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, timesheet_id)
                   values ('a0000000-0000-4000-8000-0000000000a0', (select invoice_id from t_inv where mission_id = 'c4700000-0000-4000-8000-000000000002'),
                           'x', 1, 1, 'c4710000-0000-4000-8000-00000000000b')$$,
  '23503', null, 'a line cannot bill another organization''s timesheet');

-- Fixed: approving the hours of m5 lets it through on the next call.
update public.timesheets set approved_at = now() where id = 'c4710000-0000-4000-8000-000000000005';
select is(pg_temp.bulk_as('a0000000-0000-4000-8000-000000000005', array['c4700000-0000-4000-8000-000000000005']::uuid[]) -> 'summary',
  '{"requested": 1, "succeeded": 1, "failed": 0}'::jsonb, 'once its hours are approved, the mission is invoiced');

-- Without an hourly rate, hours cannot be billed (parts can).
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000006', 'done');
select pg_temp.hours('c4710000-0000-4000-8000-000000000006', 'c4700000-0000-4000-8000-000000000006', 'a0000000-0000-4000-8000-000000000004', 1, 1);
select pg_temp.mission_at('c4700000-0000-4000-8000-000000000007', 'done');
select pg_temp.parts_out('c4700000-0000-4000-8000-000000000007', 1);
update public.organizations set hourly_rate_cents = null where id = 'a0000000-0000-4000-8000-0000000000a0';
select results_eq(
  $$select x.ok, x.error from jsonb_to_recordset(public.bulk_invoice_missions(array['c4700000-0000-4000-8000-000000000006', 'c4700000-0000-4000-8000-000000000007']::uuid[]) -> 'results')
      as x (ok boolean, error text)$$,
  $$values (false, 'Organization Chaleur Express has no hourly rate: set organizations.hourly_rate_cents to invoice hours'), (true, null::text)$$,
  'without an hourly rate, hours are refused with a clear message; the system actor invoices parts-only missions');
update public.organizations set hourly_rate_cents = 6800 where id = 'a0000000-0000-4000-8000-0000000000a0';

-- ---------------------------------------------------------------------------
-- Limits and callers
-- ---------------------------------------------------------------------------
select throws_ok(
  $$select public.bulk_invoice_missions(array(select gen_random_uuid() from generate_series(1, 51)))$$,
  '22023', 'At most 50 missions per bulk invoicing (got 51)', 'more than 50 missions are refused');
select is((public.bulk_invoice_missions(array(select gen_random_uuid() from generate_series(1, 50))) -> 'summary' ->> 'failed')::int, 50,
  '50 missions are accepted (here all unknown, each reported)');
select throws_ok($$select public.bulk_invoice_missions(null)$$, '22004', 'A list of mission ids is required', 'a list is required');
select is(public.bulk_invoice_missions('{}'), '{"results": [], "summary": {"failed": 0, "requested": 0, "succeeded": 0}}'::jsonb,
  'an empty list does nothing');
select is(
  pg_temp.bulk_as('a0000000-0000-4000-8000-000000000002', array['c4700000-0000-4000-8000-000000000006']::uuid[]) #>> '{results,0,error}',
  'Permission denied: bulk_invoice_missions requires one of the roles owner, admin, accountant',
  'a dispatcher cannot invoice: the item is refused');
select is((select status::text from public.missions where id = 'c4700000-0000-4000-8000-000000000006'), 'done', '… and the mission is untouched');
select throws_ok($$select tests.as_user(null, 'select public.bulk_invoice_missions(''{}'')')$$,
  '42501', 'Authentication required', 'an authenticated session without a user cannot call it');
select ok(not has_function_privilege('anon', 'public.bulk_invoice_missions(uuid[])', 'execute')
          and has_function_privilege('authenticated', 'public.bulk_invoice_missions(uuid[])', 'execute'),
  'authenticated and service_role may call bulk_invoice_missions, anon may not');

select * from finish();
rollback;

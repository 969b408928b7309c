-- Business event log: public.app_events, private.log_app_event
-- and the triggers that log invoice_sent, emergency_created, stock_low,
-- mission_blocked and lock_override.
begin;
select plan(19);

create function pg_temp.events(p_type text, p_entity uuid) returns bigint language sql as $$
  select count(*) from public.app_events where type = p_type and entity_id = p_entity
$$;

-- Shape and access
select has_table('public', 'app_events', 'public.app_events exists');
select results_eq(
  $$select role || ':' || operation || ':' || scope from private.permission_matrix where table_name = 'public.app_events' order by 1$$,
  $$values ('admin:select:org'), ('dispatcher:select:org'), ('owner:select:org')$$,
  'matrix: owner, admin, dispatcher read the organization''s events; nobody writes through the API');
select ok(not has_function_privilege('authenticated', 'private.log_app_event(uuid, text, text, text, uuid, jsonb)', 'execute')
          and not has_function_privilege('anon', 'private.log_app_event(uuid, text, text, text, uuid, jsonb)', 'execute')
          and has_function_privilege('service_role', 'private.log_app_event(uuid, text, text, text, uuid, jsonb)', 'execute'),
  'log_app_event: service_role only');

-- log_app_event
select ok(private.log_app_event('a0000000-0000-4000-8000-0000000000a0', 'test.event', 'warning', 'public.missions',
                                'a0000000-0000-4000-8000-000000002001', '{"k": 1}') > 0, 'log_app_event returns the new id');
select throws_ok($$select private.log_app_event('a0000000-0000-4000-8000-0000000000a0', 'test.event', 'fatal', null, null, null)$$,
  '22023', 'Unknown event severity "fatal": use info, warning or critical', 'an unknown severity is refused (22023)');
select throws_ok($$select private.log_app_event(null, 'test.event', 'info', null, null, null)$$,
  '22004', null, 'an organization is required (22004)');

-- Who reads
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
            $$select to_jsonb(count(*)) from public.app_events where type = 'test.event'$$)::int, 1,
  'a dispatcher of org A reads the event');
select is(tests.as_user('a0000000-0000-4000-8000-000000000005',
            $$select to_jsonb(count(*)) from public.app_events$$)::int, 0, 'an accountant reads no event');
select is(tests.as_user('b0000000-0000-4000-8000-000000000001',
            $$select to_jsonb(count(*)) from public.app_events where type = 'test.event'$$)::int, 0,
  'the owner of org B does not read org A''s events');

-- emergency_created
insert into public.emergency_requests (id, org_id, client_id, description, source)
values ('c7000000-0000-4000-8000-000000000e01', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Fuite', 'phone');
select is((select severity from public.app_events where type = 'emergency_created' and entity_id = 'c7000000-0000-4000-8000-000000000e01'),
  'critical', 'a new emergency request logs emergency_created, critical');

-- stock_low: CIRC… is at 0 already; VASE-EXP-8L has on_hand 4, min_stock 2.
insert into public.stock_movements (org_id, item_id, kind, quantity)
values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 2);
select is(pg_temp.events('stock_low', 'a0000000-0000-4000-8000-000000003202'), 0::bigint, '4 → 2 (= min_stock): no stock_low');
insert into public.stock_movements (org_id, item_id, kind, quantity)
values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 1);
select is(pg_temp.events('stock_low', 'a0000000-0000-4000-8000-000000003202'), 1::bigint, '2 → 1 (< min_stock 2): stock_low, once');
insert into public.stock_movements (org_id, item_id, kind, quantity)
values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'out', 1);
select is(pg_temp.events('stock_low', 'a0000000-0000-4000-8000-000000003202'), 1::bigint, '1 → 0 (already below): no second stock_low');

-- mission_blocked
update public.missions set status = 'blocked', blocked_reason = 'Pièce manquante' where id = 'a0000000-0000-4000-8000-000000002004';
select is((select severity from public.app_events where type = 'mission_blocked' and entity_id = 'a0000000-0000-4000-8000-000000002004'),
  'warning', 'a mission becoming blocked logs mission_blocked, warning');

-- lock_override
insert into public.lock_overrides (org_id, table_name, row_id, actor, reason, before, after)
values ('a0000000-0000-4000-8000-0000000000a0', 'timesheets', 'a0000000-0000-4000-8000-000000003101',
        'a0000000-0000-4000-8000-000000000001', 'Correction des heures saisies', '{}', '{}');
select is((select entity_table || ':' || severity from public.app_events where type = 'lock_override'
           and entity_id = 'a0000000-0000-4000-8000-000000003101'),
  'public.timesheets:warning', 'a lock override logs lock_override on the overridden row, warning');

-- invoice_sent (mark_invoice_sent, as the owner)
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  format('select public.mark_invoice_sent(%L, %L)',
         (select id from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and status = 'issued' limit 1),
         repeat('ab', 32)))$$, 'the owner sends an issued invoice');
select is((select count(*) from public.app_events e join public.invoices i on i.id = e.entity_id
           where e.type = 'invoice_sent' and i.org_id = 'a0000000-0000-4000-8000-0000000000a0'),
          (select count(*) from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and sent_at is not null),
  'one invoice_sent event per sent invoice (the seed''s and this one)');

-- The row-event trigger function: the payload is the columns its arguments
-- name (key or key=column); an argument naming no column is an error, not a
-- silent null.
select is((select e.payload from public.app_events e
           where e.type = 'invoice_sent' order by e.id desc limit 1) ?& array['number', 'client_id', 'kind', 'total_ttc_cents', 'due_date'],
  true, 'invoice_sent carries number, client_id, kind, total_ttc_cents and due_date');
create temporary table log_row_event_probe (id uuid primary key default gen_random_uuid(), org_id uuid);
create trigger probe_log after insert on log_row_event_probe
  for each row execute function private.log_row_event('probe', 'info', 'missing=no_such_column');
select throws_ok(
  $$insert into log_row_event_probe (org_id) values ('a0000000-0000-4000-8000-0000000000a0')$$,
  '42703', null, 'log_row_event refuses an argument that names no column of the row');

select * from finish();
rollback;

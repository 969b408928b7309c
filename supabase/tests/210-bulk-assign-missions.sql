-- bulk_assign_missions: the board gives several missions to one technician;
-- one result per mission in the caller's order, each refusal with the
-- database's own reason, the others done.
begin;
select plan(14);

-- Dispatcher …02, technicians Karim …03 and Sophie …04, accountant …05 (Chaleur Express).
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('a0000000-0000-4000-8000-00000000e101', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Bulk — published 1'),
  ('a0000000-0000-4000-8000-00000000e102', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Bulk — published 2'),
  ('a0000000-0000-4000-8000-00000000e103', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Bulk — still new'),
  ('a0000000-0000-4000-8000-00000000e104', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Bulk — for the accountant'),
  ('b0000000-0000-4000-8000-00000000e101', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1', 'Bulk — other organization');
update public.missions set status = 'published'
 where id in ('a0000000-0000-4000-8000-00000000e101', 'a0000000-0000-4000-8000-00000000e102', 'a0000000-0000-4000-8000-00000000e104', 'b0000000-0000-4000-8000-00000000e101');

select ok(has_function_privilege('authenticated', 'public.bulk_assign_missions(uuid[], uuid)', 'execute')
          and not has_function_privilege('anon', 'public.bulk_assign_missions(uuid[], uuid)', 'execute'),
          'signed-in users may call bulk_assign_missions, anon may not');

create temp table result as
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_assign_missions(array['a0000000-0000-4000-8000-00000000e102', 'a0000000-0000-4000-8000-00000000e103',
                                             'b0000000-0000-4000-8000-00000000e101', 'a0000000-0000-4000-8000-00000000e101']::uuid[],
                                       'a0000000-0000-4000-8000-000000000004')$$) as r;

select is((select r -> 'summary' from result), '{"requested": 4, "succeeded": 2, "failed": 2}'::jsonb,
          'four asked, two assigned, two refused');
select is((select array_agg(e ->> 'id' order by o) from result, jsonb_array_elements(r -> 'results') with ordinality x (e, o)),
          array['a0000000-0000-4000-8000-00000000e102', 'a0000000-0000-4000-8000-00000000e103',
                'b0000000-0000-4000-8000-00000000e101', 'a0000000-0000-4000-8000-00000000e101'],
          'results come in the order asked');
select is((select r -> 'results' -> 0 from result),
          '{"id": "a0000000-0000-4000-8000-00000000e102", "ok": true, "status": "assigned", "changed": true, "technician_id": "a0000000-0000-4000-8000-000000000004"}'::jsonb,
          'a published mission is assigned to the technician named');
select is((select r -> 'results' -> 1 ->> 'error' from result), 'Invalid transition: new → assigned',
          'a new mission is refused with the state machine''s message');
select is((select r -> 'results' -> 2 ->> 'error' from result), 'Mission b0000000-0000-4000-8000-00000000e101 not found',
          'a mission of another organization is not found (never revealed)');
select is((select r -> 'results' -> 2 ->> 'code' from result), 'not_found', 'with the catalogue''s code');
select is((select array_agg(technician_id::text || ':' || status order by id) from public.missions
           where id in ('a0000000-0000-4000-8000-00000000e101', 'a0000000-0000-4000-8000-00000000e102')),
          array['a0000000-0000-4000-8000-000000000004:assigned', 'a0000000-0000-4000-8000-000000000004:assigned'],
          'both published missions now belong to Sophie');
select is((select status::text from public.missions where id = 'b0000000-0000-4000-8000-00000000e101'), 'published',
          'the other organization''s mission is untouched');

select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_assign_missions(array['a0000000-0000-4000-8000-00000000e101']::uuid[], 'a0000000-0000-4000-8000-000000000003') -> 'results' -> 0 -> 'error'$$) #>> '{}',
  'Mission a0000000-0000-4000-8000-00000000e101 is already assigned to another technician',
  'an assigned mission is not silently taken from its technician');

select tests.throws_as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_assign_missions(array['a0000000-0000-4000-8000-00000000e101']::uuid[], null)$$,
  '22004', 'A technician is required to assign missions', 'a technician is required');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_assign_missions(null, 'a0000000-0000-4000-8000-000000000004')$$,
  '22004', 'A list of mission ids is required', 'a list is required');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_assign_missions(array_fill('a0000000-0000-4000-8000-00000000e101'::uuid, array[101]), 'a0000000-0000-4000-8000-000000000004')$$,
  '22023', 'At most 100 missions per bulk assignment (got 101)', 'at most 100 missions');

-- The accountant reads missions but may not assign them: each item says so.
select is(tests.as_user('a0000000-0000-4000-8000-000000000005',
  $$select public.bulk_assign_missions(array['a0000000-0000-4000-8000-00000000e104']::uuid[], 'a0000000-0000-4000-8000-000000000004') -> 'results' -> 0 -> 'code'$$) #>> '{}',
  'forbidden_role', 'an accountant is refused, item by item');

select * from finish();
rollback;

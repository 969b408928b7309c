-- dispatch_emergency: a pending emergency becomes an urgent mission
-- (published, assigned when a technician is named) and the emergency is
-- dispatched, all at once or not at all.
begin;
select plan(15);

-- Seed: emergency …2301 pending (site d1), …2302 dispatched. Dispatcher …02,
-- technicians …03/…04, accountant …05, Plomberie dispatcher b…02.
insert into public.emergency_requests (id, org_id, client_id, site_id, description, source) values
  ('a0000000-0000-4000-8000-00000000e301', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
   null, 'Four sans chauffe', 'phone');

select ok(has_function_privilege('authenticated', 'public.dispatch_emergency(uuid, uuid, uuid, text)', 'execute')
          and not has_function_privilege('anon', 'public.dispatch_emergency(uuid, uuid, uuid, text)', 'execute'),
          'signed-in users may call dispatch_emergency, anon may not');

select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000005'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-000000002301')$$,
   '42501', 'Only an owner, admin or dispatcher can dispatch an emergency', 'an accountant may not dispatch'),
  ('b0000000-0000-4000-8000-000000000002'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-000000002301')$$,
   'P0002', 'Emergency a0000000-0000-4000-8000-000000002301 not found', 'another organization''s emergency is not found'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-000000002302')$$,
   'P0001', 'Emergency a0000000-0000-4000-8000-000000002302 is already dispatched', 'a dispatched emergency is not dispatched twice'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-00000000e301')$$,
   '22004', 'The emergency names no site: choose the site of the mission', 'an emergency without a site needs one'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-00000000e301', p_site_id => 'a0000000-0000-4000-8000-0000000000d1')$$,
   '23503', 'Site a0000000-0000-4000-8000-0000000000d1 is not a site of this client', 'the site must be the client''s'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.dispatch_emergency('a0000000-0000-4000-8000-000000002301', 'a0000000-0000-4000-8000-000000000005')$$,
   '23514', 'User a0000000-0000-4000-8000-000000000005 is not a technician of this organization', 'an accountant cannot be the technician (and nothing is left half done)')
) t (u, s, e, m, d);
select is((select status::text from public.emergency_requests where id = 'a0000000-0000-4000-8000-000000002301'), 'pending',
          'after the refusals the emergency is still pending');
select is((select count(*)::int from public.missions where emergency_request_id = 'a0000000-0000-4000-8000-000000002301'), 0,
          'and no mission was created for it');

create temp table dispatched as
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.dispatch_emergency('a0000000-0000-4000-8000-000000002301', 'a0000000-0000-4000-8000-000000000004')$$) as r;
select is((select r - 'mission_id' from dispatched),
          '{"emergency_id": "a0000000-0000-4000-8000-000000002301", "status": "dispatched", "mission_status": "assigned", "technician_id": "a0000000-0000-4000-8000-000000000004"}'::jsonb,
          'the answer: dispatched, the mission assigned to Sophie');
select results_eq(
  $$select m.client_id, m.site_id, m.priority::text, m.status::text, m.technician_id, m.created_by from public.missions m
    where m.id = (select (r ->> 'mission_id')::uuid from dispatched)$$,
  $$values ('a0000000-0000-4000-8000-0000000000c1'::uuid, 'a0000000-0000-4000-8000-0000000000d1'::uuid, 'urgent', 'assigned',
            'a0000000-0000-4000-8000-000000000004'::uuid, 'a0000000-0000-4000-8000-000000000002'::uuid)$$,
  'an urgent mission for the emergency''s client and site, assigned, created by the dispatcher');
select results_eq(
  $$select status::text, acknowledged_by, acknowledged_at is not null, dispatched_at is not null
    from public.emergency_requests where id = 'a0000000-0000-4000-8000-000000002301'$$,
  $$values ('dispatched', 'a0000000-0000-4000-8000-000000000002'::uuid, true, true)$$,
  'the emergency is dispatched, acknowledged by the dispatcher');
select is((select array_agg(to_status::text order by id) from public.mission_status_history
           where mission_id = (select (r ->> 'mission_id')::uuid from dispatched)),
          array['new', 'published', 'assigned'], 'the mission went through the state machine (new, published, assigned)');

select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.dispatch_emergency('a0000000-0000-4000-8000-00000000e301', p_site_id => 'a0000000-0000-4000-8000-0000000000d2', p_title => 'Four à pain') -> 'mission_status'$$) #>> '{}',
  'published', 'without a technician the mission is published, for the technicians to accept');
select is((select title from public.missions where emergency_request_id = 'a0000000-0000-4000-8000-00000000e301'), 'Four à pain',
          'with the title given');

select * from finish();
rollback;

-- Client requests: convert_client_request turns one into a mission of the
-- same client and marks it converted; decline_client_request rejects it with
-- the reason the client reads. Both for owner/admin/dispatcher only, both
-- once (a decided request stays decided), both in one transaction.
begin;
select plan(21);

-- Seed: request …2201 (open, site d1, client c1 of Chaleur Express), …2202 converted.
-- Dispatcher …02, technician …03, client portal user …06, Plomberie dispatcher b…02.
insert into public.client_requests (id, org_id, client_id, site_id, subject, description, status) values
  ('a0000000-0000-4000-8000-00000000e201', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   null, 'Robinet qui goutte', 'Cuisine, depuis hier', 'open'),
  ('a0000000-0000-4000-8000-00000000e202', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
   null, 'Devis ballon', null, 'open');

select ok(has_function_privilege('authenticated', 'public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority)', 'execute')
          and has_function_privilege('authenticated', 'public.decline_client_request(uuid, text)', 'execute')
          and not has_function_privilege('anon', 'public.convert_client_request(uuid, uuid, text, timestamptz, timestamptz, public.mission_priority)', 'execute')
          and not has_function_privilege('anon', 'public.decline_client_request(uuid, text)', 'execute'),
          'signed-in users may call both, anon neither');

-- Refusals first: nothing changes.
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, $$select public.convert_client_request('a0000000-0000-4000-8000-000000002201')$$,
   '42501', 'Only an owner, admin or dispatcher can decide on a client request', 'a technician may not convert'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, $$select public.decline_client_request('a0000000-0000-4000-8000-000000002201', 'non')$$,
   '42501', 'Only an owner, admin or dispatcher can decide on a client request', 'the client may not decide on its own request'),
  ('b0000000-0000-4000-8000-000000000002'::uuid, $$select public.convert_client_request('a0000000-0000-4000-8000-000000002201')$$,
   'P0002', 'Client request a0000000-0000-4000-8000-000000002201 not found', 'another organization''s request is not found'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.convert_client_request('a0000000-0000-4000-8000-000000002202')$$,
   'P0001', 'Client request a0000000-0000-4000-8000-000000002202 is already converted', 'a converted request cannot be converted again'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.convert_client_request('a0000000-0000-4000-8000-00000000e201')$$,
   '22004', 'The request names no site: choose the site of the mission', 'a request without a site needs one'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.convert_client_request('a0000000-0000-4000-8000-00000000e201', 'a0000000-0000-4000-8000-0000000000d2')$$,
   '23503', 'Site a0000000-0000-4000-8000-0000000000d2 is not a site of this client', 'the site must be the client''s'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.decline_client_request('a0000000-0000-4000-8000-00000000e202', '   ')$$,
   '23514', 'A reason is required to decline a request: the client reads it', 'declining needs a reason'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.decline_client_request('a0000000-0000-4000-8000-00000000e202', repeat('x', 2001))$$,
   '22001', 'A reason is at most 2000 characters (got 2001)', 'a reason is at most 2000 characters'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select public.convert_client_request(null)$$,
   '22004', 'A client request id is required', 'an id is required')
) t (u, s, e, m, d);
select is((select array_agg(status order by id) from public.client_requests
           where id in ('a0000000-0000-4000-8000-000000002201', 'a0000000-0000-4000-8000-00000000e201', 'a0000000-0000-4000-8000-00000000e202')),
          array['open', 'open', 'open'], 'the refusals changed nothing');

-- Conversion.
create temp table converted as
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.convert_client_request('a0000000-0000-4000-8000-000000002201', p_title => 'Équilibrage 3e étage',
                                         p_scheduled_start => '2027-01-05 08:00+01', p_scheduled_end => '2027-01-05 10:00+01',
                                         p_priority => 'high')$$) as r;
select is((select r ->> 'status' from converted), 'converted', 'the answer says converted');
select is((select status from public.client_requests where id = 'a0000000-0000-4000-8000-000000002201'), 'converted',
          'the request is converted');
select results_eq(
  $$select m.client_id, m.site_id, m.client_request_id, m.title, m.status::text, m.priority::text, m.scheduled_start, m.created_by
    from public.missions m where m.id = (select (r ->> 'mission_id')::uuid from converted)$$,
  $$values ('a0000000-0000-4000-8000-0000000000c1'::uuid, 'a0000000-0000-4000-8000-0000000000d1'::uuid,
            'a0000000-0000-4000-8000-000000002201'::uuid, 'Équilibrage 3e étage', 'new', 'high',
            '2027-01-05 08:00+01'::timestamptz, 'a0000000-0000-4000-8000-000000000002'::uuid)$$,
  'the mission is new, for the request''s client and site, linked to the request, created by the dispatcher');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select to_jsonb(public.convert_client_request('a0000000-0000-4000-8000-00000000e201', 'a0000000-0000-4000-8000-0000000000d1') ->> 'status')$$) #>> '{}',
  'converted', 'a request without a site converts once a site of its client is given');
select is((select title from public.missions where client_request_id = 'a0000000-0000-4000-8000-00000000e201'), 'Robinet qui goutte',
          'the title defaults to the request''s subject');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002', 'select public.decline_client_request(''a0000000-0000-4000-8000-000000002201'', ''trop tard'')')$$,
  'P0001', 'Client request a0000000-0000-4000-8000-000000002201 is already converted', 'a converted request cannot be declined');

-- Decline.
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.decline_client_request('a0000000-0000-4000-8000-00000000e202', '  Hors de notre zone d''intervention  ')$$),
  '{"request_id": "a0000000-0000-4000-8000-00000000e202", "status": "rejected", "decline_reason": "Hors de notre zone d''intervention"}'::jsonb,
  'declining answers the status and the trimmed reason');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000006',
  $$select decline_reason from public.client_requests where id = 'a0000000-0000-4000-8000-00000000e202'$$),
  '{}'::text[], 'another client''s portal user does not see it (c2 is not theirs)');
select is((select decline_reason from public.client_requests where id = 'a0000000-0000-4000-8000-00000000e202'),
          'Hors de notre zone d''intervention', 'the reason is stored');
select throws_ok(
  $$update public.client_requests set status = 'rejected' where id = 'a0000000-0000-4000-8000-00000000e201'$$,
  '23514', null, 'a rejection without a reason is refused even by a direct update');

select * from finish();
rollback;

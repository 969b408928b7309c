-- An emergency's description: one visible character at least, 10000 at most,
-- refused with the catalogue error validation_failed (HTTP 422) and a message
-- the portal shows as is, whoever writes it. Nothing is stored on a refusal.
begin;
select plan(9);

-- Seed: the portal user …06 of client c1 (Syndic Lumière, Chaleur Express),
-- dispatcher …02, emergency a…2301 pending.
select tests.throws_as_user(u, s, '23514', 'An emergency needs a description of 1 to 10000 characters', d) from (values
  ('a0000000-0000-4000-8000-000000000006'::uuid,
   $$insert into public.emergency_requests (org_id, client_id, description)
     values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', '')$$,
   'the portal user: an empty description is refused'),
  ('a0000000-0000-4000-8000-000000000006'::uuid,
   $$insert into public.emergency_requests (org_id, client_id, description)
     values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', E'   \n\t  ')$$,
   'the portal user: spaces, tabs and line breaks only are refused (btrim alone keeps the line break)'),
  ('a0000000-0000-4000-8000-000000000006'::uuid,
   $$insert into public.emergency_requests (org_id, client_id, description)
     values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', repeat('x', 10001))$$,
   'the portal user: more than 10000 characters are refused'),
  ('a0000000-0000-4000-8000-000000000002'::uuid,
   $$update public.emergency_requests set description = '  ' where id = 'a0000000-0000-4000-8000-000000002301'$$,
   'the dispatcher: the description cannot be blanked afterwards')
) t (u, s, d);

select is((select count(*)::int from public.emergency_requests
           where client_id = 'a0000000-0000-4000-8000-0000000000c1' and description !~ '[^[:space:]]'), 0,
          'no blank emergency was stored');
select isnt((select description from public.emergency_requests where id = 'a0000000-0000-4000-8000-000000002301'), '  ',
            'the pending emergency keeps its description');

select lives_ok(format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000006',
  $$insert into public.emergency_requests (org_id, client_id, description)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', E'  Fuite au sous-sol\n  ') returning to_jsonb(id)$$),
  'a description with words (around spaces) is accepted');
select lives_ok($$insert into public.emergency_requests (org_id, client_id, description, source)
                  values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', repeat('x', 10000), 'phone')$$,
                'exactly 10000 characters is accepted');

-- Inside a PostgREST request the refusal is the catalogue's JSON body, HTTP 422.
select throws_ok($$select set_config('request.method', 'POST', true);
                   insert into public.emergency_requests (org_id, client_id, description)
                   values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', ' ')$$,
                 'PGRST', '{"code" : "validation_failed", "message" : "An emergency needs a description of 1 to 10000 characters", "details" : null, "hint" : null}',
                 'through PostgREST: validation_failed with the readable message');

select * from finish();
rollback;

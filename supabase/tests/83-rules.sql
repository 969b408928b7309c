-- Rules on external events: validation on save (the
-- condition must be a jsonpath predicate, nothing is ever executed; the
-- action parameters fit the action and belong to the organization), and who
-- may read and manage rules.
begin;
select plan(27);


-- Org A: …01 owner, …02 dispatcher, …03 technician, …05 accountant, …06 client; clients …c1 (site …d1), …c2 (site …d2).
-- Org B: b…01 owner, client b…c1.
create function pg_temp.rule(p_condition text, p_action text default 'create_emergency',
                             p_params jsonb default '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}')
returns uuid language sql as $$
  insert into public.rules (org_id, name, event_type, condition, action, action_params)
  values ('a0000000-0000-4000-8000-0000000000a0', 'test', 'boiler.reading', p_condition, p_action, p_params)
  returning id
$$;

-- ------------------------------------------------------------------ conditions
select lives_ok($$ select pg_temp.rule('$.temperature > 90 && $.site == "boiler-1"') $$, 'a comparison predicate is accepted');
select lives_ok($$ select pg_temp.rule('exists($.alarm) || $.code like_regex "^E[0-9]+$"') $$, 'exists / like_regex predicates are accepted');
select lives_ok($$ select pg_temp.rule('$.missing.deep > 1') $$, 'a predicate on a path that may be missing is accepted');
select throws_ok($$ select pg_temp.rule('$.temperature >>> 90') $$, '22023', null, 'a syntax error is refused with 22023');
select throws_like($$ select pg_temp.rule('$.temperature >>> 90') $$, 'Invalid rule condition: %syntax error%',
  'the message starts with Invalid rule condition: and carries the parser''s message');
select throws_like($$ select pg_temp.rule('$.temperature') $$, 'Invalid rule condition: $.temperature is not a predicate%',
  'a plain path (not a predicate) is refused');
select throws_like($$ select pg_temp.rule('$') $$, 'Invalid rule condition: % is not a predicate%', '$ alone is refused');
select throws_like($$ select pg_temp.rule('$.a > $x') $$, 'Invalid rule condition: %',
  'a condition naming a variable (never bound) is refused');
select throws_like($$ select pg_temp.rule('select pg_sleep(10)') $$, 'Invalid rule condition: %',
  'SQL is not a condition (nothing is ever executed)');
select throws_ok($$ update public.rules set condition = '$.a +' where condition = '$.missing.deep > 1' $$, '22023', null,
  'validation also runs on update');
select is(jsonb_path_match('{"temperature": 95, "site": "boiler-1"}', '$.temperature > 90 && $.site == "boiler-1"', silent => true),
  true, 'sanity: the documented example matches a matching payload');
select is(coalesce(jsonb_path_match('{}', '$.missing.deep > 1', silent => true), false), false,
  'a predicate on a missing path is false, not an error');

-- ------------------------------------------------------------------ action_params
select throws_like($$ select pg_temp.rule('$.a == 1', 'create_emergency', '{}') $$,
  'Action create_emergency needs action_params.client_id%', 'create_emergency needs a client');
select throws_like($$ select pg_temp.rule('$.a == 1', 'create_client_request', '{"client_id": "nope"}') $$,
  'Action create_client_request needs action_params.client_id%', 'client_id must be a uuid');
select throws_ok($$ select pg_temp.rule('$.a == 1', 'create_emergency', '{"client_id": "b0000000-0000-4000-8000-0000000000c1"}') $$,
  '23503', null, 'a client of another organization is refused (composite foreign key)');
select throws_ok($$ select pg_temp.rule('$.a == 1', 'create_emergency',
    '{"client_id": "a0000000-0000-4000-8000-0000000000c1", "site_id": "a0000000-0000-4000-8000-0000000000d2"}') $$,
  '23503', null, 'a site of another client is refused');
select lives_ok($$ select pg_temp.rule('$.a == 1', 'create_client_request',
    '{"client_id": "a0000000-0000-4000-8000-0000000000c1", "site_id": "a0000000-0000-4000-8000-0000000000d1", "title": "Chaudière"}') $$,
  'a client request rule with its client, site and title is accepted');
select throws_like($$ select pg_temp.rule('$.a == 1', 'notify_roles', '{"roles": []}') $$,
  'Action notify_roles needs action_params.roles%', 'notify_roles needs roles');
select throws_like($$ select pg_temp.rule('$.a == 1', 'notify_roles', '{"roles": ["client"]}') $$,
  'action_params.roles: client is not a staff role%', 'portal users are not notified by rules');
select throws_like($$ select pg_temp.rule('$.a == 1', 'notify_roles', '{"roles": ["dispatcher"], "client_id": "x"}') $$,
  'Unknown action_params for notify_roles: client_id%', 'unknown parameters are refused');
select throws_like($$ select pg_temp.rule('$.a == 1', 'run_shell', '{}') $$, 'Unknown rule action run_shell%', 'unknown actions are refused');

-- ------------------------------------------------------------------ who manages rules
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$ select to_jsonb((public.create_rule('a0000000-0000-4000-8000-0000000000a0', 'Surchauffe', 'boiler.reading',
       '$.temperature > 90', 'create_emergency', '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}', 'critical')).created_by) $$),
  to_jsonb('a0000000-0000-4000-8000-000000000001'::text), 'the owner creates a rule with create_rule (created_by is the owner)');
select throws_ok($$ select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $q$ select to_jsonb(public.create_rule('a0000000-0000-4000-8000-0000000000a0', 'x', 'boiler.reading', '$.a == 1', 'notify_roles',
       '{"roles": ["owner"]}')) $q$) $$, '42501', null, 'a dispatcher cannot create rules');
select throws_ok($$ select tests.as_user('b0000000-0000-4000-8000-000000000001',
  $q$ select to_jsonb(public.create_rule('a0000000-0000-4000-8000-0000000000a0', 'x', 'boiler.reading', '$.a == 1', 'notify_roles',
       '{"roles": ["owner"]}')) $q$) $$, '42501', null, 'another organization''s owner cannot create rules here');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', $$ select to_jsonb(count(*)) from public.rules $$),
  (select to_jsonb(count(*)) from public.rules where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
  'the dispatcher reads the organization''s rules');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$ with u as (update public.rules set enabled = false returning 1) select to_jsonb(count(*)) from u $$),
  '0'::jsonb, 'the dispatcher cannot change rules');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', $$ select to_jsonb(count(*)) from public.rules $$)
       || tests.as_user('b0000000-0000-4000-8000-000000000001', $$ select to_jsonb(count(*)) from public.rules $$),
  '[0, 0]'::jsonb, 'technicians and other organizations see no rule');

select * from finish();
rollback;

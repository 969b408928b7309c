-- External events: private.ingest_event stores an event once
-- per (organization, sender's id), applies the matching enabled rules of the
-- organization (create an emergency, create a client request, notify roles),
-- logs 'rule_fired' app events; a replay returns the first result and changes
-- nothing; another organization's rules never fire; who reads events.
begin;
select plan(26);

create function pg_temp.ingest(p_org uuid, p_id text, p_type text, p_payload jsonb) returns jsonb language sql as $$
  select private.ingest_event(p_org, null, p_id, p_type, now(), p_payload)
$$;
create temp table t_rules (label text primary key, id uuid) on commit drop;
create function pg_temp.rule(p_label text, p_org uuid, p_type text, p_condition text, p_action text, p_params jsonb,
                             p_enabled boolean default true)
returns uuid language sql as $$
  with r as (
    insert into public.rules (org_id, name, event_type, condition, action, action_params, severity, enabled)
    values (p_org, 'Rule ' || p_label, p_type, p_condition, p_action, p_params, 'critical', p_enabled) returning id)
  insert into t_rules select p_label, id from r returning id
$$;
create function pg_temp.rid(p_label text) returns uuid language sql as $$ select id from t_rules where label = p_label $$;

-- Org A: …01 owner, …02 dispatcher, …03 technician; client …c1 (site …d1). Org B: b…01 owner, client b…c1.
select pg_temp.rule('emergency', 'a0000000-0000-4000-8000-0000000000a0', 'boiler.reading',
  '$.temperature > 90 && $.site == "boiler-1"', 'create_emergency',
  '{"client_id": "a0000000-0000-4000-8000-0000000000c1", "site_id": "a0000000-0000-4000-8000-0000000000d1", "title": "Surchauffe chaudière"}');
select pg_temp.rule('request', 'a0000000-0000-4000-8000-0000000000a0', 'boiler.maintenance_due',
  '$.hours >= 1000', 'create_client_request', '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}');
select pg_temp.rule('notify', 'a0000000-0000-4000-8000-0000000000a0', 'boiler.reading',
  '$.pressure < 1', 'notify_roles', '{"roles": ["dispatcher"], "title": "Pression basse"}');
select pg_temp.rule('disabled', 'a0000000-0000-4000-8000-0000000000a0', 'boiler.reading',
  '$.temperature > 0', 'notify_roles', '{"roles": ["owner"]}', false);
select pg_temp.rule('other-org', 'b0000000-0000-4000-8000-0000000000b0', 'boiler.reading',
  '$.temperature > 0', 'create_emergency', '{"client_id": "b0000000-0000-4000-8000-0000000000c1"}');

create temp table t_before on commit drop as
select (select count(*) from public.emergency_requests) as emergencies,
       (select count(*) from public.client_requests) as requests,
       (select count(*) from public.notifications) as notifications;

-- ------------------------------------------------------------------ create_emergency
create temp table t_r (label text primary key, r jsonb) on commit drop;
insert into t_r values ('e1', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-1', 'boiler.reading',
  '{"temperature": 95, "site": "boiler-1", "pressure": 1.5}'));
select is((select r -> 'duplicate' from t_r where label = 'e1'), 'false'::jsonb, 'a new event is not a duplicate');
select is((select jsonb_array_length(r -> 'fired') from t_r where label = 'e1'), 1, 'exactly one rule fired');
select is((select r -> 'fired' -> 0 ->> 'rule_id' from t_r where label = 'e1'), pg_temp.rid('emergency')::text,
  'the emergency rule fired (the disabled rule did not)');
select results_eq(
  $$ select client_id, site_id, severity::text, source, status::text, created_by is null
     from public.emergency_requests where id = (select (r -> 'fired' -> 0 ->> 'entity_id')::uuid from t_r where label = 'e1') $$,
  $$ values ('a0000000-0000-4000-8000-0000000000c1'::uuid, 'a0000000-0000-4000-8000-0000000000d1'::uuid, 'critical', 'external', 'pending', true) $$,
  'the emergency request: the rule''s client, site and severity, source external, pending');
select ok((select description like 'Surchauffe chaudière (event boiler.reading "evt-1"%' from public.emergency_requests
           where id = (select (r -> 'fired' -> 0 ->> 'entity_id')::uuid from t_r where label = 'e1')),
  'its description names the rule title and the event');
select is((select count(*)::integer from public.events where org_id = 'a0000000-0000-4000-8000-0000000000a0'
           and source_event_id = 'evt-1' and processed_at is not null and result is not null), 1, 'the event is stored and processed');
select is((select count(*)::integer from public.rule_firings where rule_id = pg_temp.rid('emergency') and not suppressed), 1,
  'the firing is recorded');
select is((select count(*)::integer from public.app_events where type = 'rule_fired' and entity_id = pg_temp.rid('emergency')
           and severity = 'critical' and payload ->> 'source_event_id' = 'evt-1'), 1, 'a rule_fired app event is logged');

-- ------------------------------------------------------------------ replay
insert into t_r values ('e1-replay', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-1', 'boiler.reading',
  '{"temperature": 99, "site": "boiler-1"}'));
select is((select r -> 'duplicate' from t_r where label = 'e1-replay'), 'true'::jsonb, 'a replay is a duplicate');
select is((select r - 'duplicate' from t_r where label = 'e1-replay'), (select r - 'duplicate' from t_r where label = 'e1'),
  'a replay returns the first result');
select is((select count(*) from public.emergency_requests) - (select emergencies from t_before), 1::bigint,
  'a replay creates no second emergency');
select is((select count(*)::integer from public.rule_firings where rule_id = pg_temp.rid('emergency')), 1, 'nor a second firing');
select is((select payload -> 'temperature' from public.events where source_event_id = 'evt-1'
           and org_id = 'a0000000-0000-4000-8000-0000000000a0'), '95'::jsonb, 'nor changes the stored event');

-- ------------------------------------------------------------------ no match, missing paths
insert into t_r values ('e2', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-2', 'boiler.reading',
  '{"temperature": 80, "site": "boiler-1"}'));
select is((select r -> 'fired' from t_r where label = 'e2'), '[]'::jsonb, 'a non-matching payload fires nothing');
insert into t_r values ('e3', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-3', 'boiler.reading',
  '{"unrelated": {"deep": [1, 2]}}'));
select is((select r -> 'fired' from t_r where label = 'e3'), '[]'::jsonb, 'missing paths are false, not errors');
insert into t_r values ('e4', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-4', 'boiler.reading',
  '{"temperature": "hot", "site": 1}'));
select is((select r -> 'fired' from t_r where label = 'e4'), '[]'::jsonb, 'type mismatches are false, not errors');

-- ------------------------------------------------------------------ create_client_request
insert into t_r values ('e5', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-5', 'boiler.maintenance_due',
  '{"hours": 1200}'));
select results_eq(
  $$ select client_id, subject, status from public.client_requests
     where id = (select (r -> 'fired' -> 0 ->> 'entity_id')::uuid from t_r where label = 'e5') $$,
  $$ values ('a0000000-0000-4000-8000-0000000000c1'::uuid, 'Rule request', 'open') $$,
  'create_client_request: an open request for the rule''s client, titled with the rule name');

-- ------------------------------------------------------------------ notify_roles
insert into t_r values ('e6', pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-6', 'boiler.reading',
  '{"pressure": 0.4}'));
select is((select r -> 'fired' -> 0 ->> 'action' from t_r where label = 'e6'), 'notify_roles', 'notify_roles fired');
select is((select count(*)::integer from public.notifications where type = 'rule_fired' and channel = 'in_app'
           and body like 'Pression basse%' and entity_id = (select (r ->> 'event_id')::uuid from t_r where label = 'e6')),
  (select count(*)::integer from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and role = 'dispatcher'),
  'every dispatcher of the organization gets an in-app notification about the event');
select is((select count(*)::integer from public.notifications where type = 'rule_fired'
           and user_id = 'a0000000-0000-4000-8000-000000000001'), 0, 'the owner (not in roles) is not notified');

-- ------------------------------------------------------------------ other organization
select is((select count(*)::integer from public.rule_firings where rule_id = pg_temp.rid('other-org')), 0,
  'events of org A never fire org B''s rules');
insert into t_r values ('b1', pg_temp.ingest('b0000000-0000-4000-8000-0000000000b0', 'evt-1', 'boiler.reading',
  '{"temperature": 95, "site": "boiler-1"}'));
select is((select array[r -> 'duplicate', r -> 'fired' -> 0 -> 'rule_id'] from t_r where label = 'b1'),
  array['false'::jsonb, to_jsonb(pg_temp.rid('other-org'))],
  'the same sender id in another organization is another event, firing only that organization''s rules');

-- ------------------------------------------------------------------ input checks
select throws_ok($$ select pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-big', 'x',
  jsonb_build_object('blob', repeat('x', 70000))) $$, '54000', 'An event payload is at most 64 KiB', 'payloads over 64 KiB are refused');
select throws_ok($$ select pg_temp.ingest('a0000000-0000-4000-8000-0000000000a0', 'evt-arr', 'x', '[1]') $$, '22023',
  'An event payload is a JSON object', 'a payload is a JSON object');

-- ------------------------------------------------------------------ who reads events
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', $$ select to_jsonb(count(*)) from public.events $$),
  (select to_jsonb(count(*)) from public.events where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
  'the dispatcher reads the organization''s events (and no other''s)');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', $$ select to_jsonb(count(*)) from public.events $$)
       || tests.as_user('a0000000-0000-4000-8000-000000000006', $$ select to_jsonb(count(*)) from public.events $$),
  '[0, 0]'::jsonb, 'technicians and portal users read no events');

select * from finish();
rollback;

-- Rule suppression: a rule fires at most max_firings times
-- per window of per_seconds; surplus matches are recorded as suppressed and
-- summarised in ONE notification per rule and window (per recipient and
-- channel) to the owners and admins, carrying the running count.
begin;
select plan(11);

create function pg_temp.ingest(p_id text, p_payload jsonb default '{"temperature": 120}') returns jsonb language sql as $$
  select private.ingest_event('a0000000-0000-4000-8000-0000000000a0', null, p_id, 'boiler.reading', now(), p_payload)
$$;

-- Org A: …01 owner (the only owner/admin), client …c1.
insert into public.rules (id, org_id, name, event_type, condition, action, action_params, max_firings, per_seconds) values
  ('e0000000-0000-4000-8000-0000000000e1', 'a0000000-0000-4000-8000-0000000000a0', 'Surchauffe', 'boiler.reading',
   '$.temperature > 90', 'create_emergency', '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}', 3, 3600),
  ('e0000000-0000-4000-8000-0000000000e2', 'a0000000-0000-4000-8000-0000000000a0', 'Autre', 'boiler.reading',
   '$.temperature > 100', 'create_client_request', '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}', 10, 60);
create temp table t_before on commit drop as
select (select count(*) from public.emergency_requests where source = 'external') as emergencies;

-- now() is fixed inside this transaction: every event falls in the same window.
select pg_temp.ingest('s-' || i) from generate_series(1, 3) i;
select is((select count(*) from public.emergency_requests where source = 'external') - (select emergencies from t_before), 3::bigint,
  'the first max_firings (3) matches create an emergency each');
select is((select count(*)::integer from public.notifications where type = 'rule_suppressed_summary'), 0,
  'no summary before anything is suppressed');

create temp table t_r on commit drop as select pg_temp.ingest('s-4') as r;
select is((select r -> 'suppressed' from t_r), '["e0000000-0000-4000-8000-0000000000e1"]'::jsonb,
  'the 4th match is suppressed (and says so)');
select is((select r -> 'fired' -> 0 ->> 'rule_id' from t_r), 'e0000000-0000-4000-8000-0000000000e2',
  'another rule matching the same event still fires (suppression is per rule)');
select pg_temp.ingest('s-' || i) from generate_series(5, 7) i;

select is((select count(*) from public.emergency_requests where source = 'external') - (select emergencies from t_before), 3::bigint,
  'suppressed matches create nothing');
select results_eq(
  $$ select suppressed, count(*)::integer from public.rule_firings where rule_id = 'e0000000-0000-4000-8000-0000000000e1'
     group by suppressed order by suppressed $$,
  $$ values (false, 3), (true, 4) $$,
  'firings: 3 fired, 4 suppressed');
select is((select count(*)::integer from public.notifications where type = 'rule_suppressed_summary' and channel = 'in_app'),
  (select count(*)::integer from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and role in ('owner', 'admin')),
  'exactly one in-app summary per owner/admin for the window');
select is((select count(*)::integer from public.notifications where type = 'rule_suppressed_summary'
           and user_id not in (select user_id from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0'
                               and role in ('owner', 'admin'))), 0, 'nobody else gets it');
select ok((select bool_and(title like '%4%') from public.notifications where type = 'rule_suppressed_summary' and channel = 'in_app'),
  'the summary carries the running count (4)');
select is((select count(distinct dedupe_key)::integer from public.notifications where type = 'rule_suppressed_summary'
           and user_id = 'a0000000-0000-4000-8000-000000000001'),
  (select count(*)::integer from public.notifications where type = 'rule_suppressed_summary'
   and user_id = 'a0000000-0000-4000-8000-000000000001'),
  'one row per channel for the owner (deduplicated on rule and window start)');

-- A disabled rule neither fires nor counts.
update public.rules set enabled = false where id = 'e0000000-0000-4000-8000-0000000000e1';
select is((select pg_temp.ingest('s-8') -> 'suppressed'), '[]'::jsonb, 'a disabled rule is not evaluated');

select * from finish();
rollback;

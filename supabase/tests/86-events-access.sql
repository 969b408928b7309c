-- Events and rules: who may call what, the audit trail of
-- rules, attribution of rule writes to the API key, and what the API roles
-- may do with events and firings (written only by private.ingest_event).
begin;
select plan(14);


-- ------------------------------------------------------------------ function privileges
select ok(not has_function_privilege('authenticated', 'private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb)', 'execute')
          and not has_function_privilege('anon', 'private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb)', 'execute'),
  'API users cannot call ingest_event (only the service role, after authenticating a key)');
select ok(has_function_privilege('service_role', 'private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb)', 'execute'),
  'the service role (the events edge function) can');
select ok(not has_function_privilege('anon', 'public.create_rule(uuid, text, text, text, text, jsonb, public.emergency_severity, integer, integer, boolean)', 'execute'),
  'anon cannot create rules');
select ok(not has_table_privilege('authenticated', 'public.rules', 'insert'),
  'rules are created through create_rule only (no direct INSERT)');

-- ------------------------------------------------------------------ audit of rules
create temp table t_rule on commit drop as
select (tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$ select to_jsonb(public.create_rule('a0000000-0000-4000-8000-0000000000a0', 'Pression', 'boiler.reading',
       '$.pressure < 1', 'notify_roles', '{"roles": ["dispatcher"]}')) $$) ->> 'id')::uuid as id;
select is((select count(*)::integer from audit.log where table_name = 'public.rules' and row_id = (select id::text from t_rule)
           and action = 'insert' and actor_user_id = 'a0000000-0000-4000-8000-000000000001'), 1,
  'creating a rule is audited with its author');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$ with u as (update public.rules set max_firings = 2, enabled = false returning 1) select to_jsonb(count(*)) from u $$),
  '1'::jsonb, 'the owner edits the rule');
select is((select diff -> 'max_firings' from audit.log where table_name = 'public.rules' and row_id = (select id::text from t_rule)
           and action = 'update'), '{"new": 2, "old": 5}'::jsonb, 'the edit is audited field by field');
select throws_ok($$ select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$ with u as (update public.rules set org_id = 'b0000000-0000-4000-8000-0000000000b0' returning 1) select to_jsonb(count(*)) from u $q$) $$,
  '42501', null, 'a rule cannot move to another organization (no column grant on org_id)');

-- ------------------------------------------------------------------ events and firings
select lives_ok($$ select private.ingest_event('a0000000-0000-4000-8000-0000000000a0', null, 'acc-1', 'boiler.reading', now(),
  '{"pressure": 0.5}') $$, 'an event is ingested');
select throws_ok($$ select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$ insert into public.events (org_id, source_event_id, type, occurred_at, payload)
      values ('a0000000-0000-4000-8000-0000000000a0', 'forged', 't', now(), '{}') returning to_jsonb(id) $q$) $$,
  '42501', null, 'nobody inserts events through the API, not even the owner');
select throws_ok($$ select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$ with d as (delete from public.events returning 1) select to_jsonb(count(*)) from d $q$) $$,
  '42501', null, 'nor deletes them');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', $$ select to_jsonb(count(*)) from public.rule_firings $$),
  (select to_jsonb(count(*)) from public.rule_firings where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
  'the dispatcher reads the organization''s firings');
select is(tests.as_user('b0000000-0000-4000-8000-000000000001', $$ select to_jsonb(count(*)) from public.rule_firings $$)
       || tests.as_user('a0000000-0000-4000-8000-000000000005', $$ select to_jsonb(count(*)) from public.rule_firings $$),
  '[0, 0]'::jsonb, 'another organization and the accountant read no firings');
select ok((select count(*) from audit.unaudited_tables where table_name in ('public.events', 'public.rule_firings')) = 2,
  'events and firings are unaudited on purpose, with a reason');

select * from finish();
rollback;

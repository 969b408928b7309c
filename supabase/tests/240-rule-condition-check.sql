-- check_rule_condition: the rules editor's live validation. It answers the
-- message a save would raise (one function words both), saves nothing, and is
-- for signed-in users only.
begin;
select plan(14);

-- Org A: …01 owner, …02 dispatcher; client …c1.
create function pg_temp.save_rule(p_condition text) returns uuid language sql as $$
  insert into public.rules (org_id, name, event_type, condition, action, action_params)
  values ('a0000000-0000-4000-8000-0000000000a0', 'test', 'boiler.reading', p_condition, 'create_emergency',
          '{"client_id": "a0000000-0000-4000-8000-0000000000c1"}')
  returning id
$$;

-- ------------------------------------------------------------------ the same words on an update under RLS
-- The trigger runs as the caller: an owner editing a rule through the API role.
-- First in the file, and the fixture inserted with triggers off: PL/pgSQL keeps
-- an expression's state for the transaction, so a first run of the trigger as
-- postgres would hide a missing grant from the runs as the owner.
set local session_replication_role = replica;
select pg_temp.save_rule('$.a == 1');
set local session_replication_role = origin;
select tests.throws_as_user('a0000000-0000-4000-8000-000000000001',
  $$ update public.rules set condition = '$.a ==' where condition = '$.a == 1' $$, '22023',
  public.check_rule_condition('$.a ==') ->> 'message', 'an owner''s update with an invalid condition is refused in the same words');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$ with u as (update public.rules set condition = '$.a == 2' where condition = '$.a == 1' returning 1) select to_jsonb(count(*)) from u $$),
  '1'::jsonb, 'an owner''s update with a valid condition is saved');

-- ------------------------------------------------------------------ answers
select is(public.check_rule_condition('$.temperature > 90 && $.site == "boiler-1"'),
  '{"valid": true, "message": null}'::jsonb, 'a predicate is valid, with no message');
select matches(public.check_rule_condition('$.temperature >>> 90') ->> 'message', '^Invalid rule condition: .*syntax error',
  'a syntax error carries the parser''s words');
select is(public.check_rule_condition('$.temperature >>> 90') -> 'valid', 'false'::jsonb, 'a syntax error is not valid');
select is(public.check_rule_condition('$.temperature') ->> 'message',
  'Invalid rule condition: $.temperature is not a predicate (write a comparison or test, e.g. $.temperature > 90)',
  'a plain path is not a predicate');
select matches(public.check_rule_condition('   ') ->> 'message', '^Invalid rule condition: the condition is empty',
  'a blank condition is refused in words');
select is(public.check_rule_condition(repeat('$.a == 1 || ', 200) || '$.a == 1') ->> 'message',
  'Invalid rule condition: longer than 2000 characters', 'the length bound of the table, in words');

-- ------------------------------------------------------------------ the same words as a save
select throws_ok($$ select pg_temp.save_rule('$.temperature >>> 90') $$, '22023',
  public.check_rule_condition('$.temperature >>> 90') ->> 'message', 'a save raises exactly the message the check answers (syntax)');
select throws_ok($$ select pg_temp.save_rule('$') $$, '22023',
  public.check_rule_condition('$') ->> 'message', 'a save raises exactly the message the check answers (not a predicate)');
select throws_ok($$ select pg_temp.save_rule('') $$, '22023',
  public.check_rule_condition('') ->> 'message', 'an empty condition is refused on save with the same words (not the bare check constraint)');

-- ------------------------------------------------------------------ who, and nothing saved
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', $$ select public.check_rule_condition('$.a == 1') $$) -> 'valid',
  'true'::jsonb, 'any signed-in user may check a condition (it reads no data)');
select ok(not has_function_privilege('anon', 'public.check_rule_condition(text)', 'execute'), 'anon may not call it');
select is((select count(*) from public.rules where condition = '$.temperature > 90 && $.site == "boiler-1"'), 0::bigint,
  'checking saved nothing');

select * from finish();
rollback;

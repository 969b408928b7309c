-- Sensitive writes need a live session (private.assert_live_session): an
-- access token that outlives its session (signed out, past not_after) is
-- refused for API keys, lock overrides, memberships and ownership transfer.
-- Owner a…01 of Chaleur Express signs in twice: session L (live) and session
-- D (signed out: its row is deleted, as the auth server does on logout).
begin;
select plan(24);

insert into auth.sessions (id, user_id, created_at, updated_at, not_after) values
  ('c6400000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001', now(), now(), null),
  ('c6400000-0000-4000-8000-00000000000d', 'a0000000-0000-4000-8000-000000000001', now(), now(), null),
  ('c6400000-0000-4000-8000-00000000000e', 'a0000000-0000-4000-8000-000000000001', now() - interval '2 days', now(), now() - interval '1 day'),
  ('c6400000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-000000000001', now(), now(), null);
delete from auth.sessions where id = 'c6400000-0000-4000-8000-00000000000d';

-- The claims PostgREST would set for a token of a…01 in the given session.
create function pg_temp.claims(p_session text) returns jsonb language sql as $$
  select jsonb_build_object('sub', 'a0000000-0000-4000-8000-000000000001', 'role', 'authenticated', 'session_id', p_session)
$$;
create function pg_temp.owner_in(p_session text, p_sql text) returns jsonb language sql as $$
  select tests.as_role('authenticated', pg_temp.claims(p_session), p_sql)
$$;

-- ----------------------------------------------------------- the helper
select function_returns('private', 'assert_live_session', array[]::text[], 'void', 'private.assert_live_session() returns void');
select ok((select p.prosecdef and p.provolatile = 's' and p.proconfig = array['search_path=""']
           from pg_proc p where p.oid = 'private.assert_live_session()'::regprocedure),
  'it is STABLE SECURITY DEFINER with an empty search_path');
select ok(not has_function_privilege('authenticated', 'private.assert_live_session()', 'execute')
          and not has_function_privilege('anon', 'private.assert_live_session()', 'execute')
          and not has_function_privilege('service_role', 'private.assert_live_session()', 'execute'),
  'no API role may execute it (only definer code calls it)');

set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated", "session_id": "c6400000-0000-4000-8000-00000000000a"}';
select lives_ok($$select private.assert_live_session()$$, 'a token of a live session passes');
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated", "session_id": "c6400000-0000-4000-8000-00000000000d"}';
select throws_ok($$select private.assert_live_session()$$, '28000', 'Session has ended; sign in again',
  'a token whose session was signed out is refused');
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated", "session_id": "c6400000-0000-4000-8000-00000000000e"}';
select throws_ok($$select private.assert_live_session()$$, '28000', 'Session has ended; sign in again',
  'a token whose session is past not_after is refused');
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated", "session_id": "c6400000-0000-4000-8000-00000000000b"}';
select throws_ok($$select private.assert_live_session()$$, '28000', 'Session has ended; sign in again',
  'a token naming another user''s live session is refused');
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated", "session_id": "not-a-uuid"}';
select throws_ok($$select private.assert_live_session()$$, '28000', 'Session has ended; sign in again',
  'a malformed session_id is refused');
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}';
select lives_ok($$select private.assert_live_session()$$,
  'a user token without session_id (minted with the JWT secret, not by the auth server) is not checked');
set local request.jwt.claims = '{"role": "service_role"}';
select lives_ok($$select private.assert_live_session()$$, 'service_role (no user, no session) is not affected');
set local request.jwt.claims = '';
select lives_ok($$select private.assert_live_session()$$, 'the system actor (postgres, pg_cron: no claims) is not affected');

-- --------------------------------------------------- the sensitive writes
select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
      $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'after logout', '{events:write}')$q$)$$,
  '28000', 'Session has ended; sign in again', 'create_api_key with a signed-out session: refused');
select is_empty($$select from public.api_keys where name = 'after logout'$$, '… and no key was created');
select is(
  pg_temp.owner_in('c6400000-0000-4000-8000-00000000000a',
    $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'live', '{events:write}') -> 'name'$q$),
  '"live"'::jsonb, 'create_api_key with a live session: created');
select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
      format('select public.rotate_api_key(%L)', (select id from public.api_keys where name = 'live')))$$,
  '28000', null, 'rotate_api_key with a signed-out session: refused');
select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000e',
      format('select public.revoke_api_key(%L)', (select id from public.api_keys where name = 'live')))$$,
  '28000', null, 'revoke_api_key with an expired session: refused');
select is((select revoked_at from public.api_keys where name = 'live'), null, '… and the key is still active');
select lives_ok(
  $$select tests.as_service(format('select public.revoke_api_key(%L)', (select id from public.api_keys where name = 'live')))$$,
  'service_role revokes it: not affected');

select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
      $q$select to_jsonb(public.override_timesheet_lock('a0000000-0000-4000-8000-000000003101', '{"hours": 2}', 'correction after logout'))$q$)$$,
  '28000', 'Session has ended; sign in again', 'override_timesheet_lock with a signed-out session: refused');
select is_empty($$select from public.lock_overrides where reason = 'correction after logout'$$, '… and no override was recorded');
select lives_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000a',
      $q$select to_jsonb(public.override_timesheet_lock('a0000000-0000-4000-8000-000000003101', '{"hours": 2}', 'correction while signed in'))$q$)$$,
  'override_timesheet_lock with a live session: allowed');

select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
      $q$update public.memberships set role = 'accountant' where user_id = 'a0000000-0000-4000-8000-000000000002'$q$)$$,
  '28000', null, 'a membership role change with a signed-out session: refused');
select throws_ok(
  $$select pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
      $q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000002')$q$)$$,
  '28000', null, 'transfer_ownership with a signed-out session: refused');
select is(
  pg_temp.owner_in('c6400000-0000-4000-8000-00000000000d',
    $q$select to_jsonb(count(*)) from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0'$q$),
  '6'::jsonb, 'a plain read with the same token still works (documented: reads last until the token expires)');

select * from finish();
rollback;

-- Idempotent writes for offline clients (invariant 9): the shared table and
-- helpers, then the mission functions replayed — a replay returns the first
-- result and changes nothing; the same key with anything else is refused.
begin;
select plan(40);

-- as_user runs one statement as a signed-in user through the real API role
-- (authenticated + JWT claims), then switches back; when the statement raises,
-- the enclosing throws_ok subtransaction undoes the switch.

-- ---------------------------------------------------------------------------
-- The table: internal, deny-all.
-- ---------------------------------------------------------------------------
select has_table('public', 'idempotency_keys', 'idempotency_keys exists');
select col_is_pk('public', 'idempotency_keys', array['org_id', 'key'], 'keys are unique per organization');
select ok((select relrowsecurity from pg_class where oid = 'public.idempotency_keys'::regclass), 'RLS is enabled on idempotency_keys');
select is_empty(
  $$select 1 from pg_policies where schemaname = 'public' and tablename = 'idempotency_keys'$$,
  'idempotency_keys has no policy');
select is_empty(
  $$select 1 from information_schema.role_table_grants
    where table_schema = 'public' and table_name = 'idempotency_keys' and grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')$$,
  'no API role has any privilege on idempotency_keys');
select ok(
  not has_function_privilege('authenticated', 'private.idempotency_lookup(uuid, text, text, jsonb)', 'execute')
  and not has_function_privilege('authenticated', 'private.idempotency_store(uuid, text, text, jsonb, jsonb)', 'execute')
  and not has_function_privilege('service_role', 'private.idempotency_store(uuid, text, text, jsonb, jsonb)', 'execute'),
  'the helpers are not callable by the API roles');
select ok(exists (select from cron.job where jobname = 'purge-idempotency-keys' and command like '%purge_idempotency_keys%'),
  'old keys are purged by a daily pg_cron job');

-- ---------------------------------------------------------------------------
-- The helpers.
-- ---------------------------------------------------------------------------
select is(private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"a": 1}'),
  null, 'a new key: lookup returns null');
select ok(exists (select from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted),
  'lookup holds an advisory lock on (org, key) until the end of the transaction');
select throws_ok(
  $$select private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'short', 'test_op', '{}')$$,
  '22023', 'Idempotency key must be 8 to 200 characters', 'a key shorter than 8 characters is refused');
select throws_ok(
  format('select private.idempotency_lookup(%L, %L, %L, %L)', 'a0000000-0000-4000-8000-0000000000a0', repeat('k', 201), 'test_op', '{}'),
  '22023', 'Idempotency key must be 8 to 200 characters', 'a key longer than 200 characters is refused');
select throws_ok(
  $$select private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', null, 'test_op', '{}')$$,
  '22023', 'Idempotency key must be 8 to 200 characters', 'a missing key is refused');

select lives_ok(
  $$select private.idempotency_store('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"a": 1, "b": [1, 2]}', '{"done": true, "n": 42}')$$,
  'store records a result');
select is(private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"b": [1, 2], "a": 1}'),
  '{"done": true, "n": 42}'::jsonb, 'a replay returns the stored result (request compared canonically, key order does not matter)');
select throws_ok(
  $$select private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'other_op', '{"a": 1, "b": [1, 2]}')$$,
  'P0001', 'Idempotency key helper-key-1 was already used for a different request', 'the same key for another operation is refused');
select throws_ok(
  $$select private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"a": 2, "b": [1, 2]}')$$,
  'P0001', 'Idempotency key helper-key-1 was already used for a different request', 'the same key with another payload is refused');
select is(private.idempotency_lookup('b0000000-0000-4000-8000-0000000000b0', 'helper-key-1', 'other_op', '{}'),
  null, 'keys are scoped to an organization: the same key in another organization is new');
select throws_ok(
  $$select private.idempotency_store('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"a": 1, "b": [1, 2]}', '{}')$$,
  '23505', null, 'a key is stored once: a second store fails (and would roll its work back)');

-- Another user presenting someone else's key gets nothing back.
set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000004", "role": "authenticated"}';
select throws_ok(
  $$select private.idempotency_lookup('a0000000-0000-4000-8000-0000000000a0', 'helper-key-1', 'test_op', '{"a": 1, "b": [1, 2]}')$$,
  'P0001', 'Idempotency key helper-key-1 was already used for a different request', 'another user cannot replay a key');
reset request.jwt.claims;

-- Retention.
insert into public.idempotency_keys (org_id, key, operation, request_hash, result, created_at)
values ('a0000000-0000-4000-8000-0000000000a0', 'old-key-0001', 'test_op', private.idempotency_request_hash('{}'), '{}', now() - interval '100 days');
select is(private.purge_idempotency_keys(), 1::bigint, 'purge deletes keys older than 90 days');
select ok(exists (select from public.idempotency_keys where key = 'helper-key-1'), 'purge keeps recent keys');

-- ---------------------------------------------------------------------------
-- transition_mission replayed (as the technician's phone would).
-- ---------------------------------------------------------------------------
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('a0000000-0000-4000-8000-00000000f001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'Idempotency test');
update public.missions set status = 'published' where id = 'a0000000-0000-4000-8000-00000000f001';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000003'
 where id = 'a0000000-0000-4000-8000-00000000f001';

create temporary table replies (n int, reply jsonb) on commit drop;
insert into replies
select n, tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'in_progress', 'phone-key-start-0001')$q$)
from generate_series(1, 3) as n;

select is((select reply ->> 'status' from replies where n = 1), 'in_progress', 'the first call moves the mission');
select is((select (reply ->> 'changed')::boolean from replies where n = 1), true, 'the first call reports a change');
select is((select count(distinct reply)::int from replies), 1, 'three calls with one key: the same result three times');
select is(
  (select count(*)::int from public.mission_status_history where mission_id = 'a0000000-0000-4000-8000-00000000f001' and to_status = 'in_progress'),
  1, 'three calls with one key: one history row');
select is(
  (select count(*)::int from public.idempotency_keys where key = 'phone-key-start-0001'),
  1, 'one idempotency record');
select is(
  (select user_id from public.idempotency_keys where key = 'phone-key-start-0001'),
  'a0000000-0000-4000-8000-000000000003'::uuid, 'the record names the caller');

-- The same key with another request is refused and changes nothing.
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'blocked', 'phone-key-start-0001', 'Pièce manquante')$q$)$$,
  'P0001', 'Idempotency key phone-key-start-0001 was already used for a different request',
  'the same key with another target status is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'in_progress', 'phone-key-start-0001', 'autre raison')$q$)$$,
  'P0001', 'Idempotency key phone-key-start-0001 was already used for a different request',
  'the same key with another reason is refused');
-- A refused call stores nothing: its key can be used again.
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'blocked', 'phone-key-block-0001')$q$)$$,
  '23514', 'A reason is required to move a mission from in_progress to blocked', 'blocking without a reason fails');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'blocked', 'phone-key-block-0001', 'Pièce manquante')$q$) ->> 'status',
  'blocked', 'a key whose call failed is free: the corrected request goes through');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f001', 'in_progress', 'phone-key-start-0001')$q$)$$,
  'P0001', 'Idempotency key phone-key-start-0001 was already used for a different request',
  'another user replaying the technician''s key is refused');
select is((select status from public.missions where id = 'a0000000-0000-4000-8000-00000000f001'), 'blocked'::public.mission_status,
  'refused replays left the mission as it was');
select is(
  (select count(*)::int from public.mission_status_history where mission_id = 'a0000000-0000-4000-8000-00000000f001'),
  5, 'history: created, published, assigned, started, blocked — nothing else');

-- ---------------------------------------------------------------------------
-- add_mission_note replayed.
-- ---------------------------------------------------------------------------
truncate replies;
insert into replies
select n, tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f001', 'Circulateur à remplacer, commande passée.', 'phone-key-note-0001')$q$)
from generate_series(1, 3) as n;
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f001', 'Autre texte', 'phone-key-note-0001')$q$)$$,
  'P0001', 'Idempotency key phone-key-note-0001 was already used for a different request',
  'the same note key with another body is refused');
insert into replies
select 10 + n, tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f001', 'Photo du compteur jointe.', 'phone-key-note-0002',
                                    'a0000000-0000-4000-8000-00000000f0a1')$q$)
from generate_series(1, 3) as n;

select is((select count(distinct reply)::int from replies where n <= 3), 1, 'a note added three times with one key: the same result');
select is(
  (select count(*)::int from public.mission_notes where mission_id = 'a0000000-0000-4000-8000-00000000f001' and body like 'Circulateur%'),
  1, 'a note added three times with one key: one note');
select is((select count(distinct reply)::int from replies where n > 10), 1, 'a note with a client-chosen id replayed: the same result');
select is(
  (select reply ->> 'note_id' from replies where n = 11), 'a0000000-0000-4000-8000-00000000f0a1',
  'the client-chosen note id is kept');
select is(
  (select count(*)::int from public.mission_notes where mission_id = 'a0000000-0000-4000-8000-00000000f001'),
  2, 'two keys, two notes — nothing more');

select * from finish();
rollback;

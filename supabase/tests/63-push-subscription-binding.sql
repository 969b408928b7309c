-- Push subscriptions are bound to their user: who can (re-)register which
-- endpoint. Chaleur Express technicians a…03 and a…04 share an organization;
-- Plomberie du Rhône technician b…03 does not. K1/K2 are two valid key pairs
-- (p256dh: 0x04 + 64 bytes; auth: 16 bytes; base64url without padding).
begin;
select plan(22);

create function pg_temp.register_as(p_user uuid, p_endpoint text, p_p256dh text, p_auth text) returns jsonb language sql as $$
  select tests.as_user(p_user, format('select to_jsonb(public.register_push_subscription(%L, %L, %L))', p_endpoint, p_p256dh, p_auth))
$$;
create function pg_temp.k1_p256dh() returns text language sql as $$ select 'BHxVXJOg93zRw5zAZ8KiaXbGF18HwsAc_U0zWfuLLk7y3vnJ58SOuHyyLSiqh15lWJ0-HFSy1fqbxFEiAARJ1kc' $$;
create function pg_temp.k1_auth() returns text language sql as $$ select 'm8tXl_ReoHTQTIUcvhQqvQ' $$;
create function pg_temp.k2_p256dh() returns text language sql as $$ select 'BCuviAwSykBnhUYN2kMitHq_ACbfrxoSOuwX_fr1-UsvygjbGJ16HAoLZzW7T_CCzGMcIpDOpFjiGHCKM7w4Jqw' $$;
create function pg_temp.k2_auth() returns text language sql as $$ select '3NxNO7xmizpU8W95SdDKxw' $$;
create function pg_temp.holder() returns table (user_id uuid, p256dh text, auth text) language sql as $$
  select s.user_id, s.p256dh, s.auth from public.push_subscriptions s where s.endpoint = 'https://push.example.test/send/device-1'
$$;

-- ------------------------------------------------------------ the owner
select ok(
  pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-1', pg_temp.k1_p256dh(), pg_temp.k1_auth())
    is not null,
  'a…03 registers a new endpoint');
select results_eq(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-1', pg_temp.k2_p256dh(), pg_temp.k2_auth()) #>> '{}'$$,
  $$select id::text from public.push_subscriptions where endpoint = 'https://push.example.test/send/device-1'$$,
  'a…03 re-registers its own endpoint: same subscription');
select results_eq(
  $$select * from pg_temp.holder()$$,
  $$values ('a0000000-0000-4000-8000-000000000003'::uuid, pg_temp.k2_p256dh(), pg_temp.k2_auth())$$,
  '… with the new keys');

-- ------------------------------------------------------------ hijacking
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000004', 'https://push.example.test/send/device-1', pg_temp.k1_p256dh(), pg_temp.k1_auth())$$,
  '42501', 'This push endpoint is registered to another user',
  'a…04 (same organization) with other keys: refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000004', 'https://push.example.test/send/device-1', pg_temp.k2_p256dh(), pg_temp.k1_auth())$$,
  '42501', null, 'a…04 with the right p256dh but another auth secret: refused');
select throws_ok(
  $$select pg_temp.register_as('b0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-1', pg_temp.k2_p256dh(), pg_temp.k2_auth())$$,
  '42501', 'This push endpoint is registered to another user',
  'b…03 (another organization) even with the right keys: refused');
select results_eq(
  $$select * from pg_temp.holder()$$,
  $$values ('a0000000-0000-4000-8000-000000000003'::uuid, pg_temp.k2_p256dh(), pg_temp.k2_auth())$$,
  'after the refusals nothing changed: same user, same keys');
select is_empty(
  $$select from audit.log where action = 'push_subscription_moved'$$,
  'and nothing was audited as moved');

-- ------------------------------------------------------ a shared device
select results_eq(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000004', 'https://push.example.test/send/device-1', pg_temp.k2_p256dh() || '=', pg_temp.k2_auth() || '==') #>> '{}'$$,
  $$select id::text from public.push_subscriptions where endpoint = 'https://push.example.test/send/device-1'$$,
  'a…04 (same organization) with the same keys (padded): the subscription moves');
select results_eq(
  $$select * from pg_temp.holder()$$,
  $$values ('a0000000-0000-4000-8000-000000000004'::uuid, pg_temp.k2_p256dh(), pg_temp.k2_auth())$$,
  '… to a…04, keys stored without padding');
select results_eq(
  $$select org_id, actor_user_id, table_name, diff from audit.log where action = 'push_subscription_moved'$$,
  $$values ('a0000000-0000-4000-8000-0000000000a0'::uuid, 'a0000000-0000-4000-8000-000000000004'::uuid, 'public.push_subscriptions'::text,
            '{"user_id": {"old": "a0000000-0000-4000-8000-000000000003", "new": "a0000000-0000-4000-8000-000000000004"}}'::jsonb)$$,
  'the move is audited in the shared organization, without the keys');

-- ------------------------------------------------------------ bad input
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'http://push.example.test/send/device-2', pg_temp.k1_p256dh(), pg_temp.k1_auth())$$,
  '22023', 'A push endpoint is an https:// URL of at most 1024 characters', 'an http:// endpoint is refused');
select throws_ok(
  format($$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', %L, pg_temp.k1_p256dh(), pg_temp.k1_auth())$$,
         'https://push.example.test/' || repeat('x', 1000)),
  '22023', null, 'an endpoint longer than 1024 characters is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/a b', pg_temp.k1_p256dh(), pg_temp.k1_auth())$$,
  '22023', null, 'an endpoint with whitespace is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-2',
      'ApJUveN8begjGiTdxrAODYSARRcKQl4Mw-YxTtPhVyidfhS_C8eVI9Z_pRvrFvZ18pijYg1B4DYcaFOxxGWQlOo', pg_temp.k1_auth())$$,
  '22023', 'p256dh must be the base64url of an uncompressed P-256 public key (65 bytes starting with 0x04)',
  'a p256dh that is not an uncompressed point (0x02 prefix) is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-2', pg_temp.k1_auth(), pg_temp.k1_auth())$$,
  '22023', null, 'a p256dh of 16 bytes is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-2',
      replace(pg_temp.k1_p256dh(), '_', '/'), pg_temp.k1_auth())$$,
  '22023', null, 'a p256dh in standard base64 (/ instead of _) is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-2', pg_temp.k1_p256dh(), 'm8tXl_ReoHTQTIUcvhQq')$$,
  '22023', 'auth must be the base64url of a 16-byte secret', 'an auth secret of 15 bytes is refused');
select throws_ok(
  $$select pg_temp.register_as('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-2', pg_temp.k1_p256dh(), null)$$,
  '22023', null, 'a missing auth secret is refused');
select is_empty(
  $$select from public.push_subscriptions where endpoint like 'https://push.example.test/%' and endpoint <> 'https://push.example.test/send/device-1'$$,
  'no refused registration left a row');

-- ------------------------------------------------------------ who may call
select throws_ok(
  $$select tests.as_anon($q$select to_jsonb(public.register_push_subscription('https://push.example.test/send/device-3', 'x', 'y'))$q$)$$,
  '42501', null, 'anon cannot call register_push_subscription');
select lives_ok(
  $$select pg_temp.register_as('b0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/device-3', pg_temp.k1_p256dh(), pg_temp.k1_auth())$$,
  'b…03 registers its own device');

select * from finish();
rollback;

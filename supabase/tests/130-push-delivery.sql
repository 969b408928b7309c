-- What the push sender reads and writes besides the queue: the deliveries of
-- claimed push notifications (payload, TTL, urgency, the user's devices) and
-- the deletion of a device its push service declared gone (404/410).
-- Chaleur Express technicians a…03 (two devices) and a…04 (one device).
begin;
select plan(20);

delete from public.notifications;
delete from public.push_subscriptions;
insert into public.push_subscriptions (user_id, endpoint, p256dh, auth, created_at) values
  ('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/phone', 'BPhone', 'aPhone', now() - interval '2 days'),
  ('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/tablet', 'BTablet', 'aTablet', now() - interval '1 day'),
  ('a0000000-0000-4000-8000-000000000004', 'https://push.example.test/send/other', 'BOther', 'aOther', now());

create temp table ids (label text primary key, id uuid) on commit drop;
grant select on ids to service_role;
insert into ids values
  ('mission', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'push',
     'test.push_probe', 'public.missions', 'a0000000-0000-4000-8000-000000002001', 'p:mission',
     '{"title": "Intervention bloquée", "body": "Pompe à chaleur"}')),
  ('stock', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'push',
     'stock_critical', 'public.stock_items', 'a0000000-0000-4000-8000-000000009001', 'p:stock',
     '{"item": "Vanne 3 voies", "quantity": "1", "threshold": "5"}')),
  ('inbox', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'push',
     'test.push_probe', null, null, 'p:inbox', jsonb_build_object('title', 'Long', 'body', repeat('é', 600)))),
  ('other', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'push',
     'test.push_probe', null, null, 'p:other', '{"title": "Pour a…04"}')),
  ('email', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email',
     'test.push_probe', null, null, 'p:email', '{"title": "Par courriel"}')),
  ('sent', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'push',
     'test.push_probe', null, null, 'p:sent', '{"title": "Déjà envoyée"}')),
  ('nodevice', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000005', 'push',
     'test.push_probe', null, null, 'p:nodevice', '{"title": "Sans appareil"}'));
update public.notifications set delivery_status = 'sent', sent_at = now(), next_attempt_at = null
where id = (select id from ids where label = 'sent');

create function pg_temp.delivery(p_label text) returns jsonb language sql as $$
  select tests.as_service(pg_catalog.format(
    'select to_jsonb(d) from public.push_deliveries(array[%L]::uuid[]) d', (select id from ids where label = p_label)))
$$;

-- ---------------------------------------------------------------- who may call
select ok(has_function_privilege('service_role', 'public.push_deliveries(uuid[])', 'execute')
          and has_function_privilege('service_role', 'public.delete_gone_push_subscription(text)', 'execute'),
  'the push sender (service_role) may call both functions');
select ok(not has_function_privilege('authenticated', 'public.push_deliveries(uuid[])', 'execute')
          and not has_function_privilege('anon', 'public.push_deliveries(uuid[])', 'execute'),
  'users and anon may not read devices keys through push_deliveries');
select ok(not has_function_privilege('authenticated', 'public.delete_gone_push_subscription(text)', 'execute')
          and not has_function_privilege('anon', 'public.delete_gone_push_subscription(text)', 'execute'),
  'users and anon may not delete devices through delete_gone_push_subscription');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select count(*) from public.push_deliveries(''{}'')')$$,
  '42501', null, 'a technician calling push_deliveries is refused');

-- ---------------------------------------------------------------- deliveries
select is(pg_temp.delivery('mission') -> 'payload',
  jsonb_build_object('id', (select id from ids where label = 'mission'), 'title', 'Intervention bloquée',
                     'body', 'Pompe à chaleur', 'url', '/missions/a0000000-0000-4000-8000-000000002001'),
  'the payload: notification id, rendered title and body, the app page of the mission');
select is(pg_temp.delivery('stock') -> 'payload' ->> 'url', '/stock-items/a0000000-0000-4000-8000-000000009001',
  'a table name with an underscore becomes a dashed path');
select is(pg_temp.delivery('stock') -> 'payload' ->> 'title', 'Stock critique : Vanne 3 voies',
  'the title comes from the template in the user''s language');
select is(pg_temp.delivery('inbox') -> 'payload' ->> 'url', '/notifications',
  'without an entity the url is the inbox');
select is(char_length(pg_temp.delivery('inbox') -> 'payload' ->> 'body'), 500,
  'the body is cut to 500 characters (the push payload stays small)');
select is(pg_temp.delivery('mission') -> 'subscriptions',
  '[{"endpoint": "https://push.example.test/send/phone", "p256dh": "BPhone", "auth": "aPhone"},
    {"endpoint": "https://push.example.test/send/tablet", "p256dh": "BTablet", "auth": "aTablet"}]'::jsonb,
  'every device of the user, oldest first, and none of another user''s');
select results_eq($$select (pg_temp.delivery('mission') ->> 'ttl_seconds')::int, pg_temp.delivery('mission') ->> 'urgency'$$,
  $$values (86400, 'normal')$$, 'an ordinary notification: kept a day by the push service, normal urgency');
select is(pg_temp.delivery('stock') ->> 'urgency', 'high', 'a critical type is sent with high urgency');
select is(pg_temp.delivery('nodevice') -> 'subscriptions', '[]'::jsonb, 'a user without a device: no subscription');
select is(tests.as_service($$select jsonb_agg(d.notification_id order by d.notification_id)
                             from public.push_deliveries((select array_agg(id) from ids)) d$$),
  (select jsonb_agg(id order by id) from ids where label in ('mission', 'stock', 'inbox', 'other', 'nodevice')),
  'only pending push rows are delivered: email rows, sent rows and unknown ids are left out');

select throws_ok($$select tests.as_service('select count(*) from public.push_deliveries(null)')$$,
  '22004', 'push_deliveries: notification ids are required', 'no ids: refused');
select throws_ok($$select tests.as_service('select count(*) from public.push_deliveries(array(select gen_random_uuid() from generate_series(1, 501)))')$$,
  '22023', 'push_deliveries: at most 500 notifications at a time, got 501', 'more than 500 ids: refused');

-- ---------------------------------------------------------------- gone devices
select is(tests.as_service($$select to_jsonb(public.delete_gone_push_subscription('https://push.example.test/send/phone'))$$), 'true'::jsonb,
  'a device its push service declared gone is deleted');
select results_eq($$select endpoint from public.push_subscriptions order by endpoint$$,
  $$values ('https://push.example.test/send/other'), ('https://push.example.test/send/tablet')$$,
  'only that device: the user''s other device and other users'' stay');
select is(tests.as_service($$select to_jsonb(public.delete_gone_push_subscription('https://push.example.test/send/phone'))$$), 'false'::jsonb,
  'deleting it again is harmless and says nothing was deleted');
select throws_ok($$select tests.as_service('select to_jsonb(public.delete_gone_push_subscription(null))')$$,
  '22004', 'delete_gone_push_subscription: the endpoint is required', 'no endpoint: refused');

select * from finish();
rollback;

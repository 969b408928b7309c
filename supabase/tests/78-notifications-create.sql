begin;
-- create_notification (dedupe, channels), preferences, notify_roles through it.
select plan(26);
delete from public.notifications;
create temp table ids (label text primary key, id uuid) on commit drop;

-- Dedupe
insert into ids select 'first', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'invoice_overdue_7days', null, null, 'dd:1', '{"number": "FAC-1"}');
select isnt((select id from ids where label = 'first'), null, 'create_notification returns the new id');
select is(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'invoice_overdue_7days', null, null, 'dd:1', '{"number": "OTHER"}'), (select id from ids where label = 'first'),
  'the same organization and dedupe key return the existing id…');
select is((select count(*)::int from public.notifications where dedupe_key = 'dd:1'), 1, '…and write no new row');
select is((select title from public.notifications where dedupe_key = 'dd:1'), 'Facture FAC-1 en retard de 7 jours', 'the first row is kept as it was');
select isnt(private.create_notification('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000001',
  'email', 'invoice_overdue_7days', null, null, 'dd:1', '{}'), (select id from ids where label = 'first'),
  'dedupe keys are per organization');
select results_eq($$select delivery_status, sent_at is null, next_attempt_at <= now(), attempts from public.notifications where dedupe_key = 'dd:1' and org_id = 'a0000000-0000-4000-8000-0000000000a0'$$,
  $$values ('pending'::text, true, true, 0)$$, 'an email row is pending and due now');
insert into ids select 'inapp', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
                                 'in_app', 'invoice_overdue_7days', null, null, null, '{}');
select results_eq($$select delivery_status, sent_at is not null from public.notifications where id = (select id from ids where label = 'inapp')$$,
  $$values ('sent'::text, true)$$, 'an in_app row is sent immediately');
select throws_ok($$select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'sms', 'x', null, null, null, '{}')$$,
  '22023', 'unknown notification channel sms', 'unknown channel refused');
select throws_ok($$select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000000001', 'in_app', 'invoice_overdue_7days', null, null, null, '{}')$$,
  '23503', null, 'the recipient must be a member of the organization');
select ok(not has_function_privilege('authenticated', 'private.create_notification(uuid, uuid, text, text, text, uuid, text, jsonb)', 'execute'),
  'create_notification is not callable by API users');

-- Preferences (through the RPC, as the user)
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$select to_jsonb((public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', 'invoice_overdue_7days', 'email', false)).enabled)$$),
  'false'::jsonb, 'a user disables one type by email');
select is(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'invoice_overdue_7days', null, null, 'pref:1', '{}'), null, 'a disabled type/channel writes nothing (null)');
select isnt(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'invoice_overdue_30days', null, null, 'pref:2', '{}'), null, 'other types are still sent (absent = enabled)');
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', '*', 'email', false))$q$)$$,
  'a user disables every type by email (*)');
select is(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'mission_blocked', null, null, 'pref:3', '{}'), null, '* disables non-critical types');
select isnt(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'stock_critical', null, null, 'pref:4', '{}'), null, 'DECISION: * does not silence critical types (stock_critical)');
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', 'mission_blocked', 'email', true))$q$)$$,
  'the user re-enables one type');
select isnt(private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
  'email', 'mission_blocked', null, null, 'pref:5', '{}'), null, 'an exact-type preference wins over *');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', 'emergency_pending', 'in_app', false))$q$)$$,
  '22023', 'in-app notifications of critical type emergency_pending cannot be disabled', 'DECISION: in_app of a critical type cannot be disabled');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.set_notification_preference('b0000000-0000-4000-8000-0000000000b0', 'mission_blocked', 'email', false))$q$)$$,
  '42501', 'not a member of organization b0000000-0000-4000-8000-0000000000b0', 'no preference in an organization one is not a member of');
select is(tests.as_user('a0000000-0000-4000-8000-000000000004', 'select count(*) from public.notification_preferences'), '0'::jsonb,
  'preferences are private: a colleague reads none of them');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select count(*) from public.notification_preferences'), '3'::jsonb,
  'the user reads their own 3 preferences');

-- notify_roles through create_notification
delete from public.notifications;
insert into public.push_subscriptions (user_id, endpoint, p256dh, auth)
values ('a0000000-0000-4000-8000-000000000001', 'https://push.example.test/ep/1', 'key', 'auth');
select is(private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,technician}', 'alert.mission_blocked', 'Bloquée', 'Corps',
                               null, null, 'nr:1'),
  7, 'owner: in_app + email + push (has a push subscription); technicians 03 (mission_blocked email re-enabled) and 04: in_app + email = 7');
select is(private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,technician}', 'alert.mission_blocked', 'Bloquée', 'Corps',
                               null, null, 'nr:1'), 0, 'the same key again writes nothing');
select results_eq($$select user_id::text || ':' || channel from public.notifications where dedupe_key like 'nr:1:%' order by 1$$,
  $$values ('a0000000-0000-4000-8000-000000000001:email'), ('a0000000-0000-4000-8000-000000000001:in_app'), ('a0000000-0000-4000-8000-000000000001:push'),
           ('a0000000-0000-4000-8000-000000000003:email'), ('a0000000-0000-4000-8000-000000000003:in_app'),
           ('a0000000-0000-4000-8000-000000000004:email'), ('a0000000-0000-4000-8000-000000000004:in_app')$$,
  'push only for the user with a subscription; rendered per user');
select is(private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{technician}', 'alert.invoice_overdue_30days', 'Retard', null,
                               null, null, 'nr:2'),
  3, 'technician 03 has email off for every non-critical type (*): in_app only; technician 04: in_app + email');

select * from finish();
rollback;

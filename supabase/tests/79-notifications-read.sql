begin;
-- The user's side: unread count, mark read (own rows only).
select plan(11);
delete from public.notifications;
create temp table ids (label text primary key, id uuid) on commit drop;
grant select on ids to authenticated;
insert into ids values
  ('t3a', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 'mission_blocked', null, null, null, '{}')),
  ('t3b', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 'stock_critical', null, null, null, '{}')),
  ('t3mail', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'stock_critical', null, null, null, '{}')),
  ('t4a', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'in_app', 'mission_blocked', null, null, null, '{}'));

select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.unread_notification_count()'), '2'::jsonb,
  'technician 03: 2 unread in-app notifications (emails are not counted)');
select is(tests.as_user('a0000000-0000-4000-8000-000000000004', 'select public.unread_notification_count()'), '1'::jsonb,
  'technician 04: 1');
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.mark_notification_read((select id from ids where label = 't3a')))$q$)$$, 'a user marks their notification read');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.unread_notification_count()'), '1'::jsonb, 'one unread left');
update public.notifications set read_at = '2026-01-01' where id = (select id from ids where label = 't3a');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$select to_jsonb(public.mark_notification_read((select id from ids where label = 't3a')))$$), '"2026-01-01T00:00:00+00:00"'::jsonb,
  'marking again keeps the first read time');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select to_jsonb(public.mark_notification_read((select id from ids where label = 't4a')))$q$)$$,
  'P0002', null, 'a colleague''s notification is not found');
select is((select read_at from public.notifications where id = (select id from ids where label = 't4a')), null, 'and stays unread');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.mark_all_notifications_read()'), '1'::jsonb,
  'mark all: the one unread in-app row of the caller');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.unread_notification_count()'), '0'::jsonb, 'nothing unread');
select is(tests.as_user('a0000000-0000-4000-8000-000000000004', 'select public.unread_notification_count()'), '1'::jsonb,
  'the colleague''s unread row is untouched');
select ok(not has_function_privilege('anon', 'public.unread_notification_count()', 'execute')
          and not has_function_privilege('anon', 'public.mark_notification_read(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.mark_all_notifications_read()', 'execute'),
  'anon calls none of them');

select * from finish();
rollback;

-- Alert lifecycle: fire, notify, no repeat inside the
-- repeat interval, repeat after it, escalate once after the delay,
-- acknowledge, silence, resolve, fire again; run_all_alert_checks summary.
-- Time is simulated by moving the alert's own timestamps back (now() is the
-- transaction's start throughout a pgTAP file).
begin;
select plan(36);

-- The emergency of these tests and its alert.
create function pg_temp.alert(p_entity uuid) returns public.alerts language sql as $$
  select a from public.alerts a where a.entity_id = p_entity order by a.first_fired_at desc, a.id limit 1
$$;
create function pg_temp.notes(p_entity uuid) returns integer language sql as $$
  select count(*)::int from public.notifications where entity_id = p_entity
$$;

-- A clean slate for org A's emergencies: only ours is pending.
update public.emergency_requests set status = 'closed', acknowledged_at = now(), closed_at = now() where status = 'pending';
delete from public.alerts;
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at) values
  ('c7300000-0000-4000-8000-000000000e01', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'Chaudière en panne', 'phone', now() - interval '10 minutes');
-- Recipients in org A: owner …01 (owners receive what is sent to admins), dispatcher …02 (role),
-- technician …03 (on call). Escalation: owner …01.

-- -----------------------------------------------------------------------------
-- Shape and access
-- -----------------------------------------------------------------------------
select ok(not has_function_privilege('authenticated', 'public.run_all_alert_checks()', 'execute')
          and not has_function_privilege('anon', 'public.run_all_alert_checks()', 'execute')
          and has_function_privilege('service_role', 'public.run_all_alert_checks()', 'execute'),
  'run_all_alert_checks: service_role (and the cron job) only');
select ok(has_function_privilege('authenticated', 'public.acknowledge_alert(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.acknowledge_alert(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.silence_alert(uuid, timestamptz)', 'execute'),
  'acknowledge_alert / silence_alert: signed-in users (the functions check the role)');
select ok(not has_function_privilege('authenticated', 'private.check_emergencies_pending()', 'execute'), 'check_* are internal');

-- -----------------------------------------------------------------------------
-- Fire and notify
-- -----------------------------------------------------------------------------
select is(private.check_emergencies_pending() - 'checked' - 'notifications',
  '{"fired": 1, "resolved": 0, "notified": 1, "escalated": 0}'::jsonb, 'first check: fired 1, notified 1');
select is((pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).status, 'firing', 'the alert is firing');
select is((pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).notify_count, 1, '… notified once');
select is(pg_temp.notes('c7300000-0000-4000-8000-000000000e01'), 6,
  'the owner (as admin), the dispatcher and the on-call technician get an in_app and an email notification each');
select is((select array_agg(distinct user_id order by user_id) from public.notifications where entity_id = 'c7300000-0000-4000-8000-000000000e01'),
  array['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003']::uuid[],
  '… exactly those three users');
select ok((select bool_and(dedupe_key like 'alert:emergency_pending:c7300000-0000-4000-8000-000000000e01:1:%') from public.notifications
           where entity_id = 'c7300000-0000-4000-8000-000000000e01'), 'dedupe key: alert:<fingerprint>:<notify_count>:…');
select ok((select bool_and(type = 'alert.emergency_pending') from public.notifications where entity_id = 'c7300000-0000-4000-8000-000000000e01'),
  'notification type alert.<alert_type>');

-- No repeat inside the repeat interval (4 h)
select is(private.check_emergencies_pending() - 'checked' - 'notifications',
  '{"fired": 0, "resolved": 0, "notified": 0, "escalated": 0}'::jsonb, 'second check: nothing new');
update public.alerts set last_notified_at = now() - interval '4 hours' + interval '1 second', first_fired_at = now() - interval '1 minute'
 where entity_id = 'c7300000-0000-4000-8000-000000000e01';
select is((private.check_emergencies_pending() ->> 'notified')::int, 0, 'last notified 3 h 59 min 59 s ago: not notified again');
select is(pg_temp.notes('c7300000-0000-4000-8000-000000000e01'), 6, '… no notification written');
-- A retried notification (same key) is deduplicated.
select is(private.notify_alert(pg_temp.alert('c7300000-0000-4000-8000-000000000e01'), '{dispatcher}', true,
          'alert:' || (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).fingerprint || ':1:' || (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).id, false),
  0, 'a retry with the same key writes nothing');

-- Repeat after the interval
update public.alerts set last_notified_at = now() - interval '4 hours' where entity_id = 'c7300000-0000-4000-8000-000000000e01';
select is((private.check_emergencies_pending() ->> 'notified')::int, 1, 'last notified 4 h ago: notified again');
select is((pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).notify_count, 2, '… notify_count 2');
select is(pg_temp.notes('c7300000-0000-4000-8000-000000000e01'), 12, '… a new notification per user and channel (new dedupe key)');

-- -----------------------------------------------------------------------------
-- Escalation: critical, unacknowledged, 15 minutes after firing, to the owner; once.
-- -----------------------------------------------------------------------------
update public.alerts set first_fired_at = now() - interval '15 minutes' + interval '1 second' where entity_id = 'c7300000-0000-4000-8000-000000000e01';
select is((private.check_emergencies_pending() ->> 'escalated')::int, 0, 'firing for 14 min 59 s: not escalated');
update public.alerts set first_fired_at = now() - interval '15 minutes' where entity_id = 'c7300000-0000-4000-8000-000000000e01';
select is((private.check_emergencies_pending() ->> 'escalated')::int, 1, 'firing for 15 min: escalated');
select is((select count(*)::int from public.notifications where entity_id = 'c7300000-0000-4000-8000-000000000e01'
           and user_id = 'a0000000-0000-4000-8000-000000000001' and dedupe_key like '%:esc1:%'), 2,
  '… the owner is notified of the escalation (in_app + email)');
select is((pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).escalation_level, 1, '… escalation_level 1');
select is((private.check_emergencies_pending() ->> 'escalated')::int, 0, 'escalated once only');

-- -----------------------------------------------------------------------------
-- Acknowledge
-- -----------------------------------------------------------------------------
select throws_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.acknowledge_alert(''%s'')')$$,
                        (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).id),
  '42501', 'Your role may not manage emergency_pending alerts', 'an accountant (not notified of emergencies) cannot acknowledge');
select throws_ok(format($$select tests.as_user('b0000000-0000-4000-8000-000000000001', 'select public.acknowledge_alert(''%s'')')$$,
                        (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).id),
  'P0002', null, 'the owner of another organization: not found');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
            format('select public.acknowledge_alert(%L)', (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).id)) ->> 'status',
  'acknowledged', 'the on-call technician (notified) acknowledges');
select is((pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).acknowledged_by, 'a0000000-0000-4000-8000-000000000003'::uuid, '… who is recorded');
update public.alerts set last_notified_at = now() - interval '1 day' where entity_id = 'c7300000-0000-4000-8000-000000000e01';
select is((private.check_emergencies_pending() ->> 'notified')::int, 0, 'an acknowledged alert is not notified again');

-- -----------------------------------------------------------------------------
-- Silence (a second emergency)
-- -----------------------------------------------------------------------------
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at) values
  ('c7300000-0000-4000-8000-000000000e02', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'Fuite de gaz', 'phone', now() - interval '6 minutes');
select is((private.check_emergencies_pending() ->> 'fired')::int, 1, 'a second emergency fires');
select throws_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select public.silence_alert(''%s'', now() - interval ''1 minute'')')$$,
                        (pg_temp.alert('c7300000-0000-4000-8000-000000000e02')).id),
  '22023', null, 'a silence ending in the past is refused');
select throws_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select public.silence_alert(''%s'', now() + interval ''31 days'')')$$,
                        (pg_temp.alert('c7300000-0000-4000-8000-000000000e02')).id),
  '22023', null, 'a silence over 30 days is refused');
select lives_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select public.silence_alert(''%s'', now() + interval ''1 hour'')')$$,
                       (pg_temp.alert('c7300000-0000-4000-8000-000000000e02')).id), 'the owner silences it for an hour');
update public.alerts set last_notified_at = now() - interval '5 hours', first_fired_at = now() - interval '1 hour'
 where entity_id = 'c7300000-0000-4000-8000-000000000e02';
select is(private.check_emergencies_pending() - 'checked' - 'fired' - 'resolved' - 'notifications', '{"notified": 0, "escalated": 0}'::jsonb,
  'a silenced alert is neither repeated nor escalated');
update public.alerts set silenced_until = now() - interval '1 second' where entity_id = 'c7300000-0000-4000-8000-000000000e02';
select is(private.check_emergencies_pending() - 'checked' - 'fired' - 'resolved' - 'notifications', '{"notified": 1, "escalated": 1}'::jsonb,
  'once the silence is over: repeated and escalated');

-- -----------------------------------------------------------------------------
-- Resolve
-- -----------------------------------------------------------------------------
update public.emergency_requests set status = 'acknowledged', acknowledged_at = now()
 where id in ('c7300000-0000-4000-8000-000000000e01', 'c7300000-0000-4000-8000-000000000e02');
select is((private.check_emergencies_pending() ->> 'resolved')::int, 2, 'the emergencies are acknowledged: both alerts resolve');
select throws_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select public.acknowledge_alert(''%s'')')$$,
                        (pg_temp.alert('c7300000-0000-4000-8000-000000000e01')).id),
  '55000', null, 'a resolved alert cannot be acknowledged');

-- -----------------------------------------------------------------------------
-- run_all_alert_checks
-- -----------------------------------------------------------------------------
select is((select array_agg(k order by k) from jsonb_object_keys(public.run_all_alert_checks()) k),
  array['checked', 'escalated', 'fired', 'notifications', 'notified', 'resolved', 'skipped'], 'run_all_alert_checks returns the summary');

select * from finish();
rollback;

-- Alert notifications in bounded batches: a check notifies (and escalates) at
-- most terrain.alert_notify_batch alerts per run; the others stay due and are
-- notified on the next runs, oldest first, each exactly once, with the same
-- notifications and dedupe keys an unbounded run writes. A bad setting is
-- refused before anything changes. Time is simulated by moving the alerts' own
-- timestamps back (now() is the transaction's start throughout the file).
begin;
select plan(29);

-- A clean slate: five pending emergencies in org A, ten minutes old.
update public.emergency_requests set status = 'closed', acknowledged_at = now(), closed_at = now() where status = 'pending';
delete from public.alerts;
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at)
select ('c7600000-0000-4000-8000-00000000000' || n)::uuid, 'a0000000-0000-4000-8000-0000000000a0',
       'a0000000-0000-4000-8000-0000000000c1', 'Panne ' || n, 'phone', now() - interval '10 minutes'
from generate_series(1, 5) n;
-- Recipients in org A (as in 73-alert-lifecycle): owner …01 (as admin), dispatcher …02,
-- on-call technician …03, each on in_app and email: six notifications per alert.

create function pg_temp.run() returns jsonb language sql as $$
  select private.check_emergencies_pending() - 'checked'
$$;
create function pg_temp.notes() returns integer language sql as $$
  select count(*)::int from public.notifications where entity_id::text like 'c7600000-%'
$$;

-- -----------------------------------------------------------------------------
-- The setting
-- -----------------------------------------------------------------------------
select is(private.alert_notify_batch_size(), 2000, 'default batch: 2,000 alerts per check and run');
select ok(not has_function_privilege('authenticated', 'private.alert_notify_batch_size()', 'execute')
          and not has_function_privilege('anon', 'private.alert_notify_batch_size()', 'execute'), 'the batch size is internal');
set local terrain.alert_notify_batch = '0';
select throws_ok($$select private.check_emergencies_pending()$$, '22023', null, 'a batch of 0 is refused');
set local terrain.alert_notify_batch = '-3';
select throws_ok($$select private.check_emergencies_pending()$$, '22023', null, 'a negative batch is refused');
set local terrain.alert_notify_batch = 'lots';
select throws_ok($$select private.check_emergencies_pending()$$, '22023', null, 'a batch that is not a number is refused');
select is((select count(*)::int from public.alerts), 0, '… and a refused run fired nothing');
select is(pg_temp.notes(), 0, '… and notified nobody');

-- -----------------------------------------------------------------------------
-- A burst drains over several runs, without loss or duplicates
-- -----------------------------------------------------------------------------
set local terrain.alert_notify_batch = '2';
select is(pg_temp.run(), '{"fired": 5, "resolved": 0, "notified": 2, "escalated": 0, "notifications": 12}'::jsonb,
  'run 1: the five alerts fire, two are notified (twelve notifications)');
select is((select count(*)::int from public.alerts where last_notified_at is null and notify_count = 0), 3,
  '… the three others are still due (never notified)');
select is(pg_temp.run(), '{"fired": 0, "resolved": 0, "notified": 2, "escalated": 0, "notifications": 12}'::jsonb,
  'run 2: two more');
select is(pg_temp.run(), '{"fired": 0, "resolved": 0, "notified": 1, "escalated": 0, "notifications": 6}'::jsonb,
  'run 3: the last one');
select is(pg_temp.run(), '{"fired": 0, "resolved": 0, "notified": 0, "escalated": 0, "notifications": 0}'::jsonb,
  'run 4: nothing left (the repeat interval has not elapsed)');
select is((select array_agg(notify_count order by notify_count) from public.alerts), array[1, 1, 1, 1, 1],
  'every alert notified exactly once');
select is(pg_temp.notes(), 30, 'thirty notifications: six per alert');
-- What an unbounded run writes for an alert (73-alert-lifecycle): the three recipients × in_app, email,
-- keyed alert:<fingerprint>:1:<alert id>:<user>:<channel>.
select set_eq(
  $$select dedupe_key from public.notifications where entity_id::text like 'c7600000-%'$$,
  $$select format('alert:%s:1:%s:%s:%s', a.fingerprint, a.id, u.user_id, ch.channel)
      from public.alerts a
      cross join (values ('a0000000-0000-4000-8000-000000000001'::uuid), ('a0000000-0000-4000-8000-000000000002'),
                         ('a0000000-0000-4000-8000-000000000003')) u (user_id)
      cross join (values ('in_app'), ('email')) ch (channel)$$,
  'the notifications of the batches are exactly those of one unbounded run');
select is((select count(distinct dedupe_key)::int from public.notifications where entity_id::text like 'c7600000-%'), 30,
  'no dedupe key twice');

-- -----------------------------------------------------------------------------
-- Repeats: the longest overdue first
-- -----------------------------------------------------------------------------
update public.alerts a set last_notified_at = now() - interval '4 hours' - (right(a.entity_id::text, 1)::int * interval '1 minute');
select is((pg_temp.run() ->> 'notified')::int, 2, 'all five repeats are due: two are notified');
select is((select array_agg(right(entity_id::text, 1) order by entity_id) from public.alerts where notify_count = 2),
  array['4', '5'], '… the two notified longest ago');
select is((pg_temp.run() ->> 'notified')::int, 2, 'then two more');
select is((select array_agg(right(entity_id::text, 1) order by entity_id) from public.alerts where notify_count = 2),
  array['2', '3', '4', '5'], '… the next longest overdue');

-- -----------------------------------------------------------------------------
-- Escalations: their own batch, oldest first, once each
-- -----------------------------------------------------------------------------
update public.alerts a set first_fired_at = now() - interval '20 minutes' - (right(a.entity_id::text, 1)::int * interval '1 minute');
select is((pg_temp.run() ->> 'escalated')::int, 2, 'five alerts past escalate_after (15 min): two are escalated');
select is((select array_agg(right(entity_id::text, 1) order by entity_id) from public.alerts where escalation_level = 1),
  array['4', '5'], '… the two oldest');
select is((pg_temp.run() ->> 'escalated')::int, 2, 'run 2: two more');
select is((pg_temp.run() ->> 'escalated')::int, 1, 'run 3: the last one');
select is((pg_temp.run() ->> 'escalated')::int, 0, 'run 4: none left: each alert is escalated once');
select is((select count(*)::int from public.notifications where entity_id::text like 'c7600000-%' and dedupe_key like '%:esc1:%'), 10,
  'each alert escalated to the owner once: in_app and email, never twice');

-- -----------------------------------------------------------------------------
-- Rendering: per recipient language, each alert with its own text
-- -----------------------------------------------------------------------------
-- A template of the full alert type using the generic title and body and one param of the alert.
insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('alert.emergency_pending', 'fr', '[FR] {{title}} — {{description}}', 'FR {{body}}', true),
  ('alert.emergency_pending', 'en', '[EN] {{title}} — {{description}}', 'EN {{body}}', true);
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000002';
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at)
select ('c7600000-0000-4000-8000-00000000000' || n)::uuid, 'a0000000-0000-4000-8000-0000000000a0',
       'a0000000-0000-4000-8000-0000000000c1', 'Panne ' || n, 'phone', now() - interval '10 minutes'
from generate_series(6, 7) n;
select is((pg_temp.run() ->> 'fired')::int, 2, 'two more emergencies fire and are notified in one batch');
select is((select count(*)::int from public.notifications
            where entity_id in ('c7600000-0000-4000-8000-000000000006', 'c7600000-0000-4000-8000-000000000007')
              and user_id = 'a0000000-0000-4000-8000-000000000002'
              and title = '[EN] Critical alert: emergency pending — Panne ' || right(entity_id::text, 1)
              and body like 'EN Firing since % UTC.'), 4,
  'the English-speaking dispatcher gets the English template, with each alert''s own text (2 alerts × in_app, email)');
select is((select count(*)::int from public.notifications
            where entity_id in ('c7600000-0000-4000-8000-000000000006', 'c7600000-0000-4000-8000-000000000007')
              and user_id = 'a0000000-0000-4000-8000-000000000001'
              and title = '[FR] Alerte critique : urgence en attente — Panne ' || right(entity_id::text, 1)
              and body like 'FR Active depuis le % UTC.'), 4,
  '… the French-speaking owner the French one, in the same batch');

select * from finish();
rollback;

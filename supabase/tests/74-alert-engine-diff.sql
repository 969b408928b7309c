-- Alert engine, set-based: an unchanged firing alert is not rewritten by a
-- check (its row version stays), a changed one is refreshed in place, one run
-- notifies many alerts at once with each recipient's preferences, and the
-- same run never writes a notification twice.
begin;
select plan(13);

create function pg_temp.alert(p_entity uuid) returns public.alerts language sql as $$
  select a from public.alerts a where a.entity_id = p_entity and a.status <> 'resolved'
$$;
create function pg_temp.version(p_entity uuid) returns tid language sql as $$
  select a.ctid from public.alerts a where a.entity_id = p_entity and a.status <> 'resolved'
$$;

update public.emergency_requests set status = 'closed', acknowledged_at = now(), closed_at = now() where status = 'pending';
delete from public.alerts;
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at) values
  ('c7400000-0000-4000-8000-000000000e01', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'Chaudière en panne', 'phone', now() - interval '10 minutes'),
  ('c7400000-0000-4000-8000-000000000e02', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'Radiateur froid', 'phone', now() - interval '12 minutes');
-- The dispatcher (…02) turns emails of this alert type off, and everything else off too:
-- in_app of a critical type stays on.
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select to_jsonb(public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', 'emergency_pending', 'email', false))$$);
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select to_jsonb(public.set_notification_preference('a0000000-0000-4000-8000-0000000000a0', '*', 'in_app', false))$$);

-- -----------------------------------------------------------------------------
-- One run, two alerts, notified in bulk
-- -----------------------------------------------------------------------------
create temp table first_run as select private.check_emergencies_pending() as result;
select is((select result from first_run) - 'checked' - 'notifications',
  '{"fired": 2, "resolved": 0, "notified": 2, "escalated": 0}'::jsonb, 'one check fires and notifies both emergencies');
select is((select (result ->> 'notifications')::int from first_run),
  (select count(*)::int from public.notifications
    where entity_id in ('c7400000-0000-4000-8000-000000000e01', 'c7400000-0000-4000-8000-000000000e02')),
  'the run reports the notification rows it wrote (one per recipient and channel)');
select is((select count(*)::int from public.notifications where entity_id = 'c7400000-0000-4000-8000-000000000e01'), 5,
  'owner in_app + email, on-call technician in_app + email, dispatcher in_app only (email turned off)');
select is((select array_agg(channel order by channel) from public.notifications
           where entity_id = 'c7400000-0000-4000-8000-000000000e02' and user_id = 'a0000000-0000-4000-8000-000000000002'),
  array['in_app'], 'the dispatcher''s preferences apply to every alert of the batch; in_app of a critical type stays on');
select is((select count(distinct dedupe_key)::int from public.notifications where entity_id in
             ('c7400000-0000-4000-8000-000000000e01', 'c7400000-0000-4000-8000-000000000e02')), 10,
  'every notification has its own dedupe key');

-- -----------------------------------------------------------------------------
-- Unchanged alerts are not rewritten
-- -----------------------------------------------------------------------------
create temp table before as
select pg_temp.version('c7400000-0000-4000-8000-000000000e01') as v1, pg_temp.version('c7400000-0000-4000-8000-000000000e02') as v2,
       (pg_temp.alert('c7400000-0000-4000-8000-000000000e01')).last_fired_at as fired_at;
select is(private.check_emergencies_pending() - 'checked' - 'notifications',
  '{"fired": 0, "resolved": 0, "notified": 0, "escalated": 0}'::jsonb, 'second check: nothing new');
select is(pg_temp.version('c7400000-0000-4000-8000-000000000e01'), (select v1 from before),
  'an unchanged firing alert keeps its row version (not rewritten)');
select is(pg_temp.version('c7400000-0000-4000-8000-000000000e02'), (select v2 from before), '… the other one too');

-- -----------------------------------------------------------------------------
-- A change of details is refreshed in place
-- -----------------------------------------------------------------------------
update public.emergency_requests set description = 'Chaudière en panne, eau froide' where id = 'c7400000-0000-4000-8000-000000000e01';
select is(private.check_emergencies_pending() - 'checked' - 'notifications',
  '{"fired": 0, "resolved": 0, "notified": 0, "escalated": 0}'::jsonb, 'a changed description neither fires nor notifies again');
select is((pg_temp.alert('c7400000-0000-4000-8000-000000000e01')).details ->> 'description', 'Chaudière en panne, eau froide',
  'the alert''s details follow the view row');
select isnt(pg_temp.version('c7400000-0000-4000-8000-000000000e01'), (select v1 from before), '… the changed alert was rewritten');
select is(pg_temp.version('c7400000-0000-4000-8000-000000000e02'), (select v2 from before), '… the unchanged one still not');
select is((select count(*)::int from public.alerts where entity_id = 'c7400000-0000-4000-8000-000000000e01'), 1,
  'still one alert for the emergency');

select * from finish();
rollback;

-- Chart data: public.alerts_over_time — alerts fired and resolved per day
-- (organization time zone, Europe/Paris for org A) and severity, every day of
-- the period with zeros, for owners, admins and dispatchers only.
-- Fixture: alerts of org A in June 2026, before the seed's own alerts.
begin;
select plan(13);

create function pg_temp.alert(p_severity text, p_fired timestamptz, p_resolved timestamptz default null) returns void
language sql as $$
  insert into public.alerts (org_id, alert_type, fingerprint, entity_table, entity_id, severity, status, first_fired_at, last_fired_at, resolved_at)
  select 'a0000000-0000-4000-8000-0000000000a0', 'mission_blocked', 'mission_blocked:' || e.id, 'public.missions', e.id, p_severity,
         case when p_resolved is null then 'firing' else 'resolved' end, p_fired, p_fired, p_resolved
  from (select gen_random_uuid() as id) e
$$;
select pg_temp.alert('critical', '2026-06-01 08:00+00');
select pg_temp.alert('critical', '2026-06-01 09:00+00', '2026-06-03 10:00+00');
select pg_temp.alert('warning',  '2026-06-01 21:30+00', '2026-06-01 23:30+00');  -- 23:30 and 01:30 in Paris
select pg_temp.alert('info',     '2026-06-03 12:00+00', '2026-06-03 12:05+00');
select pg_temp.alert('warning',  '2026-05-31 21:59+00');                          -- 23:59 on 31 May in Paris: outside
select pg_temp.alert('info',     '2026-06-03 22:00+00');                          -- midnight on 4 June in Paris: outside

select results_eq(
  $$select day, severity, fired, resolved from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-01', '2026-06-03')$$,
  $$values ('2026-06-01'::date, 'critical', 2, 0), ('2026-06-01', 'warning', 1, 0), ('2026-06-01', 'info', 0, 0),
           ('2026-06-02', 'critical', 0, 0), ('2026-06-02', 'warning', 0, 1), ('2026-06-02', 'info', 0, 0),
           ('2026-06-03', 'critical', 0, 1), ('2026-06-03', 'warning', 0, 0), ('2026-06-03', 'info', 1, 1)$$,
  'every day × severity in order, zeros included; fired on first_fired_at''s day, resolved on resolved_at''s day, in the organization''s time zone');
select is((select count(*) from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-02', '2026-06-02')), 3::bigint,
  'a one-day period has one row per severity');
select is((select count(*) from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-01-01', '2026-12-31')), 365 * 3::bigint,
  'a whole year is allowed');

-- -----------------------------------------------------------------------------
-- Who may read it
-- -----------------------------------------------------------------------------
select is((tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select sum(fired)::int from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-01', '2026-06-03')$$))::int, 4,
  'a dispatcher reads the same counts');
select is((tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select sum(resolved)::int from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-01', '2026-06-03')$$))::int, 3,
  'the owner reads the same counts');
select tests.throws_as_user(u, $$select count(*) from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-01', '2026-06-03')$$, e, m, d)
from (values
  ('a0000000-0000-4000-8000-000000000005'::uuid, '42501', 'Permission denied: alerts_over_time requires one of the roles owner, admin, dispatcher', 'an accountant is refused'),
  ('a0000000-0000-4000-8000-000000000003', '42501', 'Permission denied: alerts_over_time requires one of the roles owner, admin, dispatcher', 'a technician is refused'),
  ('a0000000-0000-4000-8000-000000000006', '42501', 'Permission denied: alerts_over_time requires one of the roles owner, admin, dispatcher', 'a portal user is refused'),
  ('b0000000-0000-4000-8000-000000000001', 'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s admin learns nothing')
) t (u, e, m, d);
select throws_ok($$select tests.as_anon('select count(*) from public.alerts_over_time(''a0000000-0000-4000-8000-0000000000a0'', ''2026-06-01'', ''2026-06-03'')')$$,
  '42501', 'permission denied for function alerts_over_time', 'anon may not call it');

-- -----------------------------------------------------------------------------
-- Refusals
-- -----------------------------------------------------------------------------
select throws_ok($$select * from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-06-03', '2026-06-01')$$,
  '22023', 'The period ends (2026-06-01) before it starts (2026-06-03)', 'a period that ends before it starts is refused');
select throws_ok($$select * from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', '2026-01-01', '2027-01-02')$$,
  '22023', 'At most 366 days per chart (asked: 367)', 'more than a year of days is refused');
select throws_ok($$select * from public.alerts_over_time('a0000000-0000-4000-8000-0000000000a0', null, '2026-06-01')$$,
  '22004', 'p_from and p_to are required (dates as YYYY-MM-DD)', 'a missing date is refused');

select * from finish();
rollback;

-- Technician isolation: a technician sees the missions
-- assigned to them and the pool of published missions nobody holds, and what
-- those missions need — never another technician's missions, hours, notes or
-- parts, nor anything of another organization; they change missions only
-- through the API functions.
-- Actors (seed): Karim a…03 and Sophie a…04, technicians of Chaleur Express
-- (org A); Lucas b…03, technician of Plomberie du Rhône (org B).
begin;
select plan(24);

create function pg_temp.ids(p_sql text) returns text[] language plpgsql as $$
declare v text[];
begin
  execute format('select coalesce(array_agg(x::text order by x::text), ''{}'') from (%s) s (x)', p_sql) into v;
  return v;
end $$;

-- A published mission offered to Karim (named, not yet accepted): his, not Sophie's.
insert into public.missions (id, org_id, client_id, site_id, title)
values ('e5200000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
        'a0000000-0000-4000-8000-0000000000d2', 'RLS — proposée à Karim');
update public.missions set status = 'published', technician_id = 'a0000000-0000-4000-8000-000000000003'
 where id = 'e5200000-0000-4000-8000-000000000001';

-- -----------------------------------------------------------------------------
-- Missions.
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select id from public.missions'),
  pg_temp.ids($$select id from public.missions where technician_id = 'a0000000-0000-4000-8000-000000000003'
                union select id from public.missions where org_id = 'a0000000-0000-4000-8000-0000000000a0' and status = 'published' and technician_id is null$$),
  'Karim sees exactly his missions and the pool of published missions nobody holds');
select ok(
  cardinality(tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select id from public.missions')) >= 6,
  'the seed gives him several (so the test means something)');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004', $$select id from public.missions where technician_id = 'a0000000-0000-4000-8000-000000000003'$$),
  '{}'::text[], 'Sophie cannot see any of Karim''s missions, even filtering on his id');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004', $$select id from public.missions where id = 'e5200000-0000-4000-8000-000000000001'$$),
  '{}'::text[], 'nor a mission offered to him and not yet accepted');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', $$select id from public.missions where id = 'e5200000-0000-4000-8000-000000000001'$$),
  array['e5200000-0000-4000-8000-000000000001'], 'Karim sees the mission offered to him');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004', $$select id from public.missions where status not in ('published')$$),
  pg_temp.ids($$select id from public.missions where technician_id = 'a0000000-0000-4000-8000-000000000004' and status <> 'published'$$),
  'every mission Sophie sees beyond the pool is hers');
select is(
  tests.values_as_user('b0000000-0000-4000-8000-000000000003', $$select id from public.missions where org_id = 'a0000000-0000-4000-8000-0000000000a0'$$),
  '{}'::text[], 'a technician of org B sees no mission of org A');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004',
    $$select m.id from public.missions m join public.sites s on s.id = m.site_id join public.clients c on c.id = m.client_id
      where m.technician_id is distinct from 'a0000000-0000-4000-8000-000000000004' and m.status <> 'published'$$),
  '{}'::text[], 'joining through sites and clients reveals no other technician''s mission');

-- -----------------------------------------------------------------------------
-- What Karim's missions carry: hours, notes, history, parts.
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004', $$select id from public.timesheets where technician_id = 'a0000000-0000-4000-8000-000000000003'$$),
  '{}'::text[], 'Sophie cannot read Karim''s hours');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004', 'select technician_id from public.timesheets'),
  pg_temp.ids($$select technician_id from public.timesheets where technician_id = 'a0000000-0000-4000-8000-000000000004'$$),
  'Sophie reads her own hours only');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004',
    $$select n.id from public.mission_notes n where n.mission_id in
        (select id from public.missions where technician_id = 'a0000000-0000-4000-8000-000000000003')$$),
  '{}'::text[], 'nor the notes of his missions');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004',
    $$select h.mission_id from public.mission_status_history h where h.mission_id = 'a0000000-0000-4000-8000-000000003001'$$),
  '{}'::text[], 'nor their status history');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000004',
    $$select sm.id from public.stock_movements sm where sm.mission_id = 'a0000000-0000-4000-8000-000000003001'$$),
  '{}'::text[], 'nor the parts used on them');
select isnt(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003',
    $$select sm.id from public.stock_movements sm where sm.mission_id = 'a0000000-0000-4000-8000-000000003001'$$),
  '{}'::text[], 'Karim sees the parts used on his mission');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select distinct org_id from public.stock_items'),
  array['a0000000-0000-4000-8000-0000000000a0'], 'the parts catalogue he picks from is his organization''s only');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003',
    'select id from public.invoices union all select id from public.payments union all select id from public.quotes union all select id from public.lock_overrides'),
  '{}'::text[], 'no invoices, payments, quotes or lock overrides for technicians');

-- -----------------------------------------------------------------------------
-- Writes: only through the API functions.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
    $q$update public.missions set status = 'in_progress' where id = 'a0000000-0000-4000-8000-000000002003'$q$)$$,
  '42501', 'permission denied for table missions', 'a technician cannot move a mission by a direct update (status is not granted)');
select is(
  tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
    $$update public.missions set description = 'x' where id = 'a0000000-0000-4000-8000-000000002003'$$),
  0::bigint, 'nor edit the planning of his own mission (no update policy for technicians: 0 rows)');
select throws_ok(
  $$select tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
    $q$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
       values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000002003', current_date, 1)$q$)$$,
  '42501', 'permission denied for table timesheets', 'hours are not inserted directly (log_hours is the way)');
select throws_ok(
  $$select tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
    $q$insert into public.stock_movements (org_id, item_id, kind, quantity, mission_id)
       select org_id, id, 'out', 1, 'a0000000-0000-4000-8000-000000002003' from public.stock_items where org_id = 'a0000000-0000-4000-8000-0000000000a0' and on_hand >= 1 limit 1$q$)$$,
  '42501', 'new row violates row-level security policy for table "stock_movements"', 'parts are not taken by a direct insert (record_stock_use is the way)');
select throws_ok(
  $$select tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
    $q$insert into public.mission_notes (org_id, mission_id, body) values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000002003', 'x')$q$)$$,
  '42501', 'permission denied for table mission_notes', 'notes are not inserted directly (add_mission_note is the way)');
select is(
  tests.row_count_as_user('a0000000-0000-4000-8000-000000000004',
    $$delete from public.timesheets where technician_id = 'a0000000-0000-4000-8000-000000000003'$$),
  0::bigint, 'Sophie cannot delete Karim''s hours (0 rows)');
select is(
  (select (tests.values_as_user('a0000000-0000-4000-8000-000000000003',
     $$select public.transition_mission('a0000000-0000-4000-8000-000000002003', 'in_progress', 'rls-test-start-0001') ->> 'status'$$))[1]),
  'in_progress', 'Karim still starts his mission through transition_mission');
select throws_ok(
  $$select tests.values_as_user('a0000000-0000-4000-8000-000000000004',
    $q$select public.transition_mission('a0000000-0000-4000-8000-000000003001', 'blocked', 'rls-test-block-0001', 'x')::text$q$)$$,
  '42501', 'Technicians may only move missions assigned to them', 'and Sophie cannot move his mission through it either');

select * from finish();
rollback;

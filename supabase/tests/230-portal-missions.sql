-- The client portal's missions (public.portal_missions): a portal user gets
-- the missions of their own client, with the site's name and the technician's
-- first name only; another client's mission is not there (the same empty
-- answer as an unknown id); staff get no rows; anon may not call it.
begin;
select plan(14);

-- Demo data (supabase/seeds): Chaleur Express (a…a0) with its clients Syndic
-- Lumière (a…c1, portal user gestion@ a…06) and Boulangerie des Pentes (a…c2).
-- A portal user of the bakery, and a mission of the bakery assigned to tech1.
insert into auth.users (id, aud, role, email) values
  ('c2300000-0000-4000-8000-0000000000b1', 'authenticated', 'authenticated', 'portail.boulangerie@portal.test');
insert into public.memberships (org_id, user_id, role, client_id) values
  ('a0000000-0000-4000-8000-0000000000a0', 'c2300000-0000-4000-8000-0000000000b1', 'client', 'a0000000-0000-4000-8000-0000000000c2');
insert into public.missions (id, org_id, client_id, site_id, title, scheduled_start, scheduled_end)
select 'c2300000-0000-4000-8000-0000000000f1', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
       s.id, 'Four à sole : brûleur', now() + interval '1 day', now() + interval '1 day 2 hours'
from public.sites s where s.client_id = 'a0000000-0000-4000-8000-0000000000c2' limit 1;
update public.missions set status = 'published' where id = 'c2300000-0000-4000-8000-0000000000f1';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000003'
 where id = 'c2300000-0000-4000-8000-0000000000f1';

-- -----------------------------------------------------------------------------
-- Grants
-- -----------------------------------------------------------------------------
select ok(not has_function_privilege('anon', 'public.portal_missions(uuid, integer)', 'execute'), 'anon may not call portal_missions');
select ok(has_function_privilege('authenticated', 'public.portal_missions(uuid, integer)', 'execute'), 'signed-in users may');

-- -----------------------------------------------------------------------------
-- Who sees which missions
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000006', 'select id from public.portal_missions(p_limit => 500)'),
  (select coalesce(array_agg(id::text order by id::text), '{}') from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c1'),
  'the syndic''s portal user: every mission of the syndic, and only those');
select is(
  tests.values_as_user('c2300000-0000-4000-8000-0000000000b1', 'select id from public.portal_missions()'),
  (select coalesce(array_agg(id::text order by id::text), '{}') from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c2'),
  'the bakery''s portal user: the bakery''s missions');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000006', $$select id from public.portal_missions('c2300000-0000-4000-8000-0000000000f1')$$),
  '{}', 'another client''s mission by id: no row (as for an unknown id)');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000006', $$select id from public.portal_missions('c2300000-0000-4000-8000-00000000dead')$$),
  '{}', 'an unknown id: no row');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000001', 'select id from public.portal_missions()'),
  '{}', 'an owner (staff) gets no rows: the office reads the table');
select is(
  tests.values_as_user('b0000000-0000-4000-8000-000000000001', 'select id from public.portal_missions()'),
  '{}', 'another organization''s owner: no rows');

-- -----------------------------------------------------------------------------
-- What a row says
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('c2300000-0000-4000-8000-0000000000b1',
    $$select concat_ws(' | ', title, status, site_name, technician_first_name) from public.portal_missions('c2300000-0000-4000-8000-0000000000f1')$$),
  (select array[concat_ws(' | ', 'Four à sole : brûleur', 'assigned', s.name, 'Karim')]
   from public.sites s join public.missions m on m.site_id = s.id where m.id = 'c2300000-0000-4000-8000-0000000000f1'),
  'one mission: title, status, site name and the technician''s first name (Karim, not Karim Benali)');
select is(
  (select array_agg(u.name::text order by u.n)
   from pg_proc p, unnest(p.proargnames, p.proargmodes::text[]) with ordinality u (name, mode, n)
   where p.oid = 'public.portal_missions(uuid, integer)'::regprocedure and u.mode = 't'),
  array['id', 'title', 'status', 'priority', 'scheduled_start', 'scheduled_end', 'started_at', 'completed_at',
        'site_id', 'site_name', 'technician_first_name'],
  'the columns: nothing internal (no description, blocked reason, creator, contract nor technician id)');

select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000006', 'select id from public.portal_missions(p_limit => 1)'),
  (select array[id::text] from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c1'
   order by coalesce(scheduled_start, created_at) desc, id desc limit 1),
  'p_limit 1: the newest mission (by planned start, else creation)');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000006',
    format('select id from public.portal_missions(%L)', (select id from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c1'
                                                          order by coalesce(scheduled_start, created_at) limit 1))),
  (select array[id::text] from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c1'
   order by coalesce(scheduled_start, created_at) limit 1),
  'one of their own missions by id, even the oldest: that row');

-- -----------------------------------------------------------------------------
-- Limits
-- -----------------------------------------------------------------------------
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000006'::uuid, $q$select to_jsonb(array(select id from public.portal_missions(p_limit => 0)))$q$, '22023', 'p_limit must be between 1 and 500 (got 0)', 'p_limit 0 refused'),
  ('a0000000-0000-4000-8000-000000000006', $q$select to_jsonb(array(select id from public.portal_missions(p_limit => 501)))$q$, '22023', 'p_limit must be between 1 and 500 (got 501)', 'p_limit 501 refused')
) t (u, s, e, m, d);

select * from finish();
rollback;

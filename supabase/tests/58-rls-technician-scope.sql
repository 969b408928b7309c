-- The technician scope of the missions SELECT policy as one indexable
-- predicate: a scope key per mission (organization + technician, or
-- organization alone for the published pool) matched against the keys of
-- the current technician, through one expression index. Who sees what is
-- proven by 51-54; this file checks the shape (one branch, one helper, the
-- index used) and the edges where a shortcut would leak: a former
-- technician, a technician of another organization, missions of other
-- states with no technician.
-- Actors (seed): Karim a…03 and Sophie a…04, technicians of Chaleur Express
-- (org A); Lucas b…03, technician of Plomberie du Rhône (org B).
begin;
select plan(15);

create function pg_temp.plan_as(p_user uuid, p_sql text) returns text language plpgsql as $$
declare v text := ''; r record;
begin
  perform tests.authenticate_as_user(p_user);
  set local enable_seqscan = off; -- the seed is small: show the plan a large table gets
  for r in execute 'explain (costs off) ' || p_sql loop
    v := v || r."QUERY PLAN" || E'\n';
  end loop;
  reset enable_seqscan;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
create function pg_temp.keys_as(p_user uuid) returns bytea[] language plpgsql as $$
declare v bytea[];
begin
  perform tests.authenticate_as_user(p_user);
  select array_agg(k order by k) into v from unnest(private.my_technician_mission_keys()) k;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;

-- -----------------------------------------------------------------------------
-- Shape: one technician branch, one helper call, an index behind it.
-- -----------------------------------------------------------------------------
select is(
  (select (length(q) - length(replace(q, 'private.my_technician_mission_keys()', ''))) / length('private.my_technician_mission_keys()')
     from (select pg_get_expr(p.polqual, p.polrelid) as q from pg_policy p
            where p.polrelid = 'public.missions'::regclass and p.polname = 'missions_select') s),
  1, 'missions_select: the technician scope is one branch calling private.my_technician_mission_keys() once');
select unalike(
  (select pg_get_expr(p.polqual, p.polrelid) from pg_policy p
    where p.polrelid = 'public.missions'::regclass and p.polname = 'missions_select'),
  '%{technician}%', 'missions_select: no branch reads the technician organizations separately any more');
select function_privs_are('private', 'my_technician_mission_keys', '{}', 'authenticated', array['EXECUTE'],
  'authenticated may call private.my_technician_mission_keys() (the policy runs as the caller)');
select function_privs_are('private', 'my_technician_mission_keys', '{}', 'anon', array[]::text[],
  'anon may not call private.my_technician_mission_keys()');
select matches(
  pg_temp.plan_as('a0000000-0000-4000-8000-000000000003', 'select id from public.missions'),
  'Index Scan on missions_technician_scope_idx',
  'a technician''s unfiltered mission list reaches their missions and the pool through missions_technician_scope_idx');

-- -----------------------------------------------------------------------------
-- Keys: exactly (org, me) and (org) for each organization where I am a technician.
-- -----------------------------------------------------------------------------
select is(
  pg_temp.keys_as('a0000000-0000-4000-8000-000000000003'),
  (select array_agg(k order by k) from (values
     (uuid_send('a0000000-0000-4000-8000-0000000000a0') || uuid_send('a0000000-0000-4000-8000-000000000003')),
     (uuid_send('a0000000-0000-4000-8000-0000000000a0'))) v (k)),
  'Karim''s keys: (org A, Karim) for his missions, (org A) for its pool');
select is(
  pg_temp.keys_as('a0000000-0000-4000-8000-000000000001'),
  null, 'an owner (no technician membership) has no technician key');

-- -----------------------------------------------------------------------------
-- Same rows as the one definition of the scope, private.assigned_missions().
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select id from public.missions'),
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select private.my_assigned_mission_ids()'),
  'Karim: the policy and private.assigned_missions() give the same missions');
select is(
  tests.values_as_user('b0000000-0000-4000-8000-000000000003', 'select id from public.missions'),
  tests.values_as_user('b0000000-0000-4000-8000-000000000003', 'select private.my_assigned_mission_ids()'),
  'Lucas (org B): the policy and private.assigned_missions() give the same missions');

-- -----------------------------------------------------------------------------
-- Edges: a new mission with no technician is nobody's; a former technician
-- (now a client-portal user of another client) no longer sees the missions
-- that still name them.
-- -----------------------------------------------------------------------------
select tests.create_supabase_user('scope-former-tech');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('scope-former-tech'), 'technician');
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('e5800000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
   'a0000000-0000-4000-8000-0000000000d2', 'Scope — offered to a technician'),
  ('e5800000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
   'a0000000-0000-4000-8000-0000000000d2', 'Scope — new, nobody''s');
update public.missions set status = 'published', technician_id = tests.get_supabase_uid('scope-former-tech')
 where id = 'e5800000-0000-4000-8000-000000000001';

select is(
  tests.values_as_user(tests.get_supabase_uid('scope-former-tech'),
                 $$select id from public.missions where id::text like 'e5800000-%'$$),
  array['e5800000-0000-4000-8000-000000000001'],
  'a technician sees the mission offered to them, not a new mission nobody holds');

update public.memberships set role = 'client', client_id = 'a0000000-0000-4000-8000-0000000000c1'
 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = tests.get_supabase_uid('scope-former-tech');
select is(
  tests.values_as_user(tests.get_supabase_uid('scope-former-tech'),
                 $$select id from public.missions where technician_id = '$$ || tests.get_supabase_uid('scope-former-tech') || $$'$$),
  '{}'::text[],
  'once a client-portal user of another client, the former technician no longer sees the mission that still names them');

-- -----------------------------------------------------------------------------
-- What the assigned missions reference, for the policies of those rows: one
-- helper, the column as its argument; the same ids as the missions the
-- technician sees; any other column refused.
-- -----------------------------------------------------------------------------
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', $$select private.my_assigned_mission_refs('site_id')$$),
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select distinct site_id from public.missions'),
  'Karim: my_assigned_mission_refs(site_id) = the sites of the missions he sees');
select is(
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', $$select private.my_assigned_mission_refs('client_id')$$),
  tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select distinct client_id from public.missions'),
  'Karim: my_assigned_mission_refs(client_id) = the clients of the missions he sees');
select throws_ok(
  $$select private.my_assigned_mission_refs('org_id')$$, '22023', null,
  'my_assigned_mission_refs refuses a column that is not a mission reference');
select throws_ok(
  $$select private.my_assigned_mission_refs(null)$$, '22023', null,
  'my_assigned_mission_refs refuses a null column');

select * from finish();
rollback;

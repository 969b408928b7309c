-- Ownership rules on memberships, as a permission matrix: who may do what to
-- whom. Chaleur Express (a…a0) starts with one owner (a…01); this file adds
-- two admins, a second owner, a dispatcher and a technician without missions.
-- Seeded technician a…03 holds 3 open missions (1 assigned, 2 in progress).
-- The concurrent case (two owners demoting each other) is proven in
-- tests/integration/ownership.test.ts.
begin;
select plan(34);

select tests.create_supabase_user('own-admin1');
select tests.create_supabase_user('own-admin2');
select tests.create_supabase_user('own-owner2');
select tests.create_supabase_user('own-dispatcher');
select tests.create_supabase_user('own-tech-free');
select tests.create_supabase_user('own-outsider');
insert into public.memberships (org_id, user_id, role) values
  ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('own-admin1'), 'admin'),
  ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('own-admin2'), 'admin'),
  ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('own-dispatcher'), 'dispatcher'),
  ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('own-tech-free'), 'technician');

create function pg_temp.role_of(p_user uuid) returns text language sql as $$
  select m.role::text from public.memberships m where m.org_id = 'a0000000-0000-4000-8000-0000000000a0' and m.user_id = p_user
$$;
create function pg_temp.set_role_as(p_actor uuid, p_target uuid, p_role text) returns jsonb language sql as $$
  select tests.as_user(p_actor, format(
    $q$with u as (update public.memberships set role = %L
                  where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = %L returning 1)
       select to_jsonb(count(*)) from u$q$, p_role, p_target))
$$;
create function pg_temp.remove_as(p_actor uuid, p_target uuid) returns jsonb language sql as $$
  select tests.as_user(p_actor, format(
    $q$with d as (delete from public.memberships
                  where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = %L returning 1)
       select to_jsonb(count(*)) from d$q$, p_target))
$$;

-- ---------------------------------------------------------------- admins
select throws_ok(
  $$select pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-admin1'), 'owner')$$,
  '42501', 'Only an owner can grant or remove the owner role, or change an owner''s membership',
  'admin → self: cannot make themselves owner');
select throws_ok(
  $$select pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-dispatcher'), 'owner')$$,
  '42501', null, 'admin → dispatcher: cannot grant the owner role');
select throws_ok(
  $$select pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), 'a0000000-0000-4000-8000-000000000001', 'admin')$$,
  '42501', null, 'admin → owner: cannot demote the owner');
select throws_ok(
  $$select pg_temp.remove_as(tests.get_supabase_uid('own-admin1'), 'a0000000-0000-4000-8000-000000000001')$$,
  '42501', null, 'admin → owner: cannot remove the owner');
select throws_ok(
  $$select tests.as_user(tests.get_supabase_uid('own-admin1'),
      $q$update public.memberships set on_call = true
         where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = 'a0000000-0000-4000-8000-000000000001'$q$)$$,
  '42501', null, 'admin → owner: cannot change any part of an owner''s membership');
select is(pg_temp.role_of('a0000000-0000-4000-8000-000000000001'), 'owner', 'after all that, the owner is still owner');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-dispatcher'), 'accountant'),
  '1'::jsonb, 'admin → dispatcher: may change other roles');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-admin2'), 'dispatcher'),
  '1'::jsonb, 'admin → another admin: may change their role');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-admin2'), 'admin'),
  '1'::jsonb, 'admin → dispatcher: may make them admin');

-- ------------------------------------------------------- other roles (RLS)
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-admin2'), tests.get_supabase_uid('own-admin2'), 'admin'),
  '1'::jsonb, 'admin → self, same role: allowed (nothing changes hands)');
select is(pg_temp.set_role_as('a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000002', 'owner'),
  '0'::jsonb, 'dispatcher → self: no row visible for update (RLS), nothing changes');
select is(pg_temp.role_of('a0000000-0000-4000-8000-000000000002'), 'dispatcher', 'the dispatcher is still dispatcher');

-- ---------------------------------------------------------------- owners
select throws_ok(
  $$select pg_temp.set_role_as('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'admin')$$,
  '23514', 'An organization keeps at least one owner: a0000000-0000-4000-8000-000000000001 is its only owner',
  'only owner → self: cannot demote themselves');
select throws_ok(
  $$select pg_temp.remove_as('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001')$$,
  '23514', null, 'only owner → self: cannot leave the organization');
select is(pg_temp.set_role_as('a0000000-0000-4000-8000-000000000001', tests.get_supabase_uid('own-owner2'), 'owner'),
  '0'::jsonb, 'owner → outsider: no membership to update (members are invited by service_role)');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('own-owner2'), 'dispatcher');
select is(pg_temp.set_role_as('a0000000-0000-4000-8000-000000000001', tests.get_supabase_uid('own-owner2'), 'owner'),
  '1'::jsonb, 'owner → dispatcher: may grant the owner role');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-owner2'), 'a0000000-0000-4000-8000-000000000001', 'admin'),
  '1'::jsonb, 'owner → other owner: may demote them while one owner remains');
select throws_ok(
  $$select pg_temp.set_role_as(tests.get_supabase_uid('own-owner2'), tests.get_supabase_uid('own-owner2'), 'admin')$$,
  '23514', null, 'the remaining owner → self: cannot demote themselves');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-owner2'), 'a0000000-0000-4000-8000-000000000001', 'owner'),
  '1'::jsonb, 'owner → admin: may make them owner again');

-- --------------------------------------------------- the system actor too
select throws_ok(
  $$update public.memberships set role = 'admin' where org_id = 'a0000000-0000-4000-8000-0000000000a0' and role = 'owner'$$,
  '23514', null, 'system actor: one statement demoting every owner is refused');
select lives_ok(
  $$delete from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = tests.get_supabase_uid('own-owner2')$$,
  'system actor: may remove an owner while another remains');
select throws_ok(
  $$select tests.as_service($q$delete from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and role = 'owner'$q$)$$,
  '23514', null, 'service_role: cannot remove the last owner');
select throws_ok(
  $$update public.memberships set org_id = 'b0000000-0000-4000-8000-0000000000b0'
    where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = tests.get_supabase_uid('own-admin1')$$,
  '23514', 'A membership cannot move to another organization', 'a membership never moves between organizations');
select lives_ok($$
  with o as (insert into public.organizations (id, name) values ('c1100000-0000-4000-8000-0000000000f0', 'Short-lived SAS') returning id)
  insert into public.memberships (org_id, user_id, role) select o.id, tests.get_supabase_uid('own-outsider'), 'owner' from o;
  delete from public.organizations where id = 'c1100000-0000-4000-8000-0000000000f0'$$,
  'deleting an organization still removes its memberships, owner included');

-- --------------------------------------------- technicians holding missions
select throws_ok(
  $$select pg_temp.set_role_as('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000003', 'dispatcher')$$,
  '23514', 'Technician a0000000-0000-4000-8000-000000000003 still holds 3 open mission(s) (assigned, in progress or blocked)',
  'owner → technician with 3 open missions: role change refused, with the count');
select throws_ok(
  $$select pg_temp.remove_as(tests.get_supabase_uid('own-admin1'), 'a0000000-0000-4000-8000-000000000004')$$,
  '23514', 'Technician a0000000-0000-4000-8000-000000000004 still holds 1 open mission(s) (assigned, in progress or blocked)',
  'admin → technician with a blocked mission: removal refused, with the count');
select is(pg_temp.set_role_as(tests.get_supabase_uid('own-admin1'), tests.get_supabase_uid('own-tech-free'), 'dispatcher'),
  '1'::jsonb, 'admin → technician without open missions: role change allowed');

-- ---------------------------------------------------- transfer_ownership
select throws_ok(
  $$select tests.as_user(tests.get_supabase_uid('own-admin1'),
      $q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', '$q$ || tests.get_supabase_uid('own-admin1') || $q$')$q$)$$,
  '42501', 'Only an owner of the organization can transfer its ownership', 'admin: cannot transfer ownership (to themselves)');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      $q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', '$q$ || tests.get_supabase_uid('own-outsider') || $q$')$q$)$$,
  'P0002', null, 'owner → non-member: refused (not found)');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      $q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000006')$q$)$$,
  '23514', 'A client-portal user cannot own the organization', 'owner → client-portal user: refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      $q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', '$q$ || tests.get_supabase_uid('own-admin1') || $q$', 'owner')$q$)$$,
  '22023', null, 'owner → admin, keeping owner: refused (that is granting, not transferring)');

select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    format($q$select public.transfer_ownership('a0000000-0000-4000-8000-0000000000a0', %L, 'accountant')$q$,
           tests.get_supabase_uid('own-admin1'))) - 'org_id',
  jsonb_build_object('owner', tests.get_supabase_uid('own-admin1'), 'previous_owner', 'a0000000-0000-4000-8000-000000000001',
                     'previous_owner_role', 'accountant', 'new_owner_previous_role', 'admin'),
  'owner → admin: ownership transferred, the previous owner stays accountant');
select results_eq(
  $$select pg_temp.role_of('a0000000-0000-4000-8000-000000000001'), pg_temp.role_of(tests.get_supabase_uid('own-admin1'))$$,
  $$values ('accountant'::text, 'owner'::text)$$,
  'the roles changed hands');
select results_eq(
  $$select l.actor_user_id, l.table_name, l.row_id, l.diff -> 'owner'
    from audit.log l where l.action = 'ownership_transferred' and l.org_id = 'a0000000-0000-4000-8000-0000000000a0'$$,
  $$values ('a0000000-0000-4000-8000-000000000001'::uuid, 'public.organizations'::text, 'a0000000-0000-4000-8000-0000000000a0'::text,
            jsonb_build_object('old', 'a0000000-0000-4000-8000-000000000001', 'new', tests.get_supabase_uid('own-admin1')))$$,
  'the transfer is one named audit row: ownership_transferred, from whom to whom');

select * from finish();
rollback;

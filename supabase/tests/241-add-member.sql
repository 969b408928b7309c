-- add_member: owners and admins add an existing account by email; only
-- owners add owners; portal members name a client of the organization; an
-- unknown email is account_not_found only after every other check.
begin;
select plan(19);

-- Org A: …01 owner, …02 dispatcher, …03 technician; client …c1. Org B: b…01 owner, client b…c1.
select tests.create_supabase_user('org-a-admin', 'org-a-admin@tests.terrain.test');
select tests.create_supabase_user('newcomer', 'Newcomer@Tests.Terrain.test');
select tests.create_supabase_user('portal-user', 'portal-user@tests.terrain.test');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('org-a-admin'), 'admin');

create function pg_temp.add(p_caller uuid, p_email text, p_role text, p_client uuid default null) returns text
language sql as $$
  select pg_catalog.format('select public.add_member(%L, %L, %L, %L)',
                           'a0000000-0000-4000-8000-0000000000a0', p_email, p_role, p_client)
$$;

-- ------------------------------------------------------------------ refusals (nothing written)
select tests.throws_as_user(u, pg_temp.add(u, e, r, c), code, msg, why)
from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'newcomer@tests.terrain.test', 'technician', null::uuid, '42501',
   'Only an owner or admin of the organization can add members', 'a dispatcher may not add members'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'newcomer@tests.terrain.test', 'technician', null::uuid, '42501',
   'Only an owner or admin of the organization can add members', 'the owner of another organization may not'),
  (tests.get_supabase_uid('org-a-admin'), 'newcomer@tests.terrain.test', 'owner', null::uuid, '42501',
   'Only an owner can grant or remove the owner role, or change an owner''s membership', 'an admin may not add an owner'),
  (tests.get_supabase_uid('org-a-admin'), 'not an email', 'technician', null::uuid, '22023',
   'not an email is not an email address', 'an address that is not one'),
  (tests.get_supabase_uid('org-a-admin'), 'portal-user@tests.terrain.test', 'client', null::uuid, '23514',
   'A client-portal member needs a client, and only client-portal members have one', 'a portal member without a client'),
  (tests.get_supabase_uid('org-a-admin'), 'newcomer@tests.terrain.test', 'technician', 'a0000000-0000-4000-8000-0000000000c1'::uuid, '23514',
   'A client-portal member needs a client, and only client-portal members have one', 'a staff member with a client'),
  (tests.get_supabase_uid('org-a-admin'), 'portal-user@tests.terrain.test', 'client', 'b0000000-0000-4000-8000-0000000000c1'::uuid, '23503',
   'That client does not belong to this organization', 'a client of another organization'),
  (tests.get_supabase_uid('org-a-admin'), 'nobody@tests.terrain.test', 'technician', null::uuid, 'P0002',
   'No account uses nobody@tests.terrain.test yet', 'an email without an account: account_not_found, after the checks'),
  (tests.get_supabase_uid('org-a-admin'), 'tech1@chaleur-express.test', 'dispatcher', null::uuid, '23505',
   'tech1@chaleur-express.test is already a member of this organization (technician)', 'an existing member: change the role instead')
) t (u, e, r, c, code, msg, why);
select throws_ok($$ select tests.as_service($q$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'newcomer@tests.terrain.test', 'technician') $q$) $$,
  '42501', 'Sign in as an owner or admin of the organization to add members', 'a caller without a user is refused');
select ok(not has_function_privilege('anon', 'public.add_member(uuid, text, public.member_role, uuid)', 'execute'), 'anon may not call it');
select is((select count(*) from public.memberships m where m.user_id in (tests.get_supabase_uid('newcomer'), tests.get_supabase_uid('portal-user'))),
  0::bigint, 'the refusals wrote no membership');

-- ------------------------------------------------------------------ adding
select is(tests.as_user(tests.get_supabase_uid('org-a-admin'),
            $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', '  NEWCOMER@tests.terrain.test ', 'technician') $$) - 'membership_id',
  jsonb_build_object('user_id', tests.get_supabase_uid('newcomer'), 'email', 'newcomer@tests.terrain.test',
                     'role', 'technician', 'client_id', null),
  'an admin adds an account by email (case and spaces ignored)');
select is((select role::text from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = tests.get_supabase_uid('newcomer')),
  'technician', 'the membership row exists');
select is((select count(*) from public.notifications n
           where n.user_id = tests.get_supabase_uid('newcomer') and n.type = 'invitation' and n.channel = 'email'),
  1::bigint, 'the invitation email is queued');
select is(tests.as_user(tests.get_supabase_uid('org-a-admin'),
            $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'portal-user@tests.terrain.test', 'client', 'a0000000-0000-4000-8000-0000000000c1') $$) ->> 'client_id',
  'a0000000-0000-4000-8000-0000000000c1', 'a portal member is added with their client');
select tests.throws_as_user(tests.get_supabase_uid('org-a-admin'),
  $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'newcomer@tests.terrain.test', 'dispatcher') $$,
  '23505', 'newcomer@tests.terrain.test is already a member of this organization (technician)', 'adding twice is refused');
select lives_ok($$ select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'org-b-newcomer@tests.terrain.test', 'owner') $q$) $$,
  'an owner may add an owner') from (select tests.create_supabase_user('org-b-newcomer')) s;
select is((select role::text from public.memberships where user_id = tests.get_supabase_uid('org-b-newcomer')), 'owner',
  'the new owner is a member as owner');

select * from finish();
rollback;

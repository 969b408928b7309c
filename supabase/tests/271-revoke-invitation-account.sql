-- Revoking a pending invitation reports whether the invited account can go
-- with it (account_removable, which the invite-member function acts on):
-- only an account this invitation created (invited by Supabase Auth to this
-- organization), that has never signed in and belongs to no organization
-- once the membership is gone. An account the person had before, one
-- another organization invited, one that is a member elsewhere, and one that
-- has signed in all stay.
begin;
select plan(17);

-- Org A (a…a0): …01 owner, …02 dispatcher. Org B (b…b0): b…01 owner.
select tests.create_supabase_user('rv-admin', 'rv-admin@tests.terrain.test');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('rv-admin'), 'admin');

-- What Supabase Auth's admin invite leaves on an account it creates for the
-- invite-member function: invited_at, and the organization in user_metadata.
create function pg_temp.invited_by_auth(p_identifier text, p_org_id uuid) returns void language sql as $$
  update auth.users set invited_at = now(), raw_user_meta_data = raw_user_meta_data || jsonb_build_object('invited_to_org', p_org_id)
   where id = tests.get_supabase_uid(p_identifier)
$$;
create function pg_temp.invite(p_identifier text) returns jsonb language sql as $$
  select tests.as_user(tests.get_supabase_uid('rv-admin'),
    format('select public.add_member(%L, %L, %L)', 'a0000000-0000-4000-8000-0000000000a0',
           (select email from auth.users where id = tests.get_supabase_uid(p_identifier)), 'technician'))
$$;
create function pg_temp.invitation(p_identifier text) returns uuid language sql as $$
  select i.id from public.member_invitations i
   where i.user_id = tests.get_supabase_uid(p_identifier) and i.org_id = 'a0000000-0000-4000-8000-0000000000a0'
$$;
create function pg_temp.revoke(p_identifier text) returns jsonb language sql as $$
  select tests.as_user(tests.get_supabase_uid('rv-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation(p_identifier)))
$$;

select tests.create_supabase_user(who, who || '@tests.terrain.test')
from unnest('{rv-created,rv-existing,rv-other-org,rv-elsewhere,rv-refused}'::text[]) who;
select pg_temp.invited_by_auth('rv-created', 'a0000000-0000-4000-8000-0000000000a0');
select pg_temp.invited_by_auth('rv-elsewhere', 'a0000000-0000-4000-8000-0000000000a0');
select pg_temp.invited_by_auth('rv-refused', 'a0000000-0000-4000-8000-0000000000a0');
-- Created by Supabase Auth for another organization's invitation.
select pg_temp.invited_by_auth('rv-other-org', 'b0000000-0000-4000-8000-0000000000b0');
select pg_temp.invite(who) from unnest('{rv-created,rv-existing,rv-other-org,rv-elsewhere,rv-refused}'::text[]) who;
-- Invited by org A, then added by org B's owner too.
select tests.as_user('b0000000-0000-4000-8000-000000000001',
  $$ select public.add_member('b0000000-0000-4000-8000-0000000000b0', 'rv-elsewhere@tests.terrain.test', 'dispatcher') $$);

-- ------------------------------------------------------------------ recorded
select is(
  (select array_agg(u.email::text order by u.email) from public.member_invitations i join auth.users u on u.id = i.user_id
    where i.account_created),
  '{rv-created@tests.terrain.test,rv-elsewhere@tests.terrain.test,rv-refused@tests.terrain.test}',
  'the invitation records that it created the account: invited by Auth to this organization, never signed in');
select ok(not (select account_created from public.member_invitations where id = pg_temp.invitation('rv-existing')),
  'an account the person had before was not created by the invitation');
select ok(not (select account_created from public.member_invitations where id = pg_temp.invitation('rv-other-org')),
  'nor one Auth created for another organization''s invitation');
select ok(not (select account_created from public.member_invitations
                where user_id = tests.get_supabase_uid('rv-elsewhere') and org_id = 'b0000000-0000-4000-8000-0000000000b0'),
  'another organization adding an account this one''s invitation created did not create it');

-- ------------------------------------------------------------------ refusals report nothing and keep everything
select tests.throws_as_user('a0000000-0000-4000-8000-000000000002', format('select public.revoke_invitation(%L)', pg_temp.invitation('rv-refused')),
  'P0002', 'No invitation with that id in an organization you manage', 'a dispatcher may not revoke');
update auth.users set last_sign_in_at = now() where id = tests.get_supabase_uid('rv-refused');
select tests.throws_as_user(tests.get_supabase_uid('rv-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation('rv-refused')),
  '55000', 'rv-refused@tests.terrain.test has already joined the organization',
  'an account created by the invitation that has signed in has joined: 409, nothing to remove');
select is((select count(*) from public.memberships where user_id = tests.get_supabase_uid('rv-refused')), 1::bigint,
  'the refused revocations kept the membership');

-- ------------------------------------------------------------------ what revoke reports
select is(pg_temp.revoke('rv-created') - 'invitation_id',
  jsonb_build_object('org_id', 'a0000000-0000-4000-8000-0000000000a0', 'email', 'rv-created@tests.terrain.test',
                     'user_id', tests.get_supabase_uid('rv-created'), 'account_removable', true),
  'the account the invitation created, never signed in, member nowhere else: removable');
select is(pg_temp.revoke('rv-existing') ->> 'account_removable', 'false',
  'an account that existed before the invitation: not removable');
select is(pg_temp.revoke('rv-other-org') ->> 'account_removable', 'false',
  'an account created by another organization''s invitation: not removable');
select is(pg_temp.revoke('rv-elsewhere') ->> 'account_removable', 'false',
  'an account the invitation created that is a member of another organization: not removable');
select is((select count(*) from public.memberships where user_id = tests.get_supabase_uid('rv-elsewhere')), 1::bigint,
  'its other membership stays');

-- A pending invitation whose account has signed in (an acceptance the
-- trigger did not record, e.g. an invitation made while the account was
-- signing in): the sign-in decides, the account stays.
select pg_temp.invited_by_auth('rv-refused', 'a0000000-0000-4000-8000-0000000000a0');
update public.member_invitations set accepted_at = null, account_created = true where id = pg_temp.invitation('rv-refused');
select is(pg_temp.revoke('rv-refused') ->> 'account_removable', 'false',
  'an account that has signed in: not removable');

select is((select count(*) from public.memberships m join auth.users u on u.id = m.user_id
            where m.org_id = 'a0000000-0000-4000-8000-0000000000a0' and u.email like 'rv-%' and u.email <> 'rv-admin@tests.terrain.test'),
  0::bigint, 'every revoked membership is gone');
select is((select count(*) from auth.users where email like 'rv-%'), 6::bigint,
  'SQL removes no account itself: the invite-member function does, through Supabase Auth');

-- ------------------------------------------------------------------ the rule's home
select ok(not has_column_privilege('authenticated', 'public.member_invitations', 'account_created', 'update'),
  'nobody but the trigger writes account_created');
select function_returns('public', 'revoke_invitation', array['uuid'], 'jsonb', 'revoke_invitation answers a jsonb');

select * from finish();
rollback;

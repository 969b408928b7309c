-- Revoking an invitation that created the account closes the account in the
-- same transaction: it is banned (Supabase Auth refuses its sign-in with
-- user_banned) and queued for removal (private.invited_account_removals),
-- whoever calls revoke_invitation — the invite-member function or the RPC
-- straight through PostgREST. The queue is read by the service role only
-- (invite-member deletes the accounts through Supabase Auth's admin API);
-- deleting the account empties its queue row. Until then nobody can give
-- the account a membership, and no sign-in of the banned account is recorded.
begin;
select plan(22);

-- Org A (a…a0): …01 owner. Org B (b…b0): b…01 owner.
select tests.create_supabase_user('ra-admin', 'ra-admin@tests.terrain.test');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('ra-admin'), 'admin');
select tests.create_supabase_user(who, who || '@tests.terrain.test')
from unnest('{ra-created,ra-existing}'::text[]) who;
-- What Supabase Auth's admin invite leaves on an account it creates for invite-member.
update auth.users set invited_at = now(), raw_user_meta_data = raw_user_meta_data || '{"invited_to_org": "a0000000-0000-4000-8000-0000000000a0"}'
 where id = tests.get_supabase_uid('ra-created');

create function pg_temp.add(p_org uuid, p_identifier text) returns text language sql as $$
  select pg_catalog.format('select public.add_member(%L, %L, %L)', p_org, p_identifier || '@tests.terrain.test', 'technician')
$$;
create function pg_temp.invitation(p_identifier text) returns uuid language sql as $$
  select i.id from public.member_invitations i
   where i.user_id = tests.get_supabase_uid(p_identifier) and i.org_id = 'a0000000-0000-4000-8000-0000000000a0'
$$;
create function pg_temp.queued(p_identifier text) returns boolean language sql as $$
  select exists (select from private.invited_account_removals r where r.user_id = tests.get_supabase_uid(p_identifier))
$$;
create function pg_temp.banned(p_identifier text) returns boolean language sql as $$
  select coalesce(u.banned_until > now(), false) from auth.users u where u.id = tests.get_supabase_uid(p_identifier)
$$;

select tests.as_user(tests.get_supabase_uid('ra-admin'), pg_temp.add('a0000000-0000-4000-8000-0000000000a0', who))
from unnest('{ra-created,ra-existing}'::text[]) who;

-- ------------------------------------------------------------------ permission matrix
select is(
  (select array_agg(r order by r) from unnest('{anon,authenticated,service_role}'::text[]) r
    where has_table_privilege(r, 'private.invited_account_removals', 'select,insert,update,delete')),
  null, 'no API role reads or writes the removal queue itself');
select is(
  array[has_function_privilege('anon', 'public.invited_accounts_to_remove()', 'execute'),
        has_function_privilege('authenticated', 'public.invited_accounts_to_remove()', 'execute'),
        has_function_privilege('service_role', 'public.invited_accounts_to_remove()', 'execute')],
  array[false, false, true], 'only the service role (the invite-member function) lists the accounts to remove');
select ok(has_function_privilege('authenticated', 'public.revoke_invitation(uuid)', 'execute'),
  'revoke_invitation stays an RPC for owners and admins: the queue, not the grant, keeps the account from staying');
select tests.throws_as_user(tests.get_supabase_uid('ra-admin'), 'select public.invited_accounts_to_remove()',
  '42501', 'permission denied for function invited_accounts_to_remove', 'an admin may not list the accounts to remove');

-- ------------------------------------------------------------------ nothing queued before a revoke
select ok(not pg_temp.queued('ra-created') and not pg_temp.banned('ra-created'),
  'a pending invitation''s account is neither banned nor queued');

-- ------------------------------------------------------------------ the revoke (the RPC called directly)
select is(tests.as_user(tests.get_supabase_uid('ra-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation('ra-created')))
          ->> 'account_removable', 'true', 'the account the invitation created is removable');
select ok(pg_temp.banned('ra-created'), 'it is banned in the same transaction: Supabase Auth refuses its sign-in');
select ok((select banned_until > now() + interval '99 years' from auth.users where id = tests.get_supabase_uid('ra-created')),
  'for good (a finite date Supabase Auth reads, as ban_duration 876000h sets)');
select ok(pg_temp.queued('ra-created'), 'and queued for removal in the same transaction');
select is(
  tests.as_service($$select jsonb_agg(jsonb_build_object('user_id', user_id, 'email', email, 'org_id', org_id))
                       from public.invited_accounts_to_remove() where email like 'ra-%'$$),
  jsonb_build_array(jsonb_build_object('user_id', tests.get_supabase_uid('ra-created'), 'email', 'ra-created@tests.terrain.test',
                                       'org_id', 'a0000000-0000-4000-8000-0000000000a0')),
  'the service role lists it, with the organization whose invitation was revoked');

select is(tests.as_user(tests.get_supabase_uid('ra-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation('ra-existing')))
          ->> 'account_removable', 'false', 'an account that existed before the invitation is not removable');
select ok(not pg_temp.banned('ra-existing') and not pg_temp.queued('ra-existing'),
  'and is neither banned nor queued');

-- ------------------------------------------------------------------ an account being removed gets no membership
select tests.throws_as_user(tests.get_supabase_uid('ra-admin'), pg_temp.add('a0000000-0000-4000-8000-0000000000a0', 'ra-created'),
  '55000', 'The account of ra-created@tests.terrain.test is being removed after a revoked invitation: invite this address again in a few minutes',
  'invited again by the same organization while being removed: refused');
select tests.throws_as_user('b0000000-0000-4000-8000-000000000001', pg_temp.add('b0000000-0000-4000-8000-0000000000b0', 'ra-created'),
  '55000', 'The account of ra-created@tests.terrain.test is being removed after a revoked invitation: invite this address again in a few minutes',
  'added by another organization while being removed: refused');
select throws_ok(
  format($$insert into public.memberships (org_id, user_id, role) values ('b0000000-0000-4000-8000-0000000000b0', %L, 'technician')$$,
         tests.get_supabase_uid('ra-created')),
  '55000', 'The account of ra-created@tests.terrain.test is being removed after a revoked invitation: invite this address again in a few minutes',
  'a membership written directly (as the table owner) is refused too: the rule is on the table');
select is((select count(*) from public.memberships where user_id = tests.get_supabase_uid('ra-created')), 0::bigint,
  'the refusals added no membership');
select tests.as_user(tests.get_supabase_uid('ra-admin'), pg_temp.add('a0000000-0000-4000-8000-0000000000a0', 'ra-existing'));
select is((select count(*) from public.memberships where user_id = tests.get_supabase_uid('ra-existing')), 1::bigint,
  'an account that is not being removed is invited again as before');

-- ------------------------------------------------------------------ no sign-in of a banned account is recorded
select throws_ok(
  format($$update auth.users set last_sign_in_at = now() where id = %L$$, tests.get_supabase_uid('ra-created')),
  '42501', 'ra-created@tests.terrain.test is banned: no sign-in is recorded for a banned account',
  'a sign-in that checked the ban before the revoke committed cannot record itself afterwards');
select ok((select last_sign_in_at is null from auth.users where id = tests.get_supabase_uid('ra-created')),
  'the account still has never signed in');
update auth.users set last_sign_in_at = now() where id = tests.get_supabase_uid('ra-existing');
select ok((select last_sign_in_at is not null from auth.users where id = tests.get_supabase_uid('ra-existing')),
  'an account that is not banned records its sign-in as before');

-- ------------------------------------------------------------------ Supabase Auth deletes the account
delete from auth.users where id = tests.get_supabase_uid('ra-created');
select is((select count(*) from private.invited_account_removals r where r.email = 'ra-created@tests.terrain.test'), 0::bigint,
  'deleting the account (Supabase Auth''s admin delete) empties its queue row');
select tests.throws_as_user(tests.get_supabase_uid('ra-admin'),
  $$select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'ra-created@tests.terrain.test', 'technician')$$,
  'P0002', 'No account uses ra-created@tests.terrain.test yet',
  'once removed, the address is invited afresh (invite-member creates a new account)');

select * from finish();
rollback;

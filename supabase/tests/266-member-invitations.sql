-- Member invitations: a member added through the API by someone else is a
-- pending invitation until their account first signs in. Owners and admins
-- of the organization see the invitations (nobody else, no other
-- organization), send one again (at most once a minute) or revoke it; both
-- refuse once the person has joined. Nobody writes the table directly.
begin;
select plan(43);

-- Org A: …01 owner, …02 dispatcher, …03 technician, …05 accountant, …06 client. Org B: b…01 owner.
select tests.create_supabase_user('inv-admin', 'inv-admin@tests.terrain.test');
select tests.create_supabase_user('inv-newcomer', 'inv-newcomer@tests.terrain.test');
select tests.create_supabase_user('inv-future-owner', 'inv-future-owner@tests.terrain.test');
select tests.create_supabase_user('inv-regular', 'inv-regular@tests.terrain.test');
update auth.users set last_sign_in_at = now() - interval '3 days' where id = tests.get_supabase_uid('inv-regular');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('inv-admin'), 'admin');

select is((select count(*) from public.member_invitations where user_id = tests.get_supabase_uid('inv-admin')), 0::bigint,
  'a membership written outside the API (seed, psql) is no invitation');

select tests.as_user(tests.get_supabase_uid('inv-admin'),
  $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'inv-newcomer@tests.terrain.test', 'technician') $$);
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'inv-future-owner@tests.terrain.test', 'owner') $$);
select tests.as_user(tests.get_supabase_uid('inv-admin'),
  $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'inv-regular@tests.terrain.test', 'dispatcher') $$);

create function pg_temp.invitation(p_identifier text) returns uuid language sql as $$
  select i.id from public.member_invitations i where i.user_id = tests.get_supabase_uid(p_identifier)
$$;

-- ------------------------------------------------------------------ recorded
select results_eq(
  $$ select email, invited_by, send_count, accepted_at is null, m.role::text
       from public.member_invitations i join public.memberships m on m.id = i.membership_id and m.org_id = i.org_id
      where i.user_id = tests.get_supabase_uid('inv-newcomer') $$,
  $$ values ('inv-newcomer@tests.terrain.test', tests.get_supabase_uid('inv-admin'), 1, true, 'technician') $$,
  'add_member records a pending invitation: email, who invited, sent once, the membership''s role');
select ok((select invited_at > now() - interval '1 minute' from public.member_invitations where id = pg_temp.invitation('inv-newcomer')),
  'and when');
select ok((select accepted_at is not null from public.member_invitations where id = pg_temp.invitation('inv-regular')),
  'an account already in use joins at once: its invitation is accepted when made');

-- ------------------------------------------------------------------ who sees the invitations
select is(tests.values_as_user(u, $$ select email from public.member_invitations $$), expected, why)
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid,
   '{inv-future-owner@tests.terrain.test,inv-newcomer@tests.terrain.test,inv-regular@tests.terrain.test}'::text[], 'the owner sees the organization''s invitations'),
  (tests.get_supabase_uid('inv-admin'),
   '{inv-future-owner@tests.terrain.test,inv-newcomer@tests.terrain.test,inv-regular@tests.terrain.test}'::text[], 'an admin sees them'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, '{}'::text[], 'a dispatcher sees none'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, '{}'::text[], 'a technician sees none'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, '{}'::text[], 'an accountant sees none'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, '{}'::text[], 'a portal client sees none'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, '{}'::text[], 'the owner of another organization sees none'),
  (tests.get_supabase_uid('inv-newcomer'), '{}'::text[], 'the invited technician does not see their own invitation')
) t (u, expected, why);
select throws_ok($$ select tests.as_anon('select count(*)::text::jsonb from public.member_invitations') $$,
  '42501', 'permission denied for table member_invitations', 'anon may not read invitations');

-- Nobody writes the table directly, not even an owner: the RPCs do.
select tests.throws_as_user('a0000000-0000-4000-8000-000000000001', s, '42501', 'permission denied for table member_invitations', why)
from (values
  ($$ update public.member_invitations set send_count = 9 returning null::jsonb $$, 'an owner may not update an invitation'),
  ($$ delete from public.member_invitations returning null::jsonb $$, 'an owner may not delete an invitation'),
  ($$ insert into public.member_invitations (org_id, membership_id, user_id, email)
     select org_id, id, user_id, 'x@y.test' from public.memberships limit 1 returning null::jsonb $$, 'an owner may not insert one')
) t (s, why);

-- ------------------------------------------------------------------ resend: refusals
select tests.throws_as_user(u, format('select public.resend_invitation(%L)', i), code, msg, why)
from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, pg_temp.invitation('inv-newcomer'), 'P0002',
   'No invitation with that id in an organization you manage', 'a dispatcher may not resend'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, pg_temp.invitation('inv-newcomer'), 'P0002',
   'No invitation with that id in an organization you manage', 'a portal client may not resend'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, pg_temp.invitation('inv-newcomer'), 'P0002',
   'No invitation with that id in an organization you manage', 'the owner of another organization may not (same answer as an unknown id)'),
  (tests.get_supabase_uid('inv-admin'), gen_random_uuid(), 'P0002',
   'No invitation with that id in an organization you manage', 'an unknown id'),
  (tests.get_supabase_uid('inv-admin'), null::uuid, '22004', 'An invitation id is required', 'no id'),
  (tests.get_supabase_uid('inv-admin'), pg_temp.invitation('inv-newcomer'), '53400',
   'The invitation to inv-newcomer@tests.terrain.test was sent less than a minute ago', 'at most once a minute'),
  (tests.get_supabase_uid('inv-admin'), pg_temp.invitation('inv-regular'), '55000',
   'inv-regular@tests.terrain.test has already joined the organization', 'a member who has joined is no pending invitation')
) t (u, i, code, msg, why);
select throws_ok(format('select tests.as_service(%L)', format('select public.resend_invitation(%L)', pg_temp.invitation('inv-newcomer'))),
  '42501', 'Sign in as an owner or admin of the organization to manage invitations', 'a caller without a user is refused');
select ok(not has_function_privilege('anon', 'public.resend_invitation(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.revoke_invitation(uuid)', 'execute'), 'anon may call neither RPC');
select results_eq(
  $$ select send_count, (select count(*) from public.notifications n
                         where n.user_id = i.user_id and n.type = 'invitation')::integer
       from public.member_invitations i where i.id = pg_temp.invitation('inv-newcomer') $$,
  $$ values (1, 1) $$, 'the refusals sent nothing and changed nothing');

-- ------------------------------------------------------------------ resend
update public.member_invitations set last_sent_at = last_sent_at - interval '2 minutes'
 where id = pg_temp.invitation('inv-newcomer');
select is(tests.as_user(tests.get_supabase_uid('inv-admin'), format('select public.resend_invitation(%L)', pg_temp.invitation('inv-newcomer')))
            - 'last_sent_at' - 'invitation_id',
  jsonb_build_object('org_id', 'a0000000-0000-4000-8000-0000000000a0', 'email', 'inv-newcomer@tests.terrain.test', 'send_count', 2),
  'a minute later an admin sends the invitation again');
select results_eq(
  $$ select n.dedupe_key, n.title, n.body like '%en tant que technicien%'
       from public.notifications n where n.user_id = tests.get_supabase_uid('inv-newcomer') and n.type = 'invitation'
      order by n.created_at, n.dedupe_key $$,
  format($$ values ('invitation:%1$s', 'Vous avez rejoint Chaleur Express sur Terrain', true),
                   ('invitation:%1$s:2', 'Vous avez rejoint Chaleur Express sur Terrain', true) $$,
         (select membership_id from public.member_invitations where id = pg_temp.invitation('inv-newcomer'))),
  'a second invitation email is queued (its own dedupe key), in the member''s language');
select ok((select last_sent_at > now() - interval '1 minute' from public.member_invitations where id = pg_temp.invitation('inv-newcomer')),
  'the invitation records when it was last sent');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000001', format('select public.resend_invitation(%L)', pg_temp.invitation('inv-newcomer')),
  '53400', 'The invitation to inv-newcomer@tests.terrain.test was sent less than a minute ago', 'and not again within the minute, by anyone');

-- ------------------------------------------------------------------ revoke
select tests.throws_as_user(u, format('select public.revoke_invitation(%L)', i), code, msg, why)
from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, pg_temp.invitation('inv-newcomer'), 'P0002',
   'No invitation with that id in an organization you manage', 'a technician may not revoke'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, pg_temp.invitation('inv-newcomer'), 'P0002',
   'No invitation with that id in an organization you manage', 'the owner of another organization may not'),
  (tests.get_supabase_uid('inv-admin'), pg_temp.invitation('inv-future-owner'), '42501',
   'Only an owner can grant or remove the owner role, or change an owner''s membership', 'an admin may not revoke an owner''s invitation'),
  (tests.get_supabase_uid('inv-admin'), pg_temp.invitation('inv-regular'), '55000',
   'inv-regular@tests.terrain.test has already joined the organization', 'a member who has joined is removed, not revoked')
) t (u, i, code, msg, why);
select is((select count(*) from public.memberships where user_id in (tests.get_supabase_uid('inv-newcomer'), tests.get_supabase_uid('inv-future-owner'), tests.get_supabase_uid('inv-regular'))),
  3::bigint, 'the refused revocations removed nobody');
create temp table revoked on commit drop as
select membership_id from public.member_invitations where id = pg_temp.invitation('inv-newcomer');
select is(tests.as_user(tests.get_supabase_uid('inv-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation('inv-newcomer'))) ->> 'email',
  'inv-newcomer@tests.terrain.test', 'an admin revokes a pending invitation');
select is((select count(*) from public.memberships where user_id = tests.get_supabase_uid('inv-newcomer')), 0::bigint,
  'the membership is gone');
select is((select count(*) from public.member_invitations where user_id = tests.get_supabase_uid('inv-newcomer')), 0::bigint,
  'and the invitation with it');
select is((select count(*) from audit.log l
            where l.table_name = 'public.memberships' and l.action = 'delete' and l.row_id = (select membership_id::text from revoked)
              and l.actor_user_id = tests.get_supabase_uid('inv-admin')),
  1::bigint, 'the removal is audited, with the admin who revoked it');
select lives_ok(format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000001',
                       format('select public.revoke_invitation(%L)', pg_temp.invitation('inv-future-owner'))),
  'an owner revokes an owner''s invitation');

-- ------------------------------------------------------------------ joining
select tests.as_user(tests.get_supabase_uid('inv-admin'),
  $$ select public.add_member('a0000000-0000-4000-8000-0000000000a0', 'inv-newcomer@tests.terrain.test', 'accountant') $$);
select ok((select accepted_at is null from public.member_invitations where id = pg_temp.invitation('inv-newcomer')),
  'invited again after a revocation: pending again');
update auth.users set last_sign_in_at = now() where id = tests.get_supabase_uid('inv-newcomer');
select ok((select accepted_at is not null from public.member_invitations where id = pg_temp.invitation('inv-newcomer')),
  'their first sign-in accepts the invitation (the auth server updates auth.users)');
select tests.throws_as_user(tests.get_supabase_uid('inv-admin'), format('select public.revoke_invitation(%L)', pg_temp.invitation('inv-newcomer')),
  '55000', 'inv-newcomer@tests.terrain.test has already joined the organization', 'an accepted invitation can no longer be revoked');

select * from finish();
rollback;

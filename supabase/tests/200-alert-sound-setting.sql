-- The organization's alert sound setting (organizations.alert_sound_enabled):
-- off by default, changed by the organization's owners and admins only,
-- through the organizations_update policy and the column grant. Rolled back.
begin;
select plan(13);

select tests.create_supabase_user('sound-admin-a');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('sound-admin-a'), 'admin');

-- Off by default: the seed's organizations and a new one.
select is((select pg_catalog.bool_or(alert_sound_enabled) from public.organizations), false, 'off for every seeded organization');
insert into public.organizations (id, name) values ('c2000000-0000-4000-8000-0000000000a0', 'Nouvelle Org');
select is((select alert_sound_enabled from public.organizations where id = 'c2000000-0000-4000-8000-0000000000a0'), false,
  'off for a new organization');

-- Who changes it (rows reached by the update, as a permission matrix).
select is(tests.row_count_as_user(u, $$update public.organizations set alert_sound_enabled = true where id = 'a0000000-0000-4000-8000-0000000000a0'$$),
          n, d)
from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, 0::bigint, 'a dispatcher cannot turn it on'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 0::bigint, 'a technician cannot'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, 0::bigint, 'an accountant cannot'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, 0::bigint, 'a client portal user cannot'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 0::bigint, 'another organization''s owner cannot')
) t (u, n, d);
select is((select alert_sound_enabled from public.organizations where id = 'a0000000-0000-4000-8000-0000000000a0'), false,
  '… and it is still off');

select is(tests.row_count_as_user('a0000000-0000-4000-8000-000000000001', $$update public.organizations set alert_sound_enabled = true where id = 'a0000000-0000-4000-8000-0000000000a0'$$),
  1::bigint, 'the owner turns it on');
select is((select alert_sound_enabled from public.organizations where id = 'a0000000-0000-4000-8000-0000000000a0'), true, '… and it is on');
select is(tests.row_count_as_user(tests.get_supabase_uid('sound-admin-a'), $$update public.organizations set alert_sound_enabled = false where id = 'a0000000-0000-4000-8000-0000000000a0'$$),
  1::bigint, 'an admin turns it off');
select is((select alert_sound_enabled from public.organizations where id = 'a0000000-0000-4000-8000-0000000000a0'), false, '… and it is off');

select throws_ok($$select tests.as_anon('update public.organizations set alert_sound_enabled = true returning 1')$$,
  '42501', null, 'anon cannot write it');

select * from finish();
rollback;

-- Owners receive what is sent to admins; other roles still match literally.
begin;
select plan(5);

-- Org B has an owner and no admin, like many small companies.
select is(
  (select count(*)::int from public.memberships where org_id = 'b0000000-0000-4000-8000-0000000000b0' and role = 'admin'),
  0, 'the demo organization has no admin, only an owner');

select is(
  private.notify_roles('b0000000-0000-4000-8000-0000000000b0', array['admin']::public.member_role[],
                       'test.owner_as_admin', 'Owner check', 'Sent to admins', null, null, 'owner-as-admin-1'),
  2, 'a notification for admins reaches the owner (in_app + email)');

select results_eq(
  $$select user_id, channel from public.notifications where dedupe_key like 'owner-as-admin-1:%' order by channel$$,
  $$values ('b0000000-0000-4000-8000-000000000001'::uuid, 'email'::text), ('b0000000-0000-4000-8000-000000000001'::uuid, 'in_app'::text)$$,
  'the owner is the recipient, on both channels');

select is(
  private.notify_roles('b0000000-0000-4000-8000-0000000000b0', array['admin']::public.member_role[],
                       'test.owner_as_admin', 'Owner check', 'Sent to admins', null, null, 'owner-as-admin-1'),
  0, 'sending again with the same dedupe key writes nothing');

select is(
  private.notify_roles('b0000000-0000-4000-8000-0000000000b0', array['dispatcher']::public.member_role[],
                       'test.owner_as_admin', 'Dispatch check', 'Sent to dispatchers', null, null, 'owner-as-admin-2'),
  2, 'a notification for dispatchers reaches the dispatcher only, not the owner');

select * from finish();
rollback;

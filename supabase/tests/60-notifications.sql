-- Notifications : private.notify_roles
-- writes one in_app row (sent) and one email row (pending) per member holding
-- the roles, deduplicated by key; members read their own rows and may only
-- set read_at; nobody inserts or deletes through the API.
begin;
select plan(30);

-- -----------------------------------------------------------------------------
-- Helpers. as_user runs one statement as a signed-in user through the real API
-- role (authenticated + JWT claims) and returns its single value as jsonb;
-- as_anon the same without a user. When the statement raises, the enclosing
-- throws_ok subtransaction undoes the switch.
-- -----------------------------------------------------------------------------

-- Demo users of Chaleur Express (org A) and Plomberie du Rhône (org B).
-- A: …01 owner, …02 dispatcher, …03/…04 technicians, …05 accountant, …06 client.
create function pg_temp.u(p text) returns uuid language sql as $$ select p::uuid $$;

-- Start from no notifications of the demo organizations (rolled back at the end).
delete from public.notifications;

-- -----------------------------------------------------------------------------
-- Shape and protection
-- -----------------------------------------------------------------------------
select has_table('public', 'notifications', 'public.notifications exists');
select ok((select relrowsecurity from pg_class where oid = 'public.notifications'::regclass), 'RLS is enabled on notifications');
select col_is_unique('public', 'notifications', array['org_id', 'dedupe_key'], 'dedupe_key is unique per organization');
select results_eq(
  $$select role || ':' || operation || ':' || scope from private.permission_matrix
    where table_name = 'public.notifications' order by 1$$,
  $$values ('accountant:select:own'), ('accountant:update:own'), ('admin:select:own'), ('admin:update:own'),
           ('client:select:own'), ('client:update:own'), ('dispatcher:select:own'), ('dispatcher:update:own'),
           ('owner:select:own'), ('owner:update:own'), ('technician:select:own'), ('technician:update:own')$$,
  'matrix: every member role selects and updates (read_at) its own notifications, nothing else');
select ok(not has_function_privilege('authenticated', 'private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text)', 'execute')
          and not has_function_privilege('anon', 'private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text)', 'execute'),
  'notify_roles is not callable by API users');

-- -----------------------------------------------------------------------------
-- notify_roles
-- -----------------------------------------------------------------------------
select is(
  private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,admin,technician}', 'test.ping', 'Ping', 'Body',
                       'public.organizations', 'a0000000-0000-4000-8000-0000000000a0', 'ping:1'),
  6, 'owner + 2 technicians of org A: 3 users x (in_app + email) = 6 rows');
select results_eq(
  $$select user_id::text, channel, delivery_status, sent_at is not null, next_attempt_at is not null
      from public.notifications where type = 'test.ping' order by 1, 2$$,
  $$values ('a0000000-0000-4000-8000-000000000001', 'email', 'pending', false, true),
           ('a0000000-0000-4000-8000-000000000001', 'in_app', 'sent', true, false),
           ('a0000000-0000-4000-8000-000000000003', 'email', 'pending', false, true),
           ('a0000000-0000-4000-8000-000000000003', 'in_app', 'sent', true, false),
           ('a0000000-0000-4000-8000-000000000004', 'email', 'pending', false, true),
           ('a0000000-0000-4000-8000-000000000004', 'in_app', 'sent', true, false)$$,
  'in_app rows are sent (sent_at set); email rows are pending and due now');
select is(
  (select dedupe_key from public.notifications where type = 'test.ping' and user_id = pg_temp.u('a0000000-0000-4000-8000-000000000003') and channel = 'email'),
  'ping:1:a0000000-0000-4000-8000-000000000003:email', 'the stored dedupe key is <key>:<user>:<channel>');
select is(
  private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,admin,technician}', 'test.ping', 'Ping', 'Body',
                       'public.organizations', 'a0000000-0000-4000-8000-0000000000a0', 'ping:1'),
  0, 'the same dedupe key again writes nothing');
select is(
  private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,admin,technician,accountant}', 'test.ping', 'Ping', 'Body',
                       null, null, 'ping:1'),
  2, 'adding a role notifies only the new recipient (the accountant), the others are deduplicated');
select is(
  private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,admin}', 'test.nodedupe', 'No key', null, null, null, null)
  + private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{owner,admin}', 'test.nodedupe', 'No key', null, null, null, null),
  4, 'without a dedupe key every call notifies');
select is(
  private.notify_roles('b0000000-0000-4000-8000-0000000000b0', '{owner,admin}', 'test.ping', 'Ping B', null, null, null, 'ping:1'),
  2, 'dedupe keys are per organization: the same key in org B notifies its owner');
select throws_ok(
  $$select private.notify_roles(null, '{owner}', 'test.x', 'x', null, null, null, null)$$,
  '22004', 'notify_roles needs an organization, roles, a type and a title', 'an organization is required');
select throws_ok(
  $$insert into public.notifications (org_id, user_id, channel, type, title, delivery_status)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'in_app', 'test.x', 'x', 'pending')$$,
  '23514', null, 'an in_app notification cannot be pending');
select throws_ok(
  $$insert into public.notifications (org_id, user_id, channel, type, title)
    values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000000001', 'email', 'test.x', 'x')$$,
  '23503', null, 'a recipient must be a member of the organization');

-- -----------------------------------------------------------------------------
-- Reading: own rows only
-- -----------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000003', 'select count(*) from public.notifications'), '2'::jsonb,
  'technician 1 reads their 2 rows (in_app + email)');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
            $$select count(*) from public.notifications where user_id <> 'a0000000-0000-4000-8000-000000000003'$$), '0'::jsonb,
  'technician 1 reads nobody else''s rows, even asking for them');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', 'select count(*) from public.notifications'), '6'::jsonb,
  'the owner of org A reads their own 6 rows, not org B''s nor the technicians''');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', 'select count(*) from public.notifications'), '0'::jsonb,
  'the dispatcher (not notified) reads nothing');
select is(tests.as_user('b0000000-0000-4000-8000-000000000001', 'select count(*) from public.notifications'), '2'::jsonb,
  'the owner of org B reads only their org B rows');
select throws_ok($$select tests.as_anon('select count(*) from public.notifications')$$,
  '42501', 'permission denied for table notifications', 'anon reads nothing (no grant)');

-- -----------------------------------------------------------------------------
-- Marking read: read_at only, own rows only
-- -----------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
            $$with u as (update public.notifications set read_at = now() where channel = 'in_app' returning 1) select count(*) from u$$),
  '1'::jsonb, 'a technician marks their in-app notification read');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
            $$with u as (update public.notifications set read_at = now() where user_id = 'a0000000-0000-4000-8000-000000000004' returning 1) select count(*) from u$$),
  '0'::jsonb, 'a technician cannot mark a colleague''s notifications (no row reached)');
select is((select count(*)::int from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000004' and read_at is not null), 0,
  'the colleague''s rows are unchanged');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
                   'with u as (update public.notifications set title = ''x'' returning 1) select count(*) from u')$$,
  '42501', 'permission denied for table notifications', 'the title (any column but read_at) cannot be changed');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
                   'with u as (update public.notifications set delivery_status = ''failed'' returning 1) select count(*) from u')$$,
  '42501', 'permission denied for table notifications', 'the delivery status cannot be changed by a user');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
                   $q$with i as (insert into public.notifications (org_id, user_id, channel, type, title)
                      values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'x.y', 'x') returning 1)
                      select count(*) from i$q$)$$,
  '42501', 'permission denied for table notifications', 'users cannot create notifications');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
                   'with d as (delete from public.notifications returning 1) select count(*) from d')$$,
  '42501', 'permission denied for table notifications', 'users cannot delete notifications');

-- -----------------------------------------------------------------------------
-- Leaving the organization removes one's notifications of it
-- -----------------------------------------------------------------------------
delete from public.memberships where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = 'a0000000-0000-4000-8000-000000000005';
select is((select count(*)::int from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000005'), 0,
  'a membership''s deletion cascades to its notifications');
select is((select count(*)::int from public.notifications where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 10,
  'the other members keep theirs');

select * from finish();
rollback;

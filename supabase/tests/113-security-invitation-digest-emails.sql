begin;
-- The other emails members get: role changed (critical security alert),
-- invitation (a member added by another), the weekly digest of owners and
-- admins — each in the reader's language.
select plan(11);
delete from public.notifications;
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000005';

-- Role changed, by the owner through the API.
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$with u as (update public.memberships set role = 'dispatcher'
    where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = 'a0000000-0000-4000-8000-000000000005' returning 1)
    select jsonb_build_object('n', count(*)) from u$$);
select results_eq(
  $$select channel, type, title, body from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000005' order by channel$$,
  $$values ('email'::text, 'security.role_changed'::text, 'Security: your role in Chaleur Express changed'::text,
            'Your role in Chaleur Express changed from accountant to dispatcher (by admin@chaleur-express.test). If you did not expect this, tell the organization''s owner.'::text),
           ('in_app', 'security.role_changed', 'Security: your role in Chaleur Express changed',
            'Your role in Chaleur Express changed from accountant to dispatcher (by admin@chaleur-express.test). If you did not expect this, tell the organization''s owner.')$$,
  'a role change tells the member, in-app and by email, in English for an English reader');
select is((select delivery_status from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000005' and channel = 'email'),
  'pending', 'the email is queued');
select ok(private.notification_is_critical('security.role_changed'), 'role_changed is critical');

-- Unsubscribed from everything: the security alert still comes.
insert into public.notification_preferences (org_id, user_id, type, channel, enabled)
values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000002', '*', 'email', false);
update public.memberships set role = 'admin' where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = 'a0000000-0000-4000-8000-000000000002';
select is((select title from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000002' and channel = 'email'),
  'Sécurité : votre rôle dans Chaleur Express a changé', 'unsubscribed (*) members still get it, in French, by email');
select alike((select body from public.notifications where user_id = 'a0000000-0000-4000-8000-000000000002' and channel = 'email'),
  '%de répartiteur à administrateur (par le système)%', 'roles and actor named in French (a change without a signed-in user: the system)');

-- Invitation: the service role (the product's backend) adds a member of the other organization's staff.
select tests.as_service(
  $$with i as (insert into public.memberships (org_id, user_id, role)
    values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000000004', 'technician') returning 1)
    select jsonb_build_object('n', count(*)) from i$$);
select results_eq(
  $$select channel, type, title from public.notifications where user_id = 'b0000000-0000-4000-8000-000000000004'$$,
  $$values ('email'::text, 'invitation'::text, 'Vous avez rejoint Chaleur Express sur Terrain'::text)$$,
  'a member added by another gets one invitation email');
select alike((select body from public.notifications where user_id = 'b0000000-0000-4000-8000-000000000004'),
  'Un administrateur vous a ajouté à Chaleur Express en tant que technicien.%', '… naming the organization and the role in French');
insert into public.memberships (org_id, user_id, role) values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000000003', 'technician');
select is((select count(*)::int from public.notifications where user_id = 'b0000000-0000-4000-8000-000000000003'), 0,
  'a membership written outside the API (seed, psql) sends nothing');

-- Weekly digest (the other organization's owner reads English)
update public.profiles set language = 'en' where id = 'b0000000-0000-4000-8000-000000000001';
select is(private.queue_weekly_digests(), 2,
  'one digest per owner and admin who wants email: the two owners (the new admin unsubscribed from everything gets none)');
select is(private.queue_weekly_digests(), 0, 'run again the same week: nothing more');
select results_eq(
  $$select user_id::text, title ~ '^(Chaleur Express : votre semaine|Plomberie du Rhône: your week) \d{4}-W\d{2}$', body !~ '[{}]',
           split_part(body, E'\n', 1) ~ '^(Interventions terminées : |Missions completed: )\d+$'
    from public.notifications where type = 'weekly_digest' order by user_id$$,
  $$values ('a0000000-0000-4000-8000-000000000001'::text, true, true, true), ('b0000000-0000-4000-8000-000000000001', true, true, true)$$,
  'each in the reader''s language, every figure filled in');

select * from finish();
rollback;

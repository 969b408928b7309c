begin;
-- Unsubscribe: a token per email notification (HMAC of its id: every send attempt of that email
-- carries the same link), stored hashed; anon turns off the user's non-critical emails; a forged
-- token changes nothing.
select plan(17);
delete from public.notifications;
delete from public.unsubscribe_tokens;
create temp table ids (label text primary key, id uuid) on commit drop;
insert into ids values
  ('normal', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'mission_blocked', null, null, null, '{}')),
  ('critical', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'emergency_pending', null, null, null, '{}')),
  ('other', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'email', 'mission_blocked', null, null, null, '{}'));
create temp table tok (token text) on commit drop;
grant select on tok to anon;
insert into tok select private.issue_unsubscribe_token('a0000000-0000-4000-8000-000000000003', (select id from ids where label = 'normal'));

select is(private.issue_unsubscribe_token('a0000000-0000-4000-8000-000000000003', (select id from ids where label = 'normal')), (select token from tok),
  'the same notification gives the same token (a replayed email is the same request)');
select isnt(private.issue_unsubscribe_token('a0000000-0000-4000-8000-000000000003', (select id from ids where label = 'critical')), (select token from tok),
  'another notification, another token');
select throws_ok($$select private.issue_unsubscribe_token('a0000000-0000-4000-8000-000000000003', (select id from ids where label = 'other'))$$,
  'P0002', null, 'a notification of another user: refused (not found)');
select ok(not has_table_privilege('service_role', 'private.unsubscribe_token_key', 'select')
          and not has_table_privilege('authenticated', 'private.unsubscribe_token_key', 'select')
          and not has_table_privilege('anon', 'private.unsubscribe_token_key', 'select'),
  'the HMAC key is readable by no API role');
delete from public.unsubscribe_tokens where token_hash <> encode(extensions.digest((select token from tok), 'sha256'), 'hex');
select ok((select token from tok) ~ '^[0-9a-f]{64}$', 'a token is 32 bytes in hex');
select results_eq($$select count(*)::int, count(*) filter (where token_hash = (select token from tok))::int,
                          count(*) filter (where token_hash = encode(extensions.digest((select token from tok), 'sha256'), 'hex'))::int
                   from public.unsubscribe_tokens$$,
  $$values (1, 0, 1)$$, 'only its sha256 is stored, never the token');
select ok(not has_table_privilege('anon', 'public.unsubscribe_tokens', 'select')
          and not has_table_privilege('authenticated', 'public.unsubscribe_tokens', 'select'),
  'token hashes are not readable through the API');
select ok(has_function_privilege('anon', 'public.unsubscribe(text)', 'execute'), 'anon may call unsubscribe (the link is opened signed out)');
select is((select count(*)::int from ops.lint_allowlist where rule = 'anon_execute' and object = 'public.unsubscribe(text)'), 1,
  'the anon grant is allowlisted in the lint with its reason');

select throws_ok($$select tests.as_anon($q$select public.unsubscribe(repeat('ab', 32))$q$)$$,
  '22023', 'invalid unsubscribe token', 'a forged token: clear error');
select throws_ok($$select tests.as_anon($q$select public.unsubscribe('not a token')$q$)$$,
  '22023', 'invalid unsubscribe token', 'a malformed token: same error');
select results_eq($$select (select count(*)::int from public.notification_preferences), (select count(*)::int from public.notifications where delivery_status = 'pending')$$,
  $$values (0, 3)$$, 'a refused token changed nothing');

select is(tests.as_anon($$select public.unsubscribe((select token from tok))$$), '1'::jsonb,
  'a valid token unsubscribes the user (1 organization)');
select results_eq($$select org_id::text, user_id::text, type, channel, enabled from public.notification_preferences$$,
  $$values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', '*', 'email', false)$$,
  'email is turned off for every type (*) of that user only');
select results_eq($$select label, delivery_status from ids join public.notifications n using (id) order by label$$,
  $$values ('critical', 'pending'), ('normal', 'failed'), ('other', 'pending')$$,
  'queued non-critical emails of the user are dropped; critical ones and other users'' stay');
select results_eq($$select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'invoice_overdue_7days', null, null, null, '{}') is null,
                          private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'stock_critical', null, null, null, '{}') is null,
                          private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 'invoice_overdue_7days', null, null, null, '{}') is null$$,
  $$values (true, false, false)$$, 'afterwards: no non-critical email, critical emails still, in-app untouched');
select is(tests.as_anon($$select public.unsubscribe((select token from tok))$$), '1'::jsonb, 'the link can be opened twice');

select * from finish();
rollback;

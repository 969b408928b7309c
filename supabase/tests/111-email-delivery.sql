begin;
-- The email queue as the sender sees it: addresses, languages, critical
-- flag; the suppression list fed by provider events; who may call what.
select plan(22);
delete from public.notifications;
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000004';

create temp table ids (label text primary key, id uuid) on commit drop;
insert into ids values
  ('fr_user', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 'mission_blocked', null, null, null, '{"title": "t", "body": "b"}')),
  ('en_user', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'email', 'emergency_pending', null, null, null, '{"title": "t", "body": "b"}'));

-- Who may call what
select ok(has_function_privilege('service_role', 'public.claim_email_deliveries(integer)', 'execute')
          and not has_function_privilege('authenticated', 'public.claim_email_deliveries(integer)', 'execute')
          and not has_function_privilege('anon', 'public.claim_email_deliveries(integer)', 'execute'),
  'claim_email_deliveries: service_role only (it returns members'' addresses)');
select ok(has_function_privilege('service_role', 'public.record_email_event(text, text, jsonb)', 'execute')
          and not has_function_privilege('authenticated', 'public.record_email_event(text, text, jsonb)', 'execute')
          and not has_function_privilege('anon', 'public.record_email_event(text, text, jsonb)', 'execute'),
  'record_email_event: service_role only (the webhook checks the signature first)');
select ok(not has_table_privilege('service_role', 'private.email_suppressions', 'select')
          and not has_table_privilege('authenticated', 'private.email_events', 'select'),
  'the suppression list and the events are closed tables');

-- Claim
select results_eq(
  $$select to_email, language, critical, attempts from tests.as_service('select jsonb_agg(c order by c.to_email) from public.claim_email_deliveries(10) c') j,
           jsonb_to_recordset(j) as x (to_email text, language text, critical boolean, attempts int)$$,
  $$values ('tech1@chaleur-express.test'::text, 'fr'::text, false, 1), ('tech2@chaleur-express.test', 'en', true, 1)$$,
  'claim: each row with its member''s address, language and whether it is critical; the attempt is counted');
select is(tests.as_service('select jsonb_agg(c) from public.claim_email_deliveries(10) c'), null,
  'claimed rows are leased: a second claim gets nothing');

-- Provider events
select is(public.record_email_event('msg_1', 'email.delivered',
            jsonb_build_object('type', 'email.delivered', 'data', jsonb_build_object(
              'to', jsonb_build_array('tech1@chaleur-express.test'),
              'tags', jsonb_build_array(jsonb_build_object('name', 'notification_id', 'value', (select id from ids where label = 'fr_user')))))),
          '{"recorded": true, "duplicate": false, "suppressed": []}'::jsonb, 'a delivered event is recorded');
select results_eq($$select type, email, notification_id from private.email_events$$,
  $$select 'email.delivered'::text, 'tech1@chaleur-express.test'::text, id from ids where label = 'fr_user'$$,
  '… with its address and the notification of its tag');
select is(public.record_email_event('msg_1', 'email.delivered', '{"data": {}}'),
          '{"recorded": false, "duplicate": true, "suppressed": []}'::jsonb, 'a replayed event id changes nothing');
select is((select count(*)::int from private.email_events), 1, '… one row');

select is(public.record_email_event('msg_2', 'email.bounced',
            '{"data": {"to": ["Full@Example.test"], "bounce": {"type": "Transient", "subType": "MailboxFull"}}}') -> 'suppressed',
          '[]'::jsonb, 'a transient bounce (full mailbox) is recorded but suppresses nothing');

-- A pending email to the client address, then its hard bounce.
insert into ids values ('client', private.queue_client_email('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
  'invoice_sent', null, null, 'test:client', '{"organization": "O", "number": "N", "amount": "A", "due_date": "D"}'));
select is(public.record_email_event('msg_3', 'email.bounced',
            '{"data": {"to": ["CONTACT@boulangerie-pentes.test"], "bounce": {"type": "Permanent", "subType": "General"}}}') -> 'suppressed',
          '["contact@boulangerie-pentes.test"]'::jsonb, 'a hard bounce suppresses the address (lower-cased)');
select is(public.email_suppression('contact@boulangerie-pentes.test'), 'hard_bounce', 'email_suppression tells why');
select results_eq($$select delivery_status, last_error from public.notifications where id = (select id from ids where label = 'client')$$,
  $$values ('failed'::text, 'suppressed: hard_bounce'::text)$$, 'the email still queued to that address will not go out');

select is(public.record_email_event('msg_4', 'email.complained', '{"data": {"to": ["admin@chaleur-express.test"]}}') -> 'suppressed',
          '["admin@chaleur-express.test"]'::jsonb, 'a complaint suppresses the address');
-- A new email to a suppressed member: failed at claim, never handed to the sender.
insert into ids values ('suppressed', private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'email', 'emergency_pending', null, null, null, '{"title": "t", "body": "b"}'));
select is(tests.as_service('select jsonb_agg(c) from public.claim_email_deliveries(10) c'), null,
  'claim: a row to a suppressed address is not returned …');
select results_eq($$select delivery_status, last_error from public.notifications where id = (select id from ids where label = 'suppressed')$$,
  $$values ('failed'::text, 'suppressed: complaint'::text)$$, '… it is failed for good, with the reason (critical emails too)');

-- Refusals: nothing recorded
select throws_ok($$select public.record_email_event('', 'email.delivered', '{}')$$, '22023', null, 'an empty event id is refused');
select throws_ok($$select public.record_email_event('msg_x', 'Email Delivered!', '{}')$$, '22023', null, 'a malformed type is refused');
select throws_ok($$select public.record_email_event('msg_x', 'email.delivered', '[]')$$, '22023', null, 'a payload that is not an object is refused');
select throws_ok($$select public.record_email_event(null, 'email.delivered', '{}')$$, '22004', null, 'a missing id is refused');
select is((select count(*)::int from private.email_events), 4, 'refused events recorded nothing');

-- An email row to a client needs the client and the address; a member row neither.
select throws_ok($$insert into public.notifications (org_id, user_id, client_id, recipient_email, channel, type, title)
                   values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003',
                           'a0000000-0000-4000-8000-0000000000c1', 'x@example.test', 'email', 't', 't')$$,
  '23514', null, 'a row is for a member or for a client, never both');

select * from finish();
rollback;

begin;
-- invoice_email_status: the office sees where the email of an invoice stands
-- (nothing queued, queued, sent, failed) without reading the notification
-- queue itself, which only its recipients may read.
select plan(10);
delete from public.notifications;

-- FAC-2026-00004 (sent) of client c1 (an address); a draft.
select ok(has_function_privilege('authenticated', 'public.invoice_email_status(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.invoice_email_status(uuid)', 'execute'),
  'invoice_email_status: signed-in users (the function checks the role)');

select is(tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')') -> 'delivery_status',
  'null'::jsonb, 'nothing queued yet: no delivery status');

select public.send_invoice('a0000000-0000-4000-8000-000000004004');
select results_eq(
  $$select r ->> 'delivery_status', r ->> 'recipient_email', (r ->> 'attempts')::int, r ->> 'sent_at'
    from (select tests.as_user('a0000000-0000-4000-8000-000000000005',
                 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')') as r) x$$,
  $$values ('pending'::text, 'gestion@syndic-lumiere.test'::text, 0, null::text)$$,
  'queued: pending, the client''s address, no attempt yet');

update public.notifications set attempts = 2, last_error = 'SMTP 451 try later', next_attempt_at = now() + interval '4 minutes'
where dedupe_key = 'invoice_sent:a0000000-0000-4000-8000-000000004004';
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')') ->> 'last_error',
  'SMTP 451 try later', 'retrying: the owner sees the last error and the attempts');

update public.notifications set delivery_status = 'sent', sent_at = '2026-03-02 10:00:00+00', last_error = null
where dedupe_key = 'invoice_sent:a0000000-0000-4000-8000-000000004004';
select is(tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')') ->> 'delivery_status',
  'sent', 'sent once the sender delivered it');

select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')')$$,
  '42501', null, 'a technician may not read it');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000002', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')')$$,
  '42501', null, 'nor a dispatcher');
select throws_ok($$select tests.as_user('b0000000-0000-4000-8000-000000000005', 'select public.invoice_email_status(''a0000000-0000-4000-8000-000000004004'')')$$,
  'P0002', null, 'the accountant of another organization: not found');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.invoice_email_status(''a0000000-0000-4000-8000-00000000ffff'')')$$,
  'P0002', null, 'an unknown invoice: not found');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.invoice_email_status(null)')$$,
  '22004', null, 'no invoice id: refused');

select * from finish();
rollback;

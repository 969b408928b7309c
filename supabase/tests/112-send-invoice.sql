begin;
-- send_invoice: who may queue an invoice email, for which invoices, once;
-- and the intervention report queued when a mission is done.
select plan(15);
delete from public.notifications;

-- FAC-2026-00004 (sent) and a draft, both of client c1 (an address).
select ok(has_function_privilege('authenticated', 'public.send_invoice(uuid)', 'execute')
          and not has_function_privilege('anon', 'public.send_invoice(uuid)', 'execute'), 'send_invoice: signed-in users (the function checks the role)');

select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004004''))')$$,
  '42501', null, 'a technician may not send an invoice');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000002', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004004''))')$$,
  '42501', null, 'nor a dispatcher');
select throws_ok($$select tests.as_user('b0000000-0000-4000-8000-000000000005', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004004''))')$$,
  'P0002', null, 'the accountant of another organization: not found');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004005''))')$$,
  'P0001', 'Invoice must be issued before it is sent', 'a draft is refused');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select to_jsonb(public.send_invoice(null))')$$,
  '22004', null, 'no invoice id: refused');
select is((select count(*)::int from public.notifications), 0, 'refusals queued nothing');

create temp table sent (id uuid) on commit drop;
grant all on sent to authenticated;
insert into sent select (tests.as_user('a0000000-0000-4000-8000-000000000005', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004004''))') #>> '{}')::uuid;
select results_eq(
  $$select n.user_id, n.client_id::text, n.recipient_email, n.channel, n.type, n.delivery_status, n.params ->> 'invoice_id', n.title
    from public.notifications n$$,
  $$values (null::uuid, 'a0000000-0000-4000-8000-0000000000c1', 'gestion@syndic-lumiere.test', 'email', 'invoice_sent', 'pending',
            'a0000000-0000-4000-8000-000000004004', 'Chaleur Express : facture FAC-2026-00004')$$,
  'the accountant queues one email to the client''s address, the invoice in its params, the French template');
select is((tests.as_user('a0000000-0000-4000-8000-000000000001', 'select to_jsonb(public.send_invoice(''a0000000-0000-4000-8000-000000004004''))') #>> '{}')::uuid,
  (select id from sent), 'sending again (the owner): the same email, not a second one');
select is((select count(*)::int from public.notifications), 1, '… one row');

update public.notifications set delivery_status = 'failed', next_attempt_at = null, attempts = 5 where id = (select id from sent);
select is(public.send_invoice('a0000000-0000-4000-8000-000000004004'), (select id from sent), 'after a failure for good, sending again …');
select results_eq($$select delivery_status, attempts from public.notifications where id = (select id from sent)$$,
  $$values ('pending'::text, 0)$$, '… queues the same row again, attempts reset');

insert into sent select public.send_invoice('a0000000-0000-4000-8000-000000004009');
select results_eq(
  $$select n.type, n.title from public.notifications n join sent s using (id) where n.entity_id = 'a0000000-0000-4000-8000-000000004009'$$,
  $$values ('credit_note_sent'::text, 'Chaleur Express : avoir AV-2026-00001'::text)$$,
  'a credit note is sent as a credit note');

update public.clients set email = null where id = 'a0000000-0000-4000-8000-0000000000c2';
select throws_ok($$select public.send_invoice(i.id) from public.invoices i where i.number = 'FAC-2026-00005'$$,
  'P0001', 'Client Boulangerie des Pentes has no email address', 'a client without an address: 422 client_without_email');

-- Intervention report: a mission of client c1 becomes done.
update public.missions set status = 'done', completed_at = now()
where id = (select m.id from public.missions m where m.org_id = 'a0000000-0000-4000-8000-0000000000a0'
              and m.client_id = 'a0000000-0000-4000-8000-0000000000c1' and m.status = 'in_progress' limit 1);
select results_eq($$select type, recipient_email, entity_table from public.notifications where type = 'intervention_report'$$,
  $$values ('intervention_report'::text, 'gestion@syndic-lumiere.test'::text, 'public.missions'::text)$$,
  'a mission done queues the intervention report to its client');

select * from finish();
rollback;

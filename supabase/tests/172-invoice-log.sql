-- The tamper-evident invoice log: each legally relevant event is appended
-- with hash = sha256(previous hash || canonical event); verify_invoice_log()
-- checks the log against a head exported earlier and detects an edited, a
-- deleted, a reordered event, a cut tail, and a history rewritten with every
-- hash and the head recomputed inside the database. Tampering is simulated
-- as a superuser with triggers off (session_replication_role = replica).
-- Seed: Chaleur Express (a0…a0), 23 events from the demo invoices; its
-- accountant a0…05, technician a0…03; Plomberie du Rhône's accountant b0…05.
begin;
select plan(27);

-- The head an auditor exported (printed with the FEC).
create temp table exported as select * from public.invoice_log_head('a0000000-0000-4000-8000-0000000000a0');
create function pg_temp.verify() returns table (ok boolean, checked bigint, seq bigint, reason text) language sql as $$
  select * from public.verify_invoice_log('a0000000-0000-4000-8000-0000000000a0',
                                          (select head from exported), (select seq from exported))
$$;
-- What an attacker with superuser rights does after editing: recompute every
-- hash from p_from on, and the head.
create function pg_temp.recompute_from(p_from bigint) returns void language plpgsql as $$
declare
  r      public.invoice_log;
  v_prev text;
begin
  select l.hash into v_prev from public.invoice_log l where l.org_id = 'a0000000-0000-4000-8000-0000000000a0' and l.seq = p_from - 1;
  for r in select * from public.invoice_log l where l.org_id = 'a0000000-0000-4000-8000-0000000000a0' and l.seq >= p_from order by l.seq loop
    update public.invoice_log l set prev_hash = v_prev, hash = private.invoice_log_hash(v_prev, r)
    where l.org_id = r.org_id and l.seq = r.seq;
    v_prev := private.invoice_log_hash(v_prev, r);
  end loop;
  update private.invoice_log_heads h set last_hash = v_prev,
         last_seq = (select max(l.seq) from public.invoice_log l where l.org_id = h.org_id)
  where h.org_id = 'a0000000-0000-4000-8000-0000000000a0';
end $$;

select is((select seq from exported), 23::bigint, 'the demo organization''s log holds 23 events');
select results_eq('select ok, checked, seq, reason from pg_temp.verify()', $$values (true, 23::bigint, null::bigint, null::text)$$,
                  'the untouched log verifies against the exported head');

-- ---------------------------------------------------------------------------
-- What is recorded
-- ---------------------------------------------------------------------------
select results_eq(
  $$select event from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0'
    and (invoice_id = (select id from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'FAC-2026-00003')
         or payment_id in (select id from public.payments where invoice_id = (select id from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'FAC-2026-00003')))
    order by seq$$,
  $$values ('issued'::text), ('pdf_hashed'), ('sent'), ('payment_received'), ('payment_status')$$,
  'an invoice''s life: issued, PDF hashed, sent, payment received, payment status');
select is((select data ->> 'notes' from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and event = 'issued' and data ->> 'number' = 'FAC-2026-00003'),
          'Remplacement du vase d''expansion, chaufferie Les Tilleuls', 'the issued event carries the notes');
select is((select data ->> 'row_hash' from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and event = 'issued' and data ->> 'number' = 'FAC-2026-00003'),
          (select row_hash from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'FAC-2026-00003'),
          'and the document''s content hash');
select is((select data ->> 'pdf_sha256' from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and event = 'pdf_hashed' and data ->> 'number' = 'FAC-2026-00003'),
          (select pdf_sha256 from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'FAC-2026-00003'),
          'the pdf_hashed event carries the PDF hash');
select is((select count(*) from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and event = 'credit_note_issued'),
          1::bigint, 'the credit note is recorded');
select is((select data ->> 'external_ref' from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and event = 'payment_received' and invoice_id is null),
          'VIR-2026-0002311', 'an unmatched payment is recorded when received');

-- ---------------------------------------------------------------------------
-- Tampering, each undone before the next
-- ---------------------------------------------------------------------------
set local session_replication_role = replica;

savepoint edited;
update public.invoice_log set data = jsonb_set(data, '{status}', '"paid"') where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 6;
select results_eq('select ok, seq, reason from pg_temp.verify()',
                  $$values (false, 6::bigint, 'event 6 does not match its hash: it was edited'::text)$$,
                  'an edited event is detected');
rollback to savepoint edited;

savepoint deleted;
delete from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 7;
select results_eq('select ok, seq, reason from pg_temp.verify()',
                  $$values (false, 7::bigint, 'event 7 is missing or out of place (found 8): the log was cut or reordered'::text)$$,
                  'a deleted event is detected');
rollback to savepoint deleted;

savepoint reordered;
update public.invoice_log set seq = 1000 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 3;
update public.invoice_log set seq = 3 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 4;
update public.invoice_log set seq = 4 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 1000;
select results_eq('select ok, seq from pg_temp.verify()', $$values (false, 3::bigint)$$, 'two swapped events are detected');
select pg_temp.recompute_from(3);
select results_eq('select ok, seq, reason from pg_temp.verify()',
                  $$values (false, 23::bigint, 'the history up to event 23 differs from the exported head: it was rewritten and its hashes recomputed'::text)$$,
                  'swapped events with every hash recomputed are detected against the exported head');
rollback to savepoint reordered;

savepoint recomputed;
update public.invoice_log set data = jsonb_set(data, '{pdf_sha256}', to_jsonb(repeat('0', 64)))
where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 5;
select pg_temp.recompute_from(5);
select results_eq(
  $$select ok from public.verify_invoice_log('a0000000-0000-4000-8000-0000000000a0',
      (select last_hash from private.invoice_log_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 23)$$,
  'values (true)', 'a rewrite with every hash and the head recomputed is consistent inside the database…');
select results_eq('select ok, seq, reason from pg_temp.verify()',
                  $$values (false, 23::bigint, 'the history up to event 23 differs from the exported head: it was rewritten and its hashes recomputed'::text)$$,
                  '…and detected against the head exported before');
rollback to savepoint recomputed;

savepoint cut;
delete from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq > 21;
select pg_temp.recompute_from(22);
select results_eq('select ok, checked, reason from pg_temp.verify()',
                  $$values (false, 21::bigint, 'the log ends at event 21 but the exported head is at event 23: events were removed'::text)$$,
                  'removing the latest events and moving the head back is detected');
rollback to savepoint cut;

savepoint head;
update private.invoice_log_heads set last_seq = 22 where org_id = 'a0000000-0000-4000-8000-0000000000a0';
select results_eq('select ok, seq from pg_temp.verify()', $$values (false, 22::bigint)$$, 'a head table out of step with the log is detected');
rollback to savepoint head;

set local session_replication_role = origin;

-- Events appended after the export still verify against it.
update public.payments set invoice_id = (select id from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'FAC-2026-00004')
where external_ref = 'VIR-2026-0002311';
select is((select event from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 24), 'payment_matched',
          'matching the imported payment appends event 24');
select results_eq('select ok, checked from pg_temp.verify()', $$values (true, 24::bigint)$$,
                  'the log still verifies against the older exported head');

-- ---------------------------------------------------------------------------
-- Append-only, refusals, access
-- ---------------------------------------------------------------------------
select throws_ok($$update public.invoice_log set data = '{}' where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 1$$,
                 'P0001', 'The invoice log is append-only (UPDATE refused)', 'an event cannot be edited');
select throws_ok($$delete from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' and seq = 1$$,
                 'P0001', 'The invoice log is append-only (DELETE refused)', 'an event cannot be deleted');
select throws_ok('truncate public.invoice_log', 'P0001', 'The invoice log is append-only (TRUNCATE refused)', 'the log cannot be truncated');
select throws_ok($$select * from public.verify_invoice_log('a0000000-0000-4000-8000-0000000000a0', 'not-a-hash', 3)$$,
                 '22023', 'expected_head must be the exported head: 64 lowercase hexadecimal characters (none for sequence 0)',
                 'a malformed exported head is refused');
select throws_ok($$select * from public.verify_invoice_log('a0000000-0000-4000-8000-0000000000a0', null, -1)$$,
                 '22023', 'expected_seq must be the exported sequence number (0 or more)', 'a negative sequence is refused');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000003',
  $$select to_jsonb(h) from public.invoice_log_head('a0000000-0000-4000-8000-0000000000a0') h$$,
  '42501', 'Permission denied: invoice_log_head requires one of the roles owner, admin, accountant', 'a technician cannot read the head');
select tests.throws_as_user('b0000000-0000-4000-8000-000000000005',
  $$select to_jsonb(v) from public.verify_invoice_log('a0000000-0000-4000-8000-0000000000a0', null, 0) v$$,
  'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s accountant learns nothing');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000005', 'select distinct org_id from public.invoice_log'),
          array['a0000000-0000-4000-8000-0000000000a0'], 'the accountant reads the organization''s log, only theirs');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select seq from public.invoice_log'), '{}'::text[],
          'a technician reads none of it');

select * from finish();
rollback;

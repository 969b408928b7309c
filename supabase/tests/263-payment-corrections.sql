-- Correcting a posted payment (README.md, "Accounting"): unassign_payment
-- moves a wrongly assigned payment from the client (411) back to the suspense
-- account (471), reverse_payment contre-passes a bank line recorded by
-- mistake (bank credited). Each is a new BQ entry dated the day of the
-- correction, balanced, numbered without gaps; the invoice is unlettered and
-- its status moves back; the payment is unmatched (and marked reversed), a
-- correction row, audit rows and an invoice log event record the reason.
-- Refusals (role, organization, reason, state) change nothing.
-- Seed: Chaleur Express (a0…a0, Europe/Paris): owner a0…01, technician a0…03,
-- accountant a0…05; Plomberie du Rhône's accountant b0…05.
begin;
select plan(56);

insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c2630000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000a0', 'Syndic Correction', '301120077', '10 rue Client', '69007', 'Lyon');

create function pg_temp.today() returns date language sql as $$ select (now() at time zone 'Europe/Paris')::date $$;
create function pg_temp.invoice(p_id uuid, p_service bigint) returns uuid
language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, issue_date, service_date)
  values (p_id, 'a0000000-0000-4000-8000-0000000000a0', 'c2630000-0000-4000-8000-0000000000c1', 'invoice', pg_temp.today(), pg_temp.today());
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
  values ('a0000000-0000-4000-8000-0000000000a0', p_id, 1, 'Main d''œuvre', 1, p_service, 20);
  perform public.issue_invoice(p_id);
  perform public.mark_invoice_sent(p_id, encode(sha256(p_id::text::bytea), 'hex'));
  return p_id;
end $$;
create function pg_temp.receive(p_id uuid, p_cents bigint, p_ref text, p_invoice uuid default null) returns uuid
language sql as $$
  insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref)
  values (p_id, 'a0000000-0000-4000-8000-0000000000a0', p_invoice, p_cents, 'transfer', pg_temp.today(), p_ref) returning id
$$;
-- The lines of the last entry a payment posted.
create function pg_temp.last_lines(p_payment uuid) returns table (account text, aux text, debit bigint, credit bigint, invoice boolean)
language sql as $$
  select l.account_number, l.aux_number, l.debit_cents, l.credit_cents, l.invoice_id is not null
  from public.ledger_lines l
  where l.entry_id = (select e.id from public.ledger_entries e where e.payment_id = p_payment order by e.validated_at desc limit 1)
  order by l.line_number
$$;
create function pg_temp.lettered(p_invoice uuid) returns bigint language sql as $$
  select count(*) from public.ledger_lines l where l.invoice_id = p_invoice and l.account_number = '411' and l.lettering_code is not null
$$;
-- What a refusal must leave as it was: the organization's ledger and its payments.
create function pg_temp.state() returns text language sql as $$
  select (select count(*) from public.ledger_entries e where e.org_id = 'a0000000-0000-4000-8000-0000000000a0')::text || '/' ||
         (select count(*) from public.payment_corrections c where c.org_id = 'a0000000-0000-4000-8000-0000000000a0')::text || '/' ||
         (select md5(string_agg(p::text, ',' order by p.id)) from public.payments p where p.org_id = 'a0000000-0000-4000-8000-0000000000a0')
$$;

select pg_temp.invoice('c2630000-0000-4000-8000-0000000000a1', 10000);  -- 12,000 TTC
select pg_temp.invoice('c2630000-0000-4000-8000-0000000000a2', 5000);   --  6,000 TTC

-- A bank line matched to the wrong invoice (A instead of B), and a payment
-- recorded with invoice A: A is paid and lettered.
select pg_temp.receive('c2630000-0000-4000-8000-0000000000d1', 6000, 'BANK-R1');
update public.payments set invoice_id = 'c2630000-0000-4000-8000-0000000000a1' where id = 'c2630000-0000-4000-8000-0000000000d1';
select pg_temp.receive('c2630000-0000-4000-8000-0000000000d2', 6000, null, 'c2630000-0000-4000-8000-0000000000a1');
select public.reconcile_payments('a0000000-0000-4000-8000-0000000000a0');
select is((select status::text from public.invoices where id = 'c2630000-0000-4000-8000-0000000000a1'), 'paid',
          'before: invoice A is paid by the two payments');
select is(pg_temp.lettered('c2630000-0000-4000-8000-0000000000a1'), 3::bigint, '… and its three 411 lines are lettered');

-- ---------------------------------------------------------------------------
-- Refusals change nothing
-- ---------------------------------------------------------------------------
create temp table before_refusals as select pg_temp.state() as s;
select tests.throws_as_user(u::uuid, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000003', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', 'Mauvaise facture')$$,
   '42501', 'Permission denied: unassign_payment requires one of the roles owner, admin, accountant', 'a technician cannot unassign a payment'),
  ('a0000000-0000-4000-8000-000000000003', $$select public.reverse_payment('c2630000-0000-4000-8000-0000000000d1', 'Mauvaise ligne')$$,
   '42501', 'Permission denied: reverse_payment requires one of the roles owner, admin, accountant', 'a technician cannot reverse a payment'),
  ('b0000000-0000-4000-8000-000000000005', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', 'Mauvaise facture')$$,
   'P0002', 'Payment c2630000-0000-4000-8000-0000000000d1 not found', 'another organization''s accountant gets not found'),
  ('b0000000-0000-4000-8000-000000000005', $$select public.reverse_payment('c2630000-0000-4000-8000-0000000000d1', 'Mauvaise ligne')$$,
   'P0002', 'Payment c2630000-0000-4000-8000-0000000000d1 not found', '… for a reversal too'),
  ('a0000000-0000-4000-8000-000000000005', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d9', 'Mauvaise facture')$$,
   'P0002', 'Payment c2630000-0000-4000-8000-0000000000d9 not found', 'an unknown payment is not found'),
  ('a0000000-0000-4000-8000-000000000005', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', null)$$,
   '22004', 'unassign_payment requires a reason (it is written in the ledger entry)', 'a reason is required'),
  ('a0000000-0000-4000-8000-000000000005', $$select public.reverse_payment('c2630000-0000-4000-8000-0000000000d1', '   ')$$,
   '22004', 'reverse_payment requires a reason (it is written in the ledger entry)', 'a blank reason is no reason'),
  ('a0000000-0000-4000-8000-000000000005', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', 'ok')$$,
   '22023', 'The reason must be 3 to 500 characters on one line', 'a two-letter reason is refused'),
  ('a0000000-0000-4000-8000-000000000005', $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', E'Ligne\tavec tabulation')$$,
   '22023', 'The reason must be 3 to 500 characters on one line', 'a reason with a control character (it would break the FEC line) is refused'),
  ('a0000000-0000-4000-8000-000000000005', $$update public.payments set invoice_id = null
     where id = 'c2630000-0000-4000-8000-0000000000d1' and set_config('terrain.payment_op', 'correction', true) is not null returning to_jsonb(id)$$,
   'P0001', 'Payment BANK-R1 is recorded: only matching an unmatched payment to an invoice is allowed',
   'the correction context is not honoured for an API role: a matched payment cannot be unmatched by hand')
) as t (u, s, e, m, d);
select throws_ok($$insert into public.payments (org_id, amount_cents, method, paid_on, external_ref, reversed_at)
                   values ('a0000000-0000-4000-8000-0000000000a0', 100, 'transfer', '2026-04-10', 'BANK-X', now())$$,
  'P0001', 'A payment is recorded as received: unassign_payment and reverse_payment correct it later',
  'a payment cannot be recorded as reversed (nor unassigned)');
select is(pg_temp.state(), (select s from before_refusals), 'the refusals changed nothing: no entry, no correction, payments as they were');

-- ---------------------------------------------------------------------------
-- unassign_payment: 411 → 471, unlettered, status back, recorded
-- ---------------------------------------------------------------------------
create temp table unassigned as
select tests.as_user('a0000000-0000-4000-8000-000000000005',
  $$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', '  Affectée à la mauvaise facture ')$$) as r;
select is((select r - 'entry_id' - 'entry_number' from unassigned),
          jsonb_build_object('payment_id', 'c2630000-0000-4000-8000-0000000000d1', 'kind', 'unassign',
            'invoice_id', 'c2630000-0000-4000-8000-0000000000a1', 'invoice_number', (select number from public.invoices where id = 'c2630000-0000-4000-8000-0000000000a1'),
            'invoice_status', 'partially_paid', 'journal_code', 'BQ', 'fiscal_year', extract(year from pg_temp.today())::integer,
            'entry_date', pg_temp.today()),
          'the accountant unassigns the payment: the invoice is partially paid now, the correction is a BQ entry of today');
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000d1')$$,
  $$values ('411'::text, (select aux_number from private.ledger_client_accounts where client_id = 'c2630000-0000-4000-8000-0000000000c1'), 6000::bigint, 0::bigint, true),
           ('471', null, 0, 6000, true)$$,
  'the correcting entry debits the client''s 411 (its auxiliary account) and credits the suspense account 471');
select results_eq(
  $$select e.label, e.piece_ref, e.piece_date from public.ledger_entries e where e.id = (select (r ->> 'entry_id')::uuid from unassigned)$$,
  $$values ('Annulation affectation BANK-R1 ' || (select number from public.invoices where id = 'c2630000-0000-4000-8000-0000000000a1')
            || ' Syndic Correction : Affectée à la mauvaise facture', 'BANK-R1'::text, pg_temp.today())$$,
  'its label says what it cancels and why (the reason trimmed); the piece is still the bank line');
select is((select sum(l.credit_cents - l.debit_cents) from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.payment_id = 'c2630000-0000-4000-8000-0000000000d1' and l.account_number = '471'), 6000::numeric,
          'the payment sits on the suspense account again');
select results_eq($$select invoice_id, matched_at, unassigned_at is not null, reversed_at from public.payments where id = 'c2630000-0000-4000-8000-0000000000d1'$$,
  $$values (null::uuid, null::timestamptz, true, null::timestamptz)$$, 'the payment is unmatched, not reversed');
select results_eq($$select status::text, paid_at from public.invoices where id = 'c2630000-0000-4000-8000-0000000000a1'$$,
  $$values ('partially_paid'::text, null::timestamptz)$$, 'invoice A moved back from paid to partially paid');
select is(pg_temp.lettered('c2630000-0000-4000-8000-0000000000a1'), 0::bigint, 'invoice A''s 411 lines are no longer lettered');
select results_eq($$select kind, invoice_id, reason, created_by from public.payment_corrections where payment_id = 'c2630000-0000-4000-8000-0000000000d1'$$,
  $$values ('unassign'::text, 'c2630000-0000-4000-8000-0000000000a1'::uuid, 'Affectée à la mauvaise facture'::text, 'a0000000-0000-4000-8000-000000000005'::uuid)$$,
  'the correction is recorded with its reason and who made it');
select results_eq(
  $$select table_name, action, reason from audit.log
    where row_id in ('c2630000-0000-4000-8000-0000000000d1', (select id::text from public.payment_corrections where payment_id = 'c2630000-0000-4000-8000-0000000000d1'))
      and actor_user_id = 'a0000000-0000-4000-8000-000000000005' order by id$$,
  $$values ('public.payments'::text, 'update'::text, 'Affectée à la mauvaise facture'::text),
           ('public.payment_corrections', 'insert', 'Affectée à la mauvaise facture')$$,
  'audit rows for the payment''s change and the correction, by the accountant, with the reason');
select results_eq($$select event, data ->> 'reason', data ->> 'status' from public.invoice_log
                    where org_id = 'a0000000-0000-4000-8000-0000000000a0' order by seq desc limit 2$$,
  $$values ('payment_unassigned'::text, 'Affectée à la mauvaise facture'::text, null::text), ('payment_status', null, 'partially_paid')$$,
  'the invoice log records the status moving back, then the unassignment and its reason');
select throws_ok($$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d1', 'Encore une fois')$$,
  'P0001', 'Payment BANK-R1 is not assigned to an invoice', 'an unassigned payment cannot be unassigned again (payment_not_assigned)');

-- Assigned to the right invoice: moved out of 471 again, B settled and lettered.
update public.payments set invoice_id = 'c2630000-0000-4000-8000-0000000000a2' where id = 'c2630000-0000-4000-8000-0000000000d1';
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000d1')$$,
  $$values ('471'::text, null::text, 6000::bigint, 0::bigint, true), ('411', (select aux_number from private.ledger_client_accounts where client_id = 'c2630000-0000-4000-8000-0000000000c1'), 0, 6000, true)$$,
  're-assigned to the right invoice, the payment moves from the suspense account to the client again');
select is(pg_temp.lettered('c2630000-0000-4000-8000-0000000000a2'), 2::bigint, '… and invoice B is lettered');

-- A payment recorded with its invoice (512 / 411, no receipt on 471) unassigned:
-- it lands on the suspense account; A is back to sent.
select is(public.unassign_payment('c2630000-0000-4000-8000-0000000000d2', 'Virement d''un autre client') ->> 'invoice_status', 'sent',
          'unassigning the last payment of A moves it back to sent');
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000d2')$$,
  $$values ('411'::text, (select aux_number from private.ledger_client_accounts where client_id = 'c2630000-0000-4000-8000-0000000000c1'), 6000::bigint, 0::bigint, true),
           ('471', null, 0, 6000, true)$$,
  'a payment recorded with its invoice moves from the client to the suspense account');
select results_eq($$select event, data ->> 'status' from public.invoice_log where org_id = 'a0000000-0000-4000-8000-0000000000a0' order by seq desc limit 2$$,
  $$values ('payment_unassigned'::text, null::text), ('payment_status', 'sent')$$, 'the move back to sent is in the invoice log');
select is((select payments.external_ref is null and unassigned_at is not null from public.payments where id = 'c2630000-0000-4000-8000-0000000000d2'), true,
          'an unmatched payment without a bank reference is allowed once it was unassigned');

-- ---------------------------------------------------------------------------
-- reverse_payment: a bank line recorded by mistake
-- ---------------------------------------------------------------------------
-- Unmatched (on 471): suspense debited, bank credited.
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
            $$select public.reverse_payment('c2630000-0000-4000-8000-0000000000d2', 'Ligne de relevé en double')$$) ->> 'invoice_id',
          null, 'the owner reverses the unmatched payment');
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000d2')$$,
  $$values ('471'::text, null::text, 6000::bigint, 0::bigint, false), ('512', null, 0, 6000, false)$$,
  'the reversal of an unmatched payment debits the suspense account and credits the bank');
select results_eq($$select l.account_label, l.label from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
                    where e.payment_id = 'c2630000-0000-4000-8000-0000000000d2' and l.account_number = '512' and l.credit_cents > 0$$,
  $$values ('Banque'::text, 'Contre-passation encaissement 60.00 EUR : Ligne de relevé en double'::text)$$,
  'a payment without a reference is named by its amount in the label');
select is((select reversed_at is not null and invoice_id is null from public.payments where id = 'c2630000-0000-4000-8000-0000000000d2'), true,
          'the payment is marked reversed, and kept');
select is((select sum(l.debit_cents - l.credit_cents) from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.payment_id = 'c2630000-0000-4000-8000-0000000000d2' and l.account_number in ('512', '471', '411')), 0::numeric,
          'after the reversal the payment leaves nothing on the bank, suspense or client accounts');
create temp table before_again as select pg_temp.state() as s;
select throws_ok($$select public.reverse_payment('c2630000-0000-4000-8000-0000000000d2', 'Deuxième fois')$$,
  'P0001', 'Payment c2630000-0000-4000-8000-0000000000d2 was already reversed on ' || to_char(now(), 'YYYY-MM-DD'),
  'a payment is reversed once (payment_reversed)');
select throws_ok($$select public.unassign_payment('c2630000-0000-4000-8000-0000000000d2', 'Deuxième fois')$$,
  'P0001', 'Payment c2630000-0000-4000-8000-0000000000d2 was already reversed on ' || to_char(now(), 'YYYY-MM-DD'),
  'nor unassigned afterwards');
select throws_ok($$update public.payments set invoice_id = 'c2630000-0000-4000-8000-0000000000a1' where id = 'c2630000-0000-4000-8000-0000000000d2'$$,
  'P0001', 'Payment c2630000-0000-4000-8000-0000000000d2 was reversed: it cannot be matched nor changed',
  'a reversed payment is never matched again');
select is(pg_temp.state(), (select s from before_again), 'those refusals changed nothing');
select is((select count(*) from jsonb_array_elements(public.reconcile_payments('a0000000-0000-4000-8000-0000000000a0') -> 'unmatched') u
           where u ->> 'payment_id' = 'c2630000-0000-4000-8000-0000000000d2'), 0::bigint,
          'a reversed payment is not listed as waiting for an invoice');

-- Assigned: the client debited, the bank credited, B unlettered and back to sent.
select public.reconcile_payments('a0000000-0000-4000-8000-0000000000a0');
select is((select status::text from public.invoices where id = 'c2630000-0000-4000-8000-0000000000a2'), 'paid', 'before: invoice B is paid');
select is(public.reverse_payment('c2630000-0000-4000-8000-0000000000d1', 'Virement rejeté par la banque') ->> 'invoice_status', 'sent',
          'reversing B''s only payment moves B back to sent');
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000d1')$$,
  $$values ('411'::text, (select aux_number from private.ledger_client_accounts where client_id = 'c2630000-0000-4000-8000-0000000000c1'), 6000::bigint, 0::bigint, true),
           ('512', null, 0, 6000, true)$$,
  'the reversal of an assigned payment debits the client and credits the bank');
select is(pg_temp.lettered('c2630000-0000-4000-8000-0000000000a2'), 0::bigint, 'invoice B is unlettered');
select is((select count(*) from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.payment_id = 'c2630000-0000-4000-8000-0000000000d1' and l.account_number = '471' and l.lettering_code is not null), 0::bigint,
          'a suspense line is never lettered');
select results_eq($$select kind from public.payment_corrections where payment_id = 'c2630000-0000-4000-8000-0000000000d1' order by created_at, kind$$,
  $$values ('reverse'::text), ('unassign')$$, 'both corrections of the payment are on record');

-- ---------------------------------------------------------------------------
-- Balanced, gapless
-- ---------------------------------------------------------------------------
select is((select count(*) from (
             select e.id from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
             where e.org_id = 'a0000000-0000-4000-8000-0000000000a0'
             group by e.id having sum(l.debit_cents) <> sum(l.credit_cents) or count(*) < 2) unbalanced), 0::bigint,
          'every entry balances');
select lives_ok('set constraints all immediate', 'the deferred balance checks pass for every correction');
set constraints all deferred;
select is((select count(*) from (
             select journal_code, fiscal_year from public.ledger_entries where org_id = 'a0000000-0000-4000-8000-0000000000a0'
             group by 1, 2 having min(entry_number) <> 1 or max(entry_number) <> count(*)) gaps), 0::bigint,
          'every journal numbers its entries 1..n without gaps, corrections included');

-- ---------------------------------------------------------------------------
-- VAT on receipts: a correction moves the VAT back, a later payment forward
-- ---------------------------------------------------------------------------
select public.set_accounting_settings('a0000000-0000-4000-8000-0000000000a0', true);
select pg_temp.invoice('c2630000-0000-4000-8000-0000000000a3', 10000);  -- 2,000 of service VAT on 44574
select pg_temp.receive('c2630000-0000-4000-8000-0000000000e1', 3000, 'BANK-E1', 'c2630000-0000-4000-8000-0000000000a3');
select pg_temp.receive('c2630000-0000-4000-8000-0000000000e2', 9000, 'BANK-E2', 'c2630000-0000-4000-8000-0000000000a3');
create function pg_temp.vat_pending() returns numeric language sql as $$
  select sum(l.credit_cents - l.debit_cents) from public.ledger_lines l
  where l.invoice_id = 'c2630000-0000-4000-8000-0000000000a3' and l.account_number = '44574'
$$;
select is(pg_temp.vat_pending(), 0::numeric, 'before: the invoice is paid and its pending VAT all moved to 44571');
select public.unassign_payment('c2630000-0000-4000-8000-0000000000e1', 'Payé par un autre chantier');
select results_eq($$select * from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000e1')$$,
  $$values ('411'::text, (select aux_number from private.ledger_client_accounts where client_id = 'c2630000-0000-4000-8000-0000000000c1'), 3000::bigint, 0::bigint, true),
           ('471', null, 0, 3000, true), ('44574', null, 0, 500, true), ('44571', null, 500, 0, true)$$,
  'unassigning a quarter of the payments moves a quarter of the service VAT back from 44571 to 44574');
select is(pg_temp.vat_pending(), 500::numeric, '44574 holds the VAT of the unpaid quarter');
update public.payments set invoice_id = 'c2630000-0000-4000-8000-0000000000a3' where id = 'c2630000-0000-4000-8000-0000000000e1';
select results_eq($$select account, debit, credit from pg_temp.last_lines('c2630000-0000-4000-8000-0000000000e1') where account like '4457%'$$,
  $$values ('44574'::text, 500::bigint, 0::bigint), ('44571', 0, 500)$$,
  're-assigned, it moves the VAT forward again, computed on the net of what was moved');
select is(pg_temp.vat_pending(), 0::numeric, '44574 is back to zero once the invoice is settled again');
select is(pg_temp.lettered('c2630000-0000-4000-8000-0000000000a3'), 5::bigint, '… and the five 411 lines of the invoice are lettered together');

select * from finish();
rollback;

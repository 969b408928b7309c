-- Payments and reconciliation: payments go against issued invoices (not drafts,
-- not credit notes) or are imported unmatched with a unique external
-- reference; matched payments are never edited nor deleted, nor is an
-- unmatched one once its receipt is in the ledger (every payment is posted);
-- reconcile_payments() marks invoices paid / partially paid net of credit
-- notes, reports partial, over-paid, unmatched and awaiting-PDF cases, and is
-- idempotent (same report, nothing rewritten).
begin;
select plan(37);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120846', '10 rue Client', '69007', 'Lyon');

-- An issued document of one line at 20 % VAT; sent (PDF hash) unless told otherwise.
create function pg_temp.doc(p_id uuid, p_cents bigint, p_send boolean default true, p_kind public.invoice_kind default 'invoice',
                            p_credited uuid default null, p_issue boolean default true) returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values (p_id, 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', p_kind, p_credited, '2026-04-01', '2026-03-30');
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c4000000-0000-4000-8000-0000000000f0', p_id, 'Prestation', 1, p_cents, 20);
  if p_issue then
    perform public.issue_invoice(p_id);
    if p_send then
      perform public.mark_invoice_sent(p_id, encode(sha256(p_id::text::bytea), 'hex'));
    end if;
  end if;
  return p_id;
end $$;
create function pg_temp.pay(p_invoice uuid, p_cents bigint, p_ref text) returns void language sql as $$
  insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
  values ('c4000000-0000-4000-8000-0000000000f0', p_invoice, p_cents, 'transfer', '2026-04-20', p_ref)
$$;

-- p1 120.00 paid in full · p2 60.00, 25.00 received · p3 30.00, 40.00 received (over-paid)
-- p4 48.00 fully credited, nothing received · p5 12.00 issued but not sent, paid
-- p6 60.00, credited 12.00, 48.00 received · p7 24.00 sent, nothing received · d1 draft
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a1', 10000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a2', 5000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a3', 2500);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a4', 4000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a5', 1000, false);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a6', 5000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a7', 2000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000d1', 2000, false, 'invoice', null, false);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b4', 4000, true, 'credit_note', 'c4000000-0000-4000-8000-0000000000a4');
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b6', 1000, true, 'credit_note', 'c4000000-0000-4000-8000-0000000000a6');

select pg_temp.pay('c4000000-0000-4000-8000-0000000000a1', 12000, 'VIR-P1');
select pg_temp.pay('c4000000-0000-4000-8000-0000000000a2', 2500, 'VIR-P2');
select pg_temp.pay('c4000000-0000-4000-8000-0000000000a3', 2000, 'VIR-P3a');
select pg_temp.pay('c4000000-0000-4000-8000-0000000000a3', 2000, 'VIR-P3b');
select pg_temp.pay('c4000000-0000-4000-8000-0000000000a5', 1200, 'VIR-P5');
select pg_temp.pay('c4000000-0000-4000-8000-0000000000a6', 4800, 'VIR-P6');
insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref, label) values
  ('c4000000-0000-4000-8000-0000000000e1', 'c4000000-0000-4000-8000-0000000000f0', null, 777, 'transfer', '2026-04-21', 'BANK-1', 'VIR INCONNU'),
  ('c4000000-0000-4000-8000-0000000000e2', 'c4000000-0000-4000-8000-0000000000f0', null, 3500, 'transfer', '2026-04-22', 'BANK-2', 'VIR COPRO TEST SOLDE'),
  ('c4000000-0000-4000-8000-0000000000e3', 'c4000000-0000-4000-8000-0000000000f0', null, 100, 'cash', '2026-04-23', 'BANK-3', 'saisie en double');

-- ---------------------------------------------------------------------------
-- What a payment may be
-- ---------------------------------------------------------------------------
select throws_ok($$select pg_temp.pay('c4000000-0000-4000-8000-0000000000d1', 100, 'X-1')$$,
  'P0001', 'A payment cannot be recorded against a draft invoice', 'no payment on a draft');
select throws_ok($$select pg_temp.pay('c4000000-0000-4000-8000-0000000000b4', 100, 'X-2')$$,
  'P0001', 'A payment cannot be recorded against a credit note (AV-2026-00001)', 'no payment on a credit note');
select throws_ok($$insert into public.payments (org_id, amount_cents, method, paid_on) values ('c4000000-0000-4000-8000-0000000000f0', 100, 'cash', '2026-04-01')$$,
  '23514', null, 'an unmatched payment needs its external reference');
select throws_ok($$select pg_temp.pay('c4000000-0000-4000-8000-0000000000a7', 100, 'VIR-P1')$$,
  '23505', null, 'an external reference is unique in the organization (a statement imported twice counts once)');
select lives_ok($$insert into public.payments (org_id, amount_cents, method, paid_on, external_ref)
                  values ('a0000000-0000-4000-8000-0000000000a0', 100, 'transfer', '2026-04-01', 'VIR-P1')$$,
  '… but another organization may have the same reference');
select throws_ok($$select pg_temp.pay('c4000000-0000-4000-8000-0000000000a7', 0, 'X-3')$$,
  '23514', null, 'an amount is positive');
select throws_ok($$insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000a7', 100, 'bitcoin', '2026-04-01')$$,
  '23514', null, 'the method is one of transfer, card, cheque, cash, direct_debit');
select throws_ok($$insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on)
                   values ('a0000000-0000-4000-8000-0000000000a0', 'c4000000-0000-4000-8000-0000000000a7', 100, 'cash', '2026-04-01')$$,
  '23503', null, 'a payment cannot point at another organization''s invoice');
select throws_ok($$update public.payments set amount_cents = 1 where external_ref = 'VIR-P1' and org_id = 'c4000000-0000-4000-8000-0000000000f0'$$,
  'P0001', 'Payment VIR-P1 is recorded: only matching an unmatched payment to an invoice is allowed', 'a recorded amount never changes');
select throws_ok($$update public.payments set invoice_id = 'c4000000-0000-4000-8000-0000000000a7' where external_ref = 'VIR-P1' and org_id = 'c4000000-0000-4000-8000-0000000000f0'$$,
  'P0001', 'Payment VIR-P1 is recorded: only matching an unmatched payment to an invoice is allowed', 'a matched payment is not moved to another invoice');
select throws_ok($$delete from public.payments where external_ref = 'VIR-P1' and org_id = 'c4000000-0000-4000-8000-0000000000f0'$$,
  'P0001', 'Payment VIR-P1 is matched to an invoice and cannot be deleted', 'a matched payment is not deleted');
select throws_like($$delete from public.payments where id = 'c4000000-0000-4000-8000-0000000000e3'$$,
  'Payment BANK-3 is posted to the bank journal (entry BQ 2026-%) and cannot be deleted',
  'an unmatched payment is not deleted either: its receipt is in the bank journal, which is append-only');
select is((select count(*) from public.payments where id = 'c4000000-0000-4000-8000-0000000000e3'), 1::bigint,
  '… and it is still there');

-- ---------------------------------------------------------------------------
-- Reconciliation
-- ---------------------------------------------------------------------------
create temporary table t_run (n int primary key, report jsonb) on commit drop;
insert into t_run values (1, public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0'));
create temporary table t_rows on commit drop as
  select id, ctid::text as row_ctid, status from public.invoices where org_id = 'c4000000-0000-4000-8000-0000000000f0';

select results_eq(
  $$select right(id::text, 2), status::text, paid_at is not null from public.invoices
    where org_id = 'c4000000-0000-4000-8000-0000000000f0' and kind = 'invoice' order by id$$,
  $$values ('a1', 'paid', true), ('a2', 'partially_paid', false), ('a3', 'paid', true), ('a4', 'paid', true),
           ('a5', 'issued', false), ('a6', 'paid', true), ('a7', 'sent', false), ('d1', 'draft', false)$$,
  'invoices move forward from their payments net of credit notes; unsent, unpaid and draft ones stay');
select is((select (report ->> 'paid_count')::int from t_run where n = 1), 4, 'the report counts the paid invoices');
select is((select report -> 'partial' from t_run where n = 1),
  jsonb_build_array(jsonb_build_object('invoice_id', 'c4000000-0000-4000-8000-0000000000a2', 'number', 'FAC-2026-00002',
    'status', 'partially_paid', 'due_cents', 6000, 'received_cents', 2500, 'remaining_cents', 3500)),
  'partially paid invoices are reported with what remains');
select is((select report -> 'overpaid' from t_run where n = 1),
  jsonb_build_array(jsonb_build_object('invoice_id', 'c4000000-0000-4000-8000-0000000000a3', 'number', 'FAC-2026-00003',
    'status', 'paid', 'due_cents', 3000, 'received_cents', 4000, 'excess_cents', 1000)),
  'over-paid invoices are reported with the excess');
select is((select report -> 'awaiting_pdf' from t_run where n = 1),
  jsonb_build_array(jsonb_build_object('invoice_id', 'c4000000-0000-4000-8000-0000000000a5', 'number', 'FAC-2026-00005',
    'due_cents', 1200, 'received_cents', 1200)),
  'money received on an invoice not sent yet is reported, and the invoice is not marked paid before its PDF exists');
select is((select report -> 'unmatched' from t_run where n = 1),
  jsonb_build_array(
    jsonb_build_object('payment_id', 'c4000000-0000-4000-8000-0000000000e1', 'external_ref', 'BANK-1', 'amount_cents', 777,
                       'paid_on', '2026-04-21', 'method', 'transfer', 'label', 'VIR INCONNU'),
    jsonb_build_object('payment_id', 'c4000000-0000-4000-8000-0000000000e2', 'external_ref', 'BANK-2', 'amount_cents', 3500,
                       'paid_on', '2026-04-22', 'method', 'transfer', 'label', 'VIR COPRO TEST SOLDE'),
    jsonb_build_object('payment_id', 'c4000000-0000-4000-8000-0000000000e3', 'external_ref', 'BANK-3', 'amount_cents', 100,
                       'paid_on', '2026-04-23', 'method', 'cash', 'label', 'saisie en double')),
  'unmatched payments are reported');

-- Idempotent: same report, no row rewritten.
insert into t_run values (2, public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0'));
select is((select report from t_run where n = 2), (select report from t_run where n = 1), 'a second run reports exactly the same');
select is(
  (select count(*)::int from t_rows r join public.invoices i on i.id = r.id where i.ctid::text <> r.row_ctid),
  0, 'a second run rewrites no invoice row');
insert into t_run values (3, public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0'));
select is((select report from t_run where n = 3), (select report from t_run where n = 1), 'and a third one too');

-- Matching the balance completes the partially paid invoice.
select lives_ok($$update public.payments set invoice_id = 'c4000000-0000-4000-8000-0000000000a2' where id = 'c4000000-0000-4000-8000-0000000000e2'$$,
  'an unmatched payment can be matched to an invoice');
select is((select matched_at is not null from public.payments where id = 'c4000000-0000-4000-8000-0000000000e2'), true,
  '… and records when');
select throws_ok($$update public.payments set invoice_id = 'c4000000-0000-4000-8000-0000000000a7' where id = 'c4000000-0000-4000-8000-0000000000e2'$$,
  'P0001', 'Payment BANK-2 is recorded: only matching an unmatched payment to an invoice is allowed', 'it is matched once');
select throws_ok($$update public.payments set invoice_id = 'c4000000-0000-4000-8000-0000000000b4' where id = 'c4000000-0000-4000-8000-0000000000e1'$$,
  'P0001', 'A payment cannot be recorded against a credit note (AV-2026-00001)', 'matching follows the same rules as recording');
insert into t_run values (4, public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0'));
select is((select status::text from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a2'), 'paid',
  'the next run marks it paid');
select results_eq(
  $$select (report ->> 'paid_count')::int, report -> 'partial', jsonb_array_length(report -> 'unmatched') from t_run where n = 4$$,
  $$values (5, '[]'::jsonb, 2)$$, 'and the report follows');

-- Status only moves forward: a paid invoice stays paid whatever happens next.
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b1', 1000, true, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
insert into t_run values (5, public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0'));
select results_eq(
  $$select status::text from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values ('paid'::text)$$, 'a credit note after payment leaves the invoice paid…');
select is((select report -> 'overpaid' -> 0 ->> 'number' from t_run where n = 5), 'FAC-2026-00001',
  '… and reports it over-paid (a refund is due)');
select is((select ok from public.verify_invoice_chain('c4000000-0000-4000-8000-0000000000f0')), true,
  'payment statuses do not touch the hash chain');

-- The payment states need a sent invoice: even the check constraint says so.
set local session_replication_role = replica;
select throws_ok($$update public.invoices set status = 'paid', paid_at = now() where id = 'c4000000-0000-4000-8000-0000000000a5'$$,
  '23514', null, 'no invoice is paid without its PDF hash (check constraint)');
reset session_replication_role;
select throws_ok($$update public.invoices set status = 'paid', paid_at = now() where id = 'c4000000-0000-4000-8000-0000000000a7'$$,
  'P0001', 'Invoice FAC-2026-00007 is locked (status: sent)', 'only reconcile_payments() marks an invoice paid');

-- Who may reconcile.
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002', 'select public.reconcile_payments(''a0000000-0000-4000-8000-0000000000a0'')')$$,
  '42501', 'Permission denied: reconcile_payments requires one of the roles owner, admin, accountant',
  'a dispatcher cannot reconcile payments');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000005', 'select public.reconcile_payments(''a0000000-0000-4000-8000-0000000000a0'')')$$,
  'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found',
  'another organization''s accountant cannot reconcile this one');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.reconcile_payments(''a0000000-0000-4000-8000-0000000000a0'')') ->> 'org_id',
  'a0000000-0000-4000-8000-0000000000a0', 'the organization''s accountant reconciles');
select ok(not has_function_privilege('anon', 'public.reconcile_payments(uuid)', 'execute')
          and not has_table_privilege('anon', 'public.payments', 'select')
          and not has_column_privilege('authenticated', 'public.invoices', 'status', 'update'),
  'anon cannot reconcile nor read payments; invoice status moves only through the invoicing functions');

select * from finish();
rollback;

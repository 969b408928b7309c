-- Ledger postings: issuing an invoice posts VT (411 / 706 services, 707 goods
-- / 44571), a credit note AV (709 and VAT back, 411 credited), a payment
-- matched to an invoice BQ (512 / 411); the invoice's 411 lines are lettered
-- once they balance. An organization on VAT on receipts books service VAT on
-- 44574 and moves the paid share to 44571 with each payment. Entry numbers
-- run 1, 2, 3… per journal and fiscal year. Settings refusals.
begin;
select plan(26);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate) values
  ('c1700000-0000-4000-8000-0000000000f1', 'Ledger Débits', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00),
  ('c1700000-0000-4000-8000-0000000000f2', 'Ledger Encaissements', 'SAS', '552100554', 'FR72552100554', '5 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c1700000-0000-4000-8000-0000000000c1', 'c1700000-0000-4000-8000-0000000000f1', 'Copropriété Un', '301120077', '10 rue Client', '69007', 'Lyon'),
  ('c1700000-0000-4000-8000-0000000000c2', 'c1700000-0000-4000-8000-0000000000f1', 'Copropriété Deux', '301120143', '11 rue Client', '69007', 'Lyon'),
  ('c1700000-0000-4000-8000-0000000000c3', 'c1700000-0000-4000-8000-0000000000f2', 'Hôtel Trois', '301120218', '12 rue Client', '69007', 'Lyon');
insert into public.stock_items (id, org_id, sku, name, price_cents, vat_rate) values
  ('c1700000-0000-4000-8000-0000000000e1', 'c1700000-0000-4000-8000-0000000000f1', 'VANNE', 'Vanne', 5000, 20),
  ('c1700000-0000-4000-8000-0000000000e2', 'c1700000-0000-4000-8000-0000000000f2', 'VANNE', 'Vanne', 5000, 20);

-- A document with a service line (p_service cents) and, when p_goods > 0, a
-- stock item line, both at 20 %; issued and sent.
create function pg_temp.doc(p_org uuid, p_client uuid, p_id uuid, p_service bigint, p_goods bigint,
                            p_kind public.invoice_kind default 'invoice', p_credited uuid default null) returns uuid
language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values (p_id, p_org, p_client, p_kind, p_credited, '2026-04-01', '2026-03-30');
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
  values (p_org, p_id, 1, 'Main d''œuvre', 1, p_service, 20);
  if p_goods > 0 then
    insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate, stock_item_id)
    select p_org, p_id, 2, 'Vanne', 1, p_goods, 20, i.id from public.stock_items i where i.org_id = p_org and i.sku = 'VANNE';
  end if;
  perform public.issue_invoice(p_id);
  perform public.mark_invoice_sent(p_id, encode(sha256(p_id::text::bytea), 'hex'));
  return p_id;
end $$;
create function pg_temp.pay(p_org uuid, p_invoice uuid, p_cents bigint, p_ref text, p_on date default '2026-04-20') returns uuid
language sql as $$
  insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
  values (p_org, p_invoice, p_cents, 'transfer', p_on, p_ref) returning id
$$;
-- The lines of the entry a document or payment posted: account, aux, debit, credit, lettering.
create function pg_temp.lines(p_where text) returns table (account text, aux text, debit bigint, credit bigint, letter text)
language plpgsql as $$
begin
  return query execute
    'select l.account_number, l.aux_number, l.debit_cents, l.credit_cents, l.lettering_code
     from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
     where ' || p_where || ' order by l.line_number';
end $$;

-- ---------------------------------------------------------------------------
-- Taxed on debits (the default): invoice, credit note, payment
-- ---------------------------------------------------------------------------
select pg_temp.doc('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000c1',
                   'c1700000-0000-4000-8000-0000000000a1', 10000, 5000);

select results_eq(
  $$select journal_code, entry_number, entry_date, piece_ref, fiscal_year from public.ledger_entries
    where invoice_id = 'c1700000-0000-4000-8000-0000000000a1'$$,
  $$values ('VT'::text, 1::bigint, '2026-04-01'::date, 'FAC-2026-00001'::text, 2026)$$,
  'issuing the invoice posts one VT entry, number 1, dated and referenced by the invoice');
select results_eq(
  $$select * from pg_temp.lines('e.invoice_id = ''c1700000-0000-4000-8000-0000000000a1''')$$,
  $$values ('411'::text, 'C00001'::text, 18000::bigint, 0::bigint, null::text),
           ('706', null, 0, 10000, null), ('707', null, 0, 5000, null), ('44571', null, 0, 3000, null)$$,
  'VT: the client (auxiliary account) is debited the total, services 706 and goods 707 credited before VAT, VAT on 44571');

select pg_temp.doc('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000c1',
                   'c1700000-0000-4000-8000-0000000000b1', 1000, 0, 'credit_note', 'c1700000-0000-4000-8000-0000000000a1');
select results_eq(
  $$select journal_code, entry_number, piece_ref from public.ledger_entries where invoice_id = 'c1700000-0000-4000-8000-0000000000b1'$$,
  $$values ('AV'::text, 1::bigint, 'AV-2026-00001'::text)$$,
  'the credit note posts in its own journal AV, number 1');
select results_eq(
  $$select * from pg_temp.lines('e.invoice_id = ''c1700000-0000-4000-8000-0000000000b1''')$$,
  $$values ('411'::text, 'C00001'::text, 0::bigint, 1200::bigint, null::text), ('709', null, 1000, 0, null), ('44571', null, 200, 0, null)$$,
  'AV: rebates 709 and the VAT are debited, the client credited');
select is((select l.invoice_id from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.invoice_id = 'c1700000-0000-4000-8000-0000000000b1' and l.account_number = '411'),
          'c1700000-0000-4000-8000-0000000000a1'::uuid,
          'the credit note''s 411 line settles the invoice it credits');

select pg_temp.pay('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000a1', 10000, 'VIR-1', '2026-04-10');
select results_eq(
  $$select * from pg_temp.lines('e.journal_code = ''BQ'' and e.org_id = ''c1700000-0000-4000-8000-0000000000f1''')$$,
  $$values ('512'::text, null::text, 10000::bigint, 0::bigint, null::text), ('411', 'C00001', 0, 10000, null)$$,
  'BQ: the bank is debited, the client credited; a partial payment letters nothing');
select pg_temp.pay('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000a1', 6800, 'VIR-2', '2026-04-25');
select results_eq(
  $$select e.journal_code, e.entry_number, l.lettering_code, l.lettering_date
    from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
    where l.invoice_id = 'c1700000-0000-4000-8000-0000000000a1' and l.account_number = '411'
    order by e.validated_at$$,
  $$values ('VT'::text, 1::bigint, 'A'::text, '2026-04-25'::date), ('AV', 1, 'A', '2026-04-25'),
           ('BQ', 1, 'A', '2026-04-25'), ('BQ', 2, 'A', '2026-04-25')$$,
  'once the invoice, its credit note and its payments balance, their 411 lines share one lettering code and the settling date');

-- A second client gets the next auxiliary account; numbers continue per journal.
select pg_temp.doc('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000c2',
                   'c1700000-0000-4000-8000-0000000000a2', 2000, 0);
select results_eq(
  $$select * from pg_temp.lines('e.invoice_id = ''c1700000-0000-4000-8000-0000000000a2'' and e.journal_code = ''VT''')$$,
  $$values ('411'::text, 'C00002'::text, 2400::bigint, 0::bigint, null::text), ('706', null, 0, 2000, null), ('44571', null, 0, 400, null)$$,
  'another client gets the next auxiliary account C00002');
select is((select entry_number from public.ledger_entries where invoice_id = 'c1700000-0000-4000-8000-0000000000a2'), 2::bigint,
          'the second invoice is VT entry 2');

-- An imported payment posts its receipt on the suspense account at once, and
-- moves to the client when it is matched (in detail: 256-ledger-suspense-receipts.sql).
insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref)
values ('c1700000-0000-4000-8000-0000000000d1', 'c1700000-0000-4000-8000-0000000000f1', null, 2400, 'transfer', '2026-05-02', 'BANK-UNMATCHED');
select is((select count(*) from public.ledger_entries where payment_id = 'c1700000-0000-4000-8000-0000000000d1'), 1::bigint,
          'an unmatched payment posts one entry: its receipt');
update public.payments set invoice_id = 'c1700000-0000-4000-8000-0000000000a2' where id = 'c1700000-0000-4000-8000-0000000000d1';
select results_eq(
  $$select e.journal_code, e.entry_number, e.entry_date, e.piece_ref from public.ledger_entries e
    where e.payment_id = 'c1700000-0000-4000-8000-0000000000d1' order by e.entry_number$$,
  $$values ('BQ'::text, 3::bigint, '2026-05-02'::date, 'BANK-UNMATCHED'::text),
           ('BQ', 4, (now() at time zone 'Europe/Paris')::date, 'BANK-UNMATCHED')$$,
  'BQ entry 3 is the receipt, dated the day the money arrived; matching it posts BQ entry 4, dated the day of the matching; both referenced by the bank reference');
select is((select array_agg(distinct l.lettering_code) from public.ledger_lines l
           where l.invoice_id = 'c1700000-0000-4000-8000-0000000000a2' and l.account_number = '411'),
          array['B'], 'the settled second invoice gets the next lettering code B');

select is((select count(*) from (
             select e.id from public.ledger_entries e join public.ledger_lines l on l.entry_id = e.id
             where e.org_id = 'c1700000-0000-4000-8000-0000000000f1'
             group by e.id having sum(l.debit_cents) <> sum(l.credit_cents)) unbalanced), 0::bigint,
          'every entry balances');
select lives_ok('set constraints all immediate', 'the deferred balance checks pass for every posting');
set constraints all deferred;

-- ---------------------------------------------------------------------------
-- VAT on receipts for services
-- ---------------------------------------------------------------------------
select is(public.set_accounting_settings('c1700000-0000-4000-8000-0000000000f2', true) ->> 'vat_on_receipts', 'true',
          'an organization opts for VAT on receipts');
select pg_temp.doc('c1700000-0000-4000-8000-0000000000f2', 'c1700000-0000-4000-8000-0000000000c3',
                   'c1700000-0000-4000-8000-0000000000a3', 10000, 5000);
select results_eq(
  $$select * from pg_temp.lines('e.invoice_id = ''c1700000-0000-4000-8000-0000000000a3'' and e.journal_code = ''VT''')$$,
  $$values ('411'::text, 'C00001'::text, 18000::bigint, 0::bigint, null::text), ('706', null, 0, 10000, null),
           ('707', null, 0, 5000, null), ('44571', null, 0, 1000, null), ('44574', null, 0, 2000, null)$$,
  'VAT on receipts: goods VAT is collected at invoicing (44571), service VAT waits on 44574');
select pg_temp.pay('c1700000-0000-4000-8000-0000000000f2', 'c1700000-0000-4000-8000-0000000000a3', 6000, 'VIR-3a');
select results_eq(
  $$select * from pg_temp.lines('e.payment_id = (select id from public.payments where external_ref = ''VIR-3a'')')$$,
  $$values ('512'::text, null::text, 6000::bigint, 0::bigint, null::text), ('411', 'C00001', 0, 6000, null),
           ('44574', null, 667, 0, null), ('44571', null, 0, 667, null)$$,
  'a third of the invoice paid moves a third of the pending service VAT (666.67 rounded) to 44571');
select pg_temp.pay('c1700000-0000-4000-8000-0000000000f2', 'c1700000-0000-4000-8000-0000000000a3', 12000, 'VIR-3b');
select results_eq(
  $$select * from pg_temp.lines('e.payment_id = (select id from public.payments where external_ref = ''VIR-3b'')')$$,
  $$values ('512'::text, null::text, 12000::bigint, 0::bigint, null::text), ('411', 'C00001', 0, 12000, 'A'),
           ('44574', null, 1333, 0, null), ('44571', null, 0, 1333, null)$$,
  'the payment that settles the invoice moves the rest: nothing is left pending, nothing lost to rounding');
select is((select sum(l.debit_cents - l.credit_cents) from public.ledger_lines l
           where l.org_id = 'c1700000-0000-4000-8000-0000000000f2' and l.account_number = '44574'), 0::numeric,
          '44574 is back to zero once the invoice is paid');
select is((select sum(l.credit_cents - l.debit_cents) from public.ledger_lines l
           where l.org_id = 'c1700000-0000-4000-8000-0000000000f2' and l.account_number = '44571'), 3000::numeric,
          'all of the invoice''s VAT is now collected on 44571');

-- Custom account numbers apply to later postings.
select is(public.set_accounting_settings('c1700000-0000-4000-8000-0000000000f1', null, '{"bank": "5121", "services": "706100"}') #>> '{accounts,bank}',
          '5121', 'the bank account can be mapped to a sub-account');
select pg_temp.pay('c1700000-0000-4000-8000-0000000000f1', 'c1700000-0000-4000-8000-0000000000a2', 100, 'VIR-EXTRA');
select is((select l.account_number from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           join public.payments p on p.id = e.payment_id where p.external_ref = 'VIR-EXTRA' and l.debit_cents > 0),
          '5121', 'later payments post on the mapped bank account');

-- ---------------------------------------------------------------------------
-- Settings refusals
-- ---------------------------------------------------------------------------
select throws_ok($$select public.set_accounting_settings('c1700000-0000-4000-8000-0000000000f1', null, '{"cash": "530"}')$$,
                 '22023', 'Unknown account: cash (expected clients, services, goods, rebates, vat_collected, vat_pending, bank, suspense)',
                 'an unknown account key is refused');
select throws_ok($$select public.set_accounting_settings('c1700000-0000-4000-8000-0000000000f1', null, '{"services": "601"}')$$,
                 '23514', null, 'a services account outside 706 (here a purchase account) is refused');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000005',
  $$select public.set_accounting_settings('a0000000-0000-4000-8000-0000000000a0', true)$$,
  '42501', 'Permission denied: set_accounting_settings requires one of the roles owner, admin', 'an accountant cannot change the settings');
select tests.throws_as_user('b0000000-0000-4000-8000-000000000001',
  $$select public.set_accounting_settings('a0000000-0000-4000-8000-0000000000a0', true)$$,
  'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s owner learns nothing');

select * from finish();
rollback;

-- Bank receipts not yet matched to an invoice: a payment recorded without its
-- invoice posts BQ at its date, bank debited, suspense account (471)
-- credited, no invoice, no auxiliary account; matching it posts BQ on the day
-- of the matching, suspense debited, client (411, auxiliary) credited, plus
-- the VAT-on-receipts transfer, then letters the invoice; the suspense line is
-- never lettered. A payment recorded with its invoice posts 512 / 411 as
-- before. Every entry balances, BQ numbers run without gaps in each fiscal
-- year. The suspense account is mapped like the others, within class 47, and
-- a posted payment is never deleted.
begin;
select plan(25);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate, timezone) values
  ('c2560000-0000-4000-8000-0000000000f1', 'Attente Débits', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00, 'Europe/Paris'),
  ('c2560000-0000-4000-8000-0000000000f2', 'Attente Encaissements', 'SAS', '552100554', 'FR72552100554', '5 quai Test', '69005', 'Lyon', 10.00, 'Pacific/Kiritimati');
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c2560000-0000-4000-8000-0000000000c1', 'c2560000-0000-4000-8000-0000000000f1', 'Copropriété Un', '301120077', '10 rue Client', '69007', 'Lyon'),
  ('c2560000-0000-4000-8000-0000000000c2', 'c2560000-0000-4000-8000-0000000000f2', 'Hôtel Deux', '301120143', '11 rue Client', '69007', 'Lyon');

-- An invoice of one service line at 20 %, issued and sent.
create function pg_temp.invoice(p_org uuid, p_client uuid, p_id uuid, p_service bigint) returns uuid
language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, issue_date, service_date)
  values (p_id, p_org, p_client, 'invoice', '2026-04-01', '2026-03-30');
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
  values (p_org, p_id, 1, 'Main d''œuvre', 1, p_service, 20);
  perform public.issue_invoice(p_id);
  perform public.mark_invoice_sent(p_id, encode(sha256(p_id::text::bytea), 'hex'));
  return p_id;
end $$;
create function pg_temp.receive(p_org uuid, p_id uuid, p_cents bigint, p_ref text, p_on date, p_invoice uuid default null) returns uuid
language sql as $$
  insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref)
  values (p_id, p_org, p_invoice, p_cents, 'transfer', p_on, p_ref) returning id
$$;
-- The lines of the entries a payment posted, in entry then line order.
create function pg_temp.lines(p_payment uuid) returns table (entry bigint, account text, aux text, debit bigint, credit bigint, invoice boolean, letter text)
language sql as $$
  select e.entry_number, l.account_number, l.aux_number, l.debit_cents, l.credit_cents, l.invoice_id is not null, l.lettering_code
  from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
  where e.payment_id = p_payment order by e.entry_number, l.line_number
$$;

select pg_temp.invoice('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000c1',
                       'c2560000-0000-4000-8000-0000000000a1', 10000);
select pg_temp.invoice('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000c1',
                       'c2560000-0000-4000-8000-0000000000a2', 5000);

-- ---------------------------------------------------------------------------
-- An unmatched receipt: 512 / 471 at its date, once
-- ---------------------------------------------------------------------------
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000d1', 12000, 'BANK-1', '2026-04-10');
select results_eq(
  $$select journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id
    from public.ledger_entries where payment_id = 'c2560000-0000-4000-8000-0000000000d1'$$,
  $$values ('BQ'::text, 2026, 1::bigint, '2026-04-10'::date, 'BANK-1'::text, '2026-04-10'::date,
            'Encaissement à affecter BANK-1'::text, null::uuid)$$,
  'an unmatched payment posts one BQ entry at its payment date, labelled as a receipt to assign, with no invoice');
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000d1')$$,
  $$values (1::bigint, '512'::text, null::text, 12000::bigint, 0::bigint, false, null::text),
           (1, '471', null, 0, 12000, false, null)$$,
  'the receipt debits the bank and credits the suspense account 471, without auxiliary account nor invoice');
select is((select account_label from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.payment_id = 'c2560000-0000-4000-8000-0000000000d1' and l.account_number = '471'),
          'Compte d''attente', 'the suspense account is labelled "Compte d''attente"');

-- A payment recorded with its invoice posts as before: 512 / 411 at its date.
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000d2', 6000, 'VIR-2', '2026-04-12',
                       'c2560000-0000-4000-8000-0000000000a2');
select results_eq(
  $$select e.entry_number, e.entry_date, e.label, e.invoice_id is not null from public.ledger_entries e
    where e.payment_id = 'c2560000-0000-4000-8000-0000000000d2'$$,
  $$values (2::bigint, '2026-04-12'::date, 'Règlement FAC-2026-00002 Copropriété Un'::text, true)$$,
  'a payment recorded with its invoice posts one BQ entry, the next number, at its payment date');
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000d2')$$,
  $$values (2::bigint, '512'::text, null::text, 6000::bigint, 0::bigint, true, null::text),
           (2, '411', 'C00001', 0, 6000, true, 'A')$$,
  '… bank debited, client credited, and the settled invoice lettered: nothing on the suspense account');

-- ---------------------------------------------------------------------------
-- Matching it: 471 / 411 on the day of the matching, then lettering
-- ---------------------------------------------------------------------------
update public.payments set invoice_id = 'c2560000-0000-4000-8000-0000000000a1' where id = 'c2560000-0000-4000-8000-0000000000d1';
select results_eq(
  $$select entry_number, entry_date, piece_ref, piece_date, label, invoice_id from public.ledger_entries
    where payment_id = 'c2560000-0000-4000-8000-0000000000d1' order by entry_number$$,
  $$values (1::bigint, '2026-04-10'::date, 'BANK-1'::text, '2026-04-10'::date, 'Encaissement à affecter BANK-1'::text, null::uuid),
           (3, (now() at time zone 'Europe/Paris')::date, 'BANK-1', '2026-04-10', 'Affectation règlement FAC-2026-00001 Copropriété Un',
            'c2560000-0000-4000-8000-0000000000a1')$$,
  'matching posts a second BQ entry, the next number, dated the day of the matching in the organization''s time zone; the receipt stays as it was');
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000d1')$$,
  $$values (1::bigint, '512'::text, null::text, 12000::bigint, 0::bigint, false, null::text),
           (1, '471', null, 0, 12000, false, null),
           (3, '471', null, 12000, 0, true, null),
           (3, '411', 'C00001', 0, 12000, true, 'B')$$,
  'the matching entry moves the amount from the suspense account to the client, and the settled invoice is lettered (B)');
select is((select array_agg(distinct l.lettering_code) from public.ledger_lines l
           where l.invoice_id = 'c2560000-0000-4000-8000-0000000000a1' and l.account_number = '411'),
          array['B'], 'the invoice''s 411 lines (VT debit, matching credit) share the lettering code');
select is((select lettering_date from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
           where e.payment_id = 'c2560000-0000-4000-8000-0000000000d1' and e.entry_number = 3 and l.account_number = '411'),
          (now() at time zone 'Europe/Paris')::date, 'lettered on the day of the matching');
select is((select sum(l.credit_cents - l.debit_cents) from public.ledger_lines l
           where l.org_id = 'c2560000-0000-4000-8000-0000000000f1' and l.account_number = '471'), 0::numeric,
          'once matched, nothing is left on the suspense account');
select is((select count(*) from public.ledger_lines l
           where l.org_id = 'c2560000-0000-4000-8000-0000000000f1' and l.account_number = '471' and l.lettering_code is not null), 0::bigint,
          'a suspense line is never lettered');

-- A receipt dated after today (a value date announced by the bank) is not
-- moved out of the suspense account before it was booked there.
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000d3', 100, 'BANK-3', '2990-01-04');
update public.payments set invoice_id = 'c2560000-0000-4000-8000-0000000000a2' where id = 'c2560000-0000-4000-8000-0000000000d3';
select results_eq(
  $$select fiscal_year, entry_number, entry_date from public.ledger_entries
    where payment_id = 'c2560000-0000-4000-8000-0000000000d3' order by entry_number$$,
  $$values (2990, 1::bigint, '2990-01-04'::date), (2990, 2, '2990-01-04')$$,
  'a receipt dated after the matching day is moved on its own date, and numbering starts again at 1 in its fiscal year');

-- ---------------------------------------------------------------------------
-- VAT on receipts: the matching moves the paid share of the pending VAT
-- ---------------------------------------------------------------------------
select public.set_accounting_settings('c2560000-0000-4000-8000-0000000000f2', true);
select pg_temp.invoice('c2560000-0000-4000-8000-0000000000f2', 'c2560000-0000-4000-8000-0000000000c2',
                       'c2560000-0000-4000-8000-0000000000b1', 10000);
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f2', 'c2560000-0000-4000-8000-0000000000e1', 3000, 'BANK-E1', '2026-04-15');
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f2', 'c2560000-0000-4000-8000-0000000000e2', 9000, 'BANK-E2', '2026-04-16');
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000e1')$$,
  $$values (1::bigint, '512'::text, null::text, 3000::bigint, 0::bigint, false, null::text), (1, '471', null, 0, 3000, false, null)$$,
  'VAT on receipts: the unassigned receipt moves no VAT (no invoice to take it from)');
update public.payments set invoice_id = 'c2560000-0000-4000-8000-0000000000b1' where id = 'c2560000-0000-4000-8000-0000000000e1';
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000e1')$$,
  $$values (1::bigint, '512'::text, null::text, 3000::bigint, 0::bigint, false, null::text), (1, '471', null, 0, 3000, false, null),
           (3, '471', null, 3000, 0, true, null), (3, '411', 'C00001', 0, 3000, true, null),
           (3, '44574', null, 500, 0, true, null), (3, '44571', null, 0, 500, true, null)$$,
  'matching a quarter of the invoice moves a quarter of its pending service VAT from 44574 to 44571');
update public.payments set invoice_id = 'c2560000-0000-4000-8000-0000000000b1' where id = 'c2560000-0000-4000-8000-0000000000e2';
select results_eq(
  $$select * from pg_temp.lines('c2560000-0000-4000-8000-0000000000e2')$$,
  $$values (2::bigint, '512'::text, null::text, 9000::bigint, 0::bigint, false, null::text), (2, '471', null, 0, 9000, false, null),
           (4, '471', null, 9000, 0, true, null), (4, '411', 'C00001', 0, 9000, true, 'A'),
           (4, '44574', null, 1500, 0, true, null), (4, '44571', null, 0, 1500, true, null)$$,
  'matching the rest moves the rest of the VAT and letters the invoice');
select is((select entry_date from public.ledger_entries
           where payment_id = 'c2560000-0000-4000-8000-0000000000e2' and entry_number = 4),
          (now() at time zone 'Pacific/Kiritimati')::date, 'the matching day is the organization''s own (its time zone)');
select is((select sum(l.debit_cents - l.credit_cents) from public.ledger_lines l
           where l.org_id = 'c2560000-0000-4000-8000-0000000000f2' and l.account_number = '44574'), 0::numeric,
          '44574 is back to zero once the invoice is settled');

-- ---------------------------------------------------------------------------
-- Every entry balances; BQ numbers run without gaps per fiscal year
-- ---------------------------------------------------------------------------
select is((select count(*) from (
             select e.id from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
             where e.org_id in ('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000f2')
             group by e.id having sum(l.debit_cents) <> sum(l.credit_cents)) unbalanced), 0::bigint,
          'every entry balances');
select lives_ok('set constraints all immediate', 'the deferred balance checks pass for every posting');
set constraints all deferred;
select results_eq(
  $$select org_id::text, fiscal_year, count(*), min(entry_number), max(entry_number) from public.ledger_entries
    where org_id in ('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000f2') and journal_code = 'BQ'
    group by org_id, fiscal_year order by 1, 2$$,
  $$values ('c2560000-0000-4000-8000-0000000000f1'::text, 2026, 3::bigint, 1::bigint, 3::bigint),
           ('c2560000-0000-4000-8000-0000000000f1', 2990, 2, 1, 2),
           ('c2560000-0000-4000-8000-0000000000f2', 2026, 4, 1, 4)$$,
  'BQ numbers run 1..n without gaps in each organization and fiscal year, receipts and matchings alike');

-- ---------------------------------------------------------------------------
-- The suspense account setting; a posted payment is not deleted
-- ---------------------------------------------------------------------------
select throws_ok($$select public.set_accounting_settings('c2560000-0000-4000-8000-0000000000f1', null, '{"suspense": "512"}')$$,
                 '23514', null, 'a suspense account outside class 47 (here the bank) is refused');
select is((select account_suspense from private.accounting_settings where org_id = 'c2560000-0000-4000-8000-0000000000f1'), '471',
          '… and the setting is unchanged');
select is(public.set_accounting_settings('c2560000-0000-4000-8000-0000000000f1', null, '{"suspense": "4718"}') #>> '{accounts,suspense}',
          '4718', 'the suspense account can be mapped to a sub-account of 47');
select pg_temp.receive('c2560000-0000-4000-8000-0000000000f1', 'c2560000-0000-4000-8000-0000000000d4', 250, 'BANK-4', '2026-05-02');
select throws_like($$delete from public.payments where id = 'c2560000-0000-4000-8000-0000000000d4'$$,
  'Payment BANK-4 is posted to the bank journal (entry BQ 2026-4) and cannot be deleted',
  'a posted unmatched payment is not deleted (the ledger is append-only)');
update public.payments set invoice_id = 'c2560000-0000-4000-8000-0000000000a2' where id = 'c2560000-0000-4000-8000-0000000000d4';
select is((select array_agg(l.account_number || ':' || l.debit_cents || ':' || l.credit_cents order by e.entry_number, l.line_number)
           from public.ledger_entries e join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
           where e.payment_id = 'c2560000-0000-4000-8000-0000000000d4'),
          array['512:250:0', '4718:0:250', '4718:250:0', '411:0:250'],
          'later receipts post on the mapped suspense account, and their matching moves them out of it');

select * from finish();
rollback;

-- Credit notes (invariant 5): a credit note credits an issued, non-credit
-- invoice of the same organization and client; all issued credit notes of an
-- invoice together never exceed its total TTC (checked at issue, the credited
-- invoice locked; concurrency in tests/integration/invoicing.test.ts).
begin;
select plan(21);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120705', '10 rue Client', '69007', 'Lyon'),
  ('c4000000-0000-4000-8000-0000000000c2', 'c4000000-0000-4000-8000-0000000000f0', 'Hôtel Test', '301120770', '11 rue Client', '69008', 'Lyon');

-- A document of one line at 20 % VAT (p_cents excl. VAT).
create function pg_temp.doc(p_id uuid, p_issue date, p_cents bigint, p_kind public.invoice_kind default 'invoice',
                            p_credited uuid default null, p_client uuid default 'c4000000-0000-4000-8000-0000000000c1')
returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values (p_id, 'c4000000-0000-4000-8000-0000000000f0', p_client, p_kind, p_credited, p_issue, '2026-03-01');
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c4000000-0000-4000-8000-0000000000f0', p_id, case p_kind when 'invoice' then 'Remplacement brûleur' else 'Remise' end, 1, p_cents, 20);
  return p_id;
end $$;

-- i1: 120.00 EUR TTC issued (client c1); i2: a draft (c1); i3: issued (client c2).
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a1', '2026-03-02', 10000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a2', '2026-03-02', 5000);
select pg_temp.doc('c4000000-0000-4000-8000-0000000000a3', '2026-03-02', 3000, 'invoice', null, 'c4000000-0000-4000-8000-0000000000c2');
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a1') is not null as i1;
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a3') is not null as i3;

-- ---------------------------------------------------------------------------
-- What a credit note may reference
-- ---------------------------------------------------------------------------
select throws_ok($$insert into public.invoices (org_id, client_id, kind) values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'credit_note')$$,
  '23514', 'A credit note must reference the invoice it credits', 'a credit note names the invoice it credits');
select throws_ok($$insert into public.invoices (org_id, client_id, kind, credited_invoice_id)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'invoice', 'c4000000-0000-4000-8000-0000000000a1')$$,
  '23514', null, 'an invoice does not credit anything');
select throws_ok($$insert into public.invoices (org_id, client_id, kind, credited_invoice_id)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'credit_note', 'c4000000-0000-4000-8000-0000000000a2')$$,
  'P0001', 'A credit note must reference an issued invoice: the credited invoice is a draft (edit or delete the draft instead)',
  'a draft invoice cannot be credited');
select throws_ok($$insert into public.invoices (org_id, client_id, kind, credited_invoice_id)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c2', 'credit_note', 'c4000000-0000-4000-8000-0000000000a1')$$,
  'P0001', 'A credit note must be for the client of the invoice it credits (FAC-2026-00001)',
  'a credit note is for the client of the credited invoice');
select throws_ok($$insert into public.invoices (org_id, client_id, kind, credited_invoice_id)
                   values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'credit_note', 'c4000000-0000-4000-8000-0000000000a1')$$,
  'P0002', 'Credited invoice c4000000-0000-4000-8000-0000000000a1 not found in this organization',
  'another organization''s invoice cannot be credited');
select throws_ok($$insert into public.invoices (org_id, client_id, kind, credited_invoice_id)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'credit_note', 'c4000000-0000-4000-8000-00000000dead')$$,
  'P0002', 'Credited invoice c4000000-0000-4000-8000-00000000dead not found in this organization',
  'an unknown invoice cannot be credited');

-- ---------------------------------------------------------------------------
-- The sum rule, at issue
-- ---------------------------------------------------------------------------
-- A draft may be larger than the invoice; issuing it is refused and costs no number.
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b0', '2026-03-03', 20000, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000b0')$$,
  'P0001', 'Credit notes for invoice FAC-2026-00001 would exceed its total: 120.00 EUR invoiced, 0.00 EUR already credited, 240.00 EUR on this credit note',
  'a credit note larger than the invoice is refused at issue');
select is((select status::text from public.invoices where id = 'c4000000-0000-4000-8000-0000000000b0'), 'draft',
  'the refused credit note stays a draft');

select pg_temp.doc('c4000000-0000-4000-8000-0000000000b1', '2026-03-03', 4000, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000b1') ->> 'number', 'AV-2026-00001',
  'a partial credit note (48.00 of 120.00) is issued, first of its series: the refused one took no number');
-- A credit note of the other invoice does not count against i1.
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b3', '2026-03-03', 3000, 'credit_note', 'c4000000-0000-4000-8000-0000000000a3',
                   'c4000000-0000-4000-8000-0000000000c2');
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000b3') ->> 'number', 'AV-2026-00002',
  'another invoice can be credited in full');
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b2', '2026-03-04', 6000, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000b2') ->> 'number', 'AV-2026-00003',
  'credit notes may add up exactly to the invoice total (48.00 + 72.00 = 120.00), drafts not counted');
select pg_temp.doc('c4000000-0000-4000-8000-0000000000b4', '2026-03-04', 1, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000b4')$$,
  'P0001', 'Credit notes for invoice FAC-2026-00001 would exceed its total: 120.00 EUR invoiced, 120.00 EUR already credited, 0.01 EUR on this credit note',
  'one cent more than the invoice total is refused');
select is(
  (select sum(total_ttc_cents)::bigint from public.invoices
   where credited_invoice_id = 'c4000000-0000-4000-8000-0000000000a1' and status <> 'draft'),
  (select total_ttc_cents from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'),
  'issued credit notes of the invoice total exactly its amount, never more');
select is(
  (select array_agg(sequence order by sequence) from public.invoices
   where org_id = 'c4000000-0000-4000-8000-0000000000f0' and series = 'AV' and status <> 'draft'),
  array[1, 2, 3]::bigint[], 'the AV series stayed gapless through the refusals');

-- ---------------------------------------------------------------------------
-- An issued credit note is a locked document
-- ---------------------------------------------------------------------------
select throws_ok($$update public.invoices set credited_invoice_id = 'c4000000-0000-4000-8000-0000000000a3' where id = 'c4000000-0000-4000-8000-0000000000b1'$$,
  'P0001', 'Invoice AV-2026-00001 is locked (status: issued)', 'an issued credit note cannot be re-pointed');
select throws_ok($$update public.invoice_lines set unit_price_cents = 1 where invoice_id = 'c4000000-0000-4000-8000-0000000000b1'$$,
  'P0001', 'Invoice AV-2026-00001 is locked (status: issued)', 'its lines cannot change');
select throws_ok($$delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000b1'$$,
  'P0001', 'Invoice AV-2026-00001 is locked (status: issued)', 'it cannot be deleted');
select is(public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000b1', repeat('ab', 32)) ->> 'number', 'AV-2026-00001',
  'a credit note is sent like an invoice (PDF hash)');
set local session_replication_role = replica;
select throws_ok($$update public.invoices set status = 'paid', paid_at = now() where id = 'c4000000-0000-4000-8000-0000000000b1'$$,
  '23514', null, 'a credit note is never "paid" (check constraint, even without triggers)');
reset session_replication_role;

-- A draft credit note cannot be re-pointed at a draft either.
select throws_ok($$update public.invoices set credited_invoice_id = 'c4000000-0000-4000-8000-0000000000a2' where id = 'c4000000-0000-4000-8000-0000000000b0'$$,
  'P0001', 'A credit note must reference an issued invoice: the credited invoice is a draft (edit or delete the draft instead)',
  'a draft credit note keeps to the same rules when edited');
select throws_ok($$update public.invoices set kind = 'credit_note', credited_invoice_id = 'c4000000-0000-4000-8000-0000000000a3' where id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', 'A credit note must be for the client of the invoice it credits (FAC-2026-00002)',
  'a draft invoice turned into a credit note is validated too');

select * from finish();
rollback;

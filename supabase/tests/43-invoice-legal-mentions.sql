-- Legal mentions (CGI ann. II art. 242 nonies A; C. com. L441-9, L441-10,
-- D441-5): issuing is refused, with the list of what is missing, unless the
-- seller's identity (name, address, SIREN, VAT number, late-penalty rate), the
-- client's name and address (and a business client's SIREN:
-- 255-client-siren-mention.sql), the service date and a due date within 60 days
-- are there; the issued document freezes them, with the 40 EUR recovery
-- indemnity sentence, in legal_mentions.
begin;
select plan(23);

-- f0: complete legal identity. f9: no SIREN (its VAT number alone is not enough).
insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                  address_line1, postal_code, city, late_penalty_rate) values
  ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', 500000, '443061841', '44306184100047', 'FR40443061841', 'Lyon',
   '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.organizations (id, name, vat_number, address_line1, postal_code, city, late_penalty_rate) values
  ('c4000000-0000-4000-8000-0000000000f9', 'Sans Siren SARL', 'FR40443061841', '9 rue Test', '69009', 'Lyon', 12.00);
insert into public.organizations (id, name) values
  ('c4000000-0000-4000-8000-0000000000f8', 'Rien du Tout');
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '380129866', '10 rue Client', '69007', 'Lyon'),
  ('c4000000-0000-4000-8000-0000000000c2', 'c4000000-0000-4000-8000-0000000000f0', 'Client Sans Adresse', '301121059', null, null, null),
  ('c4000000-0000-4000-8000-0000000000c9', 'c4000000-0000-4000-8000-0000000000f9', 'Client F9', '301121125', '1 rue X', '69001', 'Lyon'),
  ('c4000000-0000-4000-8000-0000000000c8', 'c4000000-0000-4000-8000-0000000000f8', 'Client F8', '301121190', '1 rue Y', '69001', 'Lyon');

create function pg_temp.draft(p_id uuid, p_org uuid, p_client uuid, p_issue date, p_service date,
                              p_due date default null, p_kind public.invoice_kind default 'invoice', p_credited uuid default null)
returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date, due_date)
  values (p_id, p_org, p_client, p_kind, p_credited, p_issue, p_service, p_due);
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values (p_org, p_id, 'Prestation test', 1, 10000, 20);
  return p_id;
end $$;

select pg_temp.draft('c4000000-0000-4000-8000-0000000000a1', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', '2026-03-01', '2026-02-27');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a2', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', '2026-03-02', null);
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a3', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c2', '2026-03-02', '2026-03-02');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a4', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', '2026-03-02', '2026-03-02', '2026-05-15');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000b1', 'c4000000-0000-4000-8000-0000000000f9', 'c4000000-0000-4000-8000-0000000000c9', '2026-03-02', '2026-03-02');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000b2', 'c4000000-0000-4000-8000-0000000000f8', 'c4000000-0000-4000-8000-0000000000c8', '2026-03-02', '2026-03-02');

-- ---------------------------------------------------------------------------
-- Drafts say whether they are ready
-- ---------------------------------------------------------------------------
select is((select legal_mentions_ok from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'), true,
  'a draft with every mention available is legal_mentions_ok');
select is((select legal_mentions_ok from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a2'), false,
  'a draft without service date is not');
select is((select legal_mentions_ok from public.invoices where id = 'c4000000-0000-4000-8000-0000000000b1'), false,
  'a draft of an organization without SIREN is not');

-- ---------------------------------------------------------------------------
-- Issuing is refused, with what is missing
-- ---------------------------------------------------------------------------
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000b1')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: seller SIREN',
  'missing SIREN: issuing is refused and says so');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000b2')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: seller address, seller SIREN, seller VAT number, late-payment penalty rate',
  'every missing seller mention is listed');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000a2')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: service date',
  'the date of the service is mandatory');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000a3')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: client address',
  'the client''s address is mandatory');
select throws_ok($$select public.issue_invoice('c4000000-0000-4000-8000-0000000000a4')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: due date within 60 days of issue',
  'a due date beyond the legal 60 days is refused');
select results_eq(
  $$select count(*)::int, count(number)::int from public.invoices
    where id in ('c4000000-0000-4000-8000-0000000000b1', 'c4000000-0000-4000-8000-0000000000b2',
                 'c4000000-0000-4000-8000-0000000000a2', 'c4000000-0000-4000-8000-0000000000a3', 'c4000000-0000-4000-8000-0000000000a4')
      and status = 'draft'$$,
  $$values (5, 0)$$, 'refused invoices stay unnumbered drafts');
select is((select count(*)::int from private.invoice_counters where org_id = 'c4000000-0000-4000-8000-0000000000f9'), 0,
  'a refused issue consumed no number');

-- Completing the identity makes it issuable.
update public.organizations set siren = '443061841' where id = 'c4000000-0000-4000-8000-0000000000f9';
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000b1') ->> 'number', 'FAC-2026-00001',
  'once the SIREN is there, the invoice is issued');

-- ---------------------------------------------------------------------------
-- What the issued invoice carries
-- ---------------------------------------------------------------------------
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000a1') ->> 'number', 'FAC-2026-00001',
  'the complete invoice is issued');
select is((select legal_mentions_ok from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'), true,
  'an issued invoice is legal_mentions_ok');
select results_eq(
  $$select legal_mentions #>> '{seller,name}', legal_mentions #>> '{seller,siren}', legal_mentions #>> '{seller,vat_number}',
           legal_mentions #>> '{seller,address}', legal_mentions #>> '{seller,rcs}', legal_mentions #>> '{seller,share_capital}'
    from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values ('Thermique Test', '443061841', 'FR40443061841', '4 quai Test, 69005 Lyon', 'RCS Lyon 443061841', '5000.00 EUR')$$,
  'the seller''s identity is frozen on the invoice');
select results_eq(
  $$select legal_mentions #>> '{buyer,name}', legal_mentions #>> '{buyer,address}', legal_mentions #>> '{buyer,siren}'
    from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values ('Copropriété Test', '10 rue Client, 69007 Lyon', '380129866')$$,
  'the client''s name, address and SIREN are frozen on the invoice');
select is((select legal_mentions ->> 'recovery_indemnity' from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'),
  'Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).',
  'the 40 EUR recovery indemnity is mentioned');
select results_eq(
  $$select (legal_mentions ->> 'late_penalty_rate')::numeric, legal_mentions ->> 'late_penalty',
           legal_mentions ->> 'early_payment_discount', legal_mentions ->> 'payment_terms'
    from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values (10.00::numeric,
            'En cas de retard de paiement, pénalités au taux annuel de 10,00 % exigibles dès le lendemain de la date d''échéance (art. L441-10 du Code de commerce).',
            'Pas d''escompte pour paiement anticipé.', 'Paiement à 30 jours, échéance le 31/03/2026')$$,
  'late-penalty rate and text, early-payment discount and payment terms are mentioned');
select results_eq(
  $$select issue_date, service_date, due_date from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values ('2026-03-01'::date, '2026-02-27'::date, '2026-03-31'::date)$$,
  'issue date, service date and due date are on the invoice');

-- The organization moves: the issued invoice keeps what it printed.
update public.organizations set address_line1 = '99 avenue Nouvelle' where id = 'c4000000-0000-4000-8000-0000000000f0';
select is((select legal_mentions #>> '{seller,address}' from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'),
  '4 quai Test, 69005 Lyon', 'later changes of the organization do not change an issued invoice');
select is((select ok from public.verify_invoice_chain('c4000000-0000-4000-8000-0000000000f0')), true,
  '… and its hash still verifies');

-- A credit note cites the invoice it corrects, and inherits its service date.
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a9', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1',
                     '2026-03-05', null, null, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select is(public.issue_invoice('c4000000-0000-4000-8000-0000000000a9') ->> 'number', 'AV-2026-00001', 'the credit note is issued');
select results_eq(
  $$select legal_mentions #>> '{credited_invoice,text}', service_date, due_date, payment_terms
    from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a9'$$,
  $$values ('Avoir sur la facture FAC-2026-00001 du 01/03/2026', '2026-02-27'::date, '2026-03-05'::date,
            'Avoir à imputer sur la facture FAC-2026-00001')$$,
  'a credit note cites the number and date of the invoice it corrects and takes its service date');

-- The constraint holds without the triggers.
set local session_replication_role = replica;
select throws_ok($$update public.invoices set legal_mentions_ok = false where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  '23514', null, 'no issued invoice can lack its legal mentions, even with triggers disabled');
reset session_replication_role;

select * from finish();
rollback;

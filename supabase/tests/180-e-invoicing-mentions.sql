-- The e-invoicing reform's mentions, frozen at issue with the others, and what
-- invoice_pdf_source() hands the Factur-X XML: client SIREN, delivery address
-- when different (the mission's site), goods / services / mixed, the
-- VAT-on-debits option, structured addresses, type codes 380 / 381 with the
-- corrected invoice, UN/ECE unit codes and VAT category codes.
-- Seed: Chaleur Express (a0…a0, owner a0…01, technician a0…03); client Syndic
-- Lumière (a0…c1, billed at 3 place Bellecour, site a0…d1 at 8 rue des
-- Tilleuls, mission a0…2002); Boulangerie des Pentes (a0…c2, its site a0…d2
-- is its billing address, mission a0…2001); stock item a0…3202.
begin;
select plan(30);

create function pg_temp.issue(p_id uuid, p_client uuid, p_lines jsonb, p_kind public.invoice_kind default 'invoice',
                              p_credited uuid default null)
returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, service_date)
  values (p_id, 'a0000000-0000-4000-8000-0000000000a0', p_client, p_kind, p_credited, current_date);
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate,
                                    mission_id, stock_item_id)
  select 'a0000000-0000-4000-8000-0000000000a0', p_id, l.position, l.description, l.quantity, l.unit, l.price, l.vat,
         l.mission_id, l.stock_item_id
  from jsonb_to_recordset(p_lines) as l (position int, description text, quantity numeric, unit text, price bigint,
                                         vat numeric, mission_id uuid, stock_item_id uuid);
  perform public.issue_invoice(p_id);
  return p_id;
end $$;
create function pg_temp.source(p_id uuid) returns jsonb language sql as $$
  select public.invoice_pdf_source(p_id)
$$;

-- ---------------------------------------------------------------------------
-- Schema: the VAT-on-debits option
-- ---------------------------------------------------------------------------
select col_not_null('public', 'organizations', 'vat_on_debits', 'organizations.vat_on_debits is never null');
select col_default_is('public', 'organizations', 'vat_on_debits', 'false', 'VAT on receipt unless the organization opts in');

-- Owners and admins choose it; nobody else.
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$with u as (update public.organizations set vat_on_debits = true
               where id = 'a0000000-0000-4000-8000-0000000000a0' returning 1)
    select to_jsonb(count(*)) from u$$), '0'::jsonb,
  'a technician cannot opt the organization into VAT on debits (RLS: no row)');
select throws_ok(
  $$select tests.as_anon('update public.organizations set vat_on_debits = true')$$,
  '42501', null, 'anon cannot write the option at all (no grant)');
select is((select vat_on_debits from public.organizations where id = 'a0000000-0000-4000-8000-0000000000a0'), false,
  'the refusals changed nothing');

-- ---------------------------------------------------------------------------
-- Unit codes (UN/ECE Rec. 20)
-- ---------------------------------------------------------------------------
select results_eq(
  $$select private.unece_unit_code(u) from unnest(array['h', ' H ', 'jour', 'kg', 'm2', 'l', 'u', 'forfait', null]) u$$,
  $$values ('HUR'), ('HUR'), ('DAY'), ('KGM'), ('MTK'), ('LTR'), ('C62'), ('C62'), ('C62')$$,
  'free-text units map to their UN/ECE code; anything else is C62 (one)');

-- ---------------------------------------------------------------------------
-- Services at a site that is not the billing address, VAT on receipt
-- ---------------------------------------------------------------------------
select pg_temp.issue('c1800000-0000-4000-8000-0000000000a1', 'a0000000-0000-4000-8000-0000000000c1',
  '[{"position": 1, "description": "Main d''œuvre", "quantity": 2, "unit": "h", "price": 6500, "vat": 10,
     "mission_id": "a0000000-0000-4000-8000-000000002002"},
    {"position": 2, "description": "Déplacement", "quantity": 1, "unit": "forfait", "price": 3500, "vat": 20}]');

select is((select (legal_mentions -> 'delivery_address') - 'postal_address' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000a1'),
  jsonb_build_object('name', 'Résidence Les Tilleuls — chaufferie', 'address', '8 rue des Tilleuls, 69006 Lyon'),
  'the mission''s site is the delivery address when it is not the billing address');
select is((select legal_mentions ->> 'operation_category' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000a1'),
  'services', 'labour and travel only: services');
select is((select legal_mentions ->> 'operation_category_text' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000a1'),
  'Catégorie de l''opération : prestation de services', 'the category is printed as a sentence');
select is((select legal_mentions -> 'vat_on_debits_text' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000a1'),
  'null'::jsonb, 'no VAT-on-debits sentence when the organization has not opted in');
select is((select legal_mentions -> 'buyer' -> 'postal_address' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000a1'),
  '{"line1": "3 place Bellecour", "line2": null, "postal_code": "69002", "city": "Lyon", "country": "FR"}'::jsonb,
  'the buyer''s billing address is frozen as structured fields');

select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' -> 'delivery_address',
  '{"line1": "8 rue des Tilleuls", "line2": null, "postal_code": "69006", "city": "Lyon", "country": "FR"}'::jsonb,
  'e_invoice.delivery_address is the site, structured');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' ->> 'type_code', '380', 'an invoice is type 380');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' ->> 'business_process', 'S1',
  'services: business process S1');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' -> 'preceding_invoice', 'null'::jsonb,
  'an invoice cites no preceding invoice');
select is(
  (select array_agg(l ->> 'unit_code' || '/' || (l ->> 'vat_category_code') order by (l ->> 'position')::int)
   from jsonb_array_elements(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'lines') l),
  array['HUR/S', 'C62/S'], 'lines carry their UN/ECE unit code and VAT category S');
select is(
  (select jsonb_agg(r - 'vat_rate' order by (r ->> 'vat_rate')::numeric)
   from jsonb_array_elements(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'vat_breakdown') r),
  '[{"category_code": "S", "base_ht_cents": 13000, "vat_cents": 1300},
    {"category_code": "S", "base_ht_cents": 3500, "vat_cents": 700}]'::jsonb,
  'the VAT breakdown per rate carries its category code');
select ok((pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' -> 'notes') @>
  '["Catégorie de l''opération : prestation de services", "Pas d''escompte pour paiement anticipé."]'::jsonb,
  'the printed mentions are the XML''s notes');

-- ---------------------------------------------------------------------------
-- Goods and services at the billing address; then goods only, VAT on debits
-- ---------------------------------------------------------------------------
select pg_temp.issue('c1800000-0000-4000-8000-0000000000b1', 'a0000000-0000-4000-8000-0000000000c2',
  '[{"position": 1, "description": "Circulateur", "quantity": 1, "unit": "u", "price": 29900, "vat": 20,
     "mission_id": "a0000000-0000-4000-8000-000000002001", "stock_item_id": "a0000000-0000-4000-8000-000000003202"},
    {"position": 2, "description": "Pose", "quantity": 1.5, "unit": "h", "price": 6500, "vat": 20,
     "mission_id": "a0000000-0000-4000-8000-000000002001"}]');
select is((select legal_mentions -> 'delivery_address' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000b1'),
  'null'::jsonb, 'no delivery address when the site is the billing address');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000b1') -> 'e_invoice' ->> 'business_process', 'M1',
  'a part from stock and labour: mixed (M1)');

update public.organizations set vat_on_debits = true where id = 'a0000000-0000-4000-8000-0000000000a0';
select pg_temp.issue('c1800000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000c2',
  '[{"position": 1, "description": "Vase d''expansion", "quantity": 2, "unit": "u", "price": 4200, "vat": 20,
     "stock_item_id": "a0000000-0000-4000-8000-000000003207"}]');
update public.organizations set vat_on_debits = false where id = 'a0000000-0000-4000-8000-0000000000a0';
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000c1') -> 'e_invoice' ->> 'business_process', 'B1',
  'parts from stock only: goods (B1)');
select is((select legal_mentions ->> 'vat_on_debits_text' from public.invoices where id = 'c1800000-0000-4000-8000-0000000000c1'),
  'Option pour le paiement de la taxe d''après les débits.',
  'issued while opted in: the VAT-on-debits sentence is frozen on the invoice, though the option was dropped since');
select ok((pg_temp.source('c1800000-0000-4000-8000-0000000000c1') -> 'e_invoice' -> 'notes') ?
  'Option pour le paiement de la taxe d''après les débits.', 'and it is a note of the XML');

-- ---------------------------------------------------------------------------
-- Credit note: type 381, citing the invoice it corrects
-- ---------------------------------------------------------------------------
select pg_temp.issue('c1800000-0000-4000-8000-0000000000d1', 'a0000000-0000-4000-8000-0000000000c1',
  '[{"position": 1, "description": "Geste commercial", "quantity": 1, "unit": "u", "price": 1000, "vat": 20}]',
  'credit_note', 'c1800000-0000-4000-8000-0000000000a1');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000d1') -> 'e_invoice' ->> 'type_code', '381', 'a credit note is type 381');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000d1') -> 'e_invoice' -> 'preceding_invoice',
  (select jsonb_build_object('number', number, 'issue_date', issue_date) from public.invoices
   where id = 'c1800000-0000-4000-8000-0000000000a1'),
  'it cites the number and date of the invoice it corrects');

-- ---------------------------------------------------------------------------
-- Identities and structured addresses; snapshots taken before this change
-- ---------------------------------------------------------------------------
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'e_invoice' -> 'seller_address' ->> 'postal_code', '69002',
  'the seller''s address is structured');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000a1') -> 'legal_mentions' -> 'buyer' ->> 'siren',
  (select siren from public.clients where id = 'a0000000-0000-4000-8000-0000000000c1'), 'the client''s SIREN is frozen');

-- An invoice issued before the snapshot had structured addresses or the new
-- mentions (simulated as a superuser bypassing the lock trigger): the XML
-- falls back to the one-line address and derives the category from the lines.
set local session_replication_role = replica;
update public.invoices
set legal_mentions = legal_mentions - 'operation_category' - 'operation_category_text' - 'delivery_address'
                     - 'vat_on_debits' - 'vat_on_debits_text'
                     || jsonb_build_object('seller', (legal_mentions -> 'seller') - 'postal_address',
                                           'buyer', (legal_mentions -> 'buyer') - 'postal_address')
where id = 'c1800000-0000-4000-8000-0000000000b1';
set local session_replication_role = origin;
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000b1') -> 'e_invoice' -> 'seller_address',
  jsonb_build_object('line1', '12 rue de la République, 69002 Lyon', 'country', 'FR'),
  'an older snapshot: the seller''s one-line address, with its country');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000b1') -> 'e_invoice' ->> 'business_process', 'M1',
  'an older snapshot: the category is derived from the (locked) lines');
select is(pg_temp.source('c1800000-0000-4000-8000-0000000000b1') -> 'e_invoice' -> 'delivery_address', 'null'::jsonb,
  'an older snapshot: no delivery address');

select * from finish();
rollback;

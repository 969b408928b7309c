-- The legal mentions of an invoice (private.invoice_legal_mentions, called by
-- issue_invoice) look up the mission and the site of each line by primary
-- key, whatever the planner's statistics say. Its statements are planned
-- with the invoice as a parameter (a generic plan); with statistics an
-- ANALYZE took in the middle of a bulk load (the table's current pages, the
-- rows committed before the load: an organization that "has 20 missions"
-- and has thousands), the planner used to read every mission of the
-- organization through the (org_id, search_document) GIN index and match the
-- lines against them, instead of one lookup per line.
--
-- The statistics are set here as such an ANALYZE leaves them; the number of
-- missions blocks a call reads (this transaction's
-- pg_stat_get_xact_blocks_fetched) then says how it looked the missions up:
-- one heap page per line, not the organization's hundreds of pages.
begin;
select plan(8);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c2580000-0000-4000-8000-0000000000f0', 'Mentions Test SAS', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, kind, siren, billing_address, billing_postal_code, billing_city)
values ('c2580000-0000-4000-8000-0000000000c1', 'c2580000-0000-4000-8000-0000000000f0', 'Syndic Mentions', 'company', '380129866', '1 rue du Siège', '69001', 'Lyon');
insert into public.sites (id, org_id, client_id, name, address, postal_code, city) values
  ('c2580000-0000-4000-8000-0000000000b1', 'c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000c1', 'Siège', '1 rue du Siège', '69001', 'Lyon'),
  ('c2580000-0000-4000-8000-0000000000b2', 'c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000c1', 'Résidence des Tilleuls', '12 allée des Tilleuls', '69100', 'Villeurbanne');
insert into public.memberships (org_id, user_id, role) values
  ('c2580000-0000-4000-8000-0000000000f0', tests.create_supabase_user('mentions-accountant'), 'accountant');

-- 6,000 missions of the organization, loaded as a bulk import does (triggers
-- off: the word list and audit trail are not what this file is about).
-- Mission 1 is at the client's billing address, mission 2 at another site.
set local session_replication_role = replica;
insert into public.missions (id, org_id, client_id, site_id, title, status, completed_at, started_at, technician_id)
select ('c2580000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'c2580000-0000-4000-8000-0000000000f0',
       'c2580000-0000-4000-8000-0000000000c1',
       case when i % 2 = 1 then 'c2580000-0000-4000-8000-0000000000b1' else 'c2580000-0000-4000-8000-0000000000b2' end::uuid,
       'Entretien chaudière ' || i, 'new', null, null, null
from generate_series(1, 6000) i;
set local session_replication_role = origin;

-- A draft whose first line is the mission at the billing address, its second
-- the mission at the other site: the delivery address is the second's site.
insert into public.invoices (id, org_id, client_id, issue_date, service_date)
values ('c2580000-0000-4000-8000-0000000000a1', 'c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000c1', current_date, current_date);
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate, mission_id) values
  ('c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000a1', 1, 'Entretien (siège)', 1, 10000, 20, 'c2580000-0000-4000-8000-000000000001'),
  ('c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000a1', 2, 'Entretien (Tilleuls)', 1, 12000, 20, 'c2580000-0000-4000-8000-000000000002');

-- Statistics as an ANALYZE that ran during the load leaves them: missions
-- and their indexes with 20 rows over their current pages; the invoice lines
-- never analyzed. Rolled back with the test.
update pg_catalog.pg_class c
set reltuples = 20, relpages = (pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::int)::int
where c.oid = 'public.missions'::regclass
   or c.oid in (select x.indexrelid from pg_catalog.pg_index x where x.indrelid = 'public.missions'::regclass);
delete from pg_catalog.pg_statistic where starelid = 'public.invoice_lines'::regclass;
update pg_catalog.pg_class c
set reltuples = -1, relpages = 0
where c.oid = 'public.invoice_lines'::regclass
   or c.oid in (select x.indexrelid from pg_catalog.pg_index x where x.indrelid = 'public.invoice_lines'::regclass);

select ok((select count(*) from public.missions where org_id = 'c2580000-0000-4000-8000-0000000000f0') = 6000
          and (select pg_catalog.pg_relation_size('public.missions') / 8192) >= 100,
          'fixture: 6,000 missions of the organization, over a hundred pages');

-- Missions blocks read by one call, in this transaction.
create function pg_temp.missions_blocks_read(p_sql text) returns bigint language plpgsql as $$
declare
  v_before bigint := pg_catalog.pg_stat_get_xact_blocks_fetched('public.missions'::regclass);
begin
  execute p_sql;
  return pg_catalog.pg_stat_get_xact_blocks_fetched('public.missions'::regclass) - v_before;
end $$;

select is(
  (select private.invoice_legal_mentions(i) -> 'delivery_address' ->> 'address'
   from public.invoices i where i.id = 'c2580000-0000-4000-8000-0000000000a1'),
  '12 allée des Tilleuls, 69100 Villeurbanne',
  'the delivery address is the site of the first line whose site is not the billing address');

select ok(pg_temp.missions_blocks_read($$
            select private.invoice_legal_mentions(i) from public.invoices i where i.id = 'c2580000-0000-4000-8000-0000000000a1'$$) <= 10,
          'with stale statistics, the legal mentions of a 2-line invoice read a few missions blocks (a primary-key lookup per line), not the organization''s missions');

-- The production path: issuing, as the accountant through the API role.
create function pg_temp.issue_counting_missions_blocks(p_id uuid) returns jsonb language plpgsql as $$
declare
  v_before bigint := pg_catalog.pg_stat_get_xact_blocks_fetched('public.missions'::regclass);
  v_result jsonb;
begin
  v_result := tests.as_user(tests.get_supabase_uid('mentions-accountant'), format('select public.issue_invoice(%L)', p_id));
  return v_result || jsonb_build_object('missions_blocks', pg_catalog.pg_stat_get_xact_blocks_fetched('public.missions'::regclass) - v_before);
end $$;
create temp table issued as select pg_temp.issue_counting_missions_blocks('c2580000-0000-4000-8000-0000000000a1') as result;
select is((select result ->> 'status' from issued), 'issued', 'the invoice is issued');
select ok((select (result ->> 'missions_blocks')::int from issued) <= 10,
          'with stale statistics, issue_invoice reads a few missions blocks, not the organization''s missions');
select is((select legal_mentions -> 'delivery_address' ->> 'name' from public.invoices where id = 'c2580000-0000-4000-8000-0000000000a1'),
          'Résidence des Tilleuls', 'the issued invoice carries the delivery address of its second line''s site');

-- A line without a mission and an invoice whose every site is the billing address: no delivery address.
insert into public.invoices (id, org_id, client_id, issue_date, service_date)
values ('c2580000-0000-4000-8000-0000000000a2', 'c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000c1', current_date, current_date);
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate, mission_id) values
  ('c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000a2', 1, 'Déplacement', 1, 5000, 20, null),
  ('c2580000-0000-4000-8000-0000000000f0', 'c2580000-0000-4000-8000-0000000000a2', 2, 'Entretien (siège)', 1, 10000, 20, 'c2580000-0000-4000-8000-000000000003');
select is((select private.invoice_legal_mentions(i) -> 'delivery_address' from public.invoices i where i.id = 'c2580000-0000-4000-8000-0000000000a2'),
          'null'::jsonb, 'no delivery address when every line''s site is the billing address or the line has no mission');

-- Every issued invoice of the seed: the mentions computed now are the ones it was issued with.
select is((select count(*) from public.invoices i
           where i.org_id <> 'c2580000-0000-4000-8000-0000000000f0' and i.status <> 'draft'
             and private.invoice_legal_mentions(i) is distinct from i.legal_mentions), 0::bigint,
          'the seed''s issued invoices: the same legal mentions as when they were issued');

select * from finish();
rollback;

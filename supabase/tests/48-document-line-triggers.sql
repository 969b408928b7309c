-- Quote lines and invoice lines share their line guard and their totals
-- refresh (private.guard_document_line_changes, private.refresh_document_totals),
-- each told its document by the trigger argument. 40-47 cover the locks and
-- totals of each document; this file covers what the sharing adds: the
-- quote-side line move, one statement touching several drafts, and the
-- argument check.
begin;
select plan(9);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4800000-0000-4000-8000-0000000000f0', 'Lignes Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, billing_address, billing_postal_code, billing_city) values
  ('c4800000-0000-4000-8000-0000000000c1', 'c4800000-0000-4000-8000-0000000000f0', 'Client Test', '10 rue Client', '69007', 'Lyon');
insert into public.quotes (id, org_id, client_id, title) values
  ('c4800000-0000-4000-8000-0000000000a1', 'c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000c1', 'Devis 1'),
  ('c4800000-0000-4000-8000-0000000000a2', 'c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000c1', 'Devis 2');
insert into public.invoices (id, org_id, client_id) values
  ('c4800000-0000-4000-8000-0000000000b1', 'c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000c1'),
  ('c4800000-0000-4000-8000-0000000000b2', 'c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000c1');

-- One statement, lines of two drafts: both totals follow.
insert into public.quote_lines (org_id, quote_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  ('c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000a1', 1, 'Pièce', 1, 'u', 10000, 20),
  ('c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000a2', 1, 'Pièce', 2, 'u', 10000, 20);
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  ('c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000b1', 1, 'Pièce', 3, 'u', 10000, 20),
  ('c4800000-0000-4000-8000-0000000000f0', 'c4800000-0000-4000-8000-0000000000b2', 1, 'Pièce', 4, 'u', 10000, 20);
select results_eq(
  $$select total_ht_cents from public.quotes where org_id = 'c4800000-0000-4000-8000-0000000000f0' order by id$$,
  array[10000::bigint, 20000::bigint], 'one insert into quote_lines refreshes every draft quote it touches');
select results_eq(
  $$select total_ht_cents from public.invoices where org_id = 'c4800000-0000-4000-8000-0000000000f0' order by id$$,
  array[30000::bigint, 40000::bigint], 'one insert into invoice_lines refreshes every draft invoice it touches');

update public.quote_lines set quantity = quantity + 1 where org_id = 'c4800000-0000-4000-8000-0000000000f0';
select results_eq(
  $$select total_ht_cents from public.quotes where org_id = 'c4800000-0000-4000-8000-0000000000f0' order by id$$,
  array[20000::bigint, 30000::bigint], 'an update of lines refreshes the totals');
delete from public.invoice_lines where org_id = 'c4800000-0000-4000-8000-0000000000f0';
select results_eq(
  $$select total_ht_cents from public.invoices where org_id = 'c4800000-0000-4000-8000-0000000000f0' order by id$$,
  array[0::bigint, 0::bigint], 'a delete of lines refreshes the totals');

-- A line stays on its document (the invoice side is in 42-invoice-locks).
select throws_ok($$update public.quote_lines set quote_id = 'c4800000-0000-4000-8000-0000000000a2'
                   where quote_id = 'c4800000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Quote lines cannot move to another quote', 'a line stays on its quote');
select is((select count(*) from public.quote_lines where quote_id = 'c4800000-0000-4000-8000-0000000000a1'), 1::bigint,
  'and the refused move changed nothing');

-- Each line table's triggers name their document.
select results_eq(
  $$select tgrelid::regclass::text, tgfoid::regproc::text, encode(tgargs, 'escape')
    from pg_trigger where tgname in ('quote_lines_10_guard', 'invoice_lines_10_guard') order by 1$$,
  $$values ('invoice_lines', 'private.guard_document_line_changes', 'invoice\000'),
           ('quote_lines', 'private.guard_document_line_changes', 'quote\000')$$,
  'both line guards are the shared function, told their document');

-- A trigger wired without a known document is refused, not guessed.
create table pg_temp.probe_lines (org_id uuid, quote_id uuid);
create trigger probe_guard before insert on pg_temp.probe_lines
  for each row execute function private.guard_document_line_changes('order');
select throws_ok($$insert into pg_temp.probe_lines values (null, null)$$, '39P01',
  'guard_document_line_changes: trigger argument must be quote or invoice, got order',
  'the line guard refuses an unknown document');
create trigger probe_totals after insert on pg_temp.probe_lines referencing new table as new_lines
  for each statement execute function private.refresh_document_totals();
drop trigger probe_guard on pg_temp.probe_lines;
select throws_ok($$insert into pg_temp.probe_lines values (null, null)$$, '39P01',
  'refresh_document_totals: trigger argument must be quote or invoice, got <NULL>',
  'the totals refresh refuses a trigger without argument');

select * from finish();
rollback;

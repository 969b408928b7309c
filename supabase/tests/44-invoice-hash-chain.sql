-- Hash chain (invariant 4): each issued document of an organization (all
-- series, in issue order) stores row_hash = sha256(prev_hash || canonical
-- content) and the previous document's row_hash. verify_invoice_chain()
-- recomputes it and names the first broken document: tampering is simulated
-- as a superuser with triggers disabled (session_replication_role = replica).
begin;
select plan(24);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00),
       ('c4000000-0000-4000-8000-0000000000f7', 'Vide SAS', 'SAS', '380129866', null, '1 rue Vide', '69001', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120630', '10 rue Client', '69007', 'Lyon');

create function pg_temp.draft(p_id uuid, p_issue date, p_cents bigint, p_kind public.invoice_kind default 'invoice',
                              p_credited uuid default null) returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values (p_id, 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', p_kind, p_credited, p_issue, p_issue);
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate) values
    ('c4000000-0000-4000-8000-0000000000f0', p_id, 1, 'Main d''œuvre', 2.5, p_cents, 10),
    ('c4000000-0000-4000-8000-0000000000f0', p_id, 2, 'Pièces', 1, 1990, 20);
  return p_id;
end $$;
create function pg_temp.chain() returns table (ok boolean, checked bigint, number text, reason text) language sql as $$
  select ok, checked, number, reason from public.verify_invoice_chain('c4000000-0000-4000-8000-0000000000f0')
$$;

-- a1 FAC-2026-00001, a2 FAC-2026-00002, cn AV-2026-00001 (crediting a1), a3 FAC-2026-00003.
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a1', '2026-03-01', 6500);
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a2', '2026-03-02', 7000);
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a1') is not null as a1;
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a2') is not null as a2;
select pg_temp.draft('c4000000-0000-4000-8000-0000000000c9', '2026-03-03', 100, 'credit_note', 'c4000000-0000-4000-8000-0000000000a1');
select public.issue_invoice('c4000000-0000-4000-8000-0000000000c9') is not null as cn;
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a3', '2026-03-04', 8000);
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a3') is not null as a3;

-- ---------------------------------------------------------------------------
-- The chain as built
-- ---------------------------------------------------------------------------
select results_eq('select * from pg_temp.chain()', $$values (true, 4::bigint, null::text, null::text)$$,
  'an untouched chain verifies: 4 documents checked');
select is((select prev_hash from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'), null,
  'the first document of the organization has no predecessor');
select is(
  (select array_agg(number order by chain_position) from public.invoices where org_id = 'c4000000-0000-4000-8000-0000000000f0'),
  array['FAC-2026-00001', 'FAC-2026-00002', 'AV-2026-00001', 'FAC-2026-00003'],
  'one chain per organization across series, in issue order');
select is(
  (select count(*)::int from (
     select prev_hash, lag(row_hash) over (order by chain_position) as previous_row_hash, chain_position
     from public.invoices where org_id = 'c4000000-0000-4000-8000-0000000000f0' and chain_position is not null) s
   where s.chain_position > 1 and s.prev_hash is distinct from s.previous_row_hash),
  0, 'each document''s prev_hash is the row_hash of the one issued before it');
select is(
  (select count(*)::int from public.invoices i
   where i.org_id = 'c4000000-0000-4000-8000-0000000000f0' and i.chain_position is not null
     and i.row_hash <> encode(sha256(convert_to(coalesce(i.prev_hash, '') || private.invoice_canonical(i), 'UTF8')), 'hex')),
  0, 'row_hash = hex(sha256(prev_hash || canonical content))');
select results_eq(
  $$select c ->> 'number', c ->> 'issue_date', c ->> 'client_id', (c ->> 'total_ttc_cents')::bigint,
           jsonb_array_length(c -> 'lines'), c #>> '{lines,0,description}', c #>> '{legal_mentions,seller,siren}'
    from (select private.invoice_canonical(i)::jsonb as c from public.invoices i where i.id = 'c4000000-0000-4000-8000-0000000000a2') s$$,
  $$values ('FAC-2026-00002', '2026-03-02', 'c4000000-0000-4000-8000-0000000000c1', 21638::bigint, 2, 'Main d''œuvre', '443061841')$$,
  'the hashed content covers number, dates, client, totals, legal mentions and lines');
select results_eq(
  $$select last_position, last_row_hash = (select row_hash from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a3')
    from private.invoice_chain_heads where org_id = 'c4000000-0000-4000-8000-0000000000f0'$$,
  $$values (4::bigint, true)$$, 'the chain head remembers the last document and how many were issued');

-- Sending and paying do not touch the hashed content.
select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', repeat('ab', 32)) is not null as sent;
select results_eq('select ok from pg_temp.chain()', $$values (true)$$, 'sending (PDF hash, status) keeps the chain valid');

-- ---------------------------------------------------------------------------
-- Tampering, as a superuser bypassing every trigger
-- ---------------------------------------------------------------------------
set local session_replication_role = replica;

-- A line's price.
update public.invoice_lines set unit_price_cents = 1 where invoice_id = 'c4000000-0000-4000-8000-0000000000a2' and position = 2;
select results_eq('select * from pg_temp.chain()',
  $$values (false, 1::bigint, 'FAC-2026-00002'::text, 'row_hash does not match the document content'::text)$$,
  'a changed line price is detected and the document named');
update public.invoice_lines set unit_price_cents = 1990 where invoice_id = 'c4000000-0000-4000-8000-0000000000a2' and position = 2;
select results_eq('select ok from pg_temp.chain()', $$values (true)$$, 'restored, the chain verifies again');

-- A total.
update public.invoices set total_ht_cents = total_ht_cents - 100 where id = 'c4000000-0000-4000-8000-0000000000a3';
select results_eq('select * from pg_temp.chain()',
  $$values (false, 3::bigint, 'FAC-2026-00003'::text, 'row_hash does not match the document content'::text)$$,
  'a changed total is detected');
update public.invoices set total_ht_cents = total_ht_cents + 100 where id = 'c4000000-0000-4000-8000-0000000000a3';

-- A date of the first document: the first broken row is named even at the start.
update public.invoices set due_date = '2026-06-30' where id = 'c4000000-0000-4000-8000-0000000000a1';
select results_eq('select * from pg_temp.chain()',
  $$values (false, 0::bigint, 'FAC-2026-00001'::text, 'row_hash does not match the document content'::text)$$,
  'a changed due date is detected on the first document');
update public.invoices set due_date = '2026-03-31' where id = 'c4000000-0000-4000-8000-0000000000a1';

-- The client.
update public.invoices set notes = 'notes are not part of the hash' where id = 'c4000000-0000-4000-8000-0000000000a1';
select results_eq('select ok from pg_temp.chain()', $$values (true)$$, 'columns outside the hashed content (notes) do not break the chain');

-- A rewritten link.
update public.invoices set prev_hash = repeat('0', 64) where id = 'c4000000-0000-4000-8000-0000000000a3';
select results_eq('select * from pg_temp.chain()',
  $$values (false, 3::bigint, 'FAC-2026-00003'::text, 'prev_hash does not match the row_hash of the previous document'::text)$$,
  'a rewritten prev_hash is detected');
update public.invoices set prev_hash = (select row_hash from public.invoices where id = 'c4000000-0000-4000-8000-0000000000c9')
where id = 'c4000000-0000-4000-8000-0000000000a3';

-- A forger who recomputes the tampered row's own hash breaks the next link.
update public.invoice_lines set quantity = 1 where invoice_id = 'c4000000-0000-4000-8000-0000000000a2' and position = 1;
update public.invoices set total_ht_cents = 8990, total_vat_cents = 1098 where id = 'c4000000-0000-4000-8000-0000000000a2';
update public.invoices i set row_hash = private.invoice_row_hash(i) where id = 'c4000000-0000-4000-8000-0000000000a2';
select results_eq('select * from pg_temp.chain()',
  $$values (false, 2::bigint, 'AV-2026-00001'::text, 'prev_hash does not match the row_hash of the previous document'::text)$$,
  'recomputing the tampered document''s hash breaks the link to the next one');

update public.invoice_lines set quantity = 2.5 where invoice_id = 'c4000000-0000-4000-8000-0000000000a2' and position = 1;
update public.invoices set total_ht_cents = 19490, total_vat_cents = 2148 where id = 'c4000000-0000-4000-8000-0000000000a2';
update public.invoices i set row_hash = private.invoice_row_hash(i) where id = 'c4000000-0000-4000-8000-0000000000a2';
select results_eq('select ok from pg_temp.chain()', $$values (true)$$, 'the original content hashes to the original hash again');

-- Deleting the last documents: the chain head still knows.
delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a3';
select results_eq('select ok, checked, number from pg_temp.chain()', $$values (false, 3::bigint, null::text)$$,
  'deleting the latest document is detected…');
select matches((select reason from pg_temp.chain()),
  '^the chain head records 4 issued documents ending with hash [0-9a-f]{64}: the latest were removed or rewritten$',
  '… by the chain head');

-- Deleting one in the middle.
delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a2';
select results_eq('select * from pg_temp.chain()',
  $$values (false, 1::bigint, 'AV-2026-00001'::text,
            'chain position 2 is missing: an issued document before AV-2026-00001 was removed'::text)$$,
  'a document deleted from the middle is detected at the gap');
reset session_replication_role;

-- ---------------------------------------------------------------------------
-- Other organizations, roles
-- ---------------------------------------------------------------------------
select results_eq($$select * from public.verify_invoice_chain('c4000000-0000-4000-8000-0000000000f7')$$,
  $$values (true, 0::bigint, null::uuid, null::text, null::text)$$, 'an organization without invoices has an empty, valid chain');

select is(
  tests.as_user('a0000000-0000-4000-8000-000000000005',
    $$select to_jsonb(c) from public.verify_invoice_chain('a0000000-0000-4000-8000-0000000000a0') c$$) ->> 'ok',
  'true', 'the demo organization''s chain (issued by the seed) verifies, for its accountant');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select to_jsonb(c) from public.verify_invoice_chain(''a0000000-0000-4000-8000-0000000000a0'') c')$$,
  '42501', 'Permission denied: verify_invoice_chain requires one of the roles owner, admin, accountant',
  'a technician cannot run the verification');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000005', 'select to_jsonb(c) from public.verify_invoice_chain(''a0000000-0000-4000-8000-0000000000a0'') c')$$,
  'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found',
  'another organization''s accountant cannot verify (or probe) this one');
select ok(not has_function_privilege('anon', 'public.verify_invoice_chain(uuid)', 'execute'), 'anon cannot call verify_invoice_chain');

select * from finish();
rollback;

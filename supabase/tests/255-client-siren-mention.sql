-- The client's SIREN, a mandatory mention on an invoice or credit note to a
-- business (e-invoicing reform): issuing to a company or a public body without
-- one is refused with the missing-mentions list, before a number is taken, so
-- nothing changes; a private individual is invoiced without one. A client is
-- still recorded without a SIREN: only issuing needs it.
begin;
select plan(18);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c2550000-0000-4000-8000-0000000000f0', 'Siren Test SAS', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, kind, siren, billing_address, billing_postal_code, billing_city) values
  ('c2550000-0000-4000-8000-0000000000c1', 'c2550000-0000-4000-8000-0000000000f0', 'Société Sans Siren', 'company', null, '1 rue A', '69001', 'Lyon'),
  ('c2550000-0000-4000-8000-0000000000c2', 'c2550000-0000-4000-8000-0000000000f0', 'Mme Particulière', 'individual', null, '2 rue B', '69002', 'Lyon'),
  ('c2550000-0000-4000-8000-0000000000c3', 'c2550000-0000-4000-8000-0000000000f0', 'Mairie Sans Siren', 'public_body', null, '3 rue C', '69003', 'Lyon'),
  ('c2550000-0000-4000-8000-0000000000c4', 'c2550000-0000-4000-8000-0000000000f0', 'Mairie Avec Siren', 'public_body', '216901231', '4 rue D', '69004', 'Lyon'),
  ('c2550000-0000-4000-8000-0000000000c5', 'c2550000-0000-4000-8000-0000000000f0', 'Société Avec Siren', 'company', '380129866', '5 rue E', '69005', 'Lyon');
insert into public.memberships (org_id, user_id, role) values
  ('c2550000-0000-4000-8000-0000000000f0', tests.create_supabase_user('siren-accountant'), 'accountant');

create function pg_temp.draft(p_id uuid, p_client uuid, p_kind public.invoice_kind default 'invoice', p_credited uuid default null)
returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values (p_id, 'c2550000-0000-4000-8000-0000000000f0', p_client, p_kind, p_credited, '2026-03-02', '2026-03-02');
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c2550000-0000-4000-8000-0000000000f0', p_id, 'Entretien chaudière', 1, 10000, 20);
  return p_id;
end $$;

-- Issues a document as the organization's accountant, through the API role.
create function pg_temp.issue(p_id uuid) returns jsonb language sql as $$
  select tests.as_user(tests.get_supabase_uid('siren-accountant'), pg_catalog.format('select public.issue_invoice(%L)', p_id))
$$;

-- The error an issue raises, as PostgREST would read it: SQLSTATE, message
-- and the catalogue code in the detail.
create function pg_temp.refusal(p_id uuid) returns jsonb language plpgsql as $$
declare
  v_state text; v_msg text; v_detail text;
begin
  perform pg_temp.issue(p_id);
  return jsonb_build_object('result', 'issued');
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_msg = message_text, v_detail = pg_exception_detail;
  return jsonb_build_object('sqlstate', v_state, 'message', v_msg, 'code', v_detail::jsonb ->> 'code');
end $$;

-- What issuing changes in the organization: numbers taken, chain position,
-- ledger entries, invoice log events, documents not in draft.
create function pg_temp.org_state() returns jsonb language sql as $$
  select jsonb_build_object(
    'counters', (select count(*) from private.invoice_counters where org_id = 'c2550000-0000-4000-8000-0000000000f0'),
    'chain', (select coalesce(max(last_position), 0) from private.invoice_chain_heads where org_id = 'c2550000-0000-4000-8000-0000000000f0'),
    'ledger', (select count(*) from public.ledger_entries where org_id = 'c2550000-0000-4000-8000-0000000000f0'),
    'log', (select count(*) from public.invoice_log where org_id = 'c2550000-0000-4000-8000-0000000000f0'),
    'issued', (select count(*) from public.invoices where org_id = 'c2550000-0000-4000-8000-0000000000f0' and status <> 'draft'))
$$;

select pg_temp.draft('c2550000-0000-4000-8000-0000000000a1', 'c2550000-0000-4000-8000-0000000000c1');
select pg_temp.draft('c2550000-0000-4000-8000-0000000000a2', 'c2550000-0000-4000-8000-0000000000c2');
select pg_temp.draft('c2550000-0000-4000-8000-0000000000a3', 'c2550000-0000-4000-8000-0000000000c3');
select pg_temp.draft('c2550000-0000-4000-8000-0000000000a4', 'c2550000-0000-4000-8000-0000000000c4');
select pg_temp.draft('c2550000-0000-4000-8000-0000000000a5', 'c2550000-0000-4000-8000-0000000000c5');
create temp table state_before on commit drop as select pg_temp.org_state() as s;

-- ---------------------------------------------------------------------------
-- Drafts say whether they can be issued
-- ---------------------------------------------------------------------------
select results_eq(
  $$select client_id, legal_mentions_ok from public.invoices
    where org_id = 'c2550000-0000-4000-8000-0000000000f0' order by client_id$$,
  $$values ('c2550000-0000-4000-8000-0000000000c1'::uuid, false), ('c2550000-0000-4000-8000-0000000000c2'::uuid, true),
           ('c2550000-0000-4000-8000-0000000000c3'::uuid, false), ('c2550000-0000-4000-8000-0000000000c4'::uuid, true),
           ('c2550000-0000-4000-8000-0000000000c5'::uuid, true)$$,
  'a draft to a company or public body without SIREN is not legal_mentions_ok; to an individual it is');

-- ---------------------------------------------------------------------------
-- Refused: a business without SIREN, and nothing changes
-- ---------------------------------------------------------------------------
select throws_ok(format('select pg_temp.issue(%L)', draft), 'P0001',
                 'Invoice cannot be issued, missing legal mentions: client SIREN', why)
from (values
  ('c2550000-0000-4000-8000-0000000000a1', 'accountant: an invoice to a company without SIREN is refused, naming the missing mention'),
  ('c2550000-0000-4000-8000-0000000000a3', 'accountant: an invoice to a public body without SIREN is refused')
) as refused (draft, why);
select is(pg_temp.org_state(), (select s from state_before),
  'the refusals took no number, moved no chain, posted no ledger entry, logged no event');
select results_eq(
  $$select status::text, number from public.invoices where id in ('c2550000-0000-4000-8000-0000000000a1', 'c2550000-0000-4000-8000-0000000000a3')$$,
  $$values ('draft', null::text), ('draft', null::text)$$,
  'the refused invoices stay unnumbered drafts');

select is(pg_temp.refusal('c2550000-0000-4000-8000-0000000000a1'),
  '{"sqlstate": "P0001", "message": "Invoice cannot be issued, missing legal mentions: client SIREN", "code": "rule_violation"}'::jsonb,
  'the refusal is the catalogue''s rule_violation (HTTP 422 through PostgREST)');
select is((select http_status from private.api_errors where code = 'rule_violation'), 422, '… whose status is 422');

-- ---------------------------------------------------------------------------
-- Issued: an individual without SIREN, a business with one
-- ---------------------------------------------------------------------------
select is(pg_temp.issue('c2550000-0000-4000-8000-0000000000a2') ->> 'number', 'FAC-2026-00001',
  'accountant: an invoice to an individual is issued without a SIREN, with the first number');
select is((select legal_mentions -> 'buyer' ->> 'siren' from public.invoices where id = 'c2550000-0000-4000-8000-0000000000a2'), null,
  '… and carries no buyer SIREN');
select is(pg_temp.issue('c2550000-0000-4000-8000-0000000000a4') ->> 'number', 'FAC-2026-00002',
  'accountant: an invoice to a public body with its SIREN is issued, next number (no gap left by the refusals)');
select is(pg_temp.issue('c2550000-0000-4000-8000-0000000000a5') ->> 'number', 'FAC-2026-00003',
  'accountant: an invoice to a company with its SIREN is issued');
select results_eq(
  $$select id, legal_mentions -> 'buyer' ->> 'siren' from public.invoices
    where id in ('c2550000-0000-4000-8000-0000000000a4', 'c2550000-0000-4000-8000-0000000000a5') order by id$$,
  $$values ('c2550000-0000-4000-8000-0000000000a4'::uuid, '216901231'), ('c2550000-0000-4000-8000-0000000000a5'::uuid, '380129866')$$,
  'the buyer''s SIREN is frozen in the issued invoice''s mentions');

-- Completing the client makes the refused invoice issuable.
update public.clients set siren = '542065479' where id = 'c2550000-0000-4000-8000-0000000000c1';
select is(pg_temp.issue('c2550000-0000-4000-8000-0000000000a1') ->> 'number', 'FAC-2026-00004',
  'once the company has its SIREN, its invoice is issued');

-- ---------------------------------------------------------------------------
-- Credit notes follow the same rule
-- ---------------------------------------------------------------------------
-- The company's SIREN is removed after its invoice was issued: the issued
-- invoice keeps the SIREN it froze; a credit note to it now is refused.
update public.clients set siren = null where id = 'c2550000-0000-4000-8000-0000000000c5';
select pg_temp.draft('c2550000-0000-4000-8000-0000000000b5', 'c2550000-0000-4000-8000-0000000000c5', 'credit_note', 'c2550000-0000-4000-8000-0000000000a5');
delete from state_before;
insert into state_before select pg_temp.org_state();
select throws_ok($$select pg_temp.issue('c2550000-0000-4000-8000-0000000000b5')$$,
  'P0001', 'Invoice cannot be issued, missing legal mentions: client SIREN',
  'accountant: a credit note to a company without SIREN is refused');
select is(pg_temp.org_state(), (select s from state_before), '… and changes nothing');
select is((select legal_mentions -> 'buyer' ->> 'siren' from public.invoices where id = 'c2550000-0000-4000-8000-0000000000a5'), '380129866',
  'the issued invoice still carries the SIREN it was issued with');
update public.clients set siren = '380129866' where id = 'c2550000-0000-4000-8000-0000000000c5';
select is(pg_temp.issue('c2550000-0000-4000-8000-0000000000b5') ->> 'number', 'AV-2026-00001',
  'with the SIREN back, the credit note is issued');

-- ---------------------------------------------------------------------------
-- A client is still recorded without a SIREN
-- ---------------------------------------------------------------------------
select lives_ok(
  $$insert into public.clients (org_id, name, kind, siren) values ('c2550000-0000-4000-8000-0000000000f0', 'Prospect SARL', 'company', null)$$,
  'a company client without SIREN can be recorded (a prospect): only issuing needs it');

select * from finish();
rollback;

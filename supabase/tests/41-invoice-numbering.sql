-- Invoice numbering (invariant 2): FAC-YYYY-NNNNN / AV-YYYY-NNNNN per
-- organization, series and fiscal year; gapless (a refused or rolled-back
-- issue consumes nothing), chronological, backed by unique indexes; defaults
-- of the issue and due dates; who may issue.
-- Concurrency (20 connections issuing at once) is proven in
-- tests/integration/invoicing.test.ts.
begin;
select plan(33);

-- A fresh organization so the numbers are known (the seed has its own invoices).
insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841',
        '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city, payment_terms_days) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120358', '10 rue Client', '69007', 'Lyon', null),
  ('c4000000-0000-4000-8000-0000000000c2', 'c4000000-0000-4000-8000-0000000000f0', 'Hôtel Test', '301120424', '11 rue Client', '69008', 'Lyon', 45);

-- Runs one statement as a signed-in user through the API role (authenticated
-- + JWT claims); a raise inside throws_ok's subtransaction undoes the switch.

-- A draft of one line (amount excl. VAT, 20 % VAT).
create function pg_temp.draft(p_issue date, p_cents bigint default 10000, p_kind public.invoice_kind default 'invoice',
                              p_credited uuid default null, p_client uuid default 'c4000000-0000-4000-8000-0000000000c1')
returns uuid language plpgsql as $$
declare v uuid;
begin
  insert into public.invoices (org_id, client_id, kind, credited_invoice_id, issue_date, service_date)
  values ('c4000000-0000-4000-8000-0000000000f0', p_client, p_kind, p_credited, p_issue, coalesce(p_issue, current_date))
  returning id into v;
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c4000000-0000-4000-8000-0000000000f0', v, 'Prestation test', 1, p_cents, 20);
  return v;
end $$;

create temporary table t_inv (name text primary key, id uuid) on commit drop;
insert into t_inv values
  ('y25', pg_temp.draft('2025-12-30')),
  ('a',   pg_temp.draft('2026-02-01')),
  ('b',   pg_temp.draft('2026-02-01')),
  ('c',   pg_temp.draft('2026-02-15')),
  ('d',   pg_temp.draft('2026-02-20')),
  ('old', pg_temp.draft('2026-02-05')),
  ('fut', pg_temp.draft(current_date + 2)),
  ('tdy', pg_temp.draft(null, 5000, 'invoice', null, 'c4000000-0000-4000-8000-0000000000c2'));
-- A draft without lines.
insert into public.invoices (id, org_id, client_id, service_date)
values ('c4000000-0000-4000-8000-00000000e001', 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', '2026-02-01');
insert into t_inv values ('nol', 'c4000000-0000-4000-8000-00000000e001');

-- ---------------------------------------------------------------------------
-- Format, per-year restart, per-series restart, defaults
-- ---------------------------------------------------------------------------
select is(public.issue_invoice((select id from t_inv where name = 'y25')) ->> 'number', 'FAC-2025-00001',
  'the first invoice of 2025 is FAC-2025-00001');
select is(public.issue_invoice((select id from t_inv where name = 'a')) ->> 'number', 'FAC-2026-00001',
  'numbering restarts at 00001 in a new fiscal year');
select is(public.issue_invoice((select id from t_inv where name = 'b')) ->> 'number', 'FAC-2026-00002',
  'the next invoice of the year gets the next number (the same day is chronological)');
select results_eq(
  $$select status::text, fiscal_year, sequence, issue_date, due_date, payment_terms
    from public.invoices where id = (select id from t_inv where name = 'a')$$,
  $$values ('issued'::text, 2026, 1::bigint, '2026-02-01'::date, '2026-03-03'::date, 'Paiement à 30 jours, échéance le 03/03/2026'::text)$$,
  'an issued invoice carries status, fiscal year, sequence, issue date, and a due date from the organization''s 30-day terms');

-- A credit note has its own series.
insert into t_inv values ('cn', pg_temp.draft('2026-02-10', 1000, 'credit_note', (select id from t_inv where name = 'a')));
select is(public.issue_invoice((select id from t_inv where name = 'cn')) ->> 'number', 'AV-2026-00001',
  'credit notes are numbered in their own series AV, starting at 00001');

-- ---------------------------------------------------------------------------
-- Gapless: a rolled-back issue gives its number back
-- ---------------------------------------------------------------------------
savepoint before_rolled_back_issue;
do $$ begin perform public.issue_invoice((select id from t_inv where name = 'c')); end $$;
rollback to savepoint before_rolled_back_issue;
select is((select status::text from public.invoices where id = (select id from t_inv where name = 'c')), 'draft',
  'the rolled-back issue left the invoice a draft');
select is((select last_value from private.invoice_counters
           where org_id = 'c4000000-0000-4000-8000-0000000000f0' and series = 'FAC' and fiscal_year = 2026), 2::bigint,
  'the rolled-back issue gave its number back: the counter is still at 2');
select is(public.issue_invoice((select id from t_inv where name = 'd')) ->> 'number', 'FAC-2026-00003',
  'the next issue after a rollback takes the number the rollback gave back: no gap');

-- ---------------------------------------------------------------------------
-- Chronology, and refused issues consume nothing
-- ---------------------------------------------------------------------------
select throws_ok(format('select public.issue_invoice(%L)', coalesce((select id from t_inv where name = n), u)), e, m, d)
from (values
  ('old', null::uuid, 'P0001', 'Issue date 2026-02-05 is earlier than FAC-2026-00003 issued on 2026-02-20: numbering must stay chronological', 'an issue date earlier than the last issued invoice of the series is refused'),
  ('c', null, 'P0001', 'Issue date 2026-02-15 is earlier than FAC-2026-00003 issued on 2026-02-20: numbering must stay chronological', 'the invoice whose issue was rolled back cannot now be issued before the later one'),
  ('fut', null, 'P0001', format('Issue date %s is in the future', current_date + 2), 'an issue date in the future is refused'),
  ('nol', null, 'P0001', 'Invoice has no lines: nothing to issue', 'an invoice without lines is refused'),
  ('a', null, 'P0001', 'Invoice FAC-2026-00001 is already issued (status: issued)', 'an issued invoice cannot be issued again'),
  (null, 'c4000000-0000-4000-8000-00000000dead', 'P0002', 'Invoice c4000000-0000-4000-8000-00000000dead not found', 'an unknown invoice is reported as not found')
) t (n, u, e, m, d);
select results_eq(
  $$select status::text, number from public.invoices where id in (select id from t_inv where name in ('old', 'c', 'fut', 'nol')) order by 1$$,
  $$values ('draft'::text, null::text), ('draft', null), ('draft', null), ('draft', null)$$,
  'refused issues leave their invoices untouched drafts');
select is((select last_value from private.invoice_counters
           where org_id = 'c4000000-0000-4000-8000-0000000000f0' and series = 'FAC' and fiscal_year = 2026), 3::bigint,
  'refused issues consumed no number');

-- Moving the date forward makes the issue chronological again; same day as the last one is fine.
update public.invoices set issue_date = '2026-02-20' where id = (select id from t_inv where name = 'c');
select is(public.issue_invoice((select id from t_inv where name = 'c')) ->> 'number', 'FAC-2026-00004',
  'once dated on or after the last issue, the invoice takes the next number');

-- No issue date: today in the organization's timezone; the client's own terms (45 days).
select is(public.issue_invoice((select id from t_inv where name = 'tdy')) ->> 'number',
  format('FAC-%s-%s', extract(year from (now() at time zone 'Europe/Paris')::date),
         case when extract(year from (now() at time zone 'Europe/Paris')::date) = 2026 then '00005' else '00001' end),
  'without an issue date the invoice is dated today (organization timezone) and numbered in that year');
select results_eq(
  $$select issue_date, due_date from public.invoices where id = (select id from t_inv where name = 'tdy')$$,
  $$select (now() at time zone 'Europe/Paris')::date, (now() at time zone 'Europe/Paris')::date + 45$$,
  'the due date follows the client''s payment terms when it has its own');

-- ---------------------------------------------------------------------------
-- The numbers, as a whole
-- ---------------------------------------------------------------------------
select is(
  (select array_agg(sequence order by sequence) from public.invoices
   where org_id = 'c4000000-0000-4000-8000-0000000000f0' and series = 'FAC' and fiscal_year = 2026),
  case when extract(year from (now() at time zone 'Europe/Paris')::date) = 2026
       then array[1, 2, 3, 4, 5]::bigint[] else array[1, 2, 3, 4]::bigint[] end,
  'the FAC numbers of 2026 are 1..n with no gap and no duplicate');
select is(
  (select count(*)::int from public.invoices
   where org_id = 'c4000000-0000-4000-8000-0000000000f0' and status <> 'draft'
     and number !~ '^(FAC|AV)-[0-9]{4}-[0-9]{5}$'),
  0, 'every number has the form SERIES-YYYY-NNNNN');
select is(
  (select array_agg(number order by chain_position) from public.invoices
   where org_id = 'c4000000-0000-4000-8000-0000000000f0' and chain_position is not null and extract(year from issue_date) < 2027
     and issue_date < '2026-03-01'),
  array['FAC-2025-00001', 'FAC-2026-00001', 'FAC-2026-00002', 'AV-2026-00001', 'FAC-2026-00003', 'FAC-2026-00004'],
  'issue order (chain position) follows the numbers, across series');
select ok(
  not exists (
    select from (
      select issue_date, lag(issue_date) over (partition by series order by fiscal_year, sequence) as prev
      from public.invoices where org_id = 'c4000000-0000-4000-8000-0000000000f0' and status <> 'draft') s
    where s.issue_date < s.prev),
  'within each series, a higher number never has an earlier date');
select index_is_unique('public', 'invoices', 'invoices_sequence_key', 'a unique index backs (org, series, year, sequence)');
select index_is_unique('public', 'invoices', 'invoices_number_key', 'a unique index backs (org, number)');

-- The index holds even when triggers are bypassed.
set local session_replication_role = replica;
select throws_ok(
  format($$update public.invoices set sequence = 1, number = 'FAC-2026-00001' where id = %L$$, (select id from t_inv where name = 'b')),
  '23505', null, 'a duplicate number is refused by the unique index even with triggers disabled');
reset session_replication_role;

-- ---------------------------------------------------------------------------
-- Who may issue (demo organization A)
-- ---------------------------------------------------------------------------
insert into public.invoices (id, org_id, client_id, service_date)
values ('c4000000-0000-4000-8000-00000000e0a1', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', current_date);
insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
values ('a0000000-0000-4000-8000-0000000000a0', 'c4000000-0000-4000-8000-00000000e0a1', 'Entretien', 1, 9000);

select tests.throws_as_user(u, $$select public.issue_invoice('c4000000-0000-4000-8000-00000000e0a1')$$, e, m, d)
from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, '42501', 'Permission denied: issue_invoice requires one of the roles owner, admin, accountant', 'a technician cannot issue invoices'),
  ('a0000000-0000-4000-8000-000000000002', '42501', 'Permission denied: issue_invoice requires one of the roles owner, admin, accountant', 'a dispatcher cannot issue invoices'),
  ('b0000000-0000-4000-8000-000000000005', 'P0002', 'Invoice c4000000-0000-4000-8000-00000000e0a1 not found', 'another organization''s accountant does not even learn the invoice exists'),
  (null, 'P0002', 'Invoice c4000000-0000-4000-8000-00000000e0a1 not found', 'an authenticated session without a user is not the system actor')
) t (u, e, m, d);
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.issue_invoice(''c4000000-0000-4000-8000-00000000e0a1'')') ->> 'status',
  'issued', 'the organization''s accountant issues the invoice');
select is((select issued_by from public.invoices where id = 'c4000000-0000-4000-8000-00000000e0a1'),
  'a0000000-0000-4000-8000-000000000005'::uuid, 'issued_by records who issued it');
select ok(not has_function_privilege('anon', 'public.issue_invoice(uuid)', 'execute')
          and has_function_privilege('authenticated', 'public.issue_invoice(uuid)', 'execute')
          and has_function_privilege('service_role', 'public.issue_invoice(uuid)', 'execute'),
  'authenticated and service_role may call issue_invoice, anon may not');

select * from finish();
rollback;

-- The monthly closing report (closing_report): figures of a month built here
-- (Clôture SAS, November 2025: two invoices, a credit note, a payment in the
-- month and one after it), refusals, and who may read it on the demo
-- organization Chaleur Express (a0…a0). Seed users of Chaleur Express: owner
-- a0…01, dispatcher a0…02, technician a0…03, accountant a0…05, client a0…06;
-- Plomberie du Rhône's accountant b0…05.
begin;
select plan(22);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate, timezone)
values ('c1740000-0000-4000-8000-0000000000a0', 'Clôture SAS', 'SAS', '443061841', 'FR40443061841', '1 rue du Bilan', '69001', 'Lyon', 10, 'Europe/Paris');
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c1740000-0000-4000-8000-0000000000c1', 'c1740000-0000-4000-8000-0000000000a0', 'Client Un', '301120283', '1 avenue', '69003', 'Lyon');
insert into public.invoices (id, org_id, client_id, issue_date, service_date) values
  ('c1740000-0000-4000-8000-0000000000f1', 'c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000c1', '2025-11-05', '2025-11-05'),
  ('c1740000-0000-4000-8000-0000000000f2', 'c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000c1', '2025-11-20', '2025-11-20');
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f1', 1, 'Entretien', 1, 'u', 10000, 10),
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f2', 1, 'Entretien', 1, 'u', 10000, 10),
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f2', 2, 'Fourniture', 2, 'u', 2500, 20);
select public.issue_invoice('c1740000-0000-4000-8000-0000000000f1') is not null as issued;
select public.issue_invoice('c1740000-0000-4000-8000-0000000000f2') is not null as issued;
insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date) values
  ('c1740000-0000-4000-8000-0000000000f3', 'c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000c1',
   'credit_note', 'c1740000-0000-4000-8000-0000000000f1', '2025-11-25');
insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit, unit_price_cents, vat_rate) values
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f3', 'Remise', 1, 'u', 1000, 10);
select public.issue_invoice('c1740000-0000-4000-8000-0000000000f3') is not null as issued;
insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref) values
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f2', 17000, 'transfer', '2025-11-28', 'VIR-2'),
  ('c1740000-0000-4000-8000-0000000000a0', 'c1740000-0000-4000-8000-0000000000f1', 9900, 'transfer', '2025-12-02', 'VIR-1');

create temp table november as select public.closing_report('c1740000-0000-4000-8000-0000000000a0', '2025-11-01') as r;

select is((select r -> 'journals' from november),
  '[{"journal": "AV", "entries": 1, "first_entry": 1, "last_entry": 1, "debit_cents": 1100, "credit_cents": 1100, "balanced": true},
    {"journal": "BQ", "entries": 1, "first_entry": 1, "last_entry": 1, "debit_cents": 17000, "credit_cents": 17000, "balanced": true},
    {"journal": "VT", "entries": 2, "first_entry": 1, "last_entry": 2, "debit_cents": 28000, "credit_cents": 28000, "balanced": true}]'::jsonb,
  'per journal: the month''s entries, first and last numbers, debit and credit totals (the December payment is not in it)');
select is((select r -> 'totals' from november), '{"debit_cents": 46100, "credit_cents": 46100, "balanced": true}'::jsonb,
  'the month balances');
select is((select r -> 'vat_by_rate' from november),
  '[{"rate": 10.00, "base_cents": 19000, "vat_cents": 1900}, {"rate": 20.00, "base_cents": 5000, "vat_cents": 1000}]'::jsonb,
  'VAT invoiced by rate, the credit note deducted');
select is((select r -> 'vat_accounts' from november), '[{"account": "44571", "credit_minus_debit_cents": 2900}]'::jsonb,
  'the VAT collected account moved by the same total');
select is((select r - array['journals', 'totals', 'vat_by_rate', 'vat_accounts', 'invoice_log'] from november),
  '{"org_id": "c1740000-0000-4000-8000-0000000000a0", "organization": "Clôture SAS", "siren": "443061841", "month": "2025-11",
    "from": "2025-11-01", "to": "2025-11-30", "timezone": "Europe/Paris", "closed": true}'::jsonb,
  'the report names the organization, the month and its days');
select is((select r -> 'invoice_log' -> 'at_month_end' from november), '{"seq": 0, "head": null, "occurred_at": null}'::jsonb,
  'the log head at the end of November 2025: none, every event here was recorded today');
select is((select (r -> 'invoice_log' -> 'at_report' ->> 'seq')::bigint from november),
  (select seq from public.invoice_log_head('c1740000-0000-4000-8000-0000000000a0')),
  'the head at the report is the log''s current head');
select is((select r -> 'invoice_log' ->> 'events_in_month' from november), '0', 'no event was recorded in November 2025');

-- The current month: the head at its end is the current head (every event so
-- far is before its end), and it verifies.
create temp table this_month as
select public.closing_report('c1740000-0000-4000-8000-0000000000a0', date_trunc('month', current_date)::date) as r;
select is((select r -> 'invoice_log' -> 'at_month_end' ->> 'head' from this_month),
  (select head from public.invoice_log_head('c1740000-0000-4000-8000-0000000000a0')),
  'the head at the end of the current month is the current head');
select ok((select (r -> 'invoice_log' ->> 'events_in_month')::bigint > 0 and not (r ->> 'closed')::boolean from this_month),
  'this month''s events are counted, and the month is not closed yet');
select is((select to_jsonb(v) from this_month,
           public.verify_invoice_log('c1740000-0000-4000-8000-0000000000a0', r -> 'invoice_log' -> 'at_month_end' ->> 'head',
                                     (r -> 'invoice_log' -> 'at_month_end' ->> 'seq')::bigint) v),
  jsonb_build_object('ok', true, 'checked', (select (r -> 'invoice_log' -> 'at_month_end' ->> 'seq')::bigint from this_month),
                     'seq', null, 'reason', null),
  'verify_invoice_log accepts the printed head');
select is((select r -> 'journals' from public.closing_report('c1740000-0000-4000-8000-0000000000a0', '2025-10-01') r), '[]'::jsonb,
  'a month without entries has no journal rows');

-- Refusals: bad months, change nothing, name the problem.
select throws_ok($$select public.closing_report('c1740000-0000-4000-8000-0000000000a0', '2025-11-15')$$,
  '22023', 'month must be the first day of a month (YYYY-MM-01): 2025-11-15 is not', 'a day other than the first is refused');
select throws_ok($$select public.closing_report('c1740000-0000-4000-8000-0000000000a0', null)$$,
  '22004', 'month is required: the first day of the month (YYYY-MM-01)', 'the month is required');
select throws_ok(format($$select public.closing_report('c1740000-0000-4000-8000-0000000000a0', %L)$$,
                        (date_trunc('month', current_date) + interval '1 month')::date),
  '22023', format('The month %s has not started: nothing to close', to_char(date_trunc('month', current_date) + interval '1 month', 'YYYY-MM')),
  'a month that has not started is refused');

-- Who may read it (Chaleur Express, the demo's first month with entries).
select is(tests.as_user('a0000000-0000-4000-8000-000000000005',
            format($$select public.closing_report('a0000000-0000-4000-8000-0000000000a0', %L) -> 'totals' -> 'balanced'$$,
                   (select date_trunc('month', min(entry_date))::date from public.ledger_entries where org_id = 'a0000000-0000-4000-8000-0000000000a0'))),
  'true'::jsonb, 'the accountant reads the closing report');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
            $$select public.closing_report('a0000000-0000-4000-8000-0000000000a0', date_trunc('month', current_date)::date) -> 'month'$$),
  to_jsonb(to_char(current_date, 'YYYY-MM')), 'the owner reads the closing report');
select tests.throws_as_user(u, $$select public.closing_report('a0000000-0000-4000-8000-0000000000a0', date_trunc('month', current_date)::date)$$, e, m, d)
from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, '42501', 'Permission denied: closing_report requires one of the roles owner, admin, accountant', 'a technician may not'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, '42501', 'Permission denied: closing_report requires one of the roles owner, admin, accountant', 'a dispatcher may not'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, '42501', 'Permission denied: closing_report requires one of the roles owner, admin, accountant', 'a client user may not'),
  ('b0000000-0000-4000-8000-000000000005'::uuid, 'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s accountant learns nothing')
) t (u, e, m, d);
select throws_ok($$select tests.as_anon('select public.closing_report(''a0000000-0000-4000-8000-0000000000a0'', ''2026-11-01'')')$$,
  '42501', 'permission denied for function closing_report', 'anon cannot call it');

select * from finish();
rollback;

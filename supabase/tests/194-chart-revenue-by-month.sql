-- Chart data: public.revenue_by_month — per month, invoiced and credited
-- amounts excluding VAT, payments received and the amount overdue at the
-- month's end; owners, admins and accountants only.
-- Fixture: an organization of its own (Europe/Paris) with documents dated in
-- early 2026. Issued documents cannot be back-dated through issue_invoice
-- (it issues today), so they are written directly with the triggers off
-- (session_replication_role = replica) and every CHECK constraint on:
-- this file tests the chart's arithmetic, the issuing rules have their own.
--   I1 invoice  issued 10 Jan, due  9 Feb, 100.00 + 20.00 VAT; paid 50.00 on 20 Feb and 70.00 on 5 Apr
--   I2 invoice  issued 15 Feb, due 15 Mar, 200.00 + 40.00 VAT; credit note C1 (50.00 + 10.00) on 20 Mar; unpaid
--   I3 invoice  issued  1 Mar, due 31 May,  10.00 +  2.00 VAT; unpaid, not yet due in the period
--   a draft (counts nowhere) and an unmatched bank payment of 30.00 on 10 Mar
begin;
select plan(11);

insert into public.organizations (id, name) values ('e1940000-0000-4000-8000-0000000000a0', 'Revenue Test SARL');
insert into public.clients (id, org_id, name) values ('e1940000-0000-4000-8000-0000000000c1', 'e1940000-0000-4000-8000-0000000000a0', 'Client R');
insert into public.memberships (org_id, user_id, role) values
  ('e1940000-0000-4000-8000-0000000000a0', tests.create_supabase_user('revenue-accountant'), 'accountant'),
  ('e1940000-0000-4000-8000-0000000000a0', tests.create_supabase_user('revenue-dispatcher'), 'dispatcher');

set local session_replication_role = replica;
create function pg_temp.document(p_n integer, p_kind public.invoice_kind, p_seq integer, p_status public.invoice_status,
                                 p_issue date, p_due date, p_ht bigint, p_vat bigint,
                                 p_credited integer default null, p_paid_at timestamptz default null) returns void
language sql as $$
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, status, number, fiscal_year, sequence,
                               issue_date, service_date, due_date, total_ht_cents, total_vat_cents, legal_mentions, legal_mentions_ok,
                               chain_position, prev_hash, row_hash, pdf_sha256, issued_at, sent_at, paid_at)
  values (('e1940000-0000-4000-8000-00000000010' || p_n)::uuid, 'e1940000-0000-4000-8000-0000000000a0', 'e1940000-0000-4000-8000-0000000000c1',
          p_kind, ('e1940000-0000-4000-8000-00000000010' || p_credited)::uuid, p_status,
          private.document_number(case p_kind when 'invoice' then 'FAC' else 'AV' end, 2026, p_seq), 2026, p_seq,
          p_issue, p_issue, p_due, p_ht, p_vat, '{}', true,
          p_n, case when p_n > 1 then repeat('b', 64) end, repeat('a', 64),
          case when p_status <> 'issued' then repeat('c', 64) end, p_issue, case when p_status <> 'issued' then p_issue end, p_paid_at)
$$;
select pg_temp.document(1, 'invoice', 1, 'paid', '2026-01-10', '2026-02-09', 10000, 2000, p_paid_at => '2026-04-05 10:00+00');
select pg_temp.document(2, 'invoice', 2, 'sent', '2026-02-15', '2026-03-15', 20000, 4000);
select pg_temp.document(3, 'invoice', 3, 'sent', '2026-03-01', '2026-05-31', 1000, 200);
select pg_temp.document(4, 'credit_note', 1, 'sent', '2026-03-20', '2026-03-20', 5000, 1000, p_credited => 2);
insert into public.invoices (org_id, client_id, total_ht_cents) values ('e1940000-0000-4000-8000-0000000000a0', 'e1940000-0000-4000-8000-0000000000c1', 99999);
insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref) values
  ('e1940000-0000-4000-8000-0000000000a0', 'e1940000-0000-4000-8000-000000000101', 5000, 'transfer', '2026-02-20', null),
  ('e1940000-0000-4000-8000-0000000000a0', 'e1940000-0000-4000-8000-000000000101', 7000, 'transfer', '2026-04-05', null),
  ('e1940000-0000-4000-8000-0000000000a0', null, 3000, 'transfer', '2026-03-10', 'VIR-UNMATCHED-1');
set local session_replication_role = origin;

select results_eq(
  $$select month, invoiced_ht_cents, credit_notes_ht_cents, collected_cents, overdue_cents
    from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-01-01', '2026-04-30')$$,
  $$values ('2026-01-01'::date, 10000::bigint, 0::bigint, 0::bigint, 0::bigint),
           ('2026-02-01', 20000, 0, 5000, 7000),
           ('2026-03-01', 1000, 5000, 3000, 25000),
           ('2026-04-01', 0, 0, 7000, 18000)$$,
  'per month: invoiced and credited excl. VAT by issue date, payments by paid_on (matched or not), overdue at month end net of payments and credit notes dated by then');
select results_eq(
  $$select month from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-02-17', '2026-03-02')$$,
  $$values ('2026-02-01'::date), ('2026-03-01')$$,
  'the period covers whole months, the first day of each in month');
select is((select sum(invoiced_ht_cents) from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-01-01', '2026-12-31')), 31000::numeric,
  'a draft counts nowhere');
select is((tests.as_user(tests.get_supabase_uid('revenue-accountant'),
  $$select jsonb_agg(overdue_cents order by month) from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-01-01', '2026-04-30')$$)),
  '[0, 7000, 25000, 18000]'::jsonb, 'the organization''s accountant reads the same figures');

-- -----------------------------------------------------------------------------
-- Who may read it: owners, admins, accountants (seed org A for the other roles)
-- -----------------------------------------------------------------------------
select tests.throws_as_user(u, format('select count(*) from public.revenue_by_month(%L, %L, %L)', o, '2026-01-01', '2026-03-31'), e, m, d)
from (values
  (tests.get_supabase_uid('revenue-dispatcher'), 'e1940000-0000-4000-8000-0000000000a0'::uuid, '42501',
   'Permission denied: revenue_by_month requires one of the roles owner, admin, accountant', 'a dispatcher is refused'),
  ('a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', '42501',
   'Permission denied: revenue_by_month requires one of the roles owner, admin, accountant', 'a technician is refused'),
  ('a0000000-0000-4000-8000-000000000006', 'a0000000-0000-4000-8000-0000000000a0', '42501',
   'Permission denied: revenue_by_month requires one of the roles owner, admin, accountant', 'a portal user is refused'),
  ('a0000000-0000-4000-8000-000000000005', 'e1940000-0000-4000-8000-0000000000a0', 'P0002',
   'Organization e1940000-0000-4000-8000-0000000000a0 not found', 'another organization''s accountant learns nothing')
) t (u, o, e, m, d);

-- -----------------------------------------------------------------------------
-- Refusals
-- -----------------------------------------------------------------------------
select throws_ok($$select * from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-04-01', '2026-01-01')$$,
  '22023', 'The period ends (2026-01-01) before it starts (2026-04-01)', 'a period that ends before it starts is refused');
select throws_ok($$select * from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2024-01-01', '2027-01-01')$$,
  '22023', 'At most 36 months per chart', 'more than 36 months is refused');
select throws_ok($$select * from public.revenue_by_month('e1940000-0000-4000-8000-0000000000a0', '2026-01-01', null)$$,
  '22004', 'p_from and p_to are required (dates as YYYY-MM-DD)', 'a missing date is refused');

select * from finish();
rollback;

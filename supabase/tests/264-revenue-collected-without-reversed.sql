-- The revenue chart's collected_cents is money in the bank (README.md,
-- "Chart data"): a payment reversed by reverse_payment (a bank line recorded
-- by mistake) is not collected, in the month of its payment date; one whose
-- assignment was only cancelled (unassign_payment) still is.
-- Seed: Chaleur Express (a0…a0), its accountant a0…05.
begin;
select plan(3);

create function pg_temp.collected() returns bigint language sql as $$
  select r.collected_cents from public.revenue_by_month('a0000000-0000-4000-8000-0000000000a0', '2026-02-01', '2026-02-28') r
$$;
insert into public.payments (id, org_id, amount_cents, method, paid_on, external_ref) values
  ('c2640000-0000-4000-8000-0000000000d1', 'a0000000-0000-4000-8000-0000000000a0', 12300, 'transfer', '2026-02-10', 'BANK-264-1'),
  ('c2640000-0000-4000-8000-0000000000d2', 'a0000000-0000-4000-8000-0000000000a0', 4500, 'transfer', '2026-02-11', 'BANK-264-2');
create temp table before_reversal as select pg_temp.collected() as cents;
select is((select cents from before_reversal), 16800::bigint, 'before: both bank lines of February are collected');

select public.reverse_payment('c2640000-0000-4000-8000-0000000000d1', 'Ligne importée deux fois');
select is(pg_temp.collected(), 4500::bigint, 'a reversed payment is not collected');
select is(tests.as_user('a0000000-0000-4000-8000-000000000005',
            $$select to_jsonb(r.collected_cents) from public.revenue_by_month('a0000000-0000-4000-8000-0000000000a0', '2026-02-01', '2026-02-28') r$$),
          to_jsonb(4500), '… as the accountant sees it too');

select * from finish();
rollback;

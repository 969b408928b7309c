begin;
-- The back-office lists page newest first within an organization: each has an
-- index in that order, and a page of the invoice list walks it instead of
-- sorting the organization's invoices.
select plan(4);

select has_index('public', 'invoices', 'invoices_org_created_idx', array['org_id', 'created_at', 'id'], 'invoices: (org_id, created_at desc, id desc)');
select has_index('public', 'quotes', 'quotes_org_created_idx', array['org_id', 'created_at', 'id'], 'quotes: (org_id, created_at desc, id desc)');
select has_index('public', 'payments', 'payments_org_created_idx', array['org_id', 'created_at', 'id'], 'payments: (org_id, created_at desc, id desc)');

create function pg_temp.invoice_page_plan() returns setof text language plpgsql as $$
declare
  v_line text;
begin
  for v_line in execute
    $q$explain select id from public.invoices
       where org_id = 'a0000000-0000-4000-8000-0000000000a0'
       order by created_at desc, id desc limit 51$q$
  loop
    return next v_line;
  end loop;
end $$;
-- The seed is small: make the alternatives expensive so the plan shows which
-- index can serve the order at all.
set local enable_sort = off;
set local enable_seqscan = off;
select ok(
  exists (select from pg_temp.invoice_page_plan() l where l like '%invoices_org_created_idx%')
  and not exists (select from pg_temp.invoice_page_plan() l where l like '%Sort%'),
  'a page of the invoice list is read in index order, not sorted');

select * from finish();
rollback;

-- public.organization_health_checks runs each check through its
-- per-organization function (ops.org_check_<name>), which must find exactly
-- what the operator's view (ops.check_<name>) finds for that organization:
-- the same count and the same first five rows in the same order, for every
-- organization-level check and every organization. Offending rows are made
-- in several organizations first, so the comparison is not between empty
-- answers. Rolled back.
begin;
select plan(6);

-- (count, first five details) of one check for one organization, the old way
-- (the view, filtered after its window) and the new way (the function).
create function pg_temp.by_view(p_view name, p_column name, p_org uuid) returns jsonb language plpgsql as $$
declare v jsonb;
begin
  execute pg_catalog.format(
    'select pg_catalog.jsonb_build_array(pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.detail order by s.rank) filter (where s.rank <= 5), ''[]''))'
    ' from (select v.detail, pg_catalog.row_number() over (order by v.sample_rank) as rank from ops.%I v where v.%I = $1) s',
    p_view, p_column) into v using p_org;
  return v;
end $$;
create function pg_temp.by_function(p_function name, p_org uuid) returns jsonb language plpgsql as $$
declare v jsonb;
begin
  execute pg_catalog.format(
    'select pg_catalog.jsonb_build_array(pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.detail order by s.sample_rank) filter (where s.sample_rank <= 5), ''[]''))'
    ' from ops.%I($1) s', p_function) into v using p_org;
  return v;
end $$;
create view pg_temp.comparison as
  select c.name, o.id as org_id,
         pg_temp.by_view(c.view, c.org_column, o.id) as by_view,
         pg_temp.by_function(c.org_function, o.id) as by_function
  from ops.health_check_catalog c cross join public.organizations o
  where c.org_function is not null;

-- Offending rows in organizations A and B, written past the constraint and
-- the triggers that forbid them.
alter table public.stock_items drop constraint stock_items_on_hand_not_negative;
alter table public.invoices drop constraint invoices_sent_has_pdf;
set local session_replication_role = replica;
update public.stock_items set on_hand = -1
 where id in (select id from public.stock_items where org_id in ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-0000000000b0') order by id limit 7);
update public.invoices set pdf_sha256 = null
 where status in ('sent', 'partially_paid', 'paid');
update public.timesheets set approved_at = null, approved_by = null, work_date = current_date - 40 - (pg_catalog.hashtext(id::text) & 7)
 where id in (select id from public.timesheets where invoice_id is null order by id limit 9);
insert into public.emergency_requests (org_id, client_id, description, source, created_at)
select o.org_id, o.client_id, 'Oubliée ' || n, 'phone', now() - pg_catalog.make_interval(hours => n)
from (values ('a0000000-0000-4000-8000-0000000000a0'::uuid, 'a0000000-0000-4000-8000-0000000000c1'::uuid),
             ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1')) o (org_id, client_id),
     pg_catalog.generate_series(1, 7) n;
set local session_replication_role = origin;
-- Blocked missions become unreachable when no transition leads to 'blocked'.
delete from public.mission_valid_transitions where to_status = 'blocked';

select ok((select count(*) from pg_temp.comparison where (by_view -> 0)::bigint > 0) >= 8,
  'offending rows exist for several checks and organizations (the comparison below is not empty)');
select is((select count(distinct name) from pg_temp.comparison where (by_view -> 0)::bigint > 0), 5::bigint,
  '… in five of the checks');
select is_empty($$select name, org_id, by_view, by_function from pg_temp.comparison where by_view is distinct from by_function$$,
  'each check''s function finds what its view finds, organization by organization: count and first five rows in order');
select is((select count(distinct name) from pg_temp.comparison), 8::bigint,
  'every organization-level check has its function (invoice_chain included)');

-- The catalogue cannot list an organization-level check that has no function.
select throws_ok($$update ops.health_check_catalog set org_function = null where name = 'stock_negative'$$,
  '23514', 'new row for relation "health_check_catalog" violates check constraint "health_check_catalog_org_function_check"',
  'an organization-level check without its function is refused');

-- And the health page answers as its function does.
select is(
  tests.as_user('b0000000-0000-4000-8000-000000000001',
    $$select h.sample from public.organization_health_checks('b0000000-0000-4000-8000-0000000000b0') h where h.name = 'stock_negative'$$),
  (select by_function -> 1 from pg_temp.comparison where name = 'stock_negative' and org_id = 'b0000000-0000-4000-8000-0000000000b0'),
  'the health page shows the function''s sample');

select * from finish();
rollback;

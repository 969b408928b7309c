-- Tenant isolation beyond plain reads: no role reads or
-- writes another organization's rows through filters, joins, views, foreign
-- keys (no probing of ids) or SECURITY DEFINER functions; service_role (edge
-- functions) sees everything, anon nothing.
-- Actors (seed): Claire a…01 owner of org A, Nadia a…05 accountant of org A,
-- Julien a…02 dispatcher of org A, Lucas b…03 technician of org B.
begin;
select plan(21);

-- SQLSTATE and message of a statement run as a user ('ok' when it succeeds).
create function pg_temp.error_as(p_user uuid, p_sql text) returns text language plpgsql as $$
begin
  begin
    perform tests.authenticate_as_user(p_user);
    execute p_sql;
    raise exception using errcode = 'ZR001';
  exception
    when sqlstate 'ZR001' then return 'ok';
    when others then return sqlstate || ' ' || sqlerrm;
  end;
end $$;

-- -----------------------------------------------------------------------------
-- Filters and joins (what PostgREST's or=, neq. and embedding compile to).
-- -----------------------------------------------------------------------------
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000002',
  $$select org_id from public.missions where org_id <> 'a0000000-0000-4000-8000-0000000000a0' or org_id is null$$, true),
  '{}'::text[], 'org_id=neq.<own org> returns nothing');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000005',
  $$select i.org_id from public.invoices i where i.org_id = 'b0000000-0000-4000-8000-0000000000b0' or i.number like 'FAC-%'$$, true),
  array['a0000000-0000-4000-8000-0000000000a0'], 'or=(org_id.eq.<other org>,…) adds nothing of the other organization');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000005',
  $$select l.org_id from public.invoices i left join public.invoice_lines l on l.invoice_id = i.id
    union all select c.org_id from public.clients c left join public.missions m on m.client_id = c.id$$, true),
  array['a0000000-0000-4000-8000-0000000000a0'], 'joins (embedded resources) stay in the organization');
select is(tests.values_as_user('b0000000-0000-4000-8000-000000000003',
  $$select org_id from public.stock_items union all select org_id from public.stock_low union all select org_id from public.stock_negative$$, true),
  array['b0000000-0000-4000-8000-0000000000b0'], 'views are security_invoker: org B''s technician reads org B''s stock only');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000005', 'select org_id from public.stock_low', true),
  array['a0000000-0000-4000-8000-0000000000a0'], '… and org A''s accountant org A''s low stock only');

-- -----------------------------------------------------------------------------
-- Foreign keys cannot be used to learn that another organization's id exists:
-- every key carries org_id, so an id of org B is "not found" exactly like a
-- random one.
-- -----------------------------------------------------------------------------
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000001',
    $$insert into public.sites (org_id, client_id, name, address)
      values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-0000000000c1', 'x', 'y')$$), '[0-9a-f-]{36}', '<id>', 'g'),
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000001',
    $$insert into public.sites (org_id, client_id, name, address)
      values ('a0000000-0000-4000-8000-0000000000a0', gen_random_uuid(), 'x', 'y')$$), '[0-9a-f-]{36}', '<id>', 'g'),
  'a site for org B''s client fails exactly as for a random client id');
select matches(
  pg_temp.error_as('a0000000-0000-4000-8000-000000000001',
    $$insert into public.sites (org_id, client_id, name, address)
      values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-0000000000c1', 'x', 'y')$$),
  '^23503 ', '… namely a foreign-key violation within org A');
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000002',
    $$update public.missions set technician_id = 'b0000000-0000-4000-8000-000000000003' where id = 'a0000000-0000-4000-8000-000000002002'$$),
    '[0-9a-f-]{36}', '<id>', 'g'),
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000002',
    $$update public.missions set technician_id = gen_random_uuid() where id = 'a0000000-0000-4000-8000-000000002002'$$),
    '[0-9a-f-]{36}', '<id>', 'g'),
  'naming org B''s technician on a mission fails exactly as a random user id');
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000005',
    $$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
      values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000004001', 'x', 1, 1)$$), '[0-9a-f-]{36}', '<id>', 'g'),
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000005',
    $$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
      values ('a0000000-0000-4000-8000-0000000000a0', gen_random_uuid(), 'x', 1, 1)$$), '[0-9a-f-]{36}', '<id>', 'g'),
  'a line on org B''s invoice fails exactly as on a random invoice id');
select matches(
  pg_temp.error_as('a0000000-0000-4000-8000-000000000001',
    $$insert into public.sites (org_id, client_id, name, address)
      values ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'x', 'y')$$),
  '^42501 new row violates row-level security policy', 'writing a row into org B is refused by RLS');
select is(
  pg_temp.error_as('a0000000-0000-4000-8000-000000000001',
    $$update public.clients set org_id = 'b0000000-0000-4000-8000-0000000000b0' where id = 'a0000000-0000-4000-8000-0000000000c1'$$),
  '42501 permission denied for table clients', 'moving a row to another organization is refused (org_id is never updatable)');

-- -----------------------------------------------------------------------------
-- SECURITY DEFINER functions check membership themselves: another
-- organization's id is "not found", like an id that does not exist.
-- -----------------------------------------------------------------------------
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000002',
    $$select public.transition_mission('b0000000-0000-4000-8000-000000002002', 'cancelled', 'rls-probe-0001')$$), '[0-9a-f-]{36}', '<id>', 'g'),
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000002',
    $$select public.transition_mission(gen_random_uuid(), 'cancelled', 'rls-probe-0002')$$), '[0-9a-f-]{36}', '<id>', 'g'),
  'transition_mission: org B''s mission is not found, like a random id');
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000005',
    $$select public.issue_invoice('b0000000-0000-4000-8000-000000004001')$$), '[0-9a-f-]{36}', '<id>', 'g'),
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000005',
    $$select public.issue_invoice(gen_random_uuid())$$), '[0-9a-f-]{36}', '<id>', 'g'),
  'issue_invoice: org B''s invoice is not found, like a random id');
select is(
  regexp_replace(pg_temp.error_as('a0000000-0000-4000-8000-000000000003',
    format($$select public.record_stock_use(%L, 1, 'a0000000-0000-4000-8000-000000002003', 'rls-probe-0003')$$,
           (select id from public.stock_items where org_id = 'b0000000-0000-4000-8000-0000000000b0' order by id limit 1))),
    '[0-9a-f-]{36}', '<id>', 'g'),
  'P0002 Stock item <id> not found',
  'record_stock_use: org B''s item is not found (the id was read as postgres)');

-- -----------------------------------------------------------------------------
-- service_role and anon.
-- -----------------------------------------------------------------------------
select tests.authenticate_as_service_role();
create temp table service_view on commit drop as
  select (select count(distinct org_id) from public.missions) as mission_orgs,
         (select count(*) from public.organizations) as orgs;
reset role;
select is((select mission_orgs from service_view), 2::bigint, 'service_role (edge functions) reads every organization''s missions');
select is((select orgs from service_view), 2::bigint, '… and every organization');

create function pg_temp.anon_error(p_sql text) returns text language plpgsql as $$
begin
  begin
    perform tests.clear_authentication();
    execute p_sql;
    raise exception using errcode = 'ZR001';
  exception
    when sqlstate 'ZR001' then return 'ok';
    when others then return sqlstate || ' ' || sqlerrm;
  end;
end $$;
select is(pg_temp.anon_error('select * from public.organizations'), '42501 permission denied for table organizations', 'anon cannot read organizations');
select is(pg_temp.anon_error('select * from public.missions'), '42501 permission denied for table missions', 'anon cannot read missions');
select is(pg_temp.anon_error('select * from public.stock_low'), '42501 permission denied for view stock_low', 'anon cannot read the stock views');
select is(pg_temp.anon_error($$insert into public.emergency_requests (org_id, client_id, description) values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'x')$$),
  '42501 permission denied for table emergency_requests', 'anon cannot raise an emergency');
select is(pg_temp.anon_error($$select public.transition_mission('a0000000-0000-4000-8000-000000002002', 'cancelled', 'rls-anon-0001')$$),
  '42501 permission denied for function transition_mission', 'anon cannot call the API functions');

select * from finish();
rollback;

-- public.last_invoice_chain_verifications(org): the latest finished full
-- verification of the organization's invoice hash chain and of its invoice
-- log, for the health page. Who may read it, as a permission matrix; what it
-- returns before any, after one, and while one is under way. Rolled back.
begin;
select plan(13);

select tests.create_supabase_user('verifications-admin-a');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('verifications-admin-a'), 'admin');

create temporary table last_read (sql text);
insert into last_read values ($$select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v.kind, v.done, v.ok, v.rows_checked, v.rows_total, v.finished_at is not null) order by v.kind), '[]')
                                from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0') v$$);
grant select on last_read to authenticated;

select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from last_read)), '[]'::jsonb,
  'never verified: nothing to show');

-- A verification under way (one step of two rows) is not the last full one.
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', 2)$$);
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from last_read)), '[]'::jsonb,
  'a verification under way is not shown as the last one');
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$);

-- -----------------------------------------------------------------------------
-- Who may read it
-- -----------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from last_read)),
  '[["chain", true, true, 6, 6, true], ["log", true, true, 23, 23, true]]'::jsonb,
  'the owner reads the finished verification: each kind passed, every row checked, when');
select is(tests.as_user(tests.get_supabase_uid('verifications-admin-a'), (select sql from last_read)) -> 0 -> 2, 'true'::jsonb,
  'an admin reads it');
select is(tests.count_as('service_role', $$select * from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$),
  2::bigint, 'the service role reads it');
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: last_invoice_chain_verifications requires one of the roles owner, admin', 'a dispatcher is refused'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: last_invoice_chain_verifications requires one of the roles owner, admin', 'a technician is refused'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: last_invoice_chain_verifications requires one of the roles owner, admin', 'an accountant is refused'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: last_invoice_chain_verifications requires one of the roles owner, admin', 'a client portal user is refused'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0')$$,
   'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s owner learns nothing about it'),
  ('a0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.last_invoice_chain_verifications(null)$$,
   '22004', 'Name the organization whose verifications to read (p_org_id)', 'no organization: a clear error')
) t (u, s, e, m, d);
select ok(not has_function_privilege('anon', 'public.last_invoice_chain_verifications(uuid)', 'execute'), 'anon cannot call it');

-- -----------------------------------------------------------------------------
-- A failure: where and what
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.invoices set total_ht_cents = total_ht_cents + 1
 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 3;
set local session_replication_role = origin;
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$);
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    $$select pg_catalog.jsonb_build_object('ok', v.ok, 'rows_checked', v.rows_checked, 'rows_total', v.rows_total, 'failed_at', v.failed_at,
                                           'number', v.number, 'reason', v.reason)
      from public.last_invoice_chain_verifications('a0000000-0000-4000-8000-0000000000a0') v where v.kind = 'chain'$$),
  pg_catalog.jsonb_build_object('ok', false, 'rows_checked', 2, 'rows_total', 6, 'failed_at', 3,
    'reason', 'row_hash does not match the document content',
    'number', (select number from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 3)),
  'a failed verification: the document, its position, the reason, out of how many');

select * from finish();
rollback;

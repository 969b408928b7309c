-- public.run_invoice_chain_verification(org): an owner or administrator has
-- the full verification of the organization's invoice hash chain and invoice
-- log run now and recorded (private.invoice_chain_verifications), so the
-- health page shows its result at once. Who may call it, as a permission
-- matrix; what it records; refusals. Rolled back.
begin;
select plan(16);

-- Seed identities (supabase/seed.sql): a0…01 owner of A, …02 dispatcher, …03 technician,
-- …05 accountant, …06 client portal user; b0…01 owner of B.
select tests.create_supabase_user('verification-admin-a');
insert into public.memberships (org_id, user_id, role)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('verification-admin-a'), 'admin');

-- -----------------------------------------------------------------------------
-- Who may run it
-- -----------------------------------------------------------------------------
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001'::uuid,
    $$select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', v.kind, 'ok', v.ok, 'reason', v.reason) order by v.kind)
      from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0') v$$),
  '[{"kind": "chain", "ok": true, "reason": null}, {"kind": "log", "ok": true, "reason": null}]'::jsonb,
  'an owner runs it: the chain and the log, both passed');
select results_eq(
  $$select kind, rows_checked, verified_through, requested_by, finished_at is not null
    from private.invoice_chain_verifications where org_id = 'a0000000-0000-4000-8000-0000000000a0' order by kind$$,
  $$values ('chain'::text, (select last_position from private.invoice_chain_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
            (select last_position from private.invoice_chain_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
            'a0000000-0000-4000-8000-000000000001'::uuid, true),
           ('log', (select last_seq from private.invoice_log_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
            (select last_seq from private.invoice_log_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
            'a0000000-0000-4000-8000-000000000001'::uuid, true)$$,
  'it is recorded: every document and event from the first, who asked, finished');
select is(
  tests.as_user(tests.get_supabase_uid('verification-admin-a'),
    $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0') v where v.ok$$),
  '2'::jsonb, 'an admin runs it');
select is(tests.count_as('service_role', $$select * from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$),
  2::bigint, 'the service role runs it');

select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: run_invoice_chain_verification requires one of the roles owner, admin', 'a dispatcher is refused'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: run_invoice_chain_verification requires one of the roles owner, admin', 'a technician is refused'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: run_invoice_chain_verification requires one of the roles owner, admin',
   'an accountant is refused (verify_invoice_chain and verify_invoice_log stay theirs)'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$,
   '42501', 'Permission denied: run_invoice_chain_verification requires one of the roles owner, admin', 'a client portal user is refused'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0')$$,
   'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s owner learns nothing about it'),
  ('a0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification(null)$$,
   '22004', 'Name the organization whose invoices to verify (p_org_id)', 'no organization: a clear error')
) t (u, s, e, m, d);
select ok(not has_function_privilege('anon', 'public.run_invoice_chain_verification(uuid, integer)', 'execute'), 'anon cannot call it');
select is((select count(*) from private.invoice_chain_verifications where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 6::bigint,
  'the refused calls recorded nothing (three runs of two kinds)');

-- -----------------------------------------------------------------------------
-- A failure, recorded and shown
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.invoices set total_ht_cents = total_ht_cents + 1
 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 1;
set local session_replication_role = origin;
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001'::uuid,
    $$select pg_catalog.jsonb_build_object('ok', v.ok, 'failed_at', v.failed_at, 'number', v.number, 'reason', v.reason)
      from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0') v where v.kind = 'chain'$$),
  pg_catalog.jsonb_build_object('ok', false, 'failed_at', 1, 'reason', 'row_hash does not match the document content',
    'number', (select number from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 1)),
  'a tampered first invoice: the run fails at position 1 and names it');
select matches(
  tests.as_user('a0000000-0000-4000-8000-000000000001'::uuid,
    $$select h.sample -> 0 -> 'reason' from public.organization_health_checks('a0000000-0000-4000-8000-0000000000a0') h where h.name = 'invoice_chain'$$) #>> '{}',
  '^full verification of .*: row_hash does not match the document content$', 'the health page shows it at once');

-- A nightly pass still running is finished by the call, from where it stopped.
insert into private.invoice_chain_verifications (org_id, kind, verified_through, verified_hash)
select 'b0000000-0000-4000-8000-0000000000b0', 'log', 1, hash
from public.invoice_log where org_id = 'b0000000-0000-4000-8000-0000000000b0' and seq = 1;
select is(
  tests.as_user('b0000000-0000-4000-8000-000000000001'::uuid,
    $$select pg_catalog.to_jsonb(v.rows_checked) from public.run_invoice_chain_verification('b0000000-0000-4000-8000-0000000000b0') v where v.kind = 'log'$$),
  pg_catalog.to_jsonb((select last_seq - 1 from private.invoice_log_heads where org_id = 'b0000000-0000-4000-8000-0000000000b0')),
  'a running nightly pass of the log is finished from the event it had reached');
select is((select count(*) from private.invoice_chain_verifications where org_id = 'b0000000-0000-4000-8000-0000000000b0' and kind = 'log'),
  1::bigint, '… rather than a second pass started beside it');

select * from finish();
rollback;

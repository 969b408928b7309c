-- public.run_invoice_chain_verification(org, max_rows) verifies in bounded
-- steps: a call advances the verification (chain first, then log) by at most
-- max_rows rows from where it stopped and returns each kind's progress; the
-- caller calls again until both are done. Progress across calls, a tampered
-- document found by the call that reaches it, refusals of a bad step size,
-- and a pass left running resumed by the nightly job. Rolled back.
begin;
select plan(15);

-- Seed (supabase/seeds): Chaleur Express (a0…a0) has 6 chained documents and
-- 23 log events; a0…01 is its owner.
select is((select last_position from private.invoice_chain_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 6::bigint,
  'the seed: six chained documents');
select is((select last_seq from private.invoice_log_heads where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 23::bigint,
  'the seed: 23 log events');

-- One call by the owner, four rows at most: each kind as [kind, done, ok, rows checked, rows to check].
create temporary table step (sql text);
insert into step values ($$select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(v.kind, v.done, v.ok, v.rows_checked, v.rows_total) order by v.kind)
                           from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', 4) v$$);
grant select on step to authenticated;

-- -----------------------------------------------------------------------------
-- Progress across calls
-- -----------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from step)),
  '[["chain", false, null, 4, 6], ["log", false, null, 0, 23]]'::jsonb,
  'the first call starts both passes and checks four documents of the chain, nothing of the log yet');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from step)),
  '[["chain", true, true, 6, 6], ["log", false, null, 2, 23]]'::jsonb,
  'the second finishes the chain (two documents) and spends the rest on the log');
select is(pg_catalog.jsonb_agg(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from step)) -> 1 -> 3),
  '[6, 10, 14, 18, 22]'::jsonb, 'the next five calls check four events each, from where the previous stopped')
from generate_series(1, 5);
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from step)),
  '[["chain", true, true, 6, 6], ["log", true, true, 23, 23]]'::jsonb,
  'the eighth reaches the head of the log: both done, both passed');
select results_eq(
  $$select kind, rows_checked, requested_by, ok from private.invoice_chain_verifications
    where org_id = 'a0000000-0000-4000-8000-0000000000a0' order by kind$$,
  $$values ('chain'::text, 6::bigint, 'a0000000-0000-4000-8000-000000000001'::uuid, true),
           ('log', 23, 'a0000000-0000-4000-8000-000000000001'::uuid, true)$$,
  'one recorded pass of each kind, the whole history, asked for by the owner');

-- -----------------------------------------------------------------------------
-- Tampering, found by the call that reaches it
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.invoices set total_ht_cents = total_ht_cents + 1
 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 5;
set local session_replication_role = origin;
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', (select sql from step)) -> 0,
  '["chain", false, null, 4, 6]'::jsonb,
  'after the last verification finished, a call starts a new one; its first four documents pass');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    $$select pg_catalog.jsonb_build_object('done', v.done, 'ok', v.ok, 'rows_checked', v.rows_checked, 'failed_at', v.failed_at,
                                           'number', v.number, 'reason', v.reason)
      from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', 4) v where v.kind = 'chain'$$),
  pg_catalog.jsonb_build_object('done', true, 'ok', false, 'rows_checked', 4, 'failed_at', 5,
    'reason', 'row_hash does not match the document content',
    'number', (select number from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 5)),
  'the next call reaches position 5: the chain pass fails there and names the document');

-- -----------------------------------------------------------------------------
-- A bad step size: a clear error, nothing recorded
-- -----------------------------------------------------------------------------
create temporary table passes_before as select count(*) as n from private.invoice_chain_verifications;
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', 0)$$,
   '22023', 'max_rows must be between 1 and 5000 rows per call (got 0)', 'no row per call is refused'),
  ('a0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', 5001)$$,
   '22023', 'max_rows must be between 1 and 5000 rows per call (got 5001)', 'more than the bound is refused (the API''s statement timeout)'),
  ('a0000000-0000-4000-8000-000000000001'::uuid, $$select pg_catalog.count(*) from public.run_invoice_chain_verification('a0000000-0000-4000-8000-0000000000a0', null)$$,
   '22023', 'max_rows must be between 1 and 5000 rows per call (got none)', 'no step size is refused')
) t (u, s, e, m, d);
select is((select count(*) from private.invoice_chain_verifications), (select n from passes_before),
  'the refused calls started nor advanced anything');

-- -----------------------------------------------------------------------------
-- A pass left running (the page closed mid-way) is the nightly job's to finish
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.invoices set total_ht_cents = total_ht_cents - 1
 where org_id = 'a0000000-0000-4000-8000-0000000000a0' and chain_position = 5;
set local session_replication_role = origin;
select tests.as_user('b0000000-0000-4000-8000-000000000001',
  $$select pg_catalog.count(*) from public.run_invoice_chain_verification('b0000000-0000-4000-8000-0000000000b0', 1)$$);
-- Started yesterday evening, so the organization's log would be due again.
update private.invoice_chain_verifications set started_at = now() - interval '21 hours'
 where org_id = 'b0000000-0000-4000-8000-0000000000b0';
select lives_ok($$select private.run_invoice_chain_verifications(100)$$,
  'the nightly step meets a running pass an owner started: no second pass of the same kind');
select results_eq(
  $$select kind, ok, rows_checked, requested_by from private.invoice_chain_verifications
    where org_id = 'b0000000-0000-4000-8000-0000000000b0' and requested_by is not null order by kind$$,
  $$values ('chain'::text, true, 2::bigint, 'b0000000-0000-4000-8000-000000000001'::uuid),
           ('log', true, 8::bigint, 'b0000000-0000-4000-8000-000000000001'::uuid)$$,
  'it finished both from where the owner''s call stopped, still recorded as theirs');

select * from finish();
rollback;

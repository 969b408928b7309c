-- The nightly full verification (private.run_invoice_chain_verifications,
-- pg_cron verify-invoice-chains): every organization's invoice hash chain and
-- invoice log recomputed from the first row, one organization at a time, in
-- steps of a bounded number of rows, each pass recorded in
-- private.invoice_chain_verifications. A rewritten old invoice, invisible to
-- a check of the recent rows only, is caught by the next full pass and then
-- shown by the health check; so is a history rewritten with every hash
-- recomputed. Tampering is simulated as a superuser with triggers off
-- (session_replication_role = replica). Rolled back.
begin;
select plan(28);

-- Organization F sorts before the seeded ones (the job takes organizations in id order).
insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('00260000-0000-4000-8000-0000000000f0', 'Chaîne Nocturne SAS', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city)
values ('00260000-0000-4000-8000-0000000000c1', '00260000-0000-4000-8000-0000000000f0', 'Copropriété Nuit', '301120630', '10 rue Client', '69007', 'Lyon');

-- Issues p_count invoices of one line each in F (one 'issued' log event each).
create function pg_temp.issue(p_count integer) returns void language plpgsql as $$
declare v_id uuid;
begin
  for n in 1 .. p_count loop
    insert into public.invoices (org_id, client_id, service_date)
    values ('00260000-0000-4000-8000-0000000000f0', '00260000-0000-4000-8000-0000000000c1', current_date) returning id into v_id;
    insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
    values ('00260000-0000-4000-8000-0000000000f0', v_id, 1, 'Entretien chaudière', 1, 10000 + n, 20);
    perform public.issue_invoice(v_id);
  end loop;
end $$;
create function pg_temp.pass(p_kind text) returns table (ok boolean, rows_checked bigint, verified_through bigint, failed_number text, failure text)
language sql as $$
  select v.ok, v.rows_checked, v.verified_through, v.failed_number, v.failure
  from private.invoice_chain_verifications v
  where v.org_id = '00260000-0000-4000-8000-0000000000f0' and v.kind = p_kind
  order by v.started_at desc, v.id desc limit 1
$$;
-- The next night: F's passes started more than 20 hours ago, so F is due again.
create function pg_temp.next_night() returns void language sql as $$
  update private.invoice_chain_verifications set started_at = started_at - interval '1 day', finished_at = finished_at - interval '1 day'
  where org_id = '00260000-0000-4000-8000-0000000000f0';
  select private.run_invoice_chain_verifications(1000000);
$$;
create function pg_temp.findings() returns jsonb language sql as $$
  select coalesce(pg_catalog.jsonb_agg(c.detail order by c.sample_rank), '[]')
  from ops.org_check_invoice_chain('00260000-0000-4000-8000-0000000000f0') c
$$;

select pg_temp.issue(6);

-- -----------------------------------------------------------------------------
-- Bounded steps, one organization at a time
-- -----------------------------------------------------------------------------
select is(private.run_invoice_chain_verifications(4), 4::bigint, 'a step checks at most the rows it is given');
select results_eq($$select org_id, kind, rows_checked, verified_through, ok from private.invoice_chain_verifications$$,
  $$values ('00260000-0000-4000-8000-0000000000f0'::uuid, 'chain'::text, 4::bigint, 4::bigint, null::boolean)$$,
  'the first step started one pass only (F''s chain) and stopped after 4 of its 6 documents, unfinished');
select is(private.run_invoice_chain_verifications(4), 4::bigint, 'the next step goes on');
select results_eq($$select * from pg_temp.pass('chain')$$, $$values (true, 6::bigint, 6::bigint, null::text, null::text)$$,
  '… finishes F''s chain where the previous step stopped: passed, 6 documents');
select is((select verified_hash from private.invoice_chain_verifications where org_id = '00260000-0000-4000-8000-0000000000f0' and kind = 'chain'),
  (select last_row_hash from private.invoice_chain_heads where org_id = '00260000-0000-4000-8000-0000000000f0'),
  'the pass records the hash at the position it reached: the chain head''s');
select results_eq($$select ok, rows_checked, verified_through from pg_temp.pass('log')$$, $$values (null::boolean, 2::bigint, 2::bigint)$$,
  '… and spends the rest of its rows on F''s log, the next pass due');

select cmp_ok(private.run_invoice_chain_verifications(1000000), '>', 0::bigint, 'steps go on until every organization is verified');
select is_empty($$select d.org_id, d.kind from (
    select org_id, 'chain' as kind from private.invoice_chain_heads where last_position > 0
    union all select org_id, 'log' from private.invoice_log_heads where last_seq > 0) d
  where not exists (select from private.invoice_chain_verifications v where v.org_id = d.org_id and v.kind = d.kind and v.ok)$$,
  'every organization''s chain and log has a passed full verification');
select is(private.run_invoice_chain_verifications(1000000), 0::bigint, 'then nothing is due until the next night');
select is(pg_temp.findings(), '[]'::jsonb, 'the health check finds nothing');

-- -----------------------------------------------------------------------------
-- A rewritten old invoice
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.invoice_lines set unit_price_cents = 1
 where invoice_id = (select id from public.invoices where org_id = '00260000-0000-4000-8000-0000000000f0' and chain_position = 2);
set local session_replication_role = origin;

select is(pg_temp.findings(), '[]'::jsonb,
  'a check of the rows issued since the last pass does not see an old invoice rewritten in place');
select pg_temp.next_night();
select results_eq($$select ok, verified_through, failed_number, failure from pg_temp.pass('chain')$$,
  $$values (false, 1::bigint, 'FAC-' || extract(year from current_date) || '-00002', 'row_hash does not match the document content')$$,
  'the next full pass catches it: the document named, the chain verified up to the one before');
select is(pg_temp.findings() -> 0 ->> 'number', 'FAC-' || extract(year from current_date) || '-00002',
  'the health check then names the invoice');
select matches(pg_temp.findings() -> 0 ->> 'reason',
  '^full verification of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: row_hash does not match the document content$',
  '… and says which full verification found what');
select is(jsonb_array_length(pg_temp.findings()), 1, '… once: the log was not touched');

-- Restored, the next pass passes again.
set local session_replication_role = replica;
update public.invoice_lines set unit_price_cents = 10002
 where invoice_id = (select id from public.invoices where org_id = '00260000-0000-4000-8000-0000000000f0' and chain_position = 2);
set local session_replication_role = origin;
select pg_temp.next_night();
select results_eq($$select ok, verified_through from pg_temp.pass('chain')$$, $$values (true, 6::bigint)$$, 'restored, the chain passes again');

-- -----------------------------------------------------------------------------
-- A history rewritten with every hash recomputed (issue times moved back a
-- day), chain head and log head included: it is consistent with itself, so
-- verify_invoice_chain finds nothing, but it no longer ends on the hash the
-- last pass recorded.
-- -----------------------------------------------------------------------------
create function pg_temp.rewrite_history() returns void language plpgsql as $$
declare r record; v_prev text;
begin
  for r in select id from public.invoices where org_id = '00260000-0000-4000-8000-0000000000f0' and chain_position is not null order by chain_position loop
    update public.invoices i set issued_at = i.issued_at - interval '1 day', prev_hash = v_prev where i.id = r.id;
    update public.invoices i set row_hash = private.invoice_row_hash(i) where i.id = r.id returning i.row_hash into v_prev;
  end loop;
  update private.invoice_chain_heads set last_row_hash = v_prev where org_id = '00260000-0000-4000-8000-0000000000f0';
  v_prev := null;
  for r in select seq from public.invoice_log where org_id = '00260000-0000-4000-8000-0000000000f0' order by seq loop
    update public.invoice_log l set occurred_at = l.occurred_at - interval '1 day', prev_hash = v_prev
     where l.org_id = '00260000-0000-4000-8000-0000000000f0' and l.seq = r.seq;
    update public.invoice_log l set hash = private.invoice_log_hash(v_prev, l)
     where l.org_id = '00260000-0000-4000-8000-0000000000f0' and l.seq = r.seq returning l.hash into v_prev;
  end loop;
  update private.invoice_log_heads set last_hash = v_prev where org_id = '00260000-0000-4000-8000-0000000000f0';
end $$;
set local session_replication_role = replica;
select pg_temp.rewrite_history();
set local session_replication_role = origin;

select is((select ok from public.verify_invoice_chain('00260000-0000-4000-8000-0000000000f0')), true,
  'the rewritten chain is consistent with itself');
select pg_temp.next_night();
select results_eq($$select ok, failure from pg_temp.pass('chain')$$,
  $$values (false, 'the chain up to position 6 differs from the one verified earlier: it was rewritten and its hashes recomputed')$$,
  'the full pass compares it with the hash the last pass recorded: caught');
select results_eq($$select ok, failure from pg_temp.pass('log')$$,
  $$values (false, 'the history up to event 6 differs from the last verification: it was rewritten and its hashes recomputed')$$,
  'the log''s pass too');

-- -----------------------------------------------------------------------------
-- Retention: passes finished over 400 days ago go, but not an organization's
-- latest passed one of a kind (the checkpoint the next pass compares with).
-- -----------------------------------------------------------------------------
update private.invoice_chain_verifications set started_at = started_at - interval '2 years', finished_at = finished_at - interval '2 years'
 where org_id = '00260000-0000-4000-8000-0000000000f0';
select count(*) as recent_passes from private.invoice_chain_verifications where org_id <> '00260000-0000-4000-8000-0000000000f0' \gset
select results_eq($$select kind, count(*), count(*) filter (where ok) from private.invoice_chain_verifications
                   where org_id = '00260000-0000-4000-8000-0000000000f0' group by kind order by kind$$,
  $$values ('chain'::text, 4::bigint, 2::bigint), ('log', 4, 3)$$, 'F has four passes of each kind, the last one failed');
select is(private.purge_invoice_chain_verifications(), 4::bigint, 'all moved two years back, the purge deletes four of F''s passes');
select results_eq($$select kind, ok from private.invoice_chain_verifications
                   where org_id = '00260000-0000-4000-8000-0000000000f0' order by kind, ok$$,
  $$values ('chain'::text, false), ('chain', true), ('log', false), ('log', true)$$,
  'left of each kind: the latest passed one (the checkpoint) and the failure after it (the latest result, which the health check shows)');
select is((select count(*) from private.invoice_chain_verifications where org_id <> '00260000-0000-4000-8000-0000000000f0'),
  :recent_passes::bigint, 'the other organizations'' recent passes stay');

-- -----------------------------------------------------------------------------
-- The job, refusals, privileges
-- -----------------------------------------------------------------------------
select results_eq($$select schedule, command from cron.job where jobname = 'verify-invoice-chains'$$,
  $$values ('* 0-4 * * *'::text,
    'select private.run_invoice_chain_verifications() where extract(hour from now() at time zone ''Europe/Paris'') between 2 and 5'::text)$$,
  'pg_cron runs a step every minute of the Paris small hours (02:00-05:59)');
select is((select schedule from cron.job where jobname = 'purge-invoice-chain-verifications'), '29 3 * * *',
  'and purges old passes daily');
select throws_ok($$select private.run_invoice_chain_verifications(0)$$, '22023', 'p_max_rows must be 1 or more (got 0)',
  'a step of no rows is refused');
select ok(not has_function_privilege('service_role', 'private.run_invoice_chain_verifications(bigint)', 'execute')
          and not has_function_privilege('authenticated', 'private.run_invoice_chain_verifications(bigint)', 'execute')
          and not has_function_privilege('anon', 'private.run_invoice_chain_verifications(bigint)', 'execute'),
  'no API role can run the job');
select ok(not has_table_privilege('service_role', 'private.invoice_chain_verifications', 'select')
          and not has_table_privilege('authenticated', 'private.invoice_chain_verifications', 'select'),
  'no API role reads the verification records directly');

select * from finish();
rollback;

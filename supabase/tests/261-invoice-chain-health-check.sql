-- The invoice_chain health check (public.organization_health_checks for the
-- owner's page, ops.health_checks for the operator) reads the last recorded
-- full verification and recomputes only what was written after it, linking
-- to the hash recorded there: a row tampered with after the checkpoint is
-- reported at once; a failed pass, an overdue one (over 36 hours) or none at
-- all for an organization older than that is not ok. Tampering as a
-- superuser with triggers off. Rolled back.
begin;
select plan(16);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('02610000-0000-4000-8000-0000000000f0', 'Santé Chaîne SARL', 'SARL', '443061841', 'FR40443061841', '8 rue Sonde', '69003', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city)
values ('02610000-0000-4000-8000-0000000000c1', '02610000-0000-4000-8000-0000000000f0', 'Syndic Sonde', '301120630', '3 place Client', '69002', 'Lyon');
select tests.create_supabase_user('chain-health-owner');
insert into public.memberships (org_id, user_id, role)
values ('02610000-0000-4000-8000-0000000000f0', tests.get_supabase_uid('chain-health-owner'), 'owner');

create function pg_temp.issue(p_count integer) returns void language plpgsql as $$
declare v_id uuid;
begin
  for n in 1 .. p_count loop
    insert into public.invoices (org_id, client_id, service_date)
    values ('02610000-0000-4000-8000-0000000000f0', '02610000-0000-4000-8000-0000000000c1', current_date) returning id into v_id;
    insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
    values ('02610000-0000-4000-8000-0000000000f0', v_id, 1, 'Dépannage', 2, 8000 + n, 10);
    perform public.issue_invoice(v_id);
  end loop;
end $$;
-- The owner's health page: the invoice_chain row.
create function pg_temp.page() returns jsonb language sql as $$
  select tests.as_user(tests.get_supabase_uid('chain-health-owner'),
    $q$select pg_catalog.jsonb_build_object('ok', h.ok, 'count', h.count, 'sample', h.sample)
       from public.organization_health_checks('02610000-0000-4000-8000-0000000000f0') h where h.name = 'invoice_chain'$q$)
$$;
create function pg_temp.reasons() returns jsonb language sql as $$
  select coalesce(pg_catalog.jsonb_agg(s -> 'reason' order by s ->> 'kind'), '[]') from pg_catalog.jsonb_array_elements(pg_temp.page() -> 'sample') s
$$;
-- Rewrites one document's line price (the 'set' value), triggers off.
create function pg_temp.set_price(p_position bigint, p_cents bigint) returns void language sql as $$
  set local session_replication_role = replica;
  update public.invoice_lines set unit_price_cents = p_cents
   where invoice_id = (select id from public.invoices where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = p_position);
  set local session_replication_role = origin;
$$;
create function pg_temp.full_verification() returns void language plpgsql as $$
declare v_id bigint; k text;
begin
  foreach k in array array['chain', 'log'] loop
    insert into private.invoice_chain_verifications (org_id, kind) values ('02610000-0000-4000-8000-0000000000f0', k) returning id into v_id;
    perform private.advance_invoice_chain_verification(v_id, null);
  end loop;
end $$;

select pg_temp.issue(3);

-- -----------------------------------------------------------------------------
-- Before the first nightly pass
-- -----------------------------------------------------------------------------
select is(pg_temp.page(), '{"ok": true, "count": 0, "sample": []}'::jsonb,
  'an organization whose first invoice is hours old, not yet verified at night: ok, its rows checked from the first');
select pg_temp.set_price(2, 1);
select is(pg_temp.reasons(), '["row_hash does not match the document content"]'::jsonb,
  '… so a tampered invoice is reported at once');
select pg_temp.set_price(2, 8002);

-- -----------------------------------------------------------------------------
-- After a full verification: only the rows written since are recomputed
-- -----------------------------------------------------------------------------
select pg_temp.full_verification();
select pg_temp.issue(2);
select is(pg_temp.page(), '{"ok": true, "count": 0, "sample": []}'::jsonb,
  'verified in full, then two more invoices: ok');

select pg_temp.set_price(5, 1);
select is(pg_temp.page() -> 'sample' -> 0 ->> 'number', 'FAC-' || extract(year from current_date) || '-00005',
  'an invoice issued after the checkpoint and then tampered with is named at once');
select is(pg_temp.reasons(), '["since the last full verification: row_hash does not match the document content"]'::jsonb,
  '… with the reason');
select is((pg_temp.page() ->> 'ok')::boolean, false, '… not ok');
select pg_temp.set_price(5, 8002);

-- The checkpoint document itself, its stored hash rewritten.
set local session_replication_role = replica;
update public.invoices set row_hash = repeat('a', 64) where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = 3;
set local session_replication_role = origin;
select is(pg_temp.reasons(),
  '["since the last full verification: the document at chain position 3 no longer carries the hash verified earlier: it was changed or removed"]'::jsonb,
  'the document the check links to must still carry the hash recorded there');
set local session_replication_role = replica;
update public.invoices i set row_hash = private.invoice_row_hash(i) where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = 3;
set local session_replication_role = origin;

-- A log event written after the checkpoint, edited.
set local session_replication_role = replica;
update public.invoice_log set data = data || '{"notes": "ajoutée après coup"}'
 where org_id = '02610000-0000-4000-8000-0000000000f0' and seq = 5;
set local session_replication_role = origin;
select is(((pg_temp.page() -> 'sample' -> 0) - 'reason') - 'org_id',
  '{"kind": "log", "seq": 5, "number": null, "invoice_id": null}'::jsonb, 'an edited log event after the checkpoint is named');
select is(pg_temp.reasons(), '["since the last full verification: event 5 does not match its hash: it was edited"]'::jsonb, '… with the reason');
set local session_replication_role = replica;
update public.invoice_log set data = data - 'notes' where org_id = '02610000-0000-4000-8000-0000000000f0' and seq = 5;
set local session_replication_role = origin;
select is(pg_temp.page(), '{"ok": true, "count": 0, "sample": []}'::jsonb, 'restored: ok');

-- -----------------------------------------------------------------------------
-- Failed, overdue, never run
-- -----------------------------------------------------------------------------
update private.invoice_chain_verifications set finished_at = now() - interval '37 hours', started_at = now() - interval '38 hours'
 where org_id = '02610000-0000-4000-8000-0000000000f0';
select is((pg_temp.page() ->> 'count')::int, 2, 'the last full verifications finished 37 hours ago: the chain and the log are overdue');
select matches(pg_temp.reasons() ->> 0, '^verification overdue: the last full verification finished \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$',
  '… and say since when');

update private.invoice_chain_verifications set finished_at = now() - interval '35 hours', started_at = now() - interval '35 hours'
 where org_id = '02610000-0000-4000-8000-0000000000f0';
select is((pg_temp.page() ->> 'ok')::boolean, true, '35 hours old: not yet overdue');

-- Never verified, and the organization's history older than 36 hours (its
-- issue times moved back with every hash recomputed, the way a restore of
-- an old database would look).
delete from private.invoice_chain_verifications where org_id = '02610000-0000-4000-8000-0000000000f0';
set local session_replication_role = replica;
update public.invoices set issued_at = issued_at - interval '2 days' where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = 1;
update public.invoices i set row_hash = private.invoice_row_hash(i) where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = 1;
update public.invoices i set prev_hash = (select row_hash from public.invoices where org_id = i.org_id and chain_position = 1)
 where org_id = '02610000-0000-4000-8000-0000000000f0' and chain_position = 2;
set local session_replication_role = origin;
select is(pg_temp.reasons(), '["verification overdue: no full verification was ever recorded"]'::jsonb,
  'a chain older than 36 hours never verified in full is overdue (and not recomputed here: that is the nightly job''s work)');
select private.run_invoice_chain_verifications(1000000) > 0 as nightly_job_ran;
select matches(pg_temp.reasons() ->> 0, '^full verification of .*: row_hash does not match the document content$',
  'the nightly pass recomputes it and finds the relinked second document');

-- The operator's check agrees, naming the organization.
select is(tests.count_as('service_role', $$select * from ops.check_invoice_chain where org_id = '02610000-0000-4000-8000-0000000000f0'$$),
  (pg_temp.page() ->> 'count')::bigint, 'the operator''s view finds the same problems for the organization (read by the service role)');

select * from finish();
rollback;

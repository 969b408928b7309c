-- The overdue-invoice check is incremental: after a full evaluation it reads
-- only the invoices queued by trigger since, and evaluates an organization in
-- full again on a new local day, another configuration or time zone, or after
-- alerts were deleted. On changing data its open alerts are, each time, exactly
-- the rows of the full evaluation (private.alert_candidates_invoices_overdue,
-- itself proven equal to public.alert_invoices_overdue in 75-alert-candidates).
begin;
select plan(24);

-- An organization of its own (its alert_config rows are seeded by trigger: 7 and 30 days).
insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c7610000-0000-4000-8000-0000000000f0', 'Relances Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c7610000-0000-4000-8000-0000000000c1', 'c7610000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120911', '10 rue Client', '69007', 'Lyon');

create function pg_temp.today() returns date language sql as $$ select (now() at time zone 'Europe/Paris')::date $$;
-- An issued invoice of one line, due p_days_overdue days before today, sent unless told otherwise.
create function pg_temp.invoice(p_no int, p_days_overdue int, p_send boolean default true) returns uuid language plpgsql as $$
declare
  v_id uuid := ('c7610000-0000-4000-8000-0000000000' || lpad(p_no::text, 2, '0'))::uuid;
begin
  insert into public.invoices (id, org_id, client_id, issue_date, service_date, due_date)
  values (v_id, 'c7610000-0000-4000-8000-0000000000f0', 'c7610000-0000-4000-8000-0000000000c1',
          pg_temp.today() - 60, pg_temp.today() - 61, pg_temp.today() - p_days_overdue);
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c7610000-0000-4000-8000-0000000000f0', v_id, 'Prestation', 1, 10000 + p_no, 20);
  perform public.issue_invoice(v_id);
  if p_send then
    perform public.mark_invoice_sent(v_id, encode(sha256(v_id::text::bytea), 'hex'));
  end if;
  return v_id;
end $$;
-- The organization's open invoice alerts, and the full evaluation's rows: (fingerprint, severity, details).
create function pg_temp.open_alerts() returns table (fingerprint text, severity text, details jsonb) language sql as $$
  select a.fingerprint, a.severity, a.details from public.alerts a
  where a.org_id = 'c7610000-0000-4000-8000-0000000000f0' and a.status <> 'resolved'
$$;
create function pg_temp.full_evaluation() returns table (fingerprint text, severity text, details jsonb) language sql as $$
  select v.fingerprint, v.severity, v.details from private.alert_candidates_invoices_overdue v
  where v.org_id = 'c7610000-0000-4000-8000-0000000000f0'
$$;
create function pg_temp.queued() returns text[] language sql as $$
  select coalesce(array_agg(distinct right(invoice_id::text, 2)), '{}') from private.alert_invoice_overdue_queue
  where org_id = 'c7610000-0000-4000-8000-0000000000f0'
$$;

-- 01 · 40 days overdue, 02 · 10 days, 03 · 3 days (not yet), 04 · 50 days, 05 · 20 days
select pg_temp.invoice(1, 40), pg_temp.invoice(2, 10), pg_temp.invoice(3, 3), pg_temp.invoice(4, 50), pg_temp.invoice(5, 20);

-- -----------------------------------------------------------------------------
-- Access
-- -----------------------------------------------------------------------------
select ok(not has_table_privilege('service_role', 'private.alert_invoice_overdue_queue', 'select')
          and not has_table_privilege('authenticated', 'private.alert_invoice_overdue_queue', 'insert')
          and not has_table_privilege('service_role', 'private.alert_invoice_overdue_evaluations', 'select')
          and not has_table_privilege('authenticated', 'private.alert_invoice_overdue_evaluations', 'update'),
  'the queue and the evaluation records are internal');

-- -----------------------------------------------------------------------------
-- First check: a full evaluation
-- -----------------------------------------------------------------------------
select is(pg_temp.queued(), array['01', '02', '03', '04', '05'], 'sent invoices are queued');
select lives_ok($$select private.check_invoices_overdue()$$, 'first check');
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'first check: the open alerts are the full evaluation''s rows');
select is((select count(*)::int from pg_temp.open_alerts()), 4, '… four overdue invoices (not the one 3 days late)');
select is(pg_temp.queued(), '{}'::text[], 'the check took the queue');
select is((select evaluated_on from private.alert_invoice_overdue_evaluations where org_id = 'c7610000-0000-4000-8000-0000000000f0'),
  pg_temp.today(), 'the organization is recorded as evaluated in full today');

-- -----------------------------------------------------------------------------
-- Changes through the normal paths: queued, evaluated incrementally
-- -----------------------------------------------------------------------------
set local terrain.invoicing_op = 'payment';  -- as reconcile_payments() moves them
update public.invoices set status = 'partially_paid' where id = 'c7610000-0000-4000-8000-000000000004';
update public.invoices set status = 'paid', paid_at = now() where id = 'c7610000-0000-4000-8000-000000000004';
update public.invoices set status = 'partially_paid' where id = 'c7610000-0000-4000-8000-000000000005';
reset terrain.invoicing_op;
select pg_temp.invoice(6, 35);
select pg_temp.invoice(7, 45, false);  -- issued, not sent: never a candidate
select is(pg_temp.queued(), array['04', '05', '06'], 'paid, partially paid and newly sent invoices are queued; an issued, unsent one is not');
select is((select count(*)::int from private.alert_invoice_overdue_queue where invoice_id = 'c7610000-0000-4000-8000-000000000004'), 2,
  'one queue row per change (paid in two steps: two rows), never merged into a waiting one');
select lives_ok($$select private.check_invoices_overdue()$$, 'second check');
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'after payments and a new invoice: the open alerts are the full evaluation''s rows');
select is((select status from public.alerts where entity_id = 'c7610000-0000-4000-8000-000000000004'), 'resolved',
  '… the paid invoice''s alert resolved');
select is((select details ->> 'status' from public.alerts where entity_id = 'c7610000-0000-4000-8000-000000000005' and status <> 'resolved'),
  'partially_paid', '… the partially paid one''s details refreshed');
select is((select alert_type from public.alerts where entity_id = 'c7610000-0000-4000-8000-000000000006' and status <> 'resolved'),
  'invoice_overdue_30days', '… the new one fired');

-- -----------------------------------------------------------------------------
-- Incremental indeed; and a new day is a full evaluation (the daily reconciliation)
-- -----------------------------------------------------------------------------
-- A change no trigger sees (replica mode): the incremental check cannot know of it …
set local session_replication_role = replica;
update public.invoices set due_date = pg_temp.today() - 2 where id = 'c7610000-0000-4000-8000-000000000001';
set local session_replication_role = origin;
select lives_ok($$select private.check_invoices_overdue()$$, 'third check, the same day');
select is((select count(*)::int from pg_temp.open_alerts() where fingerprint like '%-000000000001'), 1,
  'an invoice changed behind the triggers'' back keeps its alert the same day (only queued invoices are read)');
-- … until the organization's local date moves on.
update private.alert_invoice_overdue_evaluations set evaluated_on = evaluated_on - 1
 where org_id = 'c7610000-0000-4000-8000-0000000000f0';
select lives_ok($$select private.check_invoices_overdue()$$, 'first check of a new day');
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'a new local day: evaluated in full, the open alerts are the full evaluation''s rows again');
select is((select count(*)::int from pg_temp.open_alerts() where fingerprint like '%-000000000001'), 0, '… that invoice''s alert resolved');

-- -----------------------------------------------------------------------------
-- Another configuration, another time zone: evaluated in full
-- -----------------------------------------------------------------------------
update public.alert_config set threshold = 15
 where org_id = 'c7610000-0000-4000-8000-0000000000f0' and alert_type = 'invoice_overdue_7days';
select private.check_invoices_overdue();
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'a threshold moved from 7 to 15 days: the open alerts are the full evaluation''s rows');
select is((select count(*)::int from pg_temp.open_alerts() where fingerprint like '%-000000000002'), 0,
  '… the invoice 10 days late is no longer alerted');
update public.alert_config set enabled = false
 where org_id = 'c7610000-0000-4000-8000-0000000000f0' and alert_type = 'invoice_overdue_30days';
update public.organizations set timezone = 'Pacific/Kiritimati' where id = 'c7610000-0000-4000-8000-0000000000f0';
select private.check_invoices_overdue();
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'the 30-day alert disabled and the time zone changed: the open alerts are the full evaluation''s rows');

-- -----------------------------------------------------------------------------
-- Alerts deleted: nothing is trusted, the next check is a full evaluation
-- -----------------------------------------------------------------------------
delete from public.alerts where org_id = 'c7610000-0000-4000-8000-0000000000f0';
select is((select count(*)::int from private.alert_invoice_overdue_evaluations), 0, 'deleting alerts forgets every evaluation record');
select private.check_invoices_overdue();
select set_eq('select * from pg_temp.open_alerts()', 'select * from pg_temp.full_evaluation()',
  'after the delete: the alerts fire again, exactly the full evaluation''s rows');

select * from finish();
rollback;

-- Alert views: a row appears exactly when the threshold of
-- public.alert_config is crossed. Timestamps are crafted (inserted rows) or
-- the threshold is set just above / just below the age of a seeded row.
begin;
select plan(23);

create function pg_temp.cfg(p_type text, p_threshold numeric) returns void language sql as $$
  update public.alert_config set threshold = p_threshold where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = p_type
$$;
create function pg_temp.listed(p_view text, p_entity uuid) returns text language plpgsql as $$
declare v text;
begin
  execute format('select string_agg(alert_type || ''/'' || severity, '','') from %s where entity_id = %L', p_view, p_entity) into v;
  return coalesce(v, 'none');
end $$;

select is((select count(*)::int from pg_views where schemaname = 'public' and viewname like 'alert\_%'), 5, 'five alert views');

-- -----------------------------------------------------------------------------
-- alert_emergencies_pending: pending > 5 minutes
-- -----------------------------------------------------------------------------
insert into public.emergency_requests (id, org_id, client_id, description, source, created_at) values
  ('c7200000-0000-4000-8000-000000000e01', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Juste sous le seuil', 'phone', now() - interval '5 minutes' + interval '1 second'),
  ('c7200000-0000-4000-8000-000000000e02', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Juste au-dessus', 'phone', now() - interval '5 minutes' - interval '1 second'),
  ('c7200000-0000-4000-8000-000000000e03', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Pile 5 minutes', 'phone', now() - interval '5 minutes');
select is(pg_temp.listed('public.alert_emergencies_pending', 'c7200000-0000-4000-8000-000000000e01'), 'none', 'emergency pending 4 min 59 s: no row');
select is(pg_temp.listed('public.alert_emergencies_pending', 'c7200000-0000-4000-8000-000000000e03'), 'none', 'emergency pending exactly 5 min: no row (strictly more)');
select is(pg_temp.listed('public.alert_emergencies_pending', 'c7200000-0000-4000-8000-000000000e02'), 'emergency_pending/critical', 'emergency pending 5 min 01 s: a critical row');
select is((select fingerprint from public.alert_emergencies_pending where entity_id = 'c7200000-0000-4000-8000-000000000e02'),
  'emergency_pending:c7200000-0000-4000-8000-000000000e02', 'fingerprint = alert_type:entity_id');
update public.emergency_requests set status = 'acknowledged', acknowledged_at = now() where id = 'c7200000-0000-4000-8000-000000000e02';
select is(pg_temp.listed('public.alert_emergencies_pending', 'c7200000-0000-4000-8000-000000000e02'), 'none', 'acknowledged emergency: the row is gone');
update public.alert_config set enabled = false where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = 'emergency_pending';
select is((select count(*)::int from public.alert_emergencies_pending where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 0, 'a disabled alert type lists nothing');
update public.alert_config set enabled = true where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = 'emergency_pending';

-- -----------------------------------------------------------------------------
-- alert_invoices_overdue: invoice 4002 (partially paid) is d days past due today (Paris).
-- -----------------------------------------------------------------------------
create temp table inv as
select ((now() at time zone 'Europe/Paris')::date - due_date) as d from public.invoices where id = 'a0000000-0000-4000-8000-000000004002';
select pg_temp.cfg('invoice_overdue_30days', (select d from inv) + 5);
select pg_temp.cfg('invoice_overdue_7days', (select d from inv));
select is(pg_temp.listed('public.alert_invoices_overdue', 'a0000000-0000-4000-8000-000000004002'), 'none', 'overdue exactly threshold days: no row');
select pg_temp.cfg('invoice_overdue_7days', (select d from inv) - 1);
select is(pg_temp.listed('public.alert_invoices_overdue', 'a0000000-0000-4000-8000-000000004002'), 'invoice_overdue_7days/warning', 'one day past the first threshold: the warning row');
select pg_temp.cfg('invoice_overdue_30days', (select d from inv) - 1 + 0);
select pg_temp.cfg('invoice_overdue_7days', 1);
select is(pg_temp.listed('public.alert_invoices_overdue', 'a0000000-0000-4000-8000-000000004002'), 'invoice_overdue_30days/critical', 'past both thresholds: ONE row, the critical one');
select is(pg_temp.listed('public.alert_invoices_overdue', 'a0000000-0000-4000-8000-000000004004'), 'none', 'an invoice not yet due: no row');
select is(pg_temp.listed('public.alert_invoices_overdue', 'a0000000-0000-4000-8000-000000004009'), 'none', 'a credit note long past its date: no row (invoices only)');
select is(tests.as_user('a0000000-0000-4000-8000-000000000005', $$select to_jsonb(count(*)) from public.alert_invoices_overdue$$)::int,
  (select count(*)::int from public.alert_invoices_overdue where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 'the accountant sees the overdue invoices of the org');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', $$select to_jsonb(count(*)) from public.alert_invoices_overdue$$)::int, 0,
  'a dispatcher sees none (money)');

-- -----------------------------------------------------------------------------
-- alert_stock_critical: VASE-EXP-8L on_hand 4, min_stock 2; CIRC-UPS25-60 on_hand 0.
-- -----------------------------------------------------------------------------
select is(pg_temp.listed('public.alert_stock_critical', 'a0000000-0000-4000-8000-000000003201'), 'stock_critical/warning', 'on_hand 0 (≤ threshold 0): a row');
select is(pg_temp.listed('public.alert_stock_critical', 'a0000000-0000-4000-8000-000000003202'), 'none', 'on_hand 4, min 2: no row');
update public.stock_items set min_stock = 8 where id = 'a0000000-0000-4000-8000-000000003202';
select is(pg_temp.listed('public.alert_stock_critical', 'a0000000-0000-4000-8000-000000003202'), 'none', 'on_hand 4 = 50 % of min 8: no row');
update public.stock_items set min_stock = 8.01 where id = 'a0000000-0000-4000-8000-000000003202';
select is(pg_temp.listed('public.alert_stock_critical', 'a0000000-0000-4000-8000-000000003202'), 'stock_critical/warning', 'on_hand 4 < 50 % of min 8.01: a row');
update public.stock_items set min_stock = 2 where id = 'a0000000-0000-4000-8000-000000003202';
select pg_temp.cfg('stock_critical', 4);
select is(pg_temp.listed('public.alert_stock_critical', 'a0000000-0000-4000-8000-000000003202'), 'stock_critical/warning', 'threshold raised to 4 units: on_hand 4 is a row');

-- -----------------------------------------------------------------------------
-- alert_missions_blocked: mission 2005 is blocked since blocked_at.
-- -----------------------------------------------------------------------------
create temp table blk as
select extract(epoch from now() - blocked_at) / 60 as minutes from public.missions where id = 'a0000000-0000-4000-8000-000000002005';
select pg_temp.cfg('mission_blocked', (select minutes from blk) + 0.01);
select is(pg_temp.listed('public.alert_missions_blocked', 'a0000000-0000-4000-8000-000000002005'), 'none', 'blocked just under the threshold: no row');
select pg_temp.cfg('mission_blocked', (select minutes from blk) - 0.01);
select is(pg_temp.listed('public.alert_missions_blocked', 'a0000000-0000-4000-8000-000000002005'), 'mission_blocked/warning', 'blocked just over the threshold: a row');

-- -----------------------------------------------------------------------------
-- alert_timesheets_unapproved: one row per technician (membership).
-- -----------------------------------------------------------------------------
create temp table ts as
select ((now() at time zone 'Europe/Paris')::date - min(work_date)) as d from public.timesheets
where technician_id = 'a0000000-0000-4000-8000-000000000003' and approved_at is null and org_id = 'a0000000-0000-4000-8000-0000000000a0';
select pg_temp.cfg('timesheet_unapproved', (select d from ts));
select is((select count(*)::int from public.alert_timesheets_unapproved where details ->> 'technician_id' = 'a0000000-0000-4000-8000-000000000003'), 0,
  'oldest unapproved line exactly threshold days old: no row');
select pg_temp.cfg('timesheet_unapproved', (select d from ts) - 1);
select is((select entity_table || ' ' || (details ->> 'lines') from public.alert_timesheets_unapproved where details ->> 'technician_id' = 'a0000000-0000-4000-8000-000000000003'),
  'public.memberships 1', 'one day more: one row for the technician (their membership), counting the lines over the threshold');

select * from finish();
rollback;

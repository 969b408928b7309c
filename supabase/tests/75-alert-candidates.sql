-- The alert engine reads private.alert_candidates_* (joins) instead of the
-- public alert_* views (per-row helper calls): for every organization they
-- list the same rows, column for column — on the seed, and after moving the
-- thresholds so that each kind of row appears (both overdue types, a disabled
-- type, stock under half its minimum, a blocked mission, late timesheets).
begin;
select plan(11);

create function pg_temp.same(p_name text) returns text language plpgsql as $$
declare v_diff bigint;
begin
  execute format($q$
    select count(*) from (
      (select org_id, alert_type, entity_table, entity_id, fingerprint, severity, since, details from public.alert_%1$s
       except all
       select org_id, alert_type, entity_table, entity_id, fingerprint, severity, since, details from private.alert_candidates_%1$s)
      union all
      (select org_id, alert_type, entity_table, entity_id, fingerprint, severity, since, details from private.alert_candidates_%1$s
       except all
       select org_id, alert_type, entity_table, entity_id, fingerprint, severity, since, details from public.alert_%1$s)) d
  $q$, p_name) into v_diff;
  return case when v_diff = 0 then 'same' else v_diff || ' rows differ' end;
end $$;

select is(pg_temp.same('emergencies_pending'), 'same', 'emergencies pending: same rows');
select is(pg_temp.same('invoices_overdue'), 'same', 'invoices overdue: same rows');
select is(pg_temp.same('stock_critical'), 'same', 'stock critical: same rows');
select is(pg_temp.same('missions_blocked'), 'same', 'missions blocked: same rows');
select is(pg_temp.same('timesheets_unapproved'), 'same', 'timesheets unapproved: same rows');

-- Thresholds low enough that every view lists rows in both organizations.
update public.alert_config set threshold = 1 where alert_type in ('invoice_overdue_7days', 'timesheet_unapproved', 'mission_blocked');
update public.alert_config set threshold = 2 where alert_type = 'invoice_overdue_30days';
update public.alert_config set threshold = 3 where alert_type = 'stock_critical';
update public.alert_config set threshold = 0.5, unit = 'hours' where alert_type = 'emergency_pending';
insert into public.emergency_requests (org_id, client_id, description, source, created_at) values
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Ancienne urgence', 'phone', now() - interval '2 hours');
select ok((select count(*) from public.alert_invoices_overdue) > 0 and (select count(*) from public.alert_stock_critical) > 0,
  'the lowered thresholds list overdue invoices and critical stock');
select is(pg_temp.same('emergencies_pending') || pg_temp.same('invoices_overdue') || pg_temp.same('stock_critical')
          || pg_temp.same('missions_blocked') || pg_temp.same('timesheets_unapproved'), 'samesamesamesamesame',
  'lowered thresholds: the five pairs list the same rows');

-- The 30-day type above the 7-day one, then swapped: the highest crossed wins in both.
update public.alert_config set threshold = 40 where alert_type = 'invoice_overdue_7days';
select is(pg_temp.same('invoices_overdue'), 'same', 'overdue thresholds swapped: same rows');
update public.alert_config set threshold = 2 where alert_type = 'invoice_overdue_7days';
select is(pg_temp.same('invoices_overdue'), 'same', 'equal overdue thresholds: same rows');

-- A disabled type lists nothing in either.
update public.alert_config set enabled = false where org_id = 'a0000000-0000-4000-8000-0000000000a0';
select is(pg_temp.same('emergencies_pending') || pg_temp.same('invoices_overdue') || pg_temp.same('stock_critical')
          || pg_temp.same('missions_blocked') || pg_temp.same('timesheets_unapproved'), 'samesamesamesamesame',
  'every type disabled in one organization: the same rows');
select is((select count(*)::int from private.alert_candidates_invoices_overdue where org_id = 'a0000000-0000-4000-8000-0000000000a0'), 0,
  '… and none of that organization');

select * from finish();
rollback;

-- Alert configuration: seeded for every organization,
-- validated with clear messages, editable by owner/admin only.
begin;
select plan(19);


-- Seeding
select results_eq(
  $$select alert_type || ' ' || threshold || ' ' || unit || ' ' || severity || ' ' || notify_roles::text || ' ' || notify_on_call
             || ' ' || repeat_interval
    from public.alert_config where org_id = 'a0000000-0000-4000-8000-0000000000a0' order by alert_type$$,
  $$values ('emergency_pending 5 minutes critical {admin,dispatcher} true 04:00:00'),
           ('invoice_overdue_30days 30 days critical {admin,accountant} false 04:00:00'),
           ('invoice_overdue_7days 7 days warning {admin,accountant} false 04:00:00'),
           ('mission_blocked 60 minutes warning {dispatcher} false 04:00:00'),
           ('stock_critical 0 units warning {admin,dispatcher} false 04:00:00'),
           ('timesheet_unapproved 7 days warning {admin} false 04:00:00')$$,
  'existing organizations were backfilled with the six defaults (repeat 4 h, on-call technicians for emergencies)');
insert into public.organizations (id, name) values ('c7100000-0000-4000-8000-0000000000f0', 'Nouvelle org');
select is((select count(*)::int from public.alert_config where org_id = 'c7100000-0000-4000-8000-0000000000f0'), 6,
  'a new organization gets its six alert configurations');
select is((select count(*)::int from audit.log where org_id = 'c7100000-0000-4000-8000-0000000000f0' and table_name = 'public.alert_config'), 0,
  'the seeded rows add nothing to the new organization''s audit trail');
select is(private.seed_alert_config('c7100000-0000-4000-8000-0000000000f0'), 0, 'seeding again adds nothing (idempotent)');

-- Validation (as postgres: the trigger's messages)
create function pg_temp.set_cfg(p_type text, p_set text) returns void language plpgsql as $$
begin
  execute format('update public.alert_config set %s where org_id = %L and alert_type = %L', p_set,
                 'c7100000-0000-4000-8000-0000000000f0', p_type);
end $$;
select throws_ok($$select pg_temp.set_cfg('emergency_pending', 'unit = ''days''')$$,
  '22023', 'Alert emergency_pending is measured in minutes or hours, not "days"', 'emergency_pending in days: refused');
select throws_ok($$select pg_temp.set_cfg('invoice_overdue_7days', 'unit = ''minutes''')$$,
  '22023', 'Alert invoice_overdue_7days is measured in days, not "minutes"', 'invoice overdue in minutes: refused');
select throws_ok($$select pg_temp.set_cfg('stock_critical', 'unit = ''percent''')$$,
  '22023', 'Alert stock_critical is measured in units, not "percent"', 'stock_critical in percent: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'threshold = 0')$$,
  '22023', 'Alert mission_blocked needs a threshold greater than 0, got 0', 'a zero threshold: refused');
select throws_ok($$select pg_temp.set_cfg('stock_critical', 'threshold = -1')$$,
  '22023', 'Alert stock_critical needs a threshold of 0 or more, got -1', 'a negative stock threshold: refused');
select lives_ok($$select pg_temp.set_cfg('stock_critical', 'threshold = 0')$$, 'stock_critical may be 0');
select throws_ok($$select pg_temp.set_cfg('timesheet_unapproved', 'threshold = 1.5')$$,
  '22023', 'Alert timesheet_unapproved counts whole days, got 1.5', 'fractional days: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'notify_roles = ''{}''')$$,
  '22023', 'Alert mission_blocked must notify at least one role', 'no role to notify: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'repeat_interval = ''0 s''')$$,
  '22023', 'Alert mission_blocked needs a repeat interval greater than 0, got 00:00:00', 'a zero repeat interval: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'escalate_after = ''1 hour''')$$,
  '22023', 'Alert mission_blocked escalates after 01:00:00 but names no role to escalate to', 'escalation without roles: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'notify_roles = ''{client}''')$$,
  '22023', 'Alert mission_blocked cannot notify client portal users', 'client users are never notified');

-- Who edits
select is(tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$with u as (update public.alert_config set threshold = 10 where org_id = 'a0000000-0000-4000-8000-0000000000a0'
               and alert_type = 'emergency_pending' returning 1) select to_jsonb(count(*)) from u$$)::int, 1,
  'the owner changes a threshold');
select is((select count(*)::int from audit.log where table_name = 'public.alert_config' and action = 'update'
           and org_id = 'a0000000-0000-4000-8000-0000000000a0'), 1, '… and the change is audited');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$with u as (update public.alert_config set threshold = 20 where org_id = 'a0000000-0000-4000-8000-0000000000a0'
               and alert_type = 'emergency_pending' returning 1) select to_jsonb(count(*)) from u$$)::int, 0,
  'a dispatcher reads but cannot change it (no row reached)');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  'update public.alert_config set org_id = ''b0000000-0000-4000-8000-0000000000b0'' returning 1')$$,
  '42501', null, 'org_id is not updatable (column grants)');

select * from finish();
rollback;

-- Alert configuration bounds: values the alert checks cannot honour, or that
-- silence an alert for good, are refused with clear messages (the settings
-- screen shows them as written). The largest accepted values still pass.
begin;
select plan(13);

insert into public.organizations (id, name) values ('c2020000-0000-4000-8000-0000000000f0', 'Bornes');
create function pg_temp.set_cfg(p_type text, p_set text) returns void language plpgsql as $$
begin
  execute format('update public.alert_config set %s where org_id = %L and alert_type = %L', p_set,
                 'c2020000-0000-4000-8000-0000000000f0', p_type);
end $$;

-- Thresholds: at most 30 days, whatever the unit; stock at most a million units.
select throws_ok($$select pg_temp.set_cfg('emergency_pending', 'threshold = 50000')$$,
  '22023', 'Alert emergency_pending needs a threshold of at most 43200 minutes (30 days), got 50000', 'minutes beyond 30 days: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'threshold = 721, unit = ''hours''')$$,
  '22023', 'Alert mission_blocked needs a threshold of at most 720 hours (30 days), got 721', 'hours beyond 30 days: refused');
select throws_ok($$select pg_temp.set_cfg('invoice_overdue_30days', 'threshold = 366')$$,
  '22023', 'Alert invoice_overdue_30days needs a threshold of at most 365 days, got 366', 'more than a year of days: refused');
select throws_ok($$select pg_temp.set_cfg('stock_critical', 'threshold = 1000001')$$,
  '22023', 'Alert stock_critical needs a threshold of at most 1000000 units, got 1000001', 'absurd stock threshold: refused');
select lives_ok($$select pg_temp.set_cfg('emergency_pending', 'threshold = 43200')$$, '43200 minutes: accepted');
select lives_ok($$select pg_temp.set_cfg('invoice_overdue_30days', 'threshold = 365')$$, '365 days: accepted');

-- Repeat interval and escalation delay: the checks run every minute, so less
-- than a minute is a promise they cannot keep; more than 30 days is never.
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'repeat_interval = ''30 seconds''')$$,
  '22023', 'Alert mission_blocked repeats at most every minute (the checks run every minute), got 00:00:30', 'repeat under a minute: refused');
select throws_ok($$select pg_temp.set_cfg('mission_blocked', 'repeat_interval = ''31 days''')$$,
  '22023', 'Alert mission_blocked repeats at least every 30 days, got 31 days', 'repeat beyond 30 days: refused');
select throws_ok($$select pg_temp.set_cfg('emergency_pending', 'escalate_after = ''10 seconds''')$$,
  '22023', 'Alert emergency_pending escalates after a minute or more (the checks run every minute), got 00:00:10', 'escalation under a minute: refused');
select throws_ok($$select pg_temp.set_cfg('emergency_pending', 'escalate_after = ''31 days''')$$,
  '22023', 'Alert emergency_pending escalates after 30 days at most, got 31 days', 'escalation beyond 30 days: refused');
select lives_ok($$select pg_temp.set_cfg('mission_blocked', 'repeat_interval = ''1 minute''')$$, 'repeat every minute: accepted');
select lives_ok($$select pg_temp.set_cfg('emergency_pending', 'escalate_after = ''30 days''')$$, 'escalate after 30 days: accepted');

-- Through the API as the owner (RLS, column grants): the same message.
select tests.create_supabase_user('bounds-owner');
insert into public.memberships (org_id, user_id, role)
values ('c2020000-0000-4000-8000-0000000000f0', tests.get_supabase_uid('bounds-owner'), 'owner');
select tests.throws_as_user(tests.get_supabase_uid('bounds-owner'),
  $$update public.alert_config set repeat_interval = '5 seconds' where alert_type = 'stock_critical' returning 1$$,
  '22023', 'Alert stock_critical repeats at most every minute (the checks run every minute), got 00:00:05',
  'an owner gets the same refusal');

select * from finish();
rollback;

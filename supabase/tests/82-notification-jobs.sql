begin;
-- Scheduled jobs (pg_cron): present with their schedules, idempotent by name;
-- ops.cron_job_status; the purge and the delivery signal.
select plan(12);
select results_eq(
  $$select jobname::text collate "C", schedule::text collate "C" from cron.job
    where jobname in ('alert-checks', 'alerts-daily-paris', 'deliver-notifications', 'purge-notifications', 'purge-rate-limit-buckets')
    order by 1$$,
  $$values ('alert-checks'::text collate "C", '* * * * *'::text collate "C"), ('alerts-daily-paris', '0 * * * *'), ('deliver-notifications', '* * * * *'),
           ('purge-notifications', '41 3 * * *'), ('purge-rate-limit-buckets', '*/5 * * * *')$$,
  'the jobs exist with their (UTC) schedules');
select is((select command from cron.job where jobname = 'alert-checks'), 'select public.run_all_alert_checks()', 'alert-checks runs every check');
select ok((select command like '%check_invoices_overdue()%check_stock_critical()%where extract(hour from now() at time zone ''Europe/Paris'') = 9'
           from cron.job where jobname = 'alerts-daily-paris'), 'the daily alerts act only in the 09:00 hour of Europe/Paris (DST-proof)');
select is((select count(*)::int from cron.job group by jobname order by count(*) desc limit 1), 1, 'no job name appears twice');

create temp table before_ids on commit drop as select jobid, jobname from cron.job;
select cron.schedule('purge-notifications', '41 3 * * *', 'select private.purge_notifications()');
select cron.schedule('alert-checks', '* * * * *', 'select public.run_all_alert_checks()');
select cron.schedule('alerts-daily-paris', '0 * * * *', 'select 1');
select is((select count(*)::int from cron.job where jobname in ('purge-notifications', 'alert-checks', 'alerts-daily-paris')), 3,
  're-scheduling by name (a later migration) does not duplicate jobs');
select results_eq($$select j.jobid from cron.job j join before_ids b using (jobname) where j.jobid <> b.jobid$$, $$select null::bigint where false$$,
  'the same jobs are updated (same ids)');
select is((select command from cron.job where jobname = 'alerts-daily-paris'), 'select 1', 'and take the new definition');

select has_view('ops', 'cron_job_status', 'ops.cron_job_status exists');
select columns_are('ops', 'cron_job_status',
  array['jobid', 'jobname', 'schedule', 'active', 'last_start', 'last_end', 'last_status', 'last_message', 'failures_24h'],
  'job, schedule, active, last run and failures in the last 24 h');
select ok(has_table_privilege('service_role', 'ops.cron_job_status', 'select')
          and not has_table_privilege('authenticated', 'ops.cron_job_status', 'select')
          and not has_table_privilege('anon', 'ops.cron_job_status', 'select'),
  'readable by service_role, not by API users');

-- Purge and delivery signal
delete from public.notifications;
insert into public.notifications (org_id, user_id, channel, type, title, delivery_status, sent_at, read_at, next_attempt_at, created_at)
values
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 't.x', 'old read', 'sent', now(), now(), null, now() - interval '91 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 't.x', 'old unread', 'sent', now(), null, null, now() - interval '91 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app', 't.x', 'recent read', 'sent', now(), now(), null, now() - interval '89 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 't.x', 'old sent', 'sent', now(), null, null, now() - interval '31 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 't.x', 'old failed', 'failed', null, null, null, now() - interval '31 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'email', 't.x', 'old pending', 'pending', null, null, now() - interval '1 minute', now() - interval '31 days'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'push', 't.x', 'leased', 'pending', null, null, now() + interval '3 minutes', now());
select is(private.purge_notifications(), 3, 'purge: read in_app > 90 days, sent/failed email > 30 days');
select is(private.signal_due_notifications(), 1,
  'the delivery signal counts due rows (the old pending email), not leased ones');

select * from finish();
rollback;

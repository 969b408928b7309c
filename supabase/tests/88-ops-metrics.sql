-- Prometheus series: ops.metrics() returns (metric, labels,
-- value) rows the metrics edge function formats. Rolled back.
begin;
select plan(19);

create function pg_temp.val(p_metric text, p_labels jsonb) returns double precision language sql as $$
  select m.value from ops.metrics() m where m.metric = p_metric and m.labels = p_labels
$$;
select is((select prosecdef from pg_proc where oid = 'ops.metrics()'::regprocedure), true, 'ops.metrics is SECURITY DEFINER');
select is(tests.count_as('service_role', 'select * from ops.metrics()'), (select count(*) from ops.metrics()),
  'service_role reads the metrics');
select throws_ok($$select tests.count_as('authenticated', 'select * from ops.metrics()')$$, '42501', null,
  'authenticated cannot read them');
select throws_ok($$select tests.count_as('anon', 'select * from ops.metrics()')$$, '42501', null, 'nor anon');

-- Open alerts by org, severity and status; resolved ones are not counted.
delete from public.alerts;
insert into public.alerts (org_id, alert_type, fingerprint, entity_table, entity_id, severity, status, acknowledged_at, resolved_at)
select 'a0000000-0000-4000-8000-0000000000a0', 'emergency_pending', 'emergency_pending:' || s.id, 'public.emergency_requests', s.id,
       'critical', s.status, case when s.status <> 'firing' then now() end, case when s.status = 'resolved' then now() end
from (values ('firing', 'a0000000-0000-4000-8000-00000000a101'::uuid), ('firing', 'a0000000-0000-4000-8000-00000000a102'),
             ('acknowledged', 'a0000000-0000-4000-8000-00000000a103'), ('resolved', 'a0000000-0000-4000-8000-00000000a104')) as s (status, id);
select is(pg_temp.val('terrain_alerts', '{"org_id": "a0000000-0000-4000-8000-0000000000a0", "severity": "critical", "status": "firing"}'),
  2::double precision, 'terrain_alerts counts firing alerts');
select is(pg_temp.val('terrain_alerts', '{"org_id": "a0000000-0000-4000-8000-0000000000a0", "severity": "critical", "status": "acknowledged"}'),
  1::double precision, 'terrain_alerts counts acknowledged alerts');
select is((select count(*) from ops.metrics() where metric = 'terrain_alerts' and labels ->> 'status' = 'resolved'), 0::bigint,
  'resolved alerts are not series');

select ok((select array_agg(distinct metric) from ops.metrics()) @> array['terrain_alerts',
  'terrain_notifications_backlog', 'terrain_notifications_oldest_pending_seconds', 'terrain_cron_job_failures_24h',
  'terrain_invoices_total_cents', 'terrain_invoices_count', 'terrain_health_check_ok'],
  'every series is there');

-- Zero series for quiet channels and jobs: a missing series is not a zero.
delete from public.notifications;
select is(pg_temp.val('terrain_notifications_backlog', '{"channel": "email"}'), 0::double precision,
  'an empty email backlog is reported as 0');

insert into public.notifications (org_id, user_id, channel, type, title, delivery_status, created_at) values
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'email', 'probe', 'A', 'pending', now() - interval '10 minutes'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'email', 'probe', 'B', 'pending', now() - interval '1 minute'),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'push', 'probe', 'C', 'failed', now());
select is(pg_temp.val('terrain_notifications_backlog', '{"channel": "email"}'), 2::double precision,
  'terrain_notifications_backlog counts pending rows per channel');
select is(pg_temp.val('terrain_notifications_backlog', '{"channel": "push"}'), 0::double precision,
  'a failed row is not backlog');
select ok(pg_temp.val('terrain_notifications_oldest_pending_seconds', '{"channel": "email"}') between 599 and 700,
  'terrain_notifications_oldest_pending_seconds is the age of the oldest pending row');

select is(pg_temp.val('terrain_cron_job_failures_24h', '{"jobname": "purge-rate-limit-buckets"}'), 0::double precision,
  'a cron job without failures reports 0');
insert into cron.job_run_details (jobid, runid, status, return_message, start_time, end_time)
select j.jobid, nextval('cron.runid_seq'), 'failed', 'ERROR: boom', now() - interval '1 hour', now()
from cron.job j, generate_series(1, 2) where j.jobname = 'purge-rate-limit-buckets';
select is(pg_temp.val('terrain_cron_job_failures_24h', '{"jobname": "purge-rate-limit-buckets"}'), 2::double precision,
  'terrain_cron_job_failures_24h counts failed runs by job name');

select is(pg_temp.val('terrain_invoices_count', '{"org_id": "a0000000-0000-4000-8000-0000000000a0", "status": "paid"}'),
  (select count(*)::double precision from public.invoices
   where org_id = 'a0000000-0000-4000-8000-0000000000a0' and status = 'paid' and kind = 'invoice'),
  'terrain_invoices_count by organization and status');
select is(pg_temp.val('terrain_invoices_total_cents', '{"org_id": "a0000000-0000-4000-8000-0000000000a0", "status": "paid"}'),
  (select sum(total_ttc_cents)::double precision from public.invoices
   where org_id = 'a0000000-0000-4000-8000-0000000000a0' and status = 'paid' and kind = 'invoice'),
  'terrain_invoices_total_cents sums the totals TTC');
select is((select count(*) from ops.metrics() where metric like 'terrain_invoices_%' and labels ->> 'status' is null), 0::bigint,
  'every invoice series has its labels');

select is((select count(*) from ops.metrics() where metric = 'terrain_health_check_ok'), 12::bigint,
  'one terrain_health_check_ok per check, daily and weekly');
select is(pg_temp.val('terrain_health_check_ok', '{"name": "cron_failures_24h", "period": "daily"}'), 0::double precision,
  'a failing check reports 0');

select * from finish();
rollback;

-- =============================================================================
-- Scheduled jobs of issue 5 (pg_cron 1.4, schedules in UTC) and their status.
--
-- cron.schedule(job_name, schedule, command) upserts by job name (pg_cron
-- ≥ 1.3: "If a job with the given name already exists, it is updated"), so a
-- later migration re-scheduling a job changes it, never duplicates it
-- (supabase/tests/82-notification-jobs.sql proves it).
--
--   alert-checks            * * * * *   public.run_all_alert_checks() (alerts migration, G1)
--   alerts-daily-paris      0 * * * *   overdue invoices + critical stock, only in the 09:00 hour of
--                                       Europe/Paris (hourly + guard: DST-proof without cron.timezone)
--   deliver-notifications   * * * * *   private.signal_due_notifications(): counts due email/push rows
--                                       (expired leases included: a claim's lease is next_attempt_at, so
--                                       a crashed sender's rows are due again by themselves) and NOTIFYs
--                                       terrain_deliveries. pg_net is not available locally, so the job does
--                                       not call the sender: a listener of the stack (or the email edge
--                                       function of a later issue, invoked by pg_net on Supabase) claims
--                                       with public.claim_pending_notifications.
--   purge-notifications     41 3 * * *  private.purge_notifications(): read in_app > 90 days, sent/failed
--                                       email and push > 30 days.
--   purge-rate-limit-buckets (20261123022000) and purge-idempotency-keys are left as they are.
-- =============================================================================

select cron.schedule('alert-checks', '* * * * *', 'select public.run_all_alert_checks()');
-- The one-time filter keeps both checks from running outside the Paris 09:00 hour.
select cron.schedule('alerts-daily-paris', '0 * * * *',
  $job$select private.check_invoices_overdue(), private.check_stock_critical() where extract(hour from now() at time zone 'Europe/Paris') = 9$job$);
select cron.schedule('deliver-notifications', '* * * * *', 'select private.signal_due_notifications()');
select cron.schedule('purge-notifications', '41 3 * * *', 'select private.purge_notifications()');

-- -----------------------------------------------------------------------------
-- ops.cron_job_status: one row per job with its last run and recent failures.
-- In ops (not exposed): cron.job and cron.job_run_details hold every job's
-- command and output, which API users must not see. security_invoker: the
-- reader needs its own privileges on cron (postgres; service_role granted below).
-- -----------------------------------------------------------------------------
create view ops.cron_job_status
with (security_invoker = true)
as
select j.jobid,
       j.jobname,
       j.schedule,
       j.active,
       last.start_time  as last_start,
       last.end_time    as last_end,
       last.status      as last_status,
       last.return_message as last_message,
       (select count(*) from cron.job_run_details d
         where d.jobid = j.jobid and d.status = 'failed' and d.start_time > now() - interval '24 hours')::integer
         as failures_24h
from cron.job j
left join lateral (
  select d.start_time, d.end_time, d.status, d.return_message
  from cron.job_run_details d
  where d.jobid = j.jobid
  order by d.start_time desc nulls last
  limit 1
) last on true;
comment on view ops.cron_job_status is
  'pg_cron jobs with their last run (start, end, status, message) and failed runs in the last 24 h. Not exposed; postgres and service_role.';
grant usage on schema ops to service_role;
grant select on ops.cron_job_status to service_role;
grant usage on schema cron to service_role;
grant select on cron.job, cron.job_run_details to service_role;

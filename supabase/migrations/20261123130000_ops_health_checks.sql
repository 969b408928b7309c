-- =============================================================================
-- Health checks for DBAs and operators (issue 5, item 8).
--
--   ops.health_checks(p_period)  one row per check: name, period, ok, count,
--                                details (the first few offending ids)
--   ops.daily_health             ops.health_checks('daily')
--   ops.weekly_health            ops.health_checks('weekly')
--   ops.metrics()                every Prometheus series as (metric, labels, value);
--                                the `metrics` edge function only formats them
--
-- Daily checks (cheap, run by the `health` edge function and the CLI):
--   stock_negative                public.stock_negative is empty (invariant 6)
--   invoices_sent_without_pdf     no sent/partially_paid/paid invoice without pdf_sha256 (invariant 4)
--   rls_coverage                  ops.rls_enabled_check / ops.rls_policy_coverage have no
--                                 finding that exposes or hides rows by mistake
--   emergencies_pending_overdue   no emergency pending longer than its org's
--                                 emergency_pending threshold (public.alert_config; 5 min without a row)
--   invoice_chain                 public.verify_invoice_chain is ok for every organization
--   cron_failures_24h             no failed cron.job_run_details in the last 24 h
--   notifications_failed_or_stuck no notification failed in the last 24 h, none pending
--                                 whose next attempt was due more than 1 h ago
-- Weekly checks (scans of history):
--   missions_unreachable_status   no mission in a status no transition leads to
--   timesheets_unapproved_30d     no timesheet left unapproved for more than 30 days
--   credit_notes_invalid          every credit note has its original invoice, and the issued
--                                 credit notes of an invoice never exceed its total (invariant 5)
--   orphaned_attachments          placeholder until an attachments table exists (see below)
--
-- SECURITY DEFINER (owner postgres) so that service_role, which reads neither
-- cron.job_run_details nor every catalog, can run them; search_path '' and
-- every name qualified. Executable by service_role only (and DBAs).
-- jit = off: the RLS audit views are catalog joins that JIT would compile for
-- nothing (see ops.lint_catalog).
-- =============================================================================

create function ops.health_checks(p_period text default 'daily')
returns table (name text, period text, ok boolean, count bigint, details jsonb)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  -- How many offending ids a check lists in details.
  c_sample  constant integer := 5;
  v_count   bigint;
  v_ids     jsonb;
  v_default_minutes constant integer := 5;
begin
  if p_period is null or p_period not in ('daily', 'weekly', 'all') then
    raise exception 'Unknown health check period: % (expected daily, weekly or all)', coalesce(p_period, 'null')
      using errcode = '22023';
  end if;

  if p_period in ('daily', 'all') then
    -- stock_negative ---------------------------------------------------------
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.item_id) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select n.item_id, pg_catalog.row_number() over (order by n.item_id) as rn
          from public.stock_negative n) s;
    return query select 'stock_negative'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('ids', v_ids);

    -- invoices_sent_without_pdf ----------------------------------------------
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.id) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select i.id, pg_catalog.row_number() over (order by i.id) as rn
          from public.invoices i
          where i.status in ('sent', 'partially_paid', 'paid') and i.pdf_sha256 is null) s;
    return query select 'invoices_sent_without_pdf'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('ids', v_ids);

    -- rls_coverage -------------------------------------------------------------
    -- Findings that matter: a missing critical table, RLS disabled, a critical
    -- table without policy, a privilege no policy covers. 'table has no policy'
    -- (no privilege either: deny-all, consistent) and dead policies do not expose
    -- anything and are left to ops.rls_policy_coverage.
    with f as (
      select e.schema_name || '.' || e.table_name || ': ' || e.finding as finding
      from ops.rls_enabled_check e
      where e.finding in ('missing', 'RLS disabled')
         or (e.critical and e.finding is not null)
      union
      select c.schema_name || '.' || c.table_name || ' ' || c.role_name || ' ' || c.operation || ': ' || c.finding
      from ops.rls_policy_coverage c
      where c.finding in ('RLS disabled: the privilege reaches every row', 'privilege without policy',
                          'only restrictive policies: no row can pass')
    )
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.finding) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select f.finding, pg_catalog.row_number() over (order by f.finding) as rn from f) s;
    return query select 'rls_coverage'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('findings', v_ids);

    -- emergencies_pending_overdue ----------------------------------------------
    -- The threshold is the org's emergency_pending row of public.alert_config
    -- (alerting migration 20261123100100: threshold + unit), whether or not the
    -- alert is enabled: a disabled alert does not make a stale emergency fine.
    -- An org without that row gets the design's 5 minutes.
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.id) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select e.id, pg_catalog.row_number() over (order by e.created_at) as rn
          from public.emergency_requests e
          left join public.alert_config c on c.org_id = e.org_id and c.alert_type = 'emergency_pending'
          where e.status = 'pending'
            and e.created_at < pg_catalog.now() - coalesce(
                  c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                            when 'hours' then interval '1 hour'
                                            when 'days' then interval '1 day' end,
                  pg_catalog.make_interval(mins => v_default_minutes))) s;
    return query select 'emergencies_pending_overdue'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('ids', v_ids);

    -- invoice_chain --------------------------------------------------------------
    -- Only organizations that issued something have a chain to verify.
    select pg_catalog.count(*),
           coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'org_id', s.org_id, 'invoice_id', s.invoice_id, 'number', s.number, 'reason', s.reason))
             filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select o.id as org_id, v.invoice_id, v.number, v.reason,
                 pg_catalog.row_number() over (order by o.id) as rn
          from public.organizations o
          cross join lateral public.verify_invoice_chain(o.id) v
          where not v.ok
            and (exists (select from public.invoices i where i.org_id = o.id and i.chain_position is not null)
                 or exists (select from private.invoice_chain_heads h where h.org_id = o.id))) s;
    return query select 'invoice_chain'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('broken', v_ids);

    -- cron_failures_24h ------------------------------------------------------------
    select pg_catalog.count(*),
           coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'runid', s.runid, 'jobname', s.jobname, 'message', pg_catalog.left(s.return_message, 200)))
             filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select d.runid, coalesce(j.jobname, 'job ' || d.jobid) as jobname, d.return_message,
                 pg_catalog.row_number() over (order by d.start_time desc) as rn
          from cron.job_run_details d
          left join cron.job j on j.jobid = d.jobid
          where d.status = 'failed' and d.start_time > pg_catalog.now() - interval '24 hours') s;
    return query select 'cron_failures_24h'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('runs', v_ids);

    -- notifications_failed_or_stuck -------------------------------------------------
    -- A failed row stays failed for ever: only the last 24 h count, so a daily
    -- check reports new failures instead of failing for ever on an old one.
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.id) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select n.id, pg_catalog.row_number() over (order by n.created_at) as rn
          from public.notifications n
          where (n.delivery_status = 'failed' and n.created_at > pg_catalog.now() - interval '24 hours')
             or (n.delivery_status = 'pending'
                 and coalesce(n.next_attempt_at, n.created_at) < pg_catalog.now() - interval '1 hour')) s;
    return query select 'notifications_failed_or_stuck'::text, 'daily'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('ids', v_ids);
  end if;

  if p_period in ('weekly', 'all') then
    -- missions_unreachable_status ------------------------------------------------------
    select pg_catalog.count(*),
           coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', s.id, 'status', s.status))
             filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select m.id, m.status, pg_catalog.row_number() over (order by m.id) as rn
          from public.missions m
          where m.status <> 'new'
            and not exists (select from public.mission_valid_transitions t where t.to_status = m.status)) s;
    return query select 'missions_unreachable_status'::text, 'weekly'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('missions', v_ids);

    -- timesheets_unapproved_30d ----------------------------------------------------------
    select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.id) filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select t.id, pg_catalog.row_number() over (order by t.work_date, t.id) as rn
          from public.timesheets t
          where t.approved_at is null and t.work_date < current_date - 30) s;
    return query select 'timesheets_unapproved_30d'::text, 'weekly'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('ids', v_ids);

    -- credit_notes_invalid ------------------------------------------------------------------
    with bad as (
      -- No original (the reference missing, dangling, or not an invoice of the same org and client).
      select cn.id, 'no original invoice'::text as reason
      from public.invoices cn
      where cn.kind = 'credit_note'
        and not exists (select from public.invoices o
                        where o.org_id = cn.org_id and o.client_id = cn.client_id
                          and o.id = cn.credited_invoice_id and o.kind = 'invoice')
      union all
      -- Issued credit notes together above the original's total: the credit notes are listed.
      select cn.id, 'credit notes exceed the invoice total'::text
      from public.invoices cn
      join (select c.org_id, c.credited_invoice_id, pg_catalog.sum(c.total_ttc_cents) as credited
            from public.invoices c
            where c.kind = 'credit_note' and c.status <> 'draft' and c.credited_invoice_id is not null
            group by c.org_id, c.credited_invoice_id) agg
        on agg.org_id = cn.org_id and agg.credited_invoice_id = cn.credited_invoice_id
      join public.invoices o on o.org_id = agg.org_id and o.id = agg.credited_invoice_id
      where cn.kind = 'credit_note' and cn.status <> 'draft' and agg.credited > o.total_ttc_cents
    )
    select pg_catalog.count(*),
           coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', s.id, 'reason', s.reason))
             filter (where s.rn <= c_sample), '[]')
      into v_count, v_ids
    from (select b.id, b.reason, pg_catalog.row_number() over (order by b.id) as rn from bad b) s;
    return query select 'credit_notes_invalid'::text, 'weekly'::text, v_count = 0, v_count,
      pg_catalog.jsonb_build_object('credit_notes', v_ids);

    -- orphaned_attachments ---------------------------------------------------------------------
    -- No attachments table exists yet (documents are files in storage referenced
    -- by nothing in the schema). Until one does, the check passes with a note;
    -- the day public.attachments appears it FAILS, saying so, so whoever adds
    -- attachments must write the real orphan check here instead of it staying
    -- silently green.
    if pg_catalog.to_regclass('public.attachments') is null then
      return query select 'orphaned_attachments'::text, 'weekly'::text, true, 0::bigint,
        pg_catalog.jsonb_build_object('note', 'no attachments table');
    else
      return query select 'orphaned_attachments'::text, 'weekly'::text, false, 0::bigint,
        pg_catalog.jsonb_build_object('note',
          'public.attachments exists but ops.health_checks has no orphan check for it yet: write one');
    end if;
  end if;
end;
$$;
comment on function ops.health_checks(text) is
  'Operator health checks: one row per check (name, period, ok, count, details with the first offending ids). '
  'p_period: daily, weekly or all (22023 otherwise). Runs as its owner so service_role can read cron and catalogs.';
revoke all on function ops.health_checks(text) from public;
grant execute on function ops.health_checks(text) to service_role;

-- Views for psql (`table ops.daily_health;`). They run as their owner, like
-- the function; only service_role (and DBAs) may read them.
create view ops.daily_health as
select h.name, h.period, h.ok, h.count, h.details from ops.health_checks('daily') h;
comment on view ops.daily_health is 'The daily health checks (ops.health_checks(''daily'')): every row must be ok.';

create view ops.weekly_health as
select h.name, h.period, h.ok, h.count, h.details from ops.health_checks('weekly') h;
comment on view ops.weekly_health is 'The weekly health checks (ops.health_checks(''weekly'')): every row must be ok.';

revoke all on ops.daily_health, ops.weekly_health from public;
grant select on ops.daily_health, ops.weekly_health to service_role;

-- =============================================================================
-- ops.metrics(): every Prometheus series, one row per (metric, labels).
--   terrain_alerts{org_id,severity,status}               open alerts (firing, acknowledged)
--   terrain_notifications_backlog{channel}               pending notifications
--   terrain_notifications_oldest_pending_seconds{channel} age of the oldest pending one
--   terrain_cron_job_failures_24h{jobname}               failed runs of each cron job, 24 h
--   terrain_invoices_total_cents{org_id,status}          sum of total TTC (invoices, not credit notes)
--   terrain_invoices_count{org_id,status}                number of invoices
--   terrain_health_check_ok{name,period}                 1 when the check passes, else 0
-- Gauges that are zero are still emitted for the known channels and cron jobs
-- (a series that disappears is not the same as 0 for an alert rule).
-- =============================================================================
create function ops.metrics()
returns table (metric text, labels jsonb, value double precision)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
begin
  -- Open alerts only: resolved ones are history (alerts_org_type_status_idx).
  return query
  select 'terrain_alerts'::text,
         pg_catalog.jsonb_build_object('org_id', a.org_id::text, 'severity', a.severity, 'status', a.status),
         pg_catalog.count(*)::double precision
  from public.alerts a
  where a.status in ('firing', 'acknowledged')
  group by a.org_id, a.severity, a.status;

  return query
  select 'terrain_notifications_backlog'::text, pg_catalog.jsonb_build_object('channel', ch.channel),
         (select pg_catalog.count(*) from public.notifications n
          where n.delivery_status = 'pending' and n.channel = ch.channel)::double precision
  from (values ('email'), ('push'), ('in_app')) as ch (channel);

  return query
  select 'terrain_notifications_oldest_pending_seconds'::text, pg_catalog.jsonb_build_object('channel', ch.channel),
         coalesce((select extract(epoch from pg_catalog.now() - pg_catalog.min(n.created_at))
                   from public.notifications n
                   where n.delivery_status = 'pending' and n.channel = ch.channel), 0)::double precision
  from (values ('email'), ('push'), ('in_app')) as ch (channel);

  return query
  select 'terrain_cron_job_failures_24h'::text, pg_catalog.jsonb_build_object('jobname', coalesce(j.jobname, 'job ' || j.jobid)),
         (select pg_catalog.count(*) from cron.job_run_details d
          where d.jobid = j.jobid and d.status = 'failed'
            and d.start_time > pg_catalog.now() - interval '24 hours')::double precision
  from cron.job j;

  return query
  select 'terrain_invoices_total_cents'::text,
         pg_catalog.jsonb_build_object('org_id', i.org_id::text, 'status', i.status::text),
         pg_catalog.sum(i.total_ttc_cents)::double precision
  from public.invoices i
  where i.kind = 'invoice'
  group by i.org_id, i.status;

  return query
  select 'terrain_invoices_count'::text,
         pg_catalog.jsonb_build_object('org_id', i.org_id::text, 'status', i.status::text),
         pg_catalog.count(*)::double precision
  from public.invoices i
  where i.kind = 'invoice'
  group by i.org_id, i.status;

  return query
  select 'terrain_health_check_ok'::text, pg_catalog.jsonb_build_object('name', h.name, 'period', h.period),
         case when h.ok then 1 else 0 end::double precision
  from ops.health_checks('all') h;
end;
$$;
comment on function ops.metrics() is
  'Prometheus series as (metric, labels, value) for the metrics edge function, which only formats them. '
  'Runs every health check (daily and weekly): scrape every minute or slower.';
revoke all on function ops.metrics() from public;
grant execute on function ops.metrics() to service_role;

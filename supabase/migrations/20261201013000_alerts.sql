-- =============================================================================
-- Baseline: alerts (docs/design.md § Alerts and notifications).
--
-- public.alert_config (per organization) drives the alert_* views; the checks,
-- run by pg_cron every minute, turn view rows into public.alerts identified by
-- a fingerprint (firing → acknowledged → resolved), and into notifications
-- for the target roles, never re-notified inside the repeat interval.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- For day thresholds: the date (today in the organization's timezone minus
-- the threshold) before which the condition has lasted too long.
CREATE FUNCTION private.alert_cutoff_date(p_org uuid, p_type text) RETURNS date
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select (now() at time zone o.timezone)::date - c.threshold::integer
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

-- For minute/hour thresholds: the time before which the condition has lasted too long.
CREATE FUNCTION private.alert_cutoff_time(p_org uuid, p_type text) RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select now() - c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                           when 'hours' then interval '1 hour'
                                           else interval '1 day' end
  from public.alert_config c
  where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

-- Alert notifications go out in bounded batches, as Alertmanager groups a
-- burst of alerts into bounded sends. A first run at 100 organizations fired
-- 30,677 alerts at once: 197,702 notification rows in one run of 26 s, and
-- the every-minute job overlapped itself. Each check now notifies at most a
-- batch of its due alerts per run (and, separately, escalates at most a
-- batch). The alerts table is the queue: an alert left out keeps
-- last_notified_at and notify_count, so it is still due on the next run, in
-- the same order, with the same dedupe keys; nothing is lost or sent twice,
-- and a backlog of one check never delays another's. The batch is the setting
-- terrain.alert_notify_batch (default 2,000 alerts, about 12,000 rows at six
-- recipients and channels per alert): alter database … set terrain.alert_notify_batch.
CREATE FUNCTION private.alert_notify_batch_size() RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
declare
  v_setting text := nullif(pg_catalog.btrim(pg_catalog.current_setting('terrain.alert_notify_batch', true)), '');
begin
  if v_setting is null then
    return 2000;
  end if;
  if v_setting !~ '^[0-9]{1,7}$' or v_setting::integer < 1 then
    raise exception 'terrain.alert_notify_batch must be a whole number of alerts from 1 to 9999999 (got %)', v_setting
      using errcode = '22023';
  end if;
  return v_setting::integer;
end;
$_$;

COMMENT ON FUNCTION private.alert_notify_batch_size() IS 'Alerts notified (and, separately, escalated) per alert check and run: the setting terrain.alert_notify_batch, default 2000; anything but a whole number from 1 is refused (22023).';

REVOKE ALL ON FUNCTION private.alert_notify_batch_size() FROM PUBLIC;

CREATE FUNCTION private.check_emergencies_pending() RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select private.run_alert_check('public.alert_emergencies_pending', '{emergency_pending}') $$;

COMMENT ON FUNCTION private.check_emergencies_pending() IS 'Alert check over public.alert_emergencies_pending (see private.run_alert_check).';

REVOKE ALL ON FUNCTION private.check_emergencies_pending() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_emergencies_pending() TO service_role;

CREATE FUNCTION private.check_invoices_overdue() RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select private.run_alert_check('public.alert_invoices_overdue', '{invoice_overdue_7days,invoice_overdue_30days}') $$;

COMMENT ON FUNCTION private.check_invoices_overdue() IS 'Alert check over public.alert_invoices_overdue (see private.run_alert_check).';

REVOKE ALL ON FUNCTION private.check_invoices_overdue() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_invoices_overdue() TO service_role;

CREATE FUNCTION private.check_missions_blocked() RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select private.run_alert_check('public.alert_missions_blocked', '{mission_blocked}') $$;

COMMENT ON FUNCTION private.check_missions_blocked() IS 'Alert check over public.alert_missions_blocked (see private.run_alert_check).';

REVOKE ALL ON FUNCTION private.check_missions_blocked() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_missions_blocked() TO service_role;

CREATE FUNCTION private.check_stock_critical() RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select private.run_alert_check('public.alert_stock_critical', '{stock_critical}') $$;

COMMENT ON FUNCTION private.check_stock_critical() IS 'Alert check over public.alert_stock_critical (see private.run_alert_check).';

REVOKE ALL ON FUNCTION private.check_stock_critical() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_stock_critical() TO service_role;

CREATE FUNCTION private.check_timesheets_unapproved() RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ select private.run_alert_check('public.alert_timesheets_unapproved', '{timesheet_unapproved}') $$;

COMMENT ON FUNCTION private.check_timesheets_unapproved() IS 'Alert check over public.alert_timesheets_unapproved (see private.run_alert_check).';

REVOKE ALL ON FUNCTION private.check_timesheets_unapproved() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_timesheets_unapproved() TO service_role;

-- Which overdue alert an invoice due on p_due is in: the highest enabled
-- threshold crossed (30 days wins over 7), or null.
CREATE FUNCTION private.invoice_overdue_alert_type(p_org uuid, p_due date) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select c.alert_type
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
    and p_due < (now() at time zone o.timezone)::date - c.threshold::integer
  order by c.threshold desc
  limit 1
$$;

-- private.run_alert_check selected two columns (the alerts counted and what
-- create_alert_notifications returns) into one variable: PL/pgSQL silently
-- dropped the second, and plpgsql_check rightly warns about it. Same body,
-- with a target for each column; the run's result gains `notifications`, the
-- number of notification rows the run wrote (what an operator wants to see
-- next to `notified`, which counts alerts).
--
-- The notify and escalate steps take at most private.alert_notify_batch_size()
-- due alerts, never notified first, then the longest overdue.
--
-- The overdue-invoice check evaluates only what can have changed (every
-- minute it rebuilt ~23,500 candidate rows at 100 organizations for a set
-- that changes a few times a day). Whether an issued invoice is overdue, and
-- which alert it gets, depends on (a) the invoice row, (b) the organization's
-- local date, (c) its alert_config rows of the two types and its time zone,
-- (d) the open alerts themselves. So (a) a trigger queues every change of an
-- invoice that is or was unpaid-and-issued, and the check takes the queue
-- (DELETE … RETURNING, in the snapshot it reads the invoices in: a change
-- committed later stays queued) and diffs only those invoices; (b, c) per
-- organization the check records the local date and a key of the
-- configuration it last evaluated in full, and a new day, another
-- configuration or no record means a full evaluation, as before; (d) any
-- delete or truncate of alerts forgets every record. The outcome is the full
-- evaluation's (pgTAP 76-alert-invoices-incremental compares them); "checked"
-- counts the candidate rows this run evaluated.

CREATE FUNCTION private.run_alert_check(p_view text, p_types text[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET work_mem TO '64MB'
    AS $_$
declare
  v_checked   integer;
  v_fired     integer;
  v_resolved  integer;
  v_notified  integer;
  v_escalated integer;
  -- Notification rows written by create_alert_notifications (one alert fans
  -- out to one row per recipient and channel).
  v_notifications_for_notified  integer;
  v_notifications_for_escalated integer;
  -- At most this many alerts are notified (and, separately, escalated) per
  -- run of one check; the rest stay due for the next run.
  v_batch integer := private.alert_notify_batch_size();
  -- Step 1's diff of the candidate rows against the open alerts and its three
  -- writes (fire what is new, refresh what changed, resolve what cleared), the
  -- same for both evaluations: spliced into their WITH after the CTEs
  -- candidate and open_alert.
  c_diff_and_writes constant text := $diff$
    diff as materialized (
      -- FULL JOIN: a hash or merge join by construction.
      select c.org_id, c.alert_type, c.fingerprint, c.entity_table, c.entity_id, c.severity, c.details,
             o.id as open_id,
             c.fingerprint is not null and o.id is not null
               and (o.severity, o.details) is distinct from (c.severity, c.details) as changed
      from candidate c
      full join open_alert o on o.org_id = c.org_id and o.fingerprint = c.fingerprint
    ), fired as (
      insert into public.alerts (org_id, alert_type, fingerprint, entity_table, entity_id, severity, details)
      select d.org_id, d.alert_type, d.fingerprint, d.entity_table, d.entity_id, d.severity, d.details
      from diff d
      where d.open_id is null
      order by d.org_id, d.fingerprint
      on conflict (org_id, fingerprint) where status <> 'resolved' do nothing
      returning 1
    ), refreshed as (
      update public.alerts a
         set last_fired_at = now(), severity = d.severity, details = d.details
        from diff d
       where a.id = any (array(select d2.open_id from diff d2 where d2.changed))
         and d.open_id = a.id and d.changed
      returning 1
    ), resolved as (
      update public.alerts a
         set status = 'resolved', resolved_at = now()
       where a.id = any (array(select d.open_id from diff d where d.fingerprint is null))
      returning 1
    )$diff$;
begin
  if p_view not in ('public.alert_emergencies_pending', 'public.alert_invoices_overdue', 'public.alert_stock_critical',
                    'public.alert_missions_blocked', 'public.alert_timesheets_unapproved') then
    raise exception 'Unknown alert view %', p_view using errcode = '22023';
  end if;

  -- 1. Fire, refresh what changed, resolve what cleared: one diff.
  if p_view = 'public.alert_invoices_overdue' then
    -- Incremental: only what can have changed since the last run (see the
    -- comment above this function); the same diff as below otherwise.
    execute pg_catalog.format($sql$
    with overdue_config as materialized (
      -- Per organization: its local date and a key of everything besides the
      -- invoices that decides its candidate rows (thresholds, severities,
      -- enabled flags, time zone).
      select c.org_id, (now() at time zone o.timezone)::date as local_date,
             pg_catalog.md5(o.timezone || pg_catalog.string_agg(
               pg_catalog.concat_ws('|', c.alert_type, c.threshold, c.unit, c.severity, c.enabled), ',' order by c.alert_type)) as config_key
      from public.alert_config c
      join public.organizations o on o.id = c.org_id
      where c.alert_type = any ($1)
      group by c.org_id, o.timezone
    ), full_org as materialized (
      -- Evaluated in full: never evaluated, a new local day (a threshold date
      -- moved), or another configuration.
      select k.org_id, k.local_date, k.config_key
      from overdue_config k
      left join private.alert_invoice_overdue_evaluations e on e.org_id = k.org_id
      where e.org_id is null or e.evaluated_on <> k.local_date or e.config_key <> k.config_key
    ), queued as (
      -- Taken from the queue in the snapshot the invoices are read in: a
      -- change committed later stays queued for the next run.
      delete from private.alert_invoice_overdue_queue q
      returning q.org_id, q.invoice_id
    ), changed_invoice as materialized (
      select distinct q.org_id, q.invoice_id
      from queued q
      where not exists (select from full_org f where f.org_id = q.org_id)
    ), candidate as materialized (
      select v.org_id, v.alert_type, v.fingerprint, v.entity_table, v.entity_id, v.severity, v.details
      from private.alert_candidates_invoices_overdue v
      where v.org_id in (select f.org_id from full_org f)
      union all
      -- The changed invoices: per invoice (LATERAL, not flattened), the view
      -- reads that invoice by primary key; as a semi-join the planner built
      -- every overdue invoice's row first and filtered them afterwards.
      select v.org_id, v.alert_type, v.fingerprint, v.entity_table, v.entity_id, v.severity, v.details
      from changed_invoice ci
      cross join lateral (
        select v.org_id, v.alert_type, v.fingerprint, v.entity_table, v.entity_id, v.severity, v.details
        from private.alert_candidates_invoices_overdue v
        where v.org_id = ci.org_id and v.entity_id = ci.invoice_id
        offset 0
      ) v
    ), open_alert as materialized (
      -- The organizations evaluated in full: every open alert of the types,
      -- per (org, type) of alert_config as in the other checks.
      select a.id, a.org_id, a.fingerprint, a.severity, a.details
      from full_org f
      join public.alert_config c on c.org_id = f.org_id and c.alert_type = any ($1)
      cross join lateral (
        select a.id, a.org_id, a.fingerprint, a.severity, a.details
        from public.alerts a
        where a.org_id = c.org_id and a.alert_type = c.alert_type and a.status <> 'resolved'
        offset 0
      ) a
      union all
      -- The changed invoices: their open alerts of either type, by fingerprint
      -- (LATERAL, never a scan of every alert; the type, implied by the
      -- fingerprint, gives alerts_open_type_idx its leading column: without it
      -- the planner scanned that whole index per lookup).
      select a.id, a.org_id, a.fingerprint, a.severity, a.details
      from changed_invoice ci
      cross join pg_catalog.unnest($1) as t (alert_type)
      cross join lateral (
        select a.id, a.org_id, a.fingerprint, a.severity, a.details
        from public.alerts a
        where a.alert_type = t.alert_type and a.org_id = ci.org_id
          and a.fingerprint = t.alert_type || ':' || ci.invoice_id::text and a.status <> 'resolved'
        offset 0
      ) a
    ), %s, evaluated as (
      insert into private.alert_invoice_overdue_evaluations as e (org_id, evaluated_on, config_key, evaluated_at)
      select f.org_id, f.local_date, f.config_key, now() from full_org f
      on conflict (org_id) do update
        set evaluated_on = excluded.evaluated_on, config_key = excluded.config_key, evaluated_at = excluded.evaluated_at
      returning 1
    )
    -- (refreshed and evaluated run to completion unread, like every data-modifying WITH.)
    select (select pg_catalog.count(*) from candidate)::integer,
           (select pg_catalog.count(*) from fired)::integer,
           (select pg_catalog.count(*) from resolved)::integer
  $sql$, c_diff_and_writes)
    using p_types into v_checked, v_fired, v_resolved;
  else
    execute pg_catalog.format($sql$
      with candidate as materialized (
        select v.org_id, v.alert_type, v.fingerprint, v.entity_table, v.entity_id, v.severity, v.details from %s v
      ), open_alert as materialized (
        -- Per (org, type) of alert_config (every alert has one: foreign key),
        -- LATERAL and not flattened (offset 0): an index range of the open
        -- alerts, never a scan of the table and its resolved history.
        select a.id, a.org_id, a.fingerprint, a.severity, a.details
        from public.alert_config c
        cross join lateral (
          select a.id, a.org_id, a.fingerprint, a.severity, a.details
          from public.alerts a
          where a.org_id = c.org_id and a.alert_type = c.alert_type and a.status <> 'resolved'
          offset 0
        ) a
        where c.alert_type = any ($1)
      ), %s
      -- (refreshed runs to completion unread, like every data-modifying WITH.)
      select (select pg_catalog.count(*) from candidate)::integer,
             (select pg_catalog.count(*) from fired)::integer,
             (select pg_catalog.count(*) from resolved)::integer
    $sql$, 'private.alert_candidates_' || pg_catalog.substr(p_view, pg_catalog.length('public.alert_') + 1),
      c_diff_and_writes)
    using p_types into v_checked, v_fired, v_resolved;
  end if;

  -- 2. Notify: new, or repeat interval elapsed; never acknowledged or silenced ones.
  -- At most v_batch alerts per run: a due alert left out keeps
  -- last_notified_at and notify_count, so it is still due on the next run and
  -- gets exactly the notifications (same dedupe keys) it would have got now.
  -- Driven from alert_config (LATERAL: the join order is fixed, whatever the
  -- estimates): per enabled (org, type), a range of alerts_notify_due_idx.
  -- The range bound is widened by an hour so that it is a superset of the exact
  -- test (timestamp + interval across a DST change), which is applied as well.
  execute $sql$
    with due as (
      select a.id
      from public.alert_config c
      cross join lateral (
        select a.id, a.last_notified_at, a.first_fired_at from public.alerts a
        where a.org_id = c.org_id and a.alert_type = c.alert_type and a.status = 'firing'
          and (a.last_notified_at is null
               or (a.last_notified_at <= now() - c.repeat_interval + interval '1 hour'
                   and a.last_notified_at + c.repeat_interval <= now()))
          and (a.silenced_until is null or a.silenced_until <= now())
        offset 0  -- keeps the subquery LATERAL (not flattened into a hash join over every firing alert)
      ) a
      where c.alert_type = any ($1) and c.enabled
      -- One batch: never notified first, then the longest overdue repeats.
      order by a.last_notified_at nulls first, a.first_fired_at, a.id
      limit $2
    ), notified as (
      update public.alerts a
         set notify_count = a.notify_count + 1, last_notified_at = now()
       where a.id = any (array(select due.id from due))
      returning a as alert, a.id, a.org_id, a.alert_type, a.fingerprint, a.notify_count, a.first_fired_at
    )
    select pg_catalog.count(*)::integer,
           private.create_alert_notifications(pg_catalog.array_agg(
             row(n.alert, c.notify_roles, c.notify_on_call,
                 'alert:' || n.fingerprint || ':' || n.notify_count || ':' || n.id, false)::private.alert_notice
             order by n.org_id, n.first_fired_at))
    from notified n
    join public.alert_config c on c.org_id = n.org_id and c.alert_type = n.alert_type
  $sql$ using p_types, v_batch into v_notified, v_notifications_for_notified;

  -- 3. Escalate: critical, still firing (unacknowledged), not silenced, older than escalate_after; once.
  -- Same shape: per (org, type) with an escalation delay, a range of alerts_escalation_due_idx.
  execute $sql$
    with due as (
      select a.id
      from public.alert_config c
      cross join lateral (
        select a.id, a.first_fired_at from public.alerts a
        where a.org_id = c.org_id and a.alert_type = c.alert_type
          and a.status = 'firing' and a.severity = 'critical' and a.escalation_level = 0
          and a.first_fired_at <= now() - c.escalate_after + interval '1 hour'
          and a.first_fired_at + c.escalate_after <= now()
          and (a.silenced_until is null or a.silenced_until <= now())
        offset 0
      ) a
      where c.alert_type = any ($1) and c.enabled and c.escalate_after is not null
      -- One batch: the oldest first.
      order by a.first_fired_at, a.id
      limit $2
    ), escalated as (
      update public.alerts a
         set escalation_level = a.escalation_level + 1, escalated_at = now()
       where a.id = any (array(select due.id from due))
      returning a as alert, a.id, a.org_id, a.alert_type, a.fingerprint, a.escalation_level, a.first_fired_at
    )
    select pg_catalog.count(*)::integer,
           private.create_alert_notifications(pg_catalog.array_agg(
             row(e.alert, c.escalate_to_roles, false,
                 'alert:' || e.fingerprint || ':' || e.id || ':esc' || e.escalation_level, true)::private.alert_notice
             order by e.org_id, e.first_fired_at))
    from escalated e
    join public.alert_config c on c.org_id = e.org_id and c.alert_type = e.alert_type
  $sql$ using p_types, v_batch into v_escalated, v_notifications_for_escalated;

  return pg_catalog.jsonb_build_object('checked', v_checked, 'fired', v_fired, 'resolved', v_resolved,
                                       'notified', v_notified, 'escalated', v_escalated,
                                       'notifications', coalesce(v_notifications_for_notified, 0)
                                                        + coalesce(v_notifications_for_escalated, 0));
end;
$_$;

-- -----------------------------------------------------------------------------
-- Seeding: the default alert configuration (docs/design.md § Alerts and
-- notifications), for one organization (idempotent).
-- SECURITY DEFINER: an organization is created by the service role or a
-- migration; neither the creator nor the trigger should need alert_config
-- privileges.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.seed_alert_config(p_org uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_count integer;
begin
  insert into public.alert_config (org_id, alert_type, threshold, unit, severity, notify_roles, notify_on_call,
                                   escalate_after, escalate_to_roles)
  values
    (p_org, 'emergency_pending', 5, 'minutes', 'critical', '{admin,dispatcher}', true, interval '15 minutes', '{owner}'),
    (p_org, 'invoice_overdue_7days', 7, 'days', 'warning', '{admin,accountant}', false, null, '{}'),
    (p_org, 'invoice_overdue_30days', 30, 'days', 'critical', '{admin,accountant}', false, interval '7 days', '{owner}'),
    (p_org, 'stock_critical', 0, 'units', 'warning', '{admin,dispatcher}', false, null, '{}'),
    (p_org, 'mission_blocked', 60, 'minutes', 'warning', '{dispatcher}', false, null, '{}'),
    (p_org, 'timesheet_unapproved', 7, 'days', 'warning', '{admin}', false, null, '{}')
  on conflict (org_id, alert_type) do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

CREATE FUNCTION private.seed_alert_config_for_new_org() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.seed_alert_config(new.id);
  return null;
end;
$$;

REVOKE ALL ON FUNCTION private.seed_alert_config_for_new_org() FROM PUBLIC;

-- Clear messages for what the check constraints refuse (22023).
CREATE FUNCTION private.validate_alert_config() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_units text[] := case new.alert_type
    when 'emergency_pending' then '{minutes,hours}'::text[]
    when 'mission_blocked' then '{minutes,hours}'::text[]
    when 'invoice_overdue_7days' then '{days}'::text[]
    when 'invoice_overdue_30days' then '{days}'::text[]
    when 'timesheet_unapproved' then '{days}'::text[]
    when 'stock_critical' then '{units}'::text[]
  end;
begin
  if v_units is null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown alert type "%s"', new.alert_type), p_hint => 'emergency_pending, invoice_overdue_7days, invoice_overdue_30days, stock_critical, mission_blocked, timesheet_unapproved');
  end if;
  if new.unit is null or not (new.unit = any (v_units)) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s is measured in %s, not "%s"', new.alert_type, pg_catalog.array_to_string(v_units, ' or '), new.unit));
  end if;
  if new.threshold is null or new.threshold < 0 or (new.threshold = 0 and new.alert_type <> 'stock_critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs a threshold %s, got %s', new.alert_type, case when new.alert_type = 'stock_critical' then 'of 0 or more' else 'greater than 0' end, new.threshold));
  end if;
  if new.unit = 'days' and new.threshold <> pg_catalog.trunc(new.threshold) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s counts whole days, got %s', new.alert_type, new.threshold));
  end if;
  if new.severity is null or new.severity not in ('info', 'warning', 'critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown alert severity "%s": use info, warning or critical', new.severity));
  end if;
  if new.notify_roles is null or pg_catalog.cardinality(new.notify_roles) = 0 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s must notify at least one role', new.alert_type));
  end if;
  if 'client' = any (new.notify_roles) or 'client' = any (new.escalate_to_roles) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s cannot notify client portal users', new.alert_type));
  end if;
  if new.repeat_interval is null or new.repeat_interval <= interval '0' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs a repeat interval greater than 0, got %s', new.alert_type, new.repeat_interval));
  end if;
  if new.escalate_after is not null then
    if new.escalate_after <= interval '0' then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s needs an escalation delay greater than 0, got %s', new.alert_type, new.escalate_after));
    end if;
    if new.escalate_to_roles is null or pg_catalog.cardinality(new.escalate_to_roles) = 0 then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Alert %s escalates after %s but names no role to escalate to', new.alert_type, new.escalate_after));
    end if;
  end if;
  return new;
end;
$$;

REVOKE ALL ON FUNCTION private.validate_alert_config() FROM PUBLIC;

CREATE FUNCTION public.acknowledge_alert(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_alert public.alerts := private.lock_alert_for_caller(p_id);
begin
  -- Idempotent: acknowledging twice keeps the first acknowledgement.
  if v_alert.status = 'firing' then
    update public.alerts a
       set status = 'acknowledged', acknowledged_by = auth.uid(), acknowledged_at = now()
     where a.id = v_alert.id
    returning * into v_alert;
  end if;
  return pg_catalog.jsonb_build_object('id', v_alert.id, 'status', v_alert.status,
                                       'acknowledged_by', v_alert.acknowledged_by, 'acknowledged_at', v_alert.acknowledged_at);
end;
$$;

-- The run's total adds the new `notifications` figure of each check; its jsonb
-- literals are typed (plpgsql_check warned that '{…}' was text assigned to jsonb).
CREATE FUNCTION public.run_all_alert_checks() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_sum  jsonb := '{"checked": 0, "fired": 0, "resolved": 0, "notified": 0, "escalated": 0, "notifications": 0}'::jsonb;
  v_part jsonb;
  v_key  text;
begin
  -- 7277 = 'T' 'E' in ASCII, class 1: the alert checks. Two-int form keeps the key readable in pg_locks.
  if not pg_catalog.pg_try_advisory_xact_lock(7277, 1) then
    return v_sum || '{"skipped": true}'::jsonb;
  end if;
  foreach v_part in array array[
    private.check_emergencies_pending(), private.check_invoices_overdue(), private.check_stock_critical(),
    private.check_missions_blocked(), private.check_timesheets_unapproved()]
  loop
    foreach v_key in array array['checked', 'fired', 'resolved', 'notified', 'escalated', 'notifications'] loop
      v_sum := v_sum || pg_catalog.jsonb_build_object(v_key, (v_sum ->> v_key)::integer + (v_part ->> v_key)::integer);
    end loop;
  end loop;
  return v_sum || '{"skipped": false}'::jsonb;
end;
$$;

COMMENT ON FUNCTION public.run_all_alert_checks() IS 'Runs the five alert checks under an advisory lock (a concurrent run returns {skipped: true} at once). Returns {checked, fired, resolved, notified, escalated, skipped}. service_role / pg_cron only.';

REVOKE ALL ON FUNCTION public.run_all_alert_checks() FROM PUBLIC;
GRANT ALL ON FUNCTION public.run_all_alert_checks() TO service_role;

CREATE FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_alert public.alerts;
begin
  if p_until is null or p_until <= now() then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A silence ends in the future (got %s)', p_until));
  end if;
  if p_until > now() + interval '30 days' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A silence lasts at most 30 days (until %s)', now() + interval '30 days'));
  end if;
  v_alert := private.lock_alert_for_caller(p_id);
  update public.alerts a
     set silenced_until = p_until, silenced_by = auth.uid()
   where a.id = v_alert.id
  returning * into v_alert;
  return pg_catalog.jsonb_build_object('id', v_alert.id, 'status', v_alert.status, 'silenced_until', v_alert.silenced_until);
end;
$$;

CREATE TABLE public.alerts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    alert_type text NOT NULL,
    fingerprint text NOT NULL,
    entity_table text NOT NULL,
    entity_id uuid NOT NULL,
    severity text NOT NULL,
    status text DEFAULT 'firing'::text NOT NULL,
    first_fired_at timestamp with time zone DEFAULT now() NOT NULL,
    last_fired_at timestamp with time zone DEFAULT now() NOT NULL,
    last_notified_at timestamp with time zone,
    notify_count integer DEFAULT 0 NOT NULL,
    acknowledged_by uuid,
    acknowledged_at timestamp with time zone,
    silenced_until timestamp with time zone,
    silenced_by uuid,
    escalated_at timestamp with time zone,
    escalation_level integer DEFAULT 0 NOT NULL,
    resolved_at timestamp with time zone,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT alerts_acknowledged_has_time CHECK (((status <> 'acknowledged'::text) OR (acknowledged_at IS NOT NULL))),
    CONSTRAINT alerts_acknowledged_pair CHECK (((acknowledged_at IS NULL) OR (status <> 'firing'::text))),
    CONSTRAINT alerts_alert_type_length CHECK ((char_length(alert_type) <= 100)),
    CONSTRAINT alerts_entity_table_format CHECK ((entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'::text)),
    CONSTRAINT alerts_entity_table_length CHECK ((char_length(entity_table) <= 127)),
    CONSTRAINT alerts_fingerprint_format CHECK ((fingerprint = ((alert_type || ':'::text) || (entity_id)::text))),
    CONSTRAINT alerts_fingerprint_length CHECK ((char_length(fingerprint) <= 200)),
    CONSTRAINT alerts_notify_count_check CHECK (((notify_count >= 0) AND (escalation_level >= 0))),
    CONSTRAINT alerts_resolved_has_time CHECK (((status = 'resolved'::text) = (resolved_at IS NOT NULL))),
    CONSTRAINT alerts_severity_check CHECK ((severity = ANY (ARRAY['info'::text, 'warning'::text, 'critical'::text]))),
    CONSTRAINT alerts_status_check CHECK ((status = ANY (ARRAY['firing'::text, 'acknowledged'::text, 'resolved'::text])))
);

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT alerts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT alerts_acknowledged_by_fkey FOREIGN KEY (acknowledged_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT alerts_silenced_by_fkey FOREIGN KEY (silenced_by) REFERENCES auth.users(id) ON DELETE SET NULL;

CREATE INDEX alerts_acknowledged_by_idx ON public.alerts USING btree (acknowledged_by) WHERE (acknowledged_by IS NOT NULL);

-- Critical firing alerts not escalated yet, by age: the escalate step's range.
CREATE INDEX alerts_escalation_due_idx ON public.alerts USING btree (org_id, alert_type, first_fired_at) WHERE ((status = 'firing'::text) AND (severity = 'critical'::text) AND (escalation_level = 0));

-- Firing alerts by when they were last notified: the notify step reads only
-- the due ones of each (org, type).
CREATE INDEX alerts_notify_due_idx ON public.alerts USING btree (org_id, alert_type, last_notified_at) WHERE (status = 'firing'::text);

-- One open alert per fingerprint; the upsert's conflict target.
CREATE UNIQUE INDEX alerts_open_fingerprint_key ON public.alerts USING btree (org_id, fingerprint) WHERE (status <> 'resolved'::text);

-- The open alerts of one type: the checks' starting set. Partial, so its size
-- is the number of open alerts, not the history of resolved ones.
CREATE INDEX alerts_open_type_idx ON public.alerts USING btree (alert_type, org_id, fingerprint) WHERE (status <> 'resolved'::text);

-- A screen of the organization's recent alerts.
CREATE INDEX alerts_org_last_fired_idx ON public.alerts USING btree (org_id, last_fired_at DESC);

-- The checks (open alerts of a type) and the foreign key to alert_config; the RLS filter (org_id leading).
CREATE INDEX alerts_org_type_status_idx ON public.alerts USING btree (org_id, alert_type, status);

CREATE INDEX alerts_silenced_by_idx ON public.alerts USING btree (silenced_by) WHERE (silenced_by IS NOT NULL);

ALTER TABLE public.alerts ENABLE ROW LEVEL SECURITY;

CREATE POLICY alerts_select ON public.alerts FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

COMMENT ON TABLE public.alerts IS 'Alerts raised by the alert checks: fingerprint (type:entity), firing → acknowledged → resolved, repeat notification, silence, escalation. Written by private.check_* and acknowledge_alert / silence_alert only.';

COMMENT ON COLUMN public.alerts.last_fired_at IS 'When the alert fired, or last changed severity or details. An open (firing or acknowledged) alert is still firing as of the last alert check: unchanged alerts are not rewritten every minute.';

GRANT SELECT ON TABLE public.alerts TO authenticated;
GRANT SELECT ON TABLE public.alerts TO service_role;

-- -----------------------------------------------------------------------------
-- The incremental overdue-invoice check (see private.run_alert_check).
-- -----------------------------------------------------------------------------

-- (a) Invoices changed since the last check. Append-only, one row per change:
-- an invoice already queued is queued again, never merged into the waiting
-- row (a run that took the waiting row in an older snapshot would otherwise
-- swallow a change it never saw). No foreign key: a deleted invoice is queued
-- too (its alert must resolve).
CREATE TABLE private.alert_invoice_overdue_queue (
    id bigint NOT NULL,
    invoice_id uuid NOT NULL,
    org_id uuid NOT NULL,
    queued_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE private.alert_invoice_overdue_queue ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME private.alert_invoice_overdue_queue_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY private.alert_invoice_overdue_queue
    ADD CONSTRAINT alert_invoice_overdue_queue_pkey PRIMARY KEY (id);

ALTER TABLE private.alert_invoice_overdue_queue ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.alert_invoice_overdue_queue IS 'Invoices (issued and unpaid before or after the change) written since the last overdue-invoice alert check; the check takes and evaluates them. Filled by trigger on public.invoices.';

CREATE FUNCTION private.queue_invoice_for_overdue_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'DELETE' then
    insert into private.alert_invoice_overdue_queue (invoice_id, org_id) values (old.id, old.org_id);
  else
    insert into private.alert_invoice_overdue_queue (invoice_id, org_id) values (new.id, new.org_id);
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION private.queue_invoice_for_overdue_check() IS 'Trigger: queues an invoice for the next overdue-invoice alert check.';

REVOKE ALL ON FUNCTION private.queue_invoice_for_overdue_check() FROM PUBLIC;

-- Only invoices that are, or were, what the overdue candidates read (issued,
-- unpaid invoices): drafts, paid invoices and credit notes never queue.
CREATE TRIGGER invoices_queue_overdue_check_delete AFTER DELETE ON public.invoices FOR EACH ROW WHEN (((old.kind = 'invoice'::public.invoice_kind) AND (old.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status])))) EXECUTE FUNCTION private.queue_invoice_for_overdue_check();

CREATE TRIGGER invoices_queue_overdue_check_insert AFTER INSERT ON public.invoices FOR EACH ROW WHEN (((new.kind = 'invoice'::public.invoice_kind) AND (new.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status])))) EXECUTE FUNCTION private.queue_invoice_for_overdue_check();

CREATE TRIGGER invoices_queue_overdue_check_update AFTER UPDATE OF org_id, kind, status, due_date, number, client_id, total_ht_cents, total_vat_cents ON public.invoices FOR EACH ROW WHEN ((((old.kind = 'invoice'::public.invoice_kind) AND (old.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status]))) OR ((new.kind = 'invoice'::public.invoice_kind) AND (new.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status]))))) EXECUTE FUNCTION private.queue_invoice_for_overdue_check();

-- (b, c) What each organization was last evaluated in full against.
CREATE TABLE private.alert_invoice_overdue_evaluations (
    org_id uuid NOT NULL,
    evaluated_on date NOT NULL,
    config_key text NOT NULL,
    evaluated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY private.alert_invoice_overdue_evaluations
    ADD CONSTRAINT alert_invoice_overdue_evaluations_pkey PRIMARY KEY (org_id);

ALTER TABLE ONLY private.alert_invoice_overdue_evaluations
    ADD CONSTRAINT alert_invoice_overdue_evaluations_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE private.alert_invoice_overdue_evaluations ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.alert_invoice_overdue_evaluations IS 'Per organization: the local date and configuration key of its last full overdue-invoice evaluation. A different date or key, or no row, makes the next check evaluate that organization in full.';

-- (d) Alerts deleted by anything: trust nothing, evaluate in full next time.
CREATE FUNCTION private.forget_invoice_overdue_evaluations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Waits for a running alert check (the lock run_all_alert_checks takes)
  -- and keeps the next one out until this transaction ends: a check cannot
  -- write back a record from a snapshot that still had the deleted alerts.
  perform pg_catalog.pg_advisory_xact_lock(7277, 1);
  delete from private.alert_invoice_overdue_evaluations;
  return null;
end;
$$;

COMMENT ON FUNCTION private.forget_invoice_overdue_evaluations() IS 'Trigger: alerts were deleted; the next overdue-invoice check evaluates every organization in full.';

REVOKE ALL ON FUNCTION private.forget_invoice_overdue_evaluations() FROM PUBLIC;

CREATE TRIGGER alerts_delete_forgets_invoice_evaluations AFTER DELETE ON public.alerts FOR EACH STATEMENT EXECUTE FUNCTION private.forget_invoice_overdue_evaluations();

CREATE TRIGGER alerts_truncate_forgets_invoice_evaluations AFTER TRUNCATE ON public.alerts FOR EACH STATEMENT EXECUTE FUNCTION private.forget_invoice_overdue_evaluations();

-- -----------------------------------------------------------------------------
-- Bulk notifications of alerts
-- -----------------------------------------------------------------------------
CREATE TYPE private.alert_notice AS (
	alert public.alerts,
	roles public.member_role[],
	on_call boolean,
	dedupe_key text,
	escalation boolean
);

COMMENT ON TYPE private.alert_notice IS 'One alert to notify: the alert row, the roles to notify, whether on-call technicians are added, the dedupe key prefix, and whether it is an escalation (title prefixed ESCALATED).';

-- What private.notify_alert did per alert, and private.create_notification_row
-- per recipient, done for a whole batch in one INSERT:
--   recipients  members holding one of the roles (owners whenever admin is
--               listed) × in_app, email, and push for users with a push
--               subscription — key <key>:<user>:<channel>, the user's
--               preferences (exact type, else its last segment, else '*' for
--               non-critical types; in_app of a critical type always on),
--               rendered from the template of the type in the user's language
--               when the template's params are all given, else the ready
--               title/body;
--               plus, when on_call, the on-call technicians not already in the
--               roles × in_app, email, with the ready title/body (no
--               preference, as before).
--   dedupe      the unique index (org_id, dedupe_key): ON CONFLICT DO NOTHING,
--               no lookup per row.
-- Templates, critical flags and languages are looked up once per distinct
-- type/language, not per row. Returns the number of rows written.
-- work_mem: a first run at 100 organizations writes ~200,000 rows here; the
-- candidate rows spilled to temporary files at the default 4 MB.
--
-- Lookups and rendering once, not per row: the type's critical flag and
-- template are MATERIALIZED CTEs (one row per type, per type and language),
-- and the title and body are rendered once per notice and language, then
-- joined to the notice's recipients (inlined, they ran for every recipient
-- and channel: 1,157 ms for 10,806 rows, 750 ms of it building the rows).
-- The INSERT runs through EXECUTE … USING, a one-shot plan per batch: from
-- the sixth call of a session (pg_cron's) PL/pgSQL may switch a static
-- statement to a generic plan, estimated for an array of unknown size, whose
-- nested loops over the CTEs are quadratic in the batch (1.6 s, then 11.5 s).
-- Not plan_cache_mode = force_custom_plan on the function: that also re-plans
-- every expression and foreign-key check of the rows written (2.7 s → 3.8–6.6 s).

CREATE FUNCTION private.create_alert_notifications(p_notices private.alert_notice[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET work_mem TO '64MB'
    AS $_$
declare
  v_count integer;
begin
  if p_notices is null or pg_catalog.cardinality(p_notices) = 0 then
    return 0;
  end if;

  -- EXECUTE: a one-shot plan for this batch, its size known to the planner
  -- (see the header: never a cached generic plan).
  execute $sql$
    with notice as materialized (
      select n.notice_no,
             (n.alert).org_id as org_id, (n.alert).entity_table as entity_table, (n.alert).entity_id as entity_id,
             'alert.' || (n.alert).alert_type as type, n.roles, n.on_call, n.dedupe_key,
             pg_catalog.format('%s%s alert: %s', case when n.escalation then 'ESCALATED ' else '' end,
                               pg_catalog.initcap((n.alert).severity), pg_catalog.replace((n.alert).alert_type, '_', ' ')) as title,
             pg_catalog.format('%s firing since %s. %s', (n.alert).fingerprint,
                               pg_catalog.to_char((n.alert).first_fired_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
                               pg_catalog.left((n.alert).details::text, 1000)) as body
      from pg_catalog.unnest($1) with ordinality as n (alert, roles, on_call, dedupe_key, escalation, notice_no)
    ), type_kind as materialized (
      -- Per type: critical or not (one lookup per distinct type).
      select t.type, private.notification_is_critical(t.type) as critical
      from (select distinct notice.type from notice) t
    ), role_recipient as materialized (
      select nt.notice_no, nt.org_id, nt.type, m.user_id, ch.channel, coalesce(pr.language, 'fr') as language
      from notice nt
      join public.memberships m
        on m.org_id = nt.org_id
       and (m.role = any (nt.roles) or (m.role = 'owner' and 'admin' = any (nt.roles)))
      cross join (values ('email'), ('in_app'), ('push')) as ch (channel)
      left join public.profiles pr on pr.id = m.user_id
      where ch.channel <> 'push' or exists (select from public.push_subscriptions s where s.user_id = m.user_id)
    ), template_of as materialized (
      -- Per type and language: the template, and whether the ready title/body
      -- (the only params given) fill it.
      select tl.type, tl.language, tpl.title_template, tpl.body_template,
             tpl.type is not null
               and not private.template_params_missing(tpl.title_template || ' ' || tpl.body_template,
                                                       '{"title": "", "body": ""}'::jsonb) as use_template
      from (select distinct r.type, r.language from role_recipient r) tl
      cross join lateral private.notification_template(tl.type, tl.language) tpl
    ), rendered as materialized (
      -- Per notice and language: the title and body its recipients of that language get.
      select nl.notice_no, nl.language,
             case when t.use_template
                  then private.render_template(t.title_template, pg_catalog.jsonb_build_object('title', nt.title, 'body', nt.body))
                  else nt.title end as title,
             case when t.use_template
                  then private.render_template(t.body_template, pg_catalog.jsonb_build_object('title', nt.title, 'body', nt.body))
                  else nt.body end as body
      from (select distinct r.notice_no, r.type, r.language from role_recipient r) nl
      join notice nt on nt.notice_no = nl.notice_no
      join template_of t on t.type = nl.type and t.language = nl.language
    ), role_row as (
      select r.org_id, r.user_id, r.channel, r.type, nt.entity_table, nt.entity_id,
             nt.dedupe_key || ':' || r.user_id::text || ':' || r.channel as dedupe_key,
             x.title, x.body
      from role_recipient r
      join notice nt on nt.notice_no = r.notice_no
      join rendered x on x.notice_no = r.notice_no and x.language = r.language
      join type_kind k on k.type = r.type
      left join public.notification_preferences p_exact
        on p_exact.org_id = r.org_id and p_exact.user_id = r.user_id and p_exact.channel = r.channel and p_exact.type = r.type
      left join public.notification_preferences p_segment
        on p_segment.org_id = r.org_id and p_segment.user_id = r.user_id and p_segment.channel = r.channel
       and p_segment.type = pg_catalog.regexp_replace(r.type, '^.*\.', '')
      left join public.notification_preferences p_any
        on p_any.org_id = r.org_id and p_any.user_id = r.user_id and p_any.channel = r.channel and p_any.type = '*'
      where (k.critical and r.channel = 'in_app')
         or coalesce(p_exact.enabled, p_segment.enabled, case when not k.critical then p_any.enabled end, true)
    ), on_call_row as (
      select nt.org_id, m.user_id, ch.channel, nt.type, nt.entity_table, nt.entity_id,
             nt.dedupe_key || ':' || m.user_id::text || ':' || ch.channel as dedupe_key, nt.title, nt.body
      from notice nt
      join public.memberships m
        on m.org_id = nt.org_id and m.role = 'technician' and m.on_call and not (m.role = any (nt.roles))
      cross join (values ('in_app'), ('email')) as ch (channel)
      where nt.on_call
    ), written as (
      insert into public.notifications (
        org_id, user_id, channel, type, title, body, entity_table, entity_id, dedupe_key, delivery_status, sent_at, next_attempt_at
      )
      select x.org_id, x.user_id, x.channel, x.type, pg_catalog.left(pg_catalog.btrim(x.title), 200), pg_catalog.left(x.body, 4000),
             x.entity_table, x.entity_id, x.dedupe_key,
             case x.channel when 'in_app' then 'sent' else 'pending' end,
             case x.channel when 'in_app' then now() end,
             case x.channel when 'in_app' then null else now() end
      from (select * from role_row union all select * from on_call_row) x
      -- In the order of the unique index the conflicts are checked in: its
      -- pages are filled one after the other instead of at random.
      order by x.org_id, x.dedupe_key
      on conflict (org_id, dedupe_key) do nothing
      returning 1
    )
    select pg_catalog.count(*)::integer from written
  $sql$
  into v_count using p_notices;
  return v_count;
end;
$_$;

-- -----------------------------------------------------------------------------
-- Acknowledge and silence. Allowed to owner, admin, dispatcher of the
-- alert's organization and to the members the alert notifies (its configured
-- roles and escalation roles; on-call technicians when notify_on_call).
-- An alert of another organization, or one that does not exist, is "not
-- found" (P0002): the id reveals nothing.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.lock_alert_for_caller(p_id uuid) RETURNS public.alerts
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_alert public.alerts;
  v_uid   uuid := auth.uid();
begin
  if v_uid is null then
    perform private.raise_api_error('authentication_required', 'Sign in to manage alerts');
  end if;
  select * into v_alert from public.alerts a
  where a.id = p_id
    and exists (select from public.memberships m where m.org_id = a.org_id and m.user_id = v_uid)
  for update;
  if v_alert.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Alert %s not found', p_id));
  end if;
  if not exists (
    select from public.memberships m
    join public.alert_config c on c.org_id = m.org_id and c.alert_type = v_alert.alert_type
    where m.org_id = v_alert.org_id and m.user_id = v_uid
      and (m.role in ('owner', 'admin', 'dispatcher')
           or m.role = any (c.notify_roles)
           or m.role = any (c.escalate_to_roles)
           or (c.notify_on_call and m.role = 'technician' and m.on_call))
  ) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('Your role may not manage %s alerts', v_alert.alert_type));
  end if;
  if v_alert.status = 'resolved' then
    perform private.raise_api_error('invalid_state', pg_catalog.format('Alert %s is already resolved', p_id));
  end if;
  return v_alert;
end;
$$;

-- Same signature and result as before; one alert through the bulk path.
CREATE FUNCTION private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select private.create_alert_notifications(
    array[row(p_alert, coalesce(p_roles, '{}'), coalesce(p_on_call, false), p_key, coalesce(p_escalation, false))::private.alert_notice])
$$;

CREATE TABLE public.alert_config (
    org_id uuid NOT NULL,
    alert_type text NOT NULL,
    threshold numeric NOT NULL,
    unit text NOT NULL,
    severity text NOT NULL,
    notify_roles public.member_role[] NOT NULL,
    notify_on_call boolean DEFAULT false NOT NULL,
    repeat_interval interval DEFAULT '04:00:00'::interval NOT NULL,
    escalate_after interval,
    escalate_to_roles public.member_role[] DEFAULT '{}'::public.member_role[] NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT alert_config_escalation_check CHECK (((escalate_after IS NULL) OR ((escalate_after > '00:00:00'::interval) AND (cardinality(escalate_to_roles) > 0)))),
    CONSTRAINT alert_config_notify_roles_check CHECK ((cardinality(notify_roles) > 0)),
    CONSTRAINT alert_config_repeat_check CHECK ((repeat_interval > '00:00:00'::interval)),
    CONSTRAINT alert_config_severity_check CHECK ((severity = ANY (ARRAY['info'::text, 'warning'::text, 'critical'::text]))),
    CONSTRAINT alert_config_threshold_check CHECK (((threshold > (0)::numeric) OR ((alert_type = 'stock_critical'::text) AND (threshold >= (0)::numeric)))),
    CONSTRAINT alert_config_threshold_finite CHECK ((threshold <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT alert_config_type_check CHECK ((alert_type = ANY (ARRAY['emergency_pending'::text, 'invoice_overdue_7days'::text, 'invoice_overdue_30days'::text, 'stock_critical'::text, 'mission_blocked'::text, 'timesheet_unapproved'::text]))),
    CONSTRAINT alert_config_unit_check CHECK ((unit = ANY (ARRAY['minutes'::text, 'hours'::text, 'days'::text, 'units'::text, 'percent'::text])))
);

ALTER TABLE ONLY public.alert_config
    ADD CONSTRAINT alert_config_pkey PRIMARY KEY (org_id, alert_type);

ALTER TABLE ONLY public.alert_config
    ADD CONSTRAINT alert_config_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE public.alert_config ENABLE ROW LEVEL SECURITY;

CREATE POLICY alert_config_select ON public.alert_config FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY alert_config_update ON public.alert_config FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER alert_config_touch BEFORE UPDATE ON public.alert_config FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

CREATE TRIGGER alert_config_validate BEFORE INSERT OR UPDATE ON public.alert_config FOR EACH ROW EXECUTE FUNCTION private.validate_alert_config();

CREATE CONSTRAINT TRIGGER audit_lock_override_check AFTER UPDATE ON public.alert_config DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((current_setting('terrain.system_context'::text, true) = 'lock_override'::text)) EXECUTE FUNCTION audit.check_lock_override_recorded('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');

-- alert_config audits only the changes made by a top-level statement, not the
-- defaults seeded by a trigger when an organization is created: its audit
-- triggers carry that condition, evaluated once per statement.

CREATE TRIGGER audit_record_deletes_top_level AFTER DELETE ON public.alert_config REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT WHEN ((pg_trigger_depth() = 0)) EXECUTE FUNCTION audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');

CREATE TRIGGER audit_record_inserts_top_level AFTER INSERT ON public.alert_config REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT WHEN ((pg_trigger_depth() = 0)) EXECUTE FUNCTION audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');

CREATE TRIGGER audit_record_updates_top_level AFTER UPDATE ON public.alert_config REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT WHEN ((pg_trigger_depth() = 0)) EXECUTE FUNCTION audit.record_change('{org_id,alert_type}', '{updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}');

COMMENT ON TABLE public.alert_config IS 'Per organization and alert type: threshold and unit, severity, roles notified (and on-call technicians), repeat interval (default 4 h), escalation of unacknowledged critical alerts. Seeded for every organization; owner/admin edit it.';

COMMENT ON COLUMN public.alert_config.threshold IS 'emergency_pending / mission_blocked: pending or blocked for longer than this (minutes or hours); invoice_overdue_*: days past the due date; timesheet_unapproved: days since the work date; stock_critical: on_hand at or below this many units (an item below 50 % of its min_stock is critical too).';

COMMENT ON COLUMN public.alert_config.repeat_interval IS 'A still-firing, unacknowledged, unsilenced alert is notified again after this.';

COMMENT ON COLUMN public.alert_config.escalate_after IS 'Critical alerts still unacknowledged this long after firing are escalated (once) to escalate_to_roles; null: never.';

GRANT SELECT ON TABLE public.alert_config TO authenticated;
GRANT SELECT,UPDATE ON TABLE public.alert_config TO service_role;

GRANT UPDATE(threshold) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(unit) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(severity) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(notify_roles) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(notify_on_call) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(repeat_interval) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(escalate_after) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(escalate_to_roles) ON TABLE public.alert_config TO authenticated;

GRANT UPDATE(enabled) ON TABLE public.alert_config TO authenticated;

-- The configuration of (organization, type) when enabled; null otherwise.
-- Security invoker: the caller's RLS on alert_config applies.
CREATE FUNCTION private.alert_config_of(p_org uuid, p_type text) RETURNS public.alert_config
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select c from public.alert_config c where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

CREATE VIEW private.alert_candidates_emergencies_pending AS
 SELECT e.org_id,
    'emergency_pending'::text AS alert_type,
    'public.emergency_requests'::text AS entity_table,
    e.id AS entity_id,
    ('emergency_pending:'::text || (e.id)::text) AS fingerprint,
    c.severity,
    e.created_at AS since,
    jsonb_build_object('client_id', e.client_id, 'site_id', e.site_id, 'emergency_severity', e.severity, 'source', e.source, 'description', "left"(e.description, 200)) AS details
   FROM (public.alert_config c
     JOIN public.emergency_requests e ON (((e.org_id = c.org_id) AND (e.status = 'pending'::public.emergency_status) AND (e.created_at < (now() - ((c.threshold)::double precision *
        CASE c.unit
            WHEN 'minutes'::text THEN '00:01:00'::interval
            WHEN 'hours'::text THEN '01:00:00'::interval
            ELSE '1 day'::interval
        END))))))
  WHERE ((c.alert_type = 'emergency_pending'::text) AND c.enabled);

COMMENT ON VIEW private.alert_candidates_emergencies_pending IS 'Rows of public.alert_emergencies_pending, as a join (alert engine).';

-- One row per invoice: the highest enabled overdue threshold it crossed (as
-- invoice_overdue_alert_type's "order by threshold desc limit 1"). Per
-- organization, the lowest threshold decides whether an invoice is listed (one
-- range of invoices_unpaid_due_idx) and the highest one which type it gets:
-- no anti-join, no per-row lookup. Equal thresholds: invoice_overdue_30days,
-- the first in alert_config's primary key order, as the helper's index scan
-- returned it.
CREATE VIEW private.alert_candidates_invoices_overdue AS
 WITH overdue_config AS (
         SELECT c.org_id,
            c.alert_type,
            c.severity,
            c.threshold,
            (((now() AT TIME ZONE o.timezone))::date - (c.threshold)::integer) AS due_before
           FROM (public.alert_config c
             JOIN public.organizations o ON ((o.id = c.org_id)))
          WHERE ((c.alert_type = ANY (ARRAY['invoice_overdue_7days'::text, 'invoice_overdue_30days'::text])) AND c.enabled)
        ), lowest AS (
         SELECT DISTINCT ON (c.org_id) c.org_id,
            c.alert_type,
            c.severity,
            c.due_before
           FROM overdue_config c
          ORDER BY c.org_id, c.threshold, c.alert_type
        ), highest AS (
         SELECT DISTINCT ON (c.org_id) c.org_id,
            c.alert_type,
            c.severity,
            c.due_before
           FROM overdue_config c
          ORDER BY c.org_id, c.threshold DESC, c.alert_type
        )
 SELECT i.org_id,
    t.alert_type,
    'public.invoices'::text AS entity_table,
    i.id AS entity_id,
    ((t.alert_type || ':'::text) || (i.id)::text) AS fingerprint,
    t.severity,
    (i.due_date)::timestamp with time zone AS since,
    jsonb_build_object('number', i.number, 'client_id', i.client_id, 'due_date', i.due_date, 'total_ttc_cents', i.total_ttc_cents, 'status', i.status) AS details
   FROM (((lowest l
     JOIN highest h ON ((h.org_id = l.org_id)))
     JOIN public.invoices i ON (((i.org_id = l.org_id) AND (i.kind = 'invoice'::public.invoice_kind) AND (i.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status])) AND (i.due_date < l.due_before))))
     CROSS JOIN LATERAL ( SELECT
                CASE
                    WHEN (i.due_date < h.due_before) THEN h.alert_type
                    ELSE l.alert_type
                END AS alert_type,
                CASE
                    WHEN (i.due_date < h.due_before) THEN h.severity
                    ELSE l.severity
                END AS severity) t);

COMMENT ON VIEW private.alert_candidates_invoices_overdue IS 'Rows of public.alert_invoices_overdue, as a join (alert engine).';

CREATE VIEW private.alert_candidates_missions_blocked AS
 SELECT m.org_id,
    'mission_blocked'::text AS alert_type,
    'public.missions'::text AS entity_table,
    m.id AS entity_id,
    ('mission_blocked:'::text || (m.id)::text) AS fingerprint,
    c.severity,
    m.blocked_at AS since,
    jsonb_build_object('title', m.title, 'reason', m.blocked_reason, 'technician_id', m.technician_id, 'client_id', m.client_id) AS details
   FROM (public.alert_config c
     JOIN public.missions m ON (((m.org_id = c.org_id) AND (m.status = 'blocked'::public.mission_status) AND (m.blocked_at < (now() - ((c.threshold)::double precision *
        CASE c.unit
            WHEN 'minutes'::text THEN '00:01:00'::interval
            WHEN 'hours'::text THEN '01:00:00'::interval
            ELSE '1 day'::interval
        END))))))
  WHERE ((c.alert_type = 'mission_blocked'::text) AND c.enabled);

COMMENT ON VIEW private.alert_candidates_missions_blocked IS 'Rows of public.alert_missions_blocked, as a join (alert engine).';

-- The former pre-filter "on_hand <= max(threshold of any organization)" is
-- implied by the per-organization condition and is dropped.
CREATE VIEW private.alert_candidates_stock_critical AS
 SELECT s.org_id,
    'stock_critical'::text AS alert_type,
    'public.stock_items'::text AS entity_table,
    s.id AS entity_id,
    ('stock_critical:'::text || (s.id)::text) AS fingerprint,
    c.severity,
    s.updated_at AS since,
    jsonb_build_object('sku', s.sku, 'name', s.name, 'unit', s.unit, 'on_hand', s.on_hand, 'min_stock', s.min_stock) AS details
   FROM (public.alert_config c
     JOIN public.stock_items s ON (((s.org_id = c.org_id) AND ((s.on_hand <= c.threshold) OR ((s.on_hand * (2)::numeric) < s.min_stock)))))
  WHERE ((c.alert_type = 'stock_critical'::text) AND c.enabled);

COMMENT ON VIEW private.alert_candidates_stock_critical IS 'Rows of public.alert_stock_critical, as a join (alert engine).';

-- Unapproved lines are aggregated once per technician (one pass over the
-- partial index of unapproved timesheets) instead of three correlated
-- subqueries per membership. since = the oldest unapproved line; details count
-- only the lines past the threshold, as before.
CREATE VIEW private.alert_candidates_timesheets_unapproved AS
 WITH cutoff AS (
         SELECT c.org_id,
            c.severity,
            (((now() AT TIME ZONE o.timezone))::date - (c.threshold)::integer) AS worked_before
           FROM (public.alert_config c
             JOIN public.organizations o ON ((o.id = c.org_id)))
          WHERE ((c.alert_type = 'timesheet_unapproved'::text) AND c.enabled)
        ), pending AS (
         SELECT t.org_id,
            t.technician_id,
            k.severity,
            min(t.work_date) AS oldest,
            count(*) FILTER (WHERE (t.work_date < k.worked_before)) AS late_lines,
            sum(t.hours) FILTER (WHERE (t.work_date < k.worked_before)) AS late_hours,
            min(t.work_date) FILTER (WHERE (t.work_date < k.worked_before)) AS late_oldest
           FROM (cutoff k
             JOIN public.timesheets t ON (((t.org_id = k.org_id) AND (t.approved_at IS NULL))))
          GROUP BY t.org_id, t.technician_id, k.severity
        )
 SELECT ms.org_id,
    'timesheet_unapproved'::text AS alert_type,
    'public.memberships'::text AS entity_table,
    ms.id AS entity_id,
    ('timesheet_unapproved:'::text || (ms.id)::text) AS fingerprint,
    p.severity,
    (p.oldest)::timestamp with time zone AS since,
    jsonb_build_object('technician_id', ms.user_id, 'lines', p.late_lines, 'hours', p.late_hours, 'oldest_work_date', p.late_oldest) AS details
   FROM (pending p
     JOIN public.memberships ms ON (((ms.org_id = p.org_id) AND (ms.user_id = p.technician_id))))
  WHERE ((ms.role = 'technician'::public.member_role) AND (p.late_lines > 0));

COMMENT ON VIEW private.alert_candidates_timesheets_unapproved IS 'Rows of public.alert_timesheets_unapproved, as a join (alert engine).';

-- Pending emergencies older than the threshold (strictly: "pending > 5 min").
CREATE VIEW public.alert_emergencies_pending WITH (security_invoker='true') AS
 SELECT e.org_id,
    'emergency_pending'::text AS alert_type,
    'public.emergency_requests'::text AS entity_table,
    e.id AS entity_id,
    ('emergency_pending:'::text || (e.id)::text) AS fingerprint,
    (private.alert_config_of(e.org_id, 'emergency_pending'::text)).severity AS severity,
    e.created_at AS since,
    jsonb_build_object('client_id', e.client_id, 'site_id', e.site_id, 'emergency_severity', e.severity, 'source', e.source, 'description', "left"(e.description, 200)) AS details
   FROM public.emergency_requests e
  WHERE ((e.status = 'pending'::public.emergency_status) AND (e.created_at < private.alert_cutoff_time(e.org_id, 'emergency_pending'::text)));

COMMENT ON VIEW public.alert_emergencies_pending IS 'Emergency requests still pending for longer than the emergency_pending threshold (5 minutes by default).';

GRANT SELECT ON TABLE public.alert_emergencies_pending TO authenticated;
GRANT SELECT ON TABLE public.alert_emergencies_pending TO service_role;

-- Sent or partially paid invoices more than threshold days past their due
-- date (in the organization's timezone). One row per invoice, with the
-- highest threshold crossed: the 7-day alert resolves when the 30-day one fires.
CREATE VIEW public.alert_invoices_overdue WITH (security_invoker='true') AS
 SELECT i.org_id,
    private.invoice_overdue_alert_type(i.org_id, i.due_date) AS alert_type,
    'public.invoices'::text AS entity_table,
    i.id AS entity_id,
    ((private.invoice_overdue_alert_type(i.org_id, i.due_date) || ':'::text) || (i.id)::text) AS fingerprint,
    (private.alert_config_of(i.org_id, private.invoice_overdue_alert_type(i.org_id, i.due_date))).severity AS severity,
    (i.due_date)::timestamp with time zone AS since,
    jsonb_build_object('number', i.number, 'client_id', i.client_id, 'due_date', i.due_date, 'total_ttc_cents', i.total_ttc_cents, 'status', i.status) AS details
   FROM public.invoices i
  WHERE ((i.kind = 'invoice'::public.invoice_kind) AND (i.status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status])) AND (private.invoice_overdue_alert_type(i.org_id, i.due_date) IS NOT NULL));

COMMENT ON VIEW public.alert_invoices_overdue IS 'Sent / partially paid invoices more than invoice_overdue_7days (or _30days) days past their due date; one row per invoice, the highest threshold crossed.';

GRANT SELECT ON TABLE public.alert_invoices_overdue TO authenticated;
GRANT SELECT ON TABLE public.alert_invoices_overdue TO service_role;

-- Missions blocked for longer than the threshold.
CREATE VIEW public.alert_missions_blocked WITH (security_invoker='true') AS
 SELECT m.org_id,
    'mission_blocked'::text AS alert_type,
    'public.missions'::text AS entity_table,
    m.id AS entity_id,
    ('mission_blocked:'::text || (m.id)::text) AS fingerprint,
    (private.alert_config_of(m.org_id, 'mission_blocked'::text)).severity AS severity,
    m.blocked_at AS since,
    jsonb_build_object('title', m.title, 'reason', m.blocked_reason, 'technician_id', m.technician_id, 'client_id', m.client_id) AS details
   FROM public.missions m
  WHERE ((m.status = 'blocked'::public.mission_status) AND (m.blocked_at < private.alert_cutoff_time(m.org_id, 'mission_blocked'::text)));

COMMENT ON VIEW public.alert_missions_blocked IS 'Missions blocked for longer than the mission_blocked threshold (60 minutes by default).';

GRANT SELECT ON TABLE public.alert_missions_blocked TO authenticated;
GRANT SELECT ON TABLE public.alert_missions_blocked TO service_role;

-- Items at or below the threshold (0 units by default) or below 50 % of their minimum.
CREATE VIEW public.alert_stock_critical WITH (security_invoker='true') AS
 SELECT s.org_id,
    'stock_critical'::text AS alert_type,
    'public.stock_items'::text AS entity_table,
    s.id AS entity_id,
    ('stock_critical:'::text || (s.id)::text) AS fingerprint,
    (private.alert_config_of(s.org_id, 'stock_critical'::text)).severity AS severity,
    s.updated_at AS since,
    jsonb_build_object('sku', s.sku, 'name', s.name, 'unit', s.unit, 'on_hand', s.on_hand, 'min_stock', s.min_stock) AS details
   FROM public.stock_items s
  WHERE (((s.on_hand <= (0)::numeric) OR ((s.on_hand * (2)::numeric) < s.min_stock) OR (s.on_hand <= ( SELECT max(c.threshold) AS max
           FROM public.alert_config c
          WHERE (c.alert_type = 'stock_critical'::text)))) AND ((s.on_hand <= (private.alert_config_of(s.org_id, 'stock_critical'::text)).threshold) OR ((s.on_hand * (2)::numeric) < s.min_stock)) AND (private.alert_config_of(s.org_id, 'stock_critical'::text)).enabled);

COMMENT ON VIEW public.alert_stock_critical IS 'Stock items with on_hand at or below the stock_critical threshold (0 by default) or below 50 % of their min_stock.';

GRANT SELECT ON TABLE public.alert_stock_critical TO authenticated;
GRANT SELECT ON TABLE public.alert_stock_critical TO service_role;

-- Unapproved hours older than the threshold, one row per technician (their
-- membership): one alert "12 lines waiting since 3 Nov", not twelve.
CREATE VIEW public.alert_timesheets_unapproved WITH (security_invoker='true') AS
 SELECT ms.org_id,
    'timesheet_unapproved'::text AS alert_type,
    'public.memberships'::text AS entity_table,
    ms.id AS entity_id,
    ('timesheet_unapproved:'::text || (ms.id)::text) AS fingerprint,
    (private.alert_config_of(ms.org_id, 'timesheet_unapproved'::text)).severity AS severity,
    (( SELECT min(t.work_date) AS min
           FROM public.timesheets t
          WHERE ((t.org_id = ms.org_id) AND (t.technician_id = ms.user_id) AND (t.approved_at IS NULL))))::timestamp with time zone AS since,
    ( SELECT jsonb_build_object('technician_id', ms.user_id, 'lines', count(*), 'hours', sum(t.hours), 'oldest_work_date', min(t.work_date)) AS jsonb_build_object
           FROM public.timesheets t
          WHERE ((t.org_id = ms.org_id) AND (t.technician_id = ms.user_id) AND (t.approved_at IS NULL) AND (t.work_date < private.alert_cutoff_date(ms.org_id, 'timesheet_unapproved'::text)))) AS details
   FROM public.memberships ms
  WHERE ((ms.role = 'technician'::public.member_role) AND (EXISTS ( SELECT
           FROM public.timesheets t
          WHERE ((t.org_id = ms.org_id) AND (t.technician_id = ms.user_id) AND (t.approved_at IS NULL) AND (t.work_date < private.alert_cutoff_date(ms.org_id, 'timesheet_unapproved'::text))))));

COMMENT ON VIEW public.alert_timesheets_unapproved IS 'Technicians with timesheet lines unapproved more than timesheet_unapproved days after the work date (7 by default); one row per technician.';

GRANT SELECT ON TABLE public.alert_timesheets_unapproved TO authenticated;
GRANT SELECT ON TABLE public.alert_timesheets_unapproved TO service_role;

ALTER TABLE ONLY public.alerts
    ADD CONSTRAINT alerts_config_fkey FOREIGN KEY (org_id, alert_type) REFERENCES public.alert_config(org_id, alert_type) ON DELETE CASCADE;

COMMENT ON FUNCTION private.alert_config_of(p_org uuid, p_type text) IS 'Alert views: the enabled alert_config row of (organization, type), or null. Security invoker.';

COMMENT ON FUNCTION private.alert_cutoff_date(p_org uuid, p_type text) IS 'Alert views: the organization''s today minus the (days) threshold of an enabled alert type, or null. Security invoker.';

COMMENT ON FUNCTION private.alert_cutoff_time(p_org uuid, p_type text) IS 'Alert views: now() minus the (minutes/hours) threshold of an enabled alert type, or null. Security invoker.';

COMMENT ON FUNCTION private.create_alert_notifications(p_notices private.alert_notice[]) IS 'Writes the notifications of a batch of alerts in one INSERT … ON CONFLICT (org_id, dedupe_key) DO NOTHING: role members (owners for admin) on in_app/email/push with preferences, language and templates as create_notification_row, and on-call technicians on in_app/email. Returns the rows written.';

COMMENT ON FUNCTION private.invoice_overdue_alert_type(p_org uuid, p_due date) IS 'Alert views: the highest enabled invoice_overdue_* type an invoice due on that date has crossed, or null.';

COMMENT ON FUNCTION private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean) IS 'Notifies the roles (owners for admin) and, when asked, the on-call technicians of one alert (private.create_alert_notifications); returns the rows written.';

COMMENT ON FUNCTION private.run_alert_check(p_view text, p_types text[]) IS 'Fires, refreshes (only what changed), resolves, notifies and escalates the alerts of one alert view (all organizations) in set-based statements, notifying and escalating at most private.alert_notify_batch_size() alerts per run; returns {checked, fired, resolved, notified, escalated, notifications}.';

COMMENT ON FUNCTION private.seed_alert_config(p_org uuid) IS 'Inserts the default alert configuration of an organization (rows already there are kept). Returns the number of rows added.';

COMMENT ON FUNCTION public.acknowledge_alert(p_id uuid) IS 'RPC: acknowledges a firing alert (no more repeats or escalation; it still resolves when the condition clears). Owner, admin, dispatcher and the roles the alert notifies. Idempotent.';

COMMENT ON FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone) IS 'RPC: no notification or escalation for this alert until the given time (at most 30 days ahead); it keeps firing and resolving. Owner, admin, dispatcher and the roles the alert notifies.';

CREATE TRIGGER organizations_seed_alert_config AFTER INSERT ON public.organizations FOR EACH ROW EXECUTE FUNCTION private.seed_alert_config_for_new_org();

REVOKE ALL ON FUNCTION private.alert_config_of(p_org uuid, p_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.alert_config_of(p_org uuid, p_type text) TO authenticated;
GRANT ALL ON FUNCTION private.alert_config_of(p_org uuid, p_type text) TO service_role;

REVOKE ALL ON FUNCTION private.alert_cutoff_date(p_org uuid, p_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.alert_cutoff_date(p_org uuid, p_type text) TO authenticated;
GRANT ALL ON FUNCTION private.alert_cutoff_date(p_org uuid, p_type text) TO service_role;

REVOKE ALL ON FUNCTION private.alert_cutoff_time(p_org uuid, p_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.alert_cutoff_time(p_org uuid, p_type text) TO authenticated;
GRANT ALL ON FUNCTION private.alert_cutoff_time(p_org uuid, p_type text) TO service_role;

REVOKE ALL ON FUNCTION private.create_alert_notifications(p_notices private.alert_notice[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_overdue_alert_type(p_org uuid, p_due date) FROM PUBLIC;
GRANT ALL ON FUNCTION private.invoice_overdue_alert_type(p_org uuid, p_due date) TO authenticated;
GRANT ALL ON FUNCTION private.invoice_overdue_alert_type(p_org uuid, p_due date) TO service_role;

REVOKE ALL ON FUNCTION private.lock_alert_for_caller(p_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.run_alert_check(p_view text, p_types text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.seed_alert_config(p_org uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.acknowledge_alert(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.acknowledge_alert(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.acknowledge_alert(p_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION public.silence_alert(p_id uuid, p_until timestamp with time zone) TO service_role;

select cron.schedule('alert-checks', '* * * * *', 'select public.run_all_alert_checks()');

select cron.schedule('alerts-daily-paris', '0 * * * *', 'select private.check_invoices_overdue(), private.check_stock_critical() where extract(hour from now() at time zone ''Europe/Paris'') = 9');


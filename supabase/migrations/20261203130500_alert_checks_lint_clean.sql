-- private.run_alert_check selected two columns (the alerts counted and what
-- create_alert_notifications returns) into one variable: PL/pgSQL silently
-- dropped the second, and plpgsql_check rightly warns about it. Same body,
-- with a target for each column; the run's result gains `notifications`, the
-- number of notification rows the run wrote (what an operator wants to see
-- next to `notified`, which counts alerts).
CREATE OR REPLACE FUNCTION private.run_alert_check(p_view text, p_types text[])
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
 SET work_mem TO '64MB'
AS $function$
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
begin
  if p_view not in ('public.alert_emergencies_pending', 'public.alert_invoices_overdue', 'public.alert_stock_critical',
                    'public.alert_missions_blocked', 'public.alert_timesheets_unapproved') then
    raise exception 'Unknown alert view %', p_view using errcode = '22023';
  end if;

  -- 1. Fire, refresh what changed, resolve what cleared: one diff.
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
    ), diff as materialized (
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
    )
    -- (refreshed runs to completion unread, like every data-modifying WITH.)
    select (select pg_catalog.count(*) from candidate)::integer,
           (select pg_catalog.count(*) from fired)::integer,
           (select pg_catalog.count(*) from resolved)::integer
  $sql$, 'private.alert_candidates_' || pg_catalog.substr(p_view, pg_catalog.length('public.alert_') + 1))
  using p_types into v_checked, v_fired, v_resolved;

  -- 2. Notify: new, or repeat interval elapsed; never acknowledged or silenced ones.
  -- Driven from alert_config (LATERAL: the join order is fixed, whatever the
  -- estimates): per enabled (org, type), a range of alerts_notify_due_idx.
  -- The range bound is widened by an hour so that it is a superset of the exact
  -- test (timestamp + interval across a DST change), which is applied as well.
  execute $sql$
    with due as (
      select a.id
      from public.alert_config c
      cross join lateral (
        select a.id from public.alerts a
        where a.org_id = c.org_id and a.alert_type = c.alert_type and a.status = 'firing'
          and (a.last_notified_at is null
               or (a.last_notified_at <= now() - c.repeat_interval + interval '1 hour'
                   and a.last_notified_at + c.repeat_interval <= now()))
          and (a.silenced_until is null or a.silenced_until <= now())
        offset 0  -- keeps the subquery LATERAL (not flattened into a hash join over every firing alert)
      ) a
      where c.alert_type = any ($1) and c.enabled
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
  $sql$ using p_types into v_notified, v_notifications_for_notified;

  -- 3. Escalate: critical, still firing (unacknowledged), not silenced, older than escalate_after; once.
  -- Same shape: per (org, type) with an escalation delay, a range of alerts_escalation_due_idx.
  execute $sql$
    with due as (
      select a.id
      from public.alert_config c
      cross join lateral (
        select a.id from public.alerts a
        where a.org_id = c.org_id and a.alert_type = c.alert_type
          and a.status = 'firing' and a.severity = 'critical' and a.escalation_level = 0
          and a.first_fired_at <= now() - c.escalate_after + interval '1 hour'
          and a.first_fired_at + c.escalate_after <= now()
          and (a.silenced_until is null or a.silenced_until <= now())
        offset 0
      ) a
      where c.alert_type = any ($1) and c.enabled and c.escalate_after is not null
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
  $sql$ using p_types into v_escalated, v_notifications_for_escalated;

  return pg_catalog.jsonb_build_object('checked', v_checked, 'fired', v_fired, 'resolved', v_resolved,
                                       'notified', v_notified, 'escalated', v_escalated,
                                       'notifications', coalesce(v_notifications_for_notified, 0)
                                                        + coalesce(v_notifications_for_escalated, 0));
end;
$function$;

-- The run's total adds the new `notifications` figure of each check; its jsonb
-- literals are typed (plpgsql_check warned that '{…}' was text assigned to jsonb).
CREATE OR REPLACE FUNCTION public.run_all_alert_checks()
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

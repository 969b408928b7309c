-- =============================================================================
-- Alert notifications in bounded batches.
--
-- A run of the alert checks notified every due alert in the same statement:
-- on a first run at 100 organizations (30,677 alerts firing at once) that is
-- 197,702 notification rows in one minute's run, 141,004 of them for overdue
-- invoices alone, and the run took 26 s (each row costs its unique, primary
-- and recipient index entries and the membership foreign key check). The
-- every-minute cron job then overlapped itself (later runs return "skipped").
--
-- Now each check notifies at most a batch of its due alerts per run (and,
-- separately, escalates at most a batch), as Alertmanager groups a burst of
-- alerts into bounded sends. The alerts table is the queue: an alert left out
-- of a batch keeps last_notified_at and notify_count, so it is still due on
-- the next run, in the same order (never notified first, then the longest
-- overdue), and gets exactly the notifications it would have got, with the
-- same dedupe keys (alert:<fingerprint>:<notify_count>:<id>:<user>:<channel>);
-- the unique index (org_id, dedupe_key) still makes a second write a no-op.
-- Nothing is lost and nothing is sent twice; a burst drains over a few runs.
-- Each check has its own batch, so a backlog of overdue invoices never delays
-- an emergency. Below the batch size nothing changes: same alerts, same
-- notifications, in the same run.
--
-- The batch size is the setting terrain.alert_notify_batch (default 2,000
-- alerts per check and run, about 12,000 notification rows at six recipients
-- and channels per alert): alter database … set terrain.alert_notify_batch.
-- =============================================================================

create function private.alert_notify_batch_size()
returns integer
language plpgsql
stable
set search_path = ''
as $$
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
$$;
comment on function private.alert_notify_batch_size() is
  'Alerts notified (and, separately, escalated) per alert check and run: the setting terrain.alert_notify_batch, '
  'default 2000; anything but a whole number from 1 is refused (22023).';
revoke all on function private.alert_notify_batch_size() from public, anon, authenticated;

-- The current private.run_alert_check with "order by … limit <batch>" on the
-- due alerts of the notify and escalate steps; the rest is unchanged.
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
  -- At most this many alerts are notified (and, separately, escalated) per
  -- run of one check; the rest stay due for the next run.
  v_batch integer := private.alert_notify_batch_size();
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
$function$;
comment on function private.run_alert_check(text, text[]) is
  'Fires, refreshes (only what changed), resolves, notifies and escalates the alerts of one alert view (all organizations) '
  'in set-based statements, notifying and escalating at most private.alert_notify_batch_size() alerts per run; '
  'returns {checked, fired, resolved, notified, escalated, notifications}.';

-- =============================================================================
-- The overdue-invoice check evaluates only what can have changed.
--
-- Every minute the check rebuilt the candidate row (with its jsonb details) of
-- every overdue invoice and compared it with its open alert: 7,051 rows and
-- 61 ms at 30 organizations, ~23,500 rows and ~560 ms at 100, for a set that
-- changes a few times a day. Whether an issued invoice is overdue, and which
-- alert it gets, depends on
--   (a) the invoice row: kind, status, due date and the columns of details;
--   (b) the organization's local date (the thresholds are "due before
--       today - N days", today in the organization's time zone);
--   (c) the organization's alert_config rows of the two types and its time zone;
--   (d) the open alerts themselves (rewritten only by this check, but a
--       delete, e.g. of a test or an organization, must not be trusted away).
-- So:
--   (a) a trigger on invoices queues every insert, update or delete of an
--       invoice that is or was unpaid-and-issued (private.alert_invoice_overdue_queue);
--       the check takes the queue (DELETE … RETURNING, in the same snapshot
--       it reads the invoices in: a change committed later stays queued) and
--       diffs only those invoices' candidate rows against their open alerts;
--   (b, c) per organization the check records the local date and a key of its
--       configuration it last evaluated in full
--       (private.alert_invoice_overdue_evaluations); a new local day (once a
--       day: the daily reconciliation), another configuration or no record
--       means that organization is evaluated in full, as before;
--   (d) any DELETE or TRUNCATE of alerts forgets every record: the next run
--       is a full pass.
-- The outcome is the full evaluation's (pgTAP 76-alert-invoices-incremental
-- compares them on changing data); a steady run reads the queue and the
-- organizations' configuration, not the overdue invoices. "checked" in the
-- check's result counts the candidate rows this run evaluated.
-- =============================================================================

-- (a) Invoices changed since the last check.
-- Append-only, one row per change: an invoice already queued is queued
-- again, never merged into the waiting row — a run that took the waiting row
-- in an older snapshot would otherwise swallow a change it never saw.
create table private.alert_invoice_overdue_queue (
  id         bigint generated always as identity primary key,
  invoice_id uuid not null,
  -- No foreign key: a deleted invoice is queued too (its alert must resolve).
  org_id     uuid not null,
  queued_at  timestamptz not null default now()
);
comment on table private.alert_invoice_overdue_queue is
  'Invoices (issued and unpaid before or after the change) written since the last overdue-invoice alert check; '
  'the check takes and evaluates them. Filled by trigger on public.invoices.';
alter table private.alert_invoice_overdue_queue enable row level security;
revoke all on private.alert_invoice_overdue_queue from public, anon, authenticated, service_role;

create function private.queue_invoice_for_overdue_check()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    insert into private.alert_invoice_overdue_queue (invoice_id, org_id) values (old.id, old.org_id);
  else
    insert into private.alert_invoice_overdue_queue (invoice_id, org_id) values (new.id, new.org_id);
  end if;
  return null;
end;
$$;
comment on function private.queue_invoice_for_overdue_check() is
  'Trigger: queues an invoice for the next overdue-invoice alert check.';
revoke all on function private.queue_invoice_for_overdue_check() from public, anon, authenticated;

-- Only invoices that are, or were, what the overdue candidates read (issued,
-- unpaid invoices): drafts, paid invoices and credit notes never queue.
create trigger invoices_queue_overdue_check_insert
  after insert on public.invoices
  for each row when (new.kind = 'invoice' and new.status in ('sent', 'partially_paid'))
  execute function private.queue_invoice_for_overdue_check();
create trigger invoices_queue_overdue_check_update
  after update of org_id, kind, status, due_date, number, client_id, total_ht_cents, total_vat_cents on public.invoices
  for each row when ((old.kind = 'invoice' and old.status in ('sent', 'partially_paid'))
                     or (new.kind = 'invoice' and new.status in ('sent', 'partially_paid')))
  execute function private.queue_invoice_for_overdue_check();
create trigger invoices_queue_overdue_check_delete
  after delete on public.invoices
  for each row when (old.kind = 'invoice' and old.status in ('sent', 'partially_paid'))
  execute function private.queue_invoice_for_overdue_check();

-- (b, c) What each organization was last evaluated in full against.
create table private.alert_invoice_overdue_evaluations (
  org_id       uuid primary key references public.organizations (id) on delete cascade,
  evaluated_on date not null,
  config_key   text not null,
  evaluated_at timestamptz not null default now()
);
comment on table private.alert_invoice_overdue_evaluations is
  'Per organization: the local date and configuration key of its last full overdue-invoice evaluation. '
  'A different date or key, or no row, makes the next check evaluate that organization in full.';
alter table private.alert_invoice_overdue_evaluations enable row level security;
revoke all on private.alert_invoice_overdue_evaluations from public, anon, authenticated, service_role;

-- (d) Alerts deleted by anything: trust nothing, evaluate in full next time.
create function private.forget_invoice_overdue_evaluations()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Waits for a running alert check (the lock run_all_alert_checks takes)
  -- and keeps the next one out until this transaction ends: a check cannot
  -- write back a record from a snapshot that still had the deleted alerts.
  perform pg_catalog.pg_advisory_xact_lock(7277, 1);
  delete from private.alert_invoice_overdue_evaluations;
  return null;
end;
$$;
comment on function private.forget_invoice_overdue_evaluations() is
  'Trigger: alerts were deleted; the next overdue-invoice check evaluates every organization in full.';
revoke all on function private.forget_invoice_overdue_evaluations() from public, anon, authenticated;

create trigger alerts_delete_forgets_invoice_evaluations
  after delete on public.alerts
  for each statement execute function private.forget_invoice_overdue_evaluations();
create trigger alerts_truncate_forgets_invoice_evaluations
  after truncate on public.alerts
  for each statement execute function private.forget_invoice_overdue_evaluations();

-- The current private.run_alert_check, with the overdue-invoice diff made
-- incremental (the branch on p_view); every other step is unchanged.
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
  if p_view = 'public.alert_invoices_overdue' then
    -- Incremental: only what can have changed since the last run (see the
    -- header of this migration); the same diff as below otherwise.
    execute $sql$
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
    ), diff as materialized (
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
    ), evaluated as (
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
  $sql$
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
$function$;

-- =============================================================================
-- Alert lifecycle (issue 5, item 4).
--
-- public.alerts holds one row per incarnation of a firing condition,
-- identified by its fingerprint (alert_type || ':' || entity id):
--   firing ──acknowledge──▶ acknowledged
--      └──────────┴──── condition cleared ──▶ resolved
-- At most one unresolved alert per (org, fingerprint) (partial unique index);
-- when a resolved condition comes back, a new alert fires.
--
-- private.check_<view>() (one per alert view), for every organization:
--   1. fire:     upsert an alert per view row (new → firing; existing: last_fired_at, severity, details);
--   2. resolve:  alerts of the view's types whose row disappeared → resolved;
--   3. notify:   firing (not acknowledged), not silenced, enabled alerts never notified or last notified
--                at least repeat_interval ago → notify_count + 1, notified through private.notify_roles
--                (roles of alert_config) and, when notify_on_call, the on-call technicians;
--   4. escalate: firing critical alerts older than escalate_after, not yet escalated → escalation_level 1,
--                escalate_to_roles notified (once).
-- Notification dedupe keys: 'alert:' || fingerprint || ':' || notify_count || ':' || alert id
-- (escalations: … ':esc' || level): a re-notification after the repeat
-- interval is a new notification; a retried run inside it is deduplicated;
-- the alert id keeps a later incarnation of the same fingerprint from being
-- swallowed by the dedupe keys of the earlier one.
--
-- public.run_all_alert_checks() runs the five under a transaction-level
-- advisory lock: a concurrent run returns at once with skipped = true.
-- =============================================================================

create table public.alerts (
  id               uuid primary key default gen_random_uuid(),
  org_id           uuid not null,
  alert_type       text not null,
  fingerprint      text not null,
  entity_table     text not null,
  entity_id        uuid not null,
  severity         text not null,
  status           text not null default 'firing',
  first_fired_at   timestamptz not null default now(),
  last_fired_at    timestamptz not null default now(),
  last_notified_at timestamptz,
  notify_count     integer not null default 0,
  acknowledged_by  uuid references auth.users (id) on delete set null,
  acknowledged_at  timestamptz,
  silenced_until   timestamptz,
  silenced_by      uuid references auth.users (id) on delete set null,
  escalated_at     timestamptz,
  escalation_level integer not null default 0,
  resolved_at      timestamptz,
  details          jsonb not null default '{}',
  -- The configuration row of the alert's type (and through it the organization).
  constraint alerts_config_fkey foreign key (org_id, alert_type) references public.alert_config (org_id, alert_type) on delete cascade,
  constraint alerts_status_check check (status in ('firing', 'acknowledged', 'resolved')),
  constraint alerts_severity_check check (severity in ('info', 'warning', 'critical')),
  constraint alerts_fingerprint_format check (fingerprint = alert_type || ':' || entity_id::text),
  constraint alerts_entity_table_format check (entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint alerts_notify_count_check check (notify_count >= 0 and escalation_level >= 0),
  constraint alerts_acknowledged_pair check ((acknowledged_at is null) or (status <> 'firing')),
  constraint alerts_acknowledged_has_time check (status <> 'acknowledged' or acknowledged_at is not null),
  constraint alerts_resolved_has_time check ((status = 'resolved') = (resolved_at is not null))
);
comment on table public.alerts is
  'Alerts raised by the alert checks: fingerprint (type:entity), firing → acknowledged → resolved, repeat notification, '
  'silence, escalation. Written by private.check_* and acknowledge_alert / silence_alert only.';

-- One open alert per fingerprint; the upsert's conflict target.
create unique index alerts_open_fingerprint_key on public.alerts (org_id, fingerprint) where status <> 'resolved';
-- The checks (open alerts of a type) and the foreign key to alert_config; the RLS filter (org_id leading).
create index alerts_org_type_status_idx on public.alerts (org_id, alert_type, status);
-- A screen of the organization's recent alerts.
create index alerts_org_last_fired_idx on public.alerts (org_id, last_fired_at desc);
create index alerts_acknowledged_by_idx on public.alerts (acknowledged_by) where acknowledged_by is not null;
create index alerts_silenced_by_idx on public.alerts (silenced_by) where silenced_by is not null;

alter table public.alerts enable row level security;
create policy alerts_select on public.alerts for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));  -- O A D: org

grant select on public.alerts to authenticated;
grant select on public.alerts to service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note)
select 'public.alerts', r.role, 'select', 'org',
       'Alerts of the organization. Acknowledge / silence through acknowledge_alert and silence_alert (also open to the roles the alert notifies).'
from (values ('owner'), ('admin'), ('dispatcher')) as r (role);

insert into audit.unaudited_tables (table_name, why) values
  ('public.alerts',
   'Derived from the alert views every minute (last_fired_at, notify_count change on every run): auditing would write a row per '
   'open alert and minute. Who acknowledged or silenced an alert, and when, is kept on the row itself.');

-- -----------------------------------------------------------------------------
-- Notifying the recipients of an alert: the configured roles through
-- private.notify_roles (the shared API), plus the on-call technicians when
-- notify_on_call. notify_roles has no "on call" filter, so those are written
-- here the way notify_roles writes (one in_app row, sent; one email row,
-- pending; key <key>:<user>:<channel>); technicians are never in the roles of
-- the same call, so the keys cannot collide.
-- -----------------------------------------------------------------------------
create function private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_title text;
  v_body  text;
  v_type  text := 'alert.' || p_alert.alert_type;
  v_count integer := 0;
  v_more  integer;
begin
  v_title := pg_catalog.format('%s%s alert: %s', case when p_escalation then 'ESCALATED ' else '' end,
                               pg_catalog.initcap(p_alert.severity), pg_catalog.replace(p_alert.alert_type, '_', ' '));
  v_body := pg_catalog.format('%s firing since %s. %s', p_alert.fingerprint,
                              pg_catalog.to_char(p_alert.first_fired_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
                              pg_catalog.left(p_alert.details::text, 1000));
  if pg_catalog.cardinality(p_roles) > 0 then
    v_count := private.notify_roles(p_alert.org_id, p_roles, v_type, v_title, v_body,
                                    p_alert.entity_table, p_alert.entity_id, p_key);
  end if;
  if p_on_call then
    insert into public.notifications (
      org_id, user_id, channel, type, title, body, entity_table, entity_id, dedupe_key, delivery_status, sent_at, next_attempt_at
    )
    select p_alert.org_id, m.user_id, c.channel, v_type, v_title, v_body, p_alert.entity_table, p_alert.entity_id,
           p_key || ':' || m.user_id::text || ':' || c.channel,
           case c.channel when 'in_app' then 'sent' else 'pending' end,
           case c.channel when 'in_app' then now() end,
           case c.channel when 'in_app' then null else now() end
    from public.memberships m
    cross join (values ('in_app'), ('email')) as c (channel)
    where m.org_id = p_alert.org_id and m.role = 'technician' and m.on_call
      and not (m.role = any (p_roles))
    order by m.user_id, c.channel
    on conflict (org_id, dedupe_key) do nothing;
    get diagnostics v_more = row_count;
    v_count := v_count + v_more;
  end if;
  return v_count;
end;
$$;
comment on function private.notify_alert(public.alerts, public.member_role[], boolean, text, boolean) is
  'Notifies the roles (private.notify_roles) and, when asked, the on-call technicians of an alert; returns the rows written.';
revoke all on function private.notify_alert(public.alerts, public.member_role[], boolean, text, boolean) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- The lifecycle of one alert view. p_view is one of the five views (checked
-- against a fixed list: the name is interpolated into SQL), p_types the alert
-- types it produces.
-- -----------------------------------------------------------------------------
create function private.run_alert_check(p_view text, p_types text[])
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_checked   integer;
  v_fired     integer;
  v_resolved  integer;
  v_notified  integer := 0;
  v_escalated integer := 0;
  r           record;
begin
  if p_view not in ('public.alert_emergencies_pending', 'public.alert_invoices_overdue', 'public.alert_stock_critical',
                    'public.alert_missions_blocked', 'public.alert_timesheets_unapproved') then
    raise exception 'Unknown alert view %', p_view using errcode = '22023';
  end if;

  -- 1. Fire: new rows insert (xmax = 0), existing ones refresh.
  execute pg_catalog.format($sql$
    with src as (
      select v.org_id, v.alert_type, v.fingerprint, v.entity_table, v.entity_id, v.severity, v.details from %s v
    ), up as (
      insert into public.alerts (org_id, alert_type, fingerprint, entity_table, entity_id, severity, details)
      select org_id, alert_type, fingerprint, entity_table, entity_id, severity, details from src
      on conflict (org_id, fingerprint) where status <> 'resolved'
      do update set last_fired_at = now(), severity = excluded.severity, details = excluded.details
      returning (xmax = 0) as inserted
    )
    select (select count(*) from src)::integer, (select count(*) from up where inserted)::integer
  $sql$, p_view) into v_checked, v_fired;

  -- 2. Resolve alerts whose condition is gone (or whose type was disabled).
  execute pg_catalog.format($sql$
    update public.alerts a
       set status = 'resolved', resolved_at = now()
     where a.alert_type = any ($1) and a.status <> 'resolved'
       and not exists (select from %s v where v.org_id = a.org_id and v.fingerprint = a.fingerprint)
  $sql$, p_view) using p_types;
  get diagnostics v_resolved = row_count;

  -- 3. Notify: new, or repeat interval elapsed; never acknowledged or silenced ones.
  for r in
    select a.id, c.notify_roles, c.notify_on_call
    from public.alerts a
    join public.alert_config c on c.org_id = a.org_id and c.alert_type = a.alert_type
    where a.alert_type = any (p_types) and a.status = 'firing' and c.enabled
      and (a.silenced_until is null or a.silenced_until <= now())
      and (a.last_notified_at is null or a.last_notified_at + c.repeat_interval <= now())
    order by a.org_id, a.first_fired_at
  loop
    declare
      v_alert public.alerts;
    begin
      update public.alerts a
         set notify_count = a.notify_count + 1, last_notified_at = now()
       where a.id = r.id
      returning * into v_alert;
      perform private.notify_alert(v_alert, r.notify_roles, r.notify_on_call,
                                   'alert:' || v_alert.fingerprint || ':' || v_alert.notify_count || ':' || v_alert.id, false);
      v_notified := v_notified + 1;
    end;
  end loop;

  -- 4. Escalate: critical, still firing (unacknowledged), not silenced, older than escalate_after; once.
  for r in
    select a.id, c.escalate_to_roles
    from public.alerts a
    join public.alert_config c on c.org_id = a.org_id and c.alert_type = a.alert_type
    where a.alert_type = any (p_types) and a.status = 'firing' and a.severity = 'critical' and c.enabled
      and c.escalate_after is not null and a.escalation_level = 0
      and a.first_fired_at + c.escalate_after <= now()
      and (a.silenced_until is null or a.silenced_until <= now())
    order by a.org_id, a.first_fired_at
  loop
    declare
      v_alert public.alerts;
    begin
      update public.alerts a
         set escalation_level = a.escalation_level + 1, escalated_at = now()
       where a.id = r.id
      returning * into v_alert;
      perform private.notify_alert(v_alert, r.escalate_to_roles, false,
                                   'alert:' || v_alert.fingerprint || ':' || v_alert.id || ':esc' || v_alert.escalation_level, true);
      v_escalated := v_escalated + 1;
    end;
  end loop;

  return pg_catalog.jsonb_build_object('checked', v_checked, 'fired', v_fired, 'resolved', v_resolved,
                                       'notified', v_notified, 'escalated', v_escalated);
end;
$$;
comment on function private.run_alert_check(text, text[]) is
  'Fires, resolves, notifies and escalates the alerts of one alert view (all organizations); returns {checked, fired, resolved, notified, escalated}.';
revoke all on function private.run_alert_check(text, text[]) from public, anon, authenticated;

create function private.check_emergencies_pending() returns jsonb
language sql volatile security definer set search_path = ''
as $$ select private.run_alert_check('public.alert_emergencies_pending', '{emergency_pending}') $$;
create function private.check_invoices_overdue() returns jsonb
language sql volatile security definer set search_path = ''
as $$ select private.run_alert_check('public.alert_invoices_overdue', '{invoice_overdue_7days,invoice_overdue_30days}') $$;
create function private.check_stock_critical() returns jsonb
language sql volatile security definer set search_path = ''
as $$ select private.run_alert_check('public.alert_stock_critical', '{stock_critical}') $$;
create function private.check_missions_blocked() returns jsonb
language sql volatile security definer set search_path = ''
as $$ select private.run_alert_check('public.alert_missions_blocked', '{mission_blocked}') $$;
create function private.check_timesheets_unapproved() returns jsonb
language sql volatile security definer set search_path = ''
as $$ select private.run_alert_check('public.alert_timesheets_unapproved', '{timesheet_unapproved}') $$;
comment on function private.check_emergencies_pending() is 'Alert check over public.alert_emergencies_pending (see private.run_alert_check).';
comment on function private.check_invoices_overdue() is 'Alert check over public.alert_invoices_overdue (see private.run_alert_check).';
comment on function private.check_stock_critical() is 'Alert check over public.alert_stock_critical (see private.run_alert_check).';
comment on function private.check_missions_blocked() is 'Alert check over public.alert_missions_blocked (see private.run_alert_check).';
comment on function private.check_timesheets_unapproved() is 'Alert check over public.alert_timesheets_unapproved (see private.run_alert_check).';
revoke all on function private.check_emergencies_pending(), private.check_invoices_overdue(), private.check_stock_critical(),
  private.check_missions_blocked(), private.check_timesheets_unapproved() from public, anon, authenticated;
grant execute on function private.check_emergencies_pending(), private.check_invoices_overdue(), private.check_stock_critical(),
  private.check_missions_blocked(), private.check_timesheets_unapproved() to service_role;

-- -----------------------------------------------------------------------------
-- public.run_all_alert_checks(): the pg_cron entry point (every minute).
-- pg_try_advisory_xact_lock: a run that overlaps a slow one (or a second
-- scheduler) returns at once with skipped = true; the lock goes with the
-- transaction. Not for API users (it reads every organization): service_role
-- and the cron job (postgres) only.
-- -----------------------------------------------------------------------------
create function public.run_all_alert_checks()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sum  jsonb := '{"checked": 0, "fired": 0, "resolved": 0, "notified": 0, "escalated": 0}';
  v_part jsonb;
  v_key  text;
begin
  -- 7277 = 'T' 'E' in ASCII, class 1: the alert checks. Two-int form keeps the key readable in pg_locks.
  if not pg_catalog.pg_try_advisory_xact_lock(7277, 1) then
    return v_sum || '{"skipped": true}';
  end if;
  foreach v_part in array array[
    private.check_emergencies_pending(), private.check_invoices_overdue(), private.check_stock_critical(),
    private.check_missions_blocked(), private.check_timesheets_unapproved()]
  loop
    foreach v_key in array array['checked', 'fired', 'resolved', 'notified', 'escalated'] loop
      v_sum := v_sum || pg_catalog.jsonb_build_object(v_key, (v_sum ->> v_key)::integer + (v_part ->> v_key)::integer);
    end loop;
  end loop;
  return v_sum || '{"skipped": false}';
end;
$$;
comment on function public.run_all_alert_checks() is
  'Runs the five alert checks under an advisory lock (a concurrent run returns {skipped: true} at once). '
  'Returns {checked, fired, resolved, notified, escalated, skipped}. service_role / pg_cron only.';
revoke all on function public.run_all_alert_checks() from public, anon, authenticated;
grant execute on function public.run_all_alert_checks() to service_role;

-- -----------------------------------------------------------------------------
-- Acknowledge and silence. Allowed to owner, admin, dispatcher of the
-- alert's organization and to the members the alert notifies (its configured
-- roles and escalation roles; on-call technicians when notify_on_call).
-- An alert of another organization, or one that does not exist, is "not
-- found" (P0002): the id reveals nothing.
-- -----------------------------------------------------------------------------
create function private.lock_alert_for_caller(p_id uuid)
returns public.alerts
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
  v_uid   uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'Sign in to manage alerts' using errcode = '42501';
  end if;
  select * into v_alert from public.alerts a
  where a.id = p_id
    and exists (select from public.memberships m where m.org_id = a.org_id and m.user_id = v_uid)
  for update;
  if v_alert.id is null then
    raise exception 'Alert % not found', p_id using errcode = 'P0002';
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
    raise exception 'Your role may not manage % alerts', v_alert.alert_type using errcode = '42501';
  end if;
  if v_alert.status = 'resolved' then
    raise exception 'Alert % is already resolved', p_id using errcode = '55000';
  end if;
  return v_alert;
end;
$$;
revoke all on function private.lock_alert_for_caller(uuid) from public, anon, authenticated;

create function public.acknowledge_alert(p_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
comment on function public.acknowledge_alert(uuid) is
  'RPC: acknowledges a firing alert (no more repeats or escalation; it still resolves when the condition clears). '
  'Owner, admin, dispatcher and the roles the alert notifies. Idempotent.';
revoke all on function public.acknowledge_alert(uuid) from public, anon;
grant execute on function public.acknowledge_alert(uuid) to authenticated, service_role;

create function public.silence_alert(p_id uuid, p_until timestamptz)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
begin
  if p_until is null or p_until <= now() then
    raise exception 'A silence ends in the future (got %)', p_until using errcode = '22023';
  end if;
  if p_until > now() + interval '30 days' then
    raise exception 'A silence lasts at most 30 days (until %)', now() + interval '30 days' using errcode = '22023';
  end if;
  v_alert := private.lock_alert_for_caller(p_id);
  update public.alerts a
     set silenced_until = p_until, silenced_by = auth.uid()
   where a.id = v_alert.id
  returning * into v_alert;
  return pg_catalog.jsonb_build_object('id', v_alert.id, 'status', v_alert.status, 'silenced_until', v_alert.silenced_until);
end;
$$;
comment on function public.silence_alert(uuid, timestamptz) is
  'RPC: no notification or escalation for this alert until the given time (at most 30 days ahead); it keeps firing and resolving. '
  'Owner, admin, dispatcher and the roles the alert notifies.';
revoke all on function public.silence_alert(uuid, timestamptz) from public, anon;
grant execute on function public.silence_alert(uuid, timestamptz) to authenticated, service_role;

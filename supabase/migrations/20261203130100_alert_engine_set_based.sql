-- =============================================================================
-- Alert engine: set-based, its cost following what changed.
--
-- What the plans of private.run_alert_check showed at 100 organizations /
-- 1,000,000 missions (the first run never finished; 3.7 s per run after):
--   * resolve: "not exists (select from <view> v where v.fingerprint =
--     a.fingerprint)" ran as a nested loop re-evaluating the view per open
--     alert (the view's fingerprint is an expression, the planner estimated 7
--     open alerts while the same transaction had inserted 8,000): quadratic;
--   * fire: every run rewrote every firing alert (last_fired_at = now()),
--     26,701 row versions a minute for nothing;
--   * notify: one plpgsql iteration per alert, one create_notification_row call
--     per recipient and channel, each with its own dedupe lookup, preference
--     lookups and template lookups.
--
-- Now, per alert view, four statements, each planned for its own shape:
--   1. diff: the view's rows (its private join-based twin,
--      private.alert_candidates_*, materialised once) FULL JOIN the open alerts of
--      its types on (org_id, fingerprint). A full join can only run as a hash or
--      merge join, never as a nested loop, whatever the estimates say. From it,
--      in the same statement: insert the new alerts, update only the alerts
--      whose severity or details changed, resolve the ones with no view row.
--      Rows are updated through "id = any (array(...))": an index scan of the
--      primary key for exactly the rows that change, never a scan of the
--      alerts table (which keeps every resolved alert as history).
--   2. notify: the due alerts (firing, not silenced, never notified or past
--      their repeat interval) get notify_count + 1 and their notifications in
--      one statement (private.create_alert_notifications). The due alerts are
--      found per alert_config row (LATERAL, so the order cannot flip) in a
--      partial index ordered by last_notified_at: the cost is the number of
--      due alerts, not the number of firing ones.
--   3. escalate: likewise for critical alerts past escalate_after.
-- The open alerts of a type are read through alerts_open_type_idx (below).
--
-- Behaviour kept (pgTAP 73-alert-lifecycle, 78-89): fire, resolve, repeat
-- interval, acknowledge, silence, escalation once, recipients (roles, owners
-- for admin, on-call technicians), dedupe keys, per-user language, preferences.
-- One change of meaning: last_fired_at is now the last time the alert fired or
-- its severity/details changed, not the last minute it was seen; an open alert
-- is by definition still firing as of the last check.
-- =============================================================================

comment on column public.alerts.last_fired_at is
  'When the alert fired, or last changed severity or details. An open (firing or acknowledged) alert is still firing '
  'as of the last alert check: unchanged alerts are not rewritten every minute.';

-- The open alerts of one type: the checks' starting set. Partial, so its size
-- is the number of open alerts, not the history of resolved ones.
create index alerts_open_type_idx on public.alerts (alert_type, org_id, fingerprint) where status <> 'resolved';
-- Firing alerts by when they were last notified: the notify step reads only
-- the due ones of each (org, type).
create index alerts_notify_due_idx on public.alerts (org_id, alert_type, last_notified_at) where status = 'firing';
-- Critical firing alerts not escalated yet, by age: the escalate step's range.
create index alerts_escalation_due_idx on public.alerts (org_id, alert_type, first_fired_at)
  where status = 'firing' and severity = 'critical' and escalation_level = 0;

-- -----------------------------------------------------------------------------
-- Bulk notifications of alerts
-- -----------------------------------------------------------------------------
create type private.alert_notice as (
  alert      public.alerts,
  roles      public.member_role[],
  on_call    boolean,
  dedupe_key text,
  escalation boolean
);
comment on type private.alert_notice is
  'One alert to notify: the alert row, the roles to notify, whether on-call technicians are added, the dedupe key prefix, '
  'and whether it is an escalation (title prefixed ESCALATED).';

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
create function private.create_alert_notifications(p_notices private.alert_notice[])
returns integer
language plpgsql
volatile
security definer
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_count integer;
begin
  if p_notices is null or pg_catalog.cardinality(p_notices) = 0 then
    return 0;
  end if;

  with notice as (
    select (n.alert).org_id as org_id, (n.alert).entity_table as entity_table, (n.alert).entity_id as entity_id,
           'alert.' || (n.alert).alert_type as type, n.roles, n.on_call, n.dedupe_key,
           pg_catalog.format('%s%s alert: %s', case when n.escalation then 'ESCALATED ' else '' end,
                             pg_catalog.initcap((n.alert).severity), pg_catalog.replace((n.alert).alert_type, '_', ' ')) as title,
           pg_catalog.format('%s firing since %s. %s', (n.alert).fingerprint,
                             pg_catalog.to_char((n.alert).first_fired_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
                             pg_catalog.left((n.alert).details::text, 1000)) as body
    from pg_catalog.unnest(p_notices) as n
  ), type_kind as (
    -- Per type: critical or not (one lookup per distinct type).
    select t.type, private.notification_is_critical(t.type) as critical
    from (select distinct notice.type from notice) t
  ), role_recipient as (
    select nt.org_id, nt.entity_table, nt.entity_id, nt.type, nt.dedupe_key, nt.title, nt.body,
           m.user_id, ch.channel, coalesce(pr.language, 'fr') as language
    from notice nt
    join public.memberships m
      on m.org_id = nt.org_id
     and (m.role = any (nt.roles) or (m.role = 'owner' and 'admin' = any (nt.roles)))
    cross join (values ('email'), ('in_app'), ('push')) as ch (channel)
    left join public.profiles pr on pr.id = m.user_id
    where ch.channel <> 'push' or exists (select from public.push_subscriptions s where s.user_id = m.user_id)
  ), template_of as (
    -- Per type and language: the template, and whether the ready title/body
    -- (the only params given) fill it.
    select tl.type, tl.language, tpl.title_template, tpl.body_template,
           tpl.type is not null
             and not private.template_params_missing(tpl.title_template || ' ' || tpl.body_template,
                                                     '{"title": "", "body": ""}'::jsonb) as use_template
    from (select distinct r.type, r.language from role_recipient r) tl
    cross join lateral private.notification_template(tl.type, tl.language) tpl
  ), role_row as (
    select r.org_id, r.user_id, r.channel, r.type, r.entity_table, r.entity_id,
           r.dedupe_key || ':' || r.user_id::text || ':' || r.channel as dedupe_key,
           case when t.use_template
                then private.render_template(t.title_template, pg_catalog.jsonb_build_object('title', r.title, 'body', r.body))
                else r.title end as title,
           case when t.use_template
                then private.render_template(t.body_template, pg_catalog.jsonb_build_object('title', r.title, 'body', r.body))
                else r.body end as body
    from role_recipient r
    join type_kind k on k.type = r.type
    join template_of t on t.type = r.type and t.language = r.language
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
  select pg_catalog.count(*)::integer into v_count from written;
  return v_count;
end;
$$;
comment on function private.create_alert_notifications(private.alert_notice[]) is
  'Writes the notifications of a batch of alerts in one INSERT … ON CONFLICT (org_id, dedupe_key) DO NOTHING: role members '
  '(owners for admin) on in_app/email/push with preferences, language and templates as create_notification_row, and '
  'on-call technicians on in_app/email. Returns the rows written.';
revoke all on function private.create_alert_notifications(private.alert_notice[]) from public, anon, authenticated;

-- Same signature and result as before; one alert through the bulk path.
create or replace function private.notify_alert(p_alert public.alerts, p_roles public.member_role[], p_on_call boolean, p_key text, p_escalation boolean)
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  select private.create_alert_notifications(
    array[row(p_alert, coalesce(p_roles, '{}'), coalesce(p_on_call, false), p_key, coalesce(p_escalation, false))::private.alert_notice])
$$;
comment on function private.notify_alert(public.alerts, public.member_role[], boolean, text, boolean) is
  'Notifies the roles (owners for admin) and, when asked, the on-call technicians of one alert '
  '(private.create_alert_notifications); returns the rows written.';
revoke all on function private.notify_alert(public.alerts, public.member_role[], boolean, text, boolean) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- The lifecycle of one alert view
-- -----------------------------------------------------------------------------
-- work_mem: the diff materialises the view's rows (30,000 at 100
-- organizations, with their jsonb details) and joins them with the open
-- alerts; at the default 4 MB both spilled to temporary files.
create or replace function private.run_alert_check(p_view text, p_types text[])
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_checked   integer;
  v_fired     integer;
  v_resolved  integer;
  v_notified  integer;
  v_escalated integer;
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
  $sql$ using p_types into v_notified;

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
  $sql$ using p_types into v_escalated;

  return pg_catalog.jsonb_build_object('checked', v_checked, 'fired', v_fired, 'resolved', v_resolved,
                                       'notified', v_notified, 'escalated', v_escalated);
end;
$$;
comment on function private.run_alert_check(text, text[]) is
  'Fires, refreshes (only what changed), resolves, notifies and escalates the alerts of one alert view (all organizations) '
  'in set-based statements; returns {checked, fired, resolved, notified, escalated}.';
revoke all on function private.run_alert_check(text, text[]) from public, anon, authenticated;

-- create_notification_row (the one-at-a-time path other callers keep using):
-- its dedupe lookup on notifications was planned once per session as a
-- generic plan; planned while the table looked empty it stayed a sequential
-- scan while the same transaction inserted thousands of rows. A custom plan
-- per call sees the table's real size and uses the unique index.
alter function private.create_notification_row(uuid, uuid, text, text, text, uuid, text, jsonb)
  set plan_cache_mode = force_custom_plan;

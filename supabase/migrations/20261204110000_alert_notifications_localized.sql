-- =============================================================================
-- Alert notifications in the recipient's language, without raw JSON.
--
-- Until now every alert notification carried an English machine text built
-- once per alert ("Warning alert: invoice overdue 7days", body = fingerprint
-- and the alert's details as JSON), because the per-type templates of
-- notification_templates (invoice_overdue_7days: {{number}}, {{client}},
-- {{amount}}, {{due_date}} …) were given only a ready title and body: their
-- params were always missing, so the templates were never used.
--
-- Now the params are built per alert and per language from the alert row
-- (private.alert_notification_params: client names, amounts and dates
-- formatted for the language), and the template of the type in the
-- recipient's language is rendered with them. A type without a template, or
-- whose params cannot all be found (a client deleted since), falls back to a
-- generic text that is also in the recipient's language: the params title and
-- body, which templates may use too ({{title}}, {{body}}: alert_escalated).
-- On-call technicians get their own language as well (they got the English
-- text before). Escalations are prefixed in the language.
--
-- Same recipients, channels, preferences, dedupe keys and batch plan as
-- 20261203150100_alert_notifications_render_once.sql; only the text changes.
-- =============================================================================

-- An amount in cents for people: fr "1 234,56 €", en "€1,234.56". Written
-- with to_char's locale-free comma pattern, so lc_numeric does not matter.
create function private.format_amount(p_cents bigint, p_language text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_language
           when 'en' then '€' || pg_catalog.to_char(p_cents / 100.0, 'FM999,999,999,990.00')
           else pg_catalog.replace(pg_catalog.replace(pg_catalog.to_char(p_cents / 100.0, 'FM999,999,999,990.00'), ',', ' '), '.', ',') || ' €'
         end
$$;

comment on function private.format_amount(bigint, text) is
  'Formats cents for a reader of the language: fr "1 234,56 €", en "€1,234.56" (null cents: null).';

-- A date for people: fr "03/12/2026", en "03 Dec 2026".
create function private.format_date(p_date date, p_language text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.to_char(p_date, case p_language when 'en' then 'DD Mon YYYY' else 'DD/MM/YYYY' end)
$$;

comment on function private.format_date(date, text) is 'Formats a date for a reader of the language: fr 03/12/2026, en 03 Dec 2026.';

revoke all on function private.format_amount(bigint, text) from public;
revoke all on function private.format_date(date, text) from public;

-- The template params of one alert for readers of one language. Every value
-- is text for people; a value that cannot be found is left out (jsonb_strip_nulls),
-- so the type's template is not used and the generic title/body are.
create function private.alert_notification_params(p_alert public.alerts, p_language text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_strip_nulls(
           pg_catalog.jsonb_build_object(
             'title', case p_language
                        when 'en' then pg_catalog.format('%s alert: %s', pg_catalog.initcap(sev.en), kind.en)
                        else pg_catalog.format('Alerte %s : %s', sev.fr, kind.fr)
                      end,
             'body', case p_language
                       when 'en' then pg_catalog.format('Firing since %s UTC.',
                                        pg_catalog.to_char(p_alert.first_fired_at at time zone 'UTC', 'DD Mon YYYY HH24:MI'))
                       else pg_catalog.format('Active depuis le %s UTC.',
                                        pg_catalog.to_char(p_alert.first_fired_at at time zone 'UTC', 'DD/MM/YYYY HH24:MI'))
                     end,
             'severity', case p_language when 'en' then sev.en else sev.fr end)
           || case
                when p_alert.alert_type = 'emergency_pending' then pg_catalog.jsonb_build_object(
                  'client', (select c.name from public.clients c
                             where c.org_id = p_alert.org_id and c.id = (p_alert.details ->> 'client_id')::uuid),
                  'description', p_alert.details ->> 'description',
                  'minutes', (select (pg_catalog.floor(extract(epoch from pg_catalog.now() - e.created_at) / 60))::bigint::text
                              from public.emergency_requests e
                              where e.org_id = p_alert.org_id and e.id = p_alert.entity_id))
                when p_alert.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') then pg_catalog.jsonb_build_object(
                  'number', p_alert.details ->> 'number',
                  'client', (select c.name from public.clients c
                             where c.org_id = p_alert.org_id and c.id = (p_alert.details ->> 'client_id')::uuid),
                  'amount', private.format_amount((p_alert.details ->> 'total_ttc_cents')::bigint, p_language),
                  'due_date', private.format_date((p_alert.details ->> 'due_date')::date, p_language))
                when p_alert.alert_type = 'stock_critical' then pg_catalog.jsonb_build_object(
                  'item', p_alert.details ->> 'name',
                  'quantity', pg_catalog.concat_ws(' ', (p_alert.details ->> 'on_hand')::numeric::text, p_alert.details ->> 'unit'),
                  'threshold', (p_alert.details ->> 'min_stock')::numeric::text)
                when p_alert.alert_type = 'mission_blocked' then pg_catalog.jsonb_build_object(
                  'mission', p_alert.details ->> 'title',
                  'reason', coalesce(p_alert.details ->> 'reason', ''),
                  'hours', (select (pg_catalog.floor(extract(epoch from pg_catalog.now() - m.blocked_at) / 3600))::bigint::text
                            from public.missions m
                            where m.org_id = p_alert.org_id and m.id = p_alert.entity_id))
                when p_alert.alert_type = 'timesheet_unapproved' then pg_catalog.jsonb_build_object(
                  'count', p_alert.details ->> 'lines',
                  'days', (select c.threshold::bigint::text from public.alert_config c
                           where c.org_id = p_alert.org_id and c.alert_type = 'timesheet_unapproved'))
                else '{}'::jsonb
              end)
  from (select case p_alert.severity when 'critical' then 'critique' when 'warning' then 'avertissement' else 'information' end as fr,
               case p_alert.severity when 'critical' then 'critical' when 'warning' then 'warning' else 'info' end as en) sev,
       (select case p_alert.alert_type
                 when 'emergency_pending' then 'urgence en attente'
                 when 'invoice_overdue_7days' then 'facture en retard de 7 jours'
                 when 'invoice_overdue_30days' then 'facture en retard de 30 jours'
                 when 'stock_critical' then 'stock critique'
                 when 'mission_blocked' then 'intervention bloquée'
                 when 'timesheet_unapproved' then 'feuilles de temps à valider'
                 else pg_catalog.replace(p_alert.alert_type, '_', ' ')
               end as fr,
               case p_alert.alert_type
                 when 'emergency_pending' then 'emergency pending'
                 when 'invoice_overdue_7days' then 'invoice 7 days overdue'
                 when 'invoice_overdue_30days' then 'invoice 30 days overdue'
                 when 'stock_critical' then 'critical stock'
                 when 'mission_blocked' then 'mission blocked'
                 when 'timesheet_unapproved' then 'timesheets awaiting approval'
                 else pg_catalog.replace(p_alert.alert_type, '_', ' ')
               end as en) kind
$$;

comment on function private.alert_notification_params(public.alerts, text) is
  'Template params of an alert for readers of a language: title, body and severity (generic, always there) and the params of the alert type''s template (client, number, amount, due_date, item, quantity, threshold, mission, hours, reason, count, days, minutes, description), formatted for the language; a value that cannot be found is left out.';

revoke all on function private.alert_notification_params(public.alerts, text) from public;

create or replace function private.create_alert_notifications(p_notices private.alert_notice[])
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

  -- EXECUTE: a one-shot plan for this batch, its size known to the planner
  -- (see 20261203150100_alert_notifications_render_once.sql: never a cached generic plan).
  execute $sql$
    with notice as materialized (
      select n.notice_no, n.alert,
             (n.alert).org_id as org_id, (n.alert).entity_table as entity_table, (n.alert).entity_id as entity_id,
             'alert.' || (n.alert).alert_type as type, n.roles, n.on_call, n.dedupe_key, n.escalation
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
    ), on_call_recipient as materialized (
      select nt.notice_no, nt.org_id, nt.type, m.user_id, ch.channel, coalesce(pr.language, 'fr') as language
      from notice nt
      join public.memberships m
        on m.org_id = nt.org_id and m.role = 'technician' and m.on_call and not (m.role = any (nt.roles))
      cross join (values ('in_app'), ('email')) as ch (channel)
      left join public.profiles pr on pr.id = m.user_id
      where nt.on_call
    ), notice_language as materialized (
      select distinct r.notice_no, r.type, r.language from role_recipient r
      union
      select distinct r.notice_no, r.type, r.language from on_call_recipient r
    ), template_of as materialized (
      -- Per type and language: the template (type, else its last segment).
      select tl.type, tl.language, tpl.title_template, tpl.body_template
      from (select distinct nl.type, nl.language from notice_language nl) tl
      cross join lateral private.notification_template(tl.type, tl.language) tpl
    ), rendered as materialized (
      -- Per notice and language: the params, then the title and body its
      -- recipients of that language get.
      select nl.notice_no, nl.language,
             case when nt.escalation then case nl.language when 'en' then 'Escalated: ' else 'Escalade : ' end else '' end
             || case when t.title_template is not null
                      and not private.template_params_missing(t.title_template || ' ' || t.body_template, p.params)
                     then private.render_template(t.title_template, p.params)
                     else p.params ->> 'title' end as title,
             case when t.title_template is not null
                   and not private.template_params_missing(t.title_template || ' ' || t.body_template, p.params)
                  then private.render_template(t.body_template, p.params)
                  else p.params ->> 'body' end as body
      from notice_language nl
      join notice nt on nt.notice_no = nl.notice_no
      join template_of t on t.type = nl.type and t.language = nl.language
      cross join lateral (select private.alert_notification_params(nt.alert, nl.language) as params) p
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
      select r.org_id, r.user_id, r.channel, r.type, nt.entity_table, nt.entity_id,
             nt.dedupe_key || ':' || r.user_id::text || ':' || r.channel as dedupe_key, x.title, x.body
      from on_call_recipient r
      join notice nt on nt.notice_no = r.notice_no
      join rendered x on x.notice_no = r.notice_no and x.language = r.language
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
$$;

comment on type private.alert_notice is
  'One alert to notify: the alert row, the roles to notify, whether on-call technicians are added, the dedupe key prefix, and whether it is an escalation (title prefixed "Escalade : " / "Escalated: " in the recipient''s language).';

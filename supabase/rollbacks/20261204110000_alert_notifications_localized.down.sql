-- Down file of supabase/migrations/20261204110000_alert_notifications_localized.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop function private.alert_notification_params(p_alert public.alerts, p_language text);
drop function private.format_date(p_date date, p_language text);
drop function private.format_amount(p_cents bigint, p_language text);

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.create_alert_notifications(p_notices private.alert_notice[])
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
 SET work_mem TO '64MB'
AS $function$
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
$function$;


-- comments it changed on existing objects
comment on type private.alert_notice is 'One alert to notify: the alert row, the roles to notify, whether on-call technicians are added, the dedupe key prefix, and whether it is an escalation (title prefixed ESCALATED).';

-- =============================================================================
-- Weekly digest for owners and admins: one email on Monday morning with the
-- week's figures of their organization (missions done, missions open, open
-- alerts, overdue invoices and their amount, timesheets awaiting approval),
-- in each reader's language. One per reader and ISO week (dedupe key), so a
-- second run of the job in the same week sends nothing more. Non-critical:
-- unsubscribing stops it.
-- =============================================================================

insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('weekly_digest', 'fr', '{{organization}} : votre semaine {{week}}',
   E'Interventions terminées : {{missions_done}}\nInterventions en cours : {{missions_open}}\nAlertes ouvertes : {{alerts_open}}\nFactures en retard : {{invoices_overdue}} ({{overdue_amount}})\nFeuilles de temps à valider : {{timesheets_unapproved}}', false),
  ('weekly_digest', 'en', '{{organization}}: your week {{week}}',
   E'Missions completed: {{missions_done}}\nMissions in progress: {{missions_open}}\nOpen alerts: {{alerts_open}}\nOverdue invoices: {{invoices_overdue}} ({{overdue_amount}})\nTimesheets awaiting approval: {{timesheets_unapproved}}', false);

-- The digests of the week that ended: returns the number of emails queued.
create function private.queue_weekly_digests()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer := 0;
  r record;
begin
  for r in
    with figures as (
      select o.id as org_id, o.name as organization,
             pg_catalog.to_char(pg_catalog.now() at time zone o.timezone - interval '7 days', 'IYYY-"W"IW') as week,
             (select pg_catalog.count(*) from public.missions m
              where m.org_id = o.id and m.status in ('done', 'invoiced') and m.completed_at >= pg_catalog.now() - interval '7 days') as missions_done,
             (select pg_catalog.count(*) from public.missions m
              where m.org_id = o.id and m.status in ('assigned', 'in_progress', 'blocked')) as missions_open,
             (select pg_catalog.count(*) from public.alerts a
              where a.org_id = o.id and a.status in ('firing', 'acknowledged')) as alerts_open,
             (select pg_catalog.count(*) from public.invoices i
              where i.org_id = o.id and i.kind = 'invoice' and i.status in ('sent', 'partially_paid')
                and i.due_date < (pg_catalog.now() at time zone o.timezone)::date) as invoices_overdue,
             (select coalesce(pg_catalog.sum(i.total_ttc_cents), 0)::bigint from public.invoices i
              where i.org_id = o.id and i.kind = 'invoice' and i.status in ('sent', 'partially_paid')
                and i.due_date < (pg_catalog.now() at time zone o.timezone)::date) as overdue_cents,
             (select pg_catalog.count(*) from public.timesheets t
              where t.org_id = o.id and t.approved_at is null) as timesheets_unapproved
      from public.organizations o
    )
    select f.*, m.user_id, coalesce(p.language, 'fr') as language
    from figures f
    join public.memberships m on m.org_id = f.org_id and m.role in ('owner', 'admin')
    left join public.profiles p on p.id = m.user_id
    order by f.org_id, m.user_id
  loop
    if (private.create_notification_row(
          r.org_id, r.user_id, 'email', 'weekly_digest', null, null,
          pg_catalog.format('weekly_digest:%s:%s', r.week, r.user_id),
          pg_catalog.jsonb_build_object(
            'organization', r.organization, 'week', r.week,
            'missions_done', r.missions_done, 'missions_open', r.missions_open, 'alerts_open', r.alerts_open,
            'invoices_overdue', r.invoices_overdue, 'overdue_amount', private.format_amount(r.overdue_cents, r.language),
            'timesheets_unapproved', r.timesheets_unapproved))).created then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end;
$$;

comment on function private.queue_weekly_digests() is
  'Queues the weekly digest email of every owner and admin (figures of their organization, in their language), once per ISO week. pg_cron Mondays 06:00 UTC.';

revoke all on function private.queue_weekly_digests() from public;
grant execute on function private.queue_weekly_digests() to service_role;

select cron.schedule('weekly-admin-digest', '0 6 * * 1', 'select private.queue_weekly_digests()');

-- =============================================================================
-- Alert views as joins instead of per-row function calls.
--
-- The five alert_* views called private.alert_config_of / alert_cutoff_* /
-- invoice_overdue_alert_type once or three times per candidate row: each call
-- is a separate query on alert_config (and organizations) that the planner
-- cannot fold into the scan. On 200,000 invoices (40,000 unpaid) the overdue
-- view ran invoice_overdue_alert_type 120,000 times per evaluation, and the
-- alert checks evaluate every view every minute.
--
-- Same columns, same rows, same meaning (pgTAP 72-alert-views proves it): the
-- organization's enabled alert_config row is joined once, its threshold turned
-- into a cut-off, and the base table is read through the partial index of its
-- open rows (emergency_requests_pending_idx, invoices_unpaid_due_idx,
-- missions_blocked_idx, timesheets_unapproved_idx). The views stay security
-- invoker: alert_config is read under the caller's RLS exactly as the helper
-- functions (security invoker too) read it.
--
-- The helper functions stay: they are part of the API of earlier migrations
-- and cost nothing when unused.
-- =============================================================================

create or replace view public.alert_emergencies_pending
with (security_invoker = true)
as
select e.org_id,
       'emergency_pending'::text as alert_type,
       'public.emergency_requests'::text as entity_table,
       e.id as entity_id,
       'emergency_pending:' || e.id::text as fingerprint,
       c.severity,
       e.created_at as since,
       jsonb_build_object('client_id', e.client_id, 'site_id', e.site_id, 'emergency_severity', e.severity,
                          'source', e.source, 'description', left(e.description, 200)) as details
from public.alert_config c
join public.emergency_requests e
  on e.org_id = c.org_id
 and e.status = 'pending'
 and e.created_at < now() - c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                                      when 'hours' then interval '1 hour'
                                                      else interval '1 day' end
where c.alert_type = 'emergency_pending' and c.enabled;

-- One row per invoice: the highest enabled overdue threshold it crossed (the
-- anti-join keeps the row of the highest threshold, as invoice_overdue_alert_type's
-- "order by threshold desc limit 1" did; equal thresholds: one row all the same).
create or replace view public.alert_invoices_overdue
with (security_invoker = true)
as
with overdue_config as (
  select c.org_id, c.alert_type, c.severity, c.threshold,
         (now() at time zone o.timezone)::date - c.threshold::integer as due_before
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
)
select i.org_id,
       c.alert_type,
       'public.invoices'::text as entity_table,
       i.id as entity_id,
       c.alert_type || ':' || i.id::text as fingerprint,
       c.severity,
       i.due_date::timestamptz as since,
       jsonb_build_object('number', i.number, 'client_id', i.client_id, 'due_date', i.due_date,
                          'total_ttc_cents', i.total_ttc_cents, 'status', i.status) as details
from overdue_config c
join public.invoices i
  on i.org_id = c.org_id
 and i.kind = 'invoice'
 and i.status in ('sent', 'partially_paid')
 and i.due_date < c.due_before
where not exists (select from overdue_config h
                  where h.org_id = c.org_id and i.due_date < h.due_before
                    and (h.threshold > c.threshold or (h.threshold = c.threshold and h.alert_type > c.alert_type)));

-- The former pre-filter "on_hand <= max(threshold of any organization)" is
-- implied by the per-organization condition and is dropped.
create or replace view public.alert_stock_critical
with (security_invoker = true)
as
select s.org_id,
       'stock_critical'::text as alert_type,
       'public.stock_items'::text as entity_table,
       s.id as entity_id,
       'stock_critical:' || s.id::text as fingerprint,
       c.severity,
       s.updated_at as since,
       jsonb_build_object('sku', s.sku, 'name', s.name, 'unit', s.unit, 'on_hand', s.on_hand, 'min_stock', s.min_stock) as details
from public.alert_config c
join public.stock_items s
  on s.org_id = c.org_id
 and (s.on_hand <= c.threshold or s.on_hand * 2 < s.min_stock)
where c.alert_type = 'stock_critical' and c.enabled;

create or replace view public.alert_missions_blocked
with (security_invoker = true)
as
select m.org_id,
       'mission_blocked'::text as alert_type,
       'public.missions'::text as entity_table,
       m.id as entity_id,
       'mission_blocked:' || m.id::text as fingerprint,
       c.severity,
       m.blocked_at as since,
       jsonb_build_object('title', m.title, 'reason', m.blocked_reason, 'technician_id', m.technician_id,
                          'client_id', m.client_id) as details
from public.alert_config c
join public.missions m
  on m.org_id = c.org_id
 and m.status = 'blocked'
 and m.blocked_at < now() - c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                                      when 'hours' then interval '1 hour'
                                                      else interval '1 day' end
where c.alert_type = 'mission_blocked' and c.enabled;

-- Unapproved lines are aggregated once per technician (one pass over the
-- partial index of unapproved timesheets) instead of three correlated
-- subqueries per membership. since = the oldest unapproved line; details count
-- only the lines past the threshold, as before.
create or replace view public.alert_timesheets_unapproved
with (security_invoker = true)
as
with cutoff as (
  select c.org_id, c.severity, (now() at time zone o.timezone)::date - c.threshold::integer as worked_before
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.alert_type = 'timesheet_unapproved' and c.enabled
), pending as (
  select t.org_id, t.technician_id, k.severity,
         min(t.work_date) as oldest,
         count(*) filter (where t.work_date < k.worked_before) as late_lines,
         sum(t.hours) filter (where t.work_date < k.worked_before) as late_hours,
         min(t.work_date) filter (where t.work_date < k.worked_before) as late_oldest
  from cutoff k
  join public.timesheets t on t.org_id = k.org_id and t.approved_at is null
  group by t.org_id, t.technician_id, k.severity
)
select ms.org_id,
       'timesheet_unapproved'::text as alert_type,
       'public.memberships'::text as entity_table,
       ms.id as entity_id,
       'timesheet_unapproved:' || ms.id::text as fingerprint,
       p.severity,
       p.oldest::timestamptz as since,
       jsonb_build_object('technician_id', ms.user_id, 'lines', p.late_lines, 'hours', p.late_hours,
                          'oldest_work_date', p.late_oldest) as details
from pending p
join public.memberships ms on ms.org_id = p.org_id and ms.user_id = p.technician_id
where ms.role = 'technician' and p.late_lines > 0;

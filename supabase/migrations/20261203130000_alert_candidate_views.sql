-- =============================================================================
-- Alert candidates as joins, for the alert engine.
--
-- The five public alert_* views call private.alert_config_of / alert_cutoff_* /
-- invoice_overdue_alert_type once or three times per candidate row: each call
-- is a separate query on alert_config (and organizations) that the planner
-- cannot fold into the scan. On 200,000 invoices (40,000 unpaid) the overdue
-- view ran invoice_overdue_alert_type 120,000 times per evaluation, and the
-- alert checks evaluated every view every minute.
--
-- The public views stay as they are: they are the API (dashboards, one
-- organization at a time under RLS), and as single-table views they are
-- auto-updatable, which the permission matrix relies on (an UPDATE through them
-- is refused by privileges, 42501). The engine reads these private twins
-- instead: same columns, same rows for every organization (pgTAP
-- 75-alert-candidates compares them row for row), written as joins of the
-- organization's enabled alert_config row with the partial index of the open
-- rows (emergency_requests_pending_idx, invoices_unpaid_due_idx,
-- missions_blocked_idx, timesheets_unapproved_idx). Not granted to any API
-- role: private schema, read by the SECURITY DEFINER engine only.
-- =============================================================================

create view private.alert_candidates_emergencies_pending as
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

-- One row per invoice: the highest enabled overdue threshold it crossed (as
-- invoice_overdue_alert_type's "order by threshold desc limit 1"). Per
-- organization, the lowest threshold decides whether an invoice is listed (one
-- range of invoices_unpaid_due_idx) and the highest one which type it gets:
-- no anti-join, no per-row lookup. Equal thresholds: invoice_overdue_30days,
-- the first in alert_config's primary key order, as the helper's index scan
-- returned it.
create view private.alert_candidates_invoices_overdue as
with overdue_config as (
  select c.org_id, c.alert_type, c.severity, c.threshold,
         (now() at time zone o.timezone)::date - c.threshold::integer as due_before
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
), lowest as (
  select distinct on (c.org_id) c.org_id, c.alert_type, c.severity, c.due_before
  from overdue_config c order by c.org_id, c.threshold, c.alert_type
), highest as (
  select distinct on (c.org_id) c.org_id, c.alert_type, c.severity, c.due_before
  from overdue_config c order by c.org_id, c.threshold desc, c.alert_type
)
select i.org_id,
       t.alert_type,
       'public.invoices'::text as entity_table,
       i.id as entity_id,
       t.alert_type || ':' || i.id::text as fingerprint,
       t.severity,
       i.due_date::timestamptz as since,
       jsonb_build_object('number', i.number, 'client_id', i.client_id, 'due_date', i.due_date,
                          'total_ttc_cents', i.total_ttc_cents, 'status', i.status) as details
from lowest l
join highest h on h.org_id = l.org_id
join public.invoices i
  on i.org_id = l.org_id
 and i.kind = 'invoice'
 and i.status in ('sent', 'partially_paid')
 and i.due_date < l.due_before
cross join lateral (
  select case when i.due_date < h.due_before then h.alert_type else l.alert_type end as alert_type,
         case when i.due_date < h.due_before then h.severity else l.severity end as severity
) t;

-- The former pre-filter "on_hand <= max(threshold of any organization)" is
-- implied by the per-organization condition and is dropped.
create view private.alert_candidates_stock_critical as
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

create view private.alert_candidates_missions_blocked as
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
create view private.alert_candidates_timesheets_unapproved as
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

revoke all on private.alert_candidates_emergencies_pending, private.alert_candidates_invoices_overdue,
  private.alert_candidates_stock_critical, private.alert_candidates_missions_blocked,
  private.alert_candidates_timesheets_unapproved from public, anon, authenticated, service_role;
comment on view private.alert_candidates_emergencies_pending is 'Rows of public.alert_emergencies_pending, as a join (alert engine).';
comment on view private.alert_candidates_invoices_overdue is 'Rows of public.alert_invoices_overdue, as a join (alert engine).';
comment on view private.alert_candidates_stock_critical is 'Rows of public.alert_stock_critical, as a join (alert engine).';
comment on view private.alert_candidates_missions_blocked is 'Rows of public.alert_missions_blocked, as a join (alert engine).';
comment on view private.alert_candidates_timesheets_unapproved is 'Rows of public.alert_timesheets_unapproved, as a join (alert engine).';

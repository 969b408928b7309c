-- =============================================================================
-- Alert views (issue 5, item 3). One row per firing condition, thresholds read
-- from public.alert_config (enabled rows only; a disabled type shows nothing).
-- Same columns everywhere:
--   org_id, alert_type, entity_table, entity_id,
--   fingerprint (alert_type || ':' || entity_id), severity, since, details.
--
-- security_invoker: a signed-in user sees the rows of the underlying tables
-- their RLS lets them read (and only with the configuration they may read);
-- the alert checks (private.check_*) read them as the owner, across
-- organizations.
--
-- Shape: each view reads ONE business table (the configuration comes in
-- through small STABLE helpers), so the views stay simple, auto-updatable
-- views in PostgreSQL's sense: a write through them is refused by the
-- privilege check (42501: no API role holds INSERT/UPDATE/DELETE), exactly as
-- for stock_low. The open-state filter (status = 'pending', 'blocked',
-- approved_at is null, sent/partially_paid) matches the partial indexes
-- emergency_requests_pending_idx, missions_blocked_idx,
-- timesheets_unapproved_idx and invoices_unpaid_due_idx, so a check reads the
-- open rows only, never the history; the helpers are primary-key lookups in
-- alert_config (and organizations for the timezone). Stock items are read
-- in full (a few thousand per organization: 17 ms for 20,000 items); the
-- InitPlan on the largest configured threshold filters before the helper runs.
-- =============================================================================

-- The configuration of (organization, type) when enabled; null otherwise.
-- Security invoker: the caller's RLS on alert_config applies.
create function private.alert_config_of(p_org uuid, p_type text)
returns public.alert_config
language sql
stable
set search_path = ''
as $$
  select c from public.alert_config c where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

-- For minute/hour thresholds: the time before which the condition has lasted too long.
create function private.alert_cutoff_time(p_org uuid, p_type text)
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select now() - c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                           when 'hours' then interval '1 hour'
                                           else interval '1 day' end
  from public.alert_config c
  where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

-- For day thresholds: the date (today in the organization's timezone minus
-- the threshold) before which the condition has lasted too long.
create function private.alert_cutoff_date(p_org uuid, p_type text)
returns date
language sql
stable
set search_path = ''
as $$
  select (now() at time zone o.timezone)::date - c.threshold::integer
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type = p_type and c.enabled
$$;

-- Which overdue alert an invoice due on p_due is in: the highest enabled
-- threshold crossed (30 days wins over 7), or null.
create function private.invoice_overdue_alert_type(p_org uuid, p_due date)
returns text
language sql
stable
set search_path = ''
as $$
  select c.alert_type
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
    and p_due < (now() at time zone o.timezone)::date - c.threshold::integer
  order by c.threshold desc
  limit 1
$$;

comment on function private.alert_config_of(uuid, text) is 'Alert views: the enabled alert_config row of (organization, type), or null. Security invoker.';
comment on function private.alert_cutoff_time(uuid, text) is 'Alert views: now() minus the (minutes/hours) threshold of an enabled alert type, or null. Security invoker.';
comment on function private.alert_cutoff_date(uuid, text) is 'Alert views: the organization''s today minus the (days) threshold of an enabled alert type, or null. Security invoker.';
comment on function private.invoice_overdue_alert_type(uuid, date) is 'Alert views: the highest enabled invoice_overdue_* type an invoice due on that date has crossed, or null.';
revoke all on function private.alert_config_of(uuid, text), private.alert_cutoff_time(uuid, text),
  private.alert_cutoff_date(uuid, text), private.invoice_overdue_alert_type(uuid, date) from public, anon;
grant execute on function private.alert_config_of(uuid, text), private.alert_cutoff_time(uuid, text),
  private.alert_cutoff_date(uuid, text), private.invoice_overdue_alert_type(uuid, date) to authenticated, service_role;

-- Pending emergencies older than the threshold (strictly: "pending > 5 min").
create view public.alert_emergencies_pending
with (security_invoker = true)
as
select e.org_id,
       'emergency_pending'::text as alert_type,
       'public.emergency_requests'::text as entity_table,
       e.id as entity_id,
       'emergency_pending:' || e.id::text as fingerprint,
       (private.alert_config_of(e.org_id, 'emergency_pending')).severity as severity,
       e.created_at as since,
       jsonb_build_object('client_id', e.client_id, 'site_id', e.site_id, 'emergency_severity', e.severity,
                          'source', e.source, 'description', left(e.description, 200)) as details
from public.emergency_requests e
where e.status = 'pending'
  and e.created_at < private.alert_cutoff_time(e.org_id, 'emergency_pending');
comment on view public.alert_emergencies_pending is
  'Emergency requests still pending for longer than the emergency_pending threshold (5 minutes by default).';

-- Sent or partially paid invoices more than threshold days past their due
-- date (in the organization's timezone). One row per invoice, with the
-- highest threshold crossed: the 7-day alert resolves when the 30-day one fires.
create view public.alert_invoices_overdue
with (security_invoker = true)
as
select i.org_id,
       private.invoice_overdue_alert_type(i.org_id, i.due_date) as alert_type,
       'public.invoices'::text as entity_table,
       i.id as entity_id,
       private.invoice_overdue_alert_type(i.org_id, i.due_date) || ':' || i.id::text as fingerprint,
       (private.alert_config_of(i.org_id, private.invoice_overdue_alert_type(i.org_id, i.due_date))).severity as severity,
       i.due_date::timestamptz as since,
       jsonb_build_object('number', i.number, 'client_id', i.client_id, 'due_date', i.due_date,
                          'total_ttc_cents', i.total_ttc_cents, 'status', i.status) as details
from public.invoices i
where i.kind = 'invoice'
  and i.status in ('sent', 'partially_paid')
  and private.invoice_overdue_alert_type(i.org_id, i.due_date) is not null;
comment on view public.alert_invoices_overdue is
  'Sent / partially paid invoices more than invoice_overdue_7days (or _30days) days past their due date; one row per invoice, the highest threshold crossed.';

-- Items at or below the threshold (0 units by default) or below 50 % of their minimum.
create view public.alert_stock_critical
with (security_invoker = true)
as
select s.org_id,
       'stock_critical'::text as alert_type,
       'public.stock_items'::text as entity_table,
       s.id as entity_id,
       'stock_critical:' || s.id::text as fingerprint,
       (private.alert_config_of(s.org_id, 'stock_critical')).severity as severity,
       s.updated_at as since,
       jsonb_build_object('sku', s.sku, 'name', s.name, 'unit', s.unit, 'on_hand', s.on_hand, 'min_stock', s.min_stock) as details
from public.stock_items s
where (s.on_hand <= 0 or s.on_hand * 2 < s.min_stock
       or s.on_hand <= (select max(c.threshold) from public.alert_config c where c.alert_type = 'stock_critical'))
  and (s.on_hand <= (private.alert_config_of(s.org_id, 'stock_critical')).threshold or s.on_hand * 2 < s.min_stock)
  and (private.alert_config_of(s.org_id, 'stock_critical')).enabled;
comment on view public.alert_stock_critical is
  'Stock items with on_hand at or below the stock_critical threshold (0 by default) or below 50 % of their min_stock.';

-- Missions blocked for longer than the threshold.
create view public.alert_missions_blocked
with (security_invoker = true)
as
select m.org_id,
       'mission_blocked'::text as alert_type,
       'public.missions'::text as entity_table,
       m.id as entity_id,
       'mission_blocked:' || m.id::text as fingerprint,
       (private.alert_config_of(m.org_id, 'mission_blocked')).severity as severity,
       m.blocked_at as since,
       jsonb_build_object('title', m.title, 'reason', m.blocked_reason, 'technician_id', m.technician_id,
                          'client_id', m.client_id) as details
from public.missions m
where m.status = 'blocked'
  and m.blocked_at < private.alert_cutoff_time(m.org_id, 'mission_blocked');
comment on view public.alert_missions_blocked is 'Missions blocked for longer than the mission_blocked threshold (60 minutes by default).';

-- Unapproved hours older than the threshold, one row per technician (their
-- membership): one alert "12 lines waiting since 3 Nov", not twelve.
create view public.alert_timesheets_unapproved
with (security_invoker = true)
as
select ms.org_id,
       'timesheet_unapproved'::text as alert_type,
       'public.memberships'::text as entity_table,
       ms.id as entity_id,
       'timesheet_unapproved:' || ms.id::text as fingerprint,
       (private.alert_config_of(ms.org_id, 'timesheet_unapproved')).severity as severity,
       (select min(t.work_date) from public.timesheets t
         where t.org_id = ms.org_id and t.technician_id = ms.user_id and t.approved_at is null)::timestamptz as since,
       (select jsonb_build_object('technician_id', ms.user_id, 'lines', count(*), 'hours', sum(t.hours),
                                  'oldest_work_date', min(t.work_date))
          from public.timesheets t
         where t.org_id = ms.org_id and t.technician_id = ms.user_id and t.approved_at is null
           and t.work_date < private.alert_cutoff_date(ms.org_id, 'timesheet_unapproved')) as details
from public.memberships ms
where ms.role = 'technician'
  and exists (select from public.timesheets t
               where t.org_id = ms.org_id and t.technician_id = ms.user_id and t.approved_at is null
                 and t.work_date < private.alert_cutoff_date(ms.org_id, 'timesheet_unapproved'));
comment on view public.alert_timesheets_unapproved is
  'Technicians with timesheet lines unapproved more than timesheet_unapproved days after the work date (7 by default); one row per technician.';

-- -----------------------------------------------------------------------------
-- Access: a role reads a view where it reads, org-wide, both the configuration
-- and the business rows (otherwise the view would show it a partial list).
-- -----------------------------------------------------------------------------
grant select on public.alert_emergencies_pending, public.alert_invoices_overdue, public.alert_stock_critical,
  public.alert_missions_blocked, public.alert_timesheets_unapproved to authenticated, service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note)
select v.table_name, r.role, 'select', 'org', v.note
from (values
  ('public.alert_emergencies_pending', array['owner', 'admin', 'dispatcher'],
   'View (security_invoker) over alert_config and emergency_requests.'),
  ('public.alert_invoices_overdue', array['owner', 'admin', 'accountant'],
   'View (security_invoker) over alert_config and invoices (money: not for dispatchers).'),
  ('public.alert_stock_critical', array['owner', 'admin', 'dispatcher', 'accountant'],
   'View (security_invoker) over alert_config and stock_items.'),
  ('public.alert_missions_blocked', array['owner', 'admin', 'dispatcher', 'accountant'],
   'View (security_invoker) over alert_config and missions.'),
  ('public.alert_timesheets_unapproved', array['owner', 'admin', 'dispatcher'],
   'View (security_invoker) over alert_config, timesheets and memberships (accountants read approved hours only).')
) as v (table_name, roles, note)
cross join lateral unnest(v.roles) as r (role);

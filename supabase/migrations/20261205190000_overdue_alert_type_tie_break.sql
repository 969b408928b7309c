-- Two overdue thresholds set equal (7-day and 30-day alerts at the same number of
-- days) tied in private.invoice_overdue_alert_type's "order by threshold desc
-- limit 1": which type won depended on the plan's row order. The alert engine's
-- candidates view breaks the tie by alert type (invoice_overdue_30days first, the
-- primary key order); the helper now says the same thing explicitly, so both
-- agree whatever plan runs.
create or replace function private.invoice_overdue_alert_type(p_org uuid, p_due date) returns text
  language sql stable
  set search_path to ''
as $$
  select c.alert_type
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
    and p_due < (now() at time zone o.timezone)::date - c.threshold::integer
  order by c.threshold desc, c.alert_type
  limit 1
$$;

-- Down file of supabase/migrations/20261205190000_overdue_alert_type_tie_break.sql: the
-- helper as it was, ties left to the plan's row order (docs/conventions.md § Reversible migrations).
create or replace function private.invoice_overdue_alert_type(p_org uuid, p_due date) returns text
  language sql stable
  set search_path to ''
as $$
  select c.alert_type
  from public.alert_config c
  join public.organizations o on o.id = c.org_id
  where c.org_id = p_org and c.alert_type in ('invoice_overdue_7days', 'invoice_overdue_30days') and c.enabled
    and p_due < (now() at time zone o.timezone)::date - c.threshold::integer
  order by c.threshold desc
  limit 1
$$;

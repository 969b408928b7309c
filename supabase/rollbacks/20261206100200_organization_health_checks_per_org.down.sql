-- Down file of supabase/migrations/20261206100200_organization_health_checks_per_org.sql:
-- public.organization_health_checks as 20261205130200_organization_health_checks.sql wrote it
-- (each check's view filtered by organization), without the per-organization functions
-- (docs/conventions.md § Reversible migrations).
create or replace function public.organization_health_checks(p_org uuid)
  returns table (name text, period text, description text, ok boolean, count bigint, sample jsonb)
  language plpgsql
  stable
  security definer
  set search_path = ''
  -- As ops.health_checks: these catalogue-heavy plans gain nothing from JIT.
  set jit = off
as $$
#variable_conflict use_column
declare
  -- How many offending rows a check lists (their ids, the organization's own rows).
  c_sample constant integer := 5;
  v_check  record;
  v_count  bigint;
  v_sample jsonb;
begin
  if p_org is null then
    perform private.raise_api_error('missing_parameter', 'Name the organization whose health checks to run (p_org)');
  end if;
  if not p_org = any (private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant,client}')) then
    -- Not a member: the organization is not theirs to know about.
    perform private.raise_api_error('not_found', pg_catalog.format('No organization %s of yours', p_org));
  end if;
  if not p_org = any (private.my_org_ids_as('{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', 'Only the owners and administrators of the organization see its health checks');
  end if;

  for v_check in
    select c.name, c.cadence, c.description, c.view, c.org_column
    from ops.health_check_catalog c
    where c.org_column is not null
    order by c.position
  loop
    if v_check.name = 'invoice_chain' then
      -- Its view verifies every organization's chain, which an organization's
      -- admin may not do (verify_invoice_chain checks the caller's role in
      -- each) and need not wait for: verify this organization's chain only.
      select pg_catalog.count(*),
             coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'org_id', p_org, 'invoice_id', v.invoice_id, 'number', v.number, 'reason', v.reason)), '[]')
        into v_count, v_sample
        from public.verify_invoice_chain(p_org) v
       where not v.ok;
      return query select v_check.name, v_check.cadence, v_check.description, v_count = 0, v_count, v_sample;
      continue;
    end if;
    -- The view and column names come from the catalogue; %I quotes them.
    execute pg_catalog.format(
      'select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.detail order by s.rank) filter (where s.rank <= $2), ''[]'')'
      ' from (select v.detail, pg_catalog.row_number() over (order by v.sample_rank) as rank from ops.%I v where v.%I = $1) s',
      v_check.view, v_check.org_column)
      into v_count, v_sample
      using p_org, c_sample;
    return query select v_check.name, v_check.cadence, v_check.description, v_count = 0, v_count, v_sample;
  end loop;
end;
$$;

alter table ops.health_check_catalog drop constraint if exists health_check_catalog_org_function_check;
drop function if exists ops.org_check_stock_negative(uuid);
drop function if exists ops.org_check_invoices_sent_without_pdf(uuid);
drop function if exists ops.org_check_emergencies_pending_overdue(uuid);
drop function if exists ops.org_check_notifications_failed_or_stuck(uuid);
drop function if exists ops.org_check_missions_unreachable_status(uuid);
drop function if exists ops.org_check_timesheets_unapproved_30d(uuid);
drop function if exists ops.org_check_credit_notes_invalid(uuid);
alter table ops.health_check_catalog drop column if exists org_function;

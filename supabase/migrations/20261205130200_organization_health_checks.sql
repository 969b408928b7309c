-- The health page of the back office (/office/health): an organization's
-- owners and admins see the operator health checks (ops.health_checks) that
-- concern their organization, counted on their organization's rows only.
--
-- Which checks: those whose offending rows belong to one organization. The
-- catalogue says so per check (org_column: the column of its ops.check_<name>
-- view holding the organization). The other checks are about the platform
-- (RLS coverage, pg_cron failures, storage objects no attachment references):
-- their details name tables, jobs and storage paths, and in a shared
-- deployment they are not one customer's business. They stay with the
-- operator (npm run health, the metrics function) and are never returned here.
-- Nothing here exposes versions or settings.
--
-- Two views get their organization as a last column, so that every
-- organization-level check can be filtered by it; their existing columns are
-- unchanged (npm run health reads detail and sample_rank only).

create or replace view ops.check_stock_negative as
 select to_jsonb(n.item_id) as detail,
    row_number() over (order by n.item_id) as sample_rank,
    n.item_id,
    n.org_id
   from public.stock_negative n;

create or replace view ops.check_credit_notes_invalid as
 with bad as (
         select cn.id,
            'no original invoice'::text as reason,
            cn.org_id
           from public.invoices cn
          where cn.kind = 'credit_note'::public.invoice_kind and not exists (
                  select from public.invoices o
                  where o.org_id = cn.org_id and o.client_id = cn.client_id and o.id = cn.credited_invoice_id
                    and o.kind = 'invoice'::public.invoice_kind)
        union all
         select cn.id,
            'credit notes exceed the invoice total'::text,
            cn.org_id
           from public.invoices cn
             join (select c.org_id, c.credited_invoice_id, sum(c.total_ttc_cents) as credited
                   from public.invoices c
                   where c.kind = 'credit_note'::public.invoice_kind and c.status <> 'draft'::public.invoice_status
                     and c.credited_invoice_id is not null
                   group by c.org_id, c.credited_invoice_id) agg
               on agg.org_id = cn.org_id and agg.credited_invoice_id = cn.credited_invoice_id
             join public.invoices o on o.org_id = agg.org_id and o.id = agg.credited_invoice_id
          where cn.kind = 'credit_note'::public.invoice_kind and cn.status <> 'draft'::public.invoice_status
            and agg.credited > o.total_ttc_cents::numeric
        )
 select jsonb_build_object('id', b.id, 'reason', b.reason) as detail,
    row_number() over (order by b.id) as sample_rank,
    b.id,
    b.reason,
    b.org_id
   from bad b;

alter table ops.health_check_catalog add column org_column name;

comment on column ops.health_check_catalog.org_column is
  'The column of the check''s view holding the organization of each offending row: the check is shown to that organization''s owners and admins (public.organization_health_checks). Null: a platform check, for the operator only.';

update ops.health_check_catalog set org_column = 'org_id'
 where name in ('stock_negative', 'invoices_sent_without_pdf', 'emergencies_pending_overdue', 'invoice_chain',
                'notifications_failed_or_stuck', 'missions_unreachable_status', 'timesheets_unapproved_30d',
                'credit_notes_invalid');

create function public.organization_health_checks(p_org uuid)
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

comment on function public.organization_health_checks(uuid) is
  'RPC: the health checks of one organization (ops.health_check_catalog rows with an org_column), counted on its rows: name, period, description, ok, count and the first offending rows. Owners and admins of the organization (forbidden_role otherwise, not_found for non-members). Platform checks are never included.';

revoke all on function public.organization_health_checks(uuid) from public;
grant execute on function public.organization_health_checks(uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.organization_health_checks(uuid)',
   'Refuses unless the caller is an owner or admin of the organization (not_found for non-members); definer to read the ops check views, closed to the API roles, filtered on that organization.');

-- Down file of supabase/migrations/20261207110300_invoice_chain_health_check.sql: the invoice_chain
-- check verifies whole chains again (the view every organization's, the health page its own through
-- verify_invoice_chain), as 20261201014000_ops.sql and 20261206100200_organization_health_checks_per_org.sql
-- wrote them (docs/conventions.md § Reversible migrations).
CREATE OR REPLACE VIEW ops.check_invoice_chain AS
 SELECT jsonb_build_object('org_id', o.id, 'invoice_id', v.invoice_id, 'number', v.number, 'reason', v.reason) AS detail,
    row_number() OVER (ORDER BY o.id) AS sample_rank,
    o.id AS org_id,
    v.invoice_id,
    v.number,
    v.reason
   FROM (public.organizations o
     CROSS JOIN LATERAL public.verify_invoice_chain(o.id) v(ok, checked, invoice_id, number, reason))
  WHERE ((NOT v.ok) AND ((EXISTS ( SELECT
           FROM public.invoices i
          WHERE ((i.org_id = o.id) AND (i.chain_position IS NOT NULL)))) OR (EXISTS ( SELECT
           FROM private.invoice_chain_heads h
          WHERE (h.org_id = o.id)))));

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
    select c.name, c.cadence, c.description, c.org_function
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
    -- The function name comes from the catalogue; %I quotes it.
    execute pg_catalog.format(
      'select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.detail order by s.sample_rank) filter (where s.sample_rank <= $2), ''[]'')'
      ' from ops.%I($1) s',
      v_check.org_function)
      into v_count, v_sample
      using p_org, c_sample;
    return query select v_check.name, v_check.cadence, v_check.description, v_count = 0, v_count, v_sample;
  end loop;
end;
$$;

comment on column ops.health_check_catalog.org_function is
  'The function ops.<org_function>(org uuid) returning (detail, sample_rank) of one organization''s offending rows, the same rows as the view filtered on org_column (public.organization_health_checks calls it). Null for platform checks and for invoice_chain (verify_invoice_chain).';
alter table ops.health_check_catalog drop constraint health_check_catalog_org_function_check;
update ops.health_check_catalog
   set org_function = null, description = 'Broken links in an organization''s invoice hash chain.'
 where name = 'invoice_chain';
alter table ops.health_check_catalog add constraint health_check_catalog_org_function_check
  check (org_column is null or org_function is not null or name = 'invoice_chain');

drop function ops.org_check_invoice_chain(uuid);
drop function private.invoice_chain_findings(uuid);

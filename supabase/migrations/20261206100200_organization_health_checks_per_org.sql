-- The health page's checks (public.organization_health_checks) read one
-- organization's rows from the start.
--
-- Until now each check was its operator view (ops.check_<name>) filtered by
-- organization afterwards. Every one of those views numbers its rows with a
-- window function (sample_rank = row_number() over the whole view), and
-- Postgres cannot push a condition below a window that spans other
-- organizations' rows: each check scanned and numbered the offending rows of
-- every organization (every mission, at a million missions) to keep one
-- organization's.
--
-- Now each organization-level check has a function ops.org_check_<name>(org)
-- with the view's conditions and the organization condition on the base
-- table, so the organization's indexes (org_id first) serve it, and the same
-- sample order. The views stay as they are for the operator (npm run health,
-- every organization at once). supabase/tests/251 checks, for every check,
-- that the function and its view agree row for row (count and sample) for
-- each organization: a change to one without the other fails there.
-- invoice_chain was already per organization (verify_invoice_chain(org)).

alter table ops.health_check_catalog add column org_function name;

comment on column ops.health_check_catalog.org_function is
  'The function ops.<org_function>(org uuid) returning (detail, sample_rank) of one organization''s offending rows, the same rows as the view filtered on org_column (public.organization_health_checks calls it). Null for platform checks and for invoice_chain (verify_invoice_chain).';

create function ops.org_check_stock_negative(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.to_jsonb(n.item_id), pg_catalog.row_number() over (order by n.item_id)
  from public.stock_negative n
  where n.org_id = p_org
$$;

create function ops.org_check_invoices_sent_without_pdf(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.to_jsonb(i.id), pg_catalog.row_number() over (order by i.id)
  from public.invoices i
  where i.org_id = p_org
    and i.status = any (array['sent', 'partially_paid', 'paid']::public.invoice_status[])
    and i.pdf_sha256 is null
$$;

create function ops.org_check_emergencies_pending_overdue(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.to_jsonb(e.id), pg_catalog.row_number() over (order by e.created_at)
  from public.emergency_requests e
  left join public.alert_config c on c.org_id = e.org_id and c.alert_type = 'emergency_pending'
  where e.org_id = p_org
    and e.status = 'pending'
    and e.created_at < pg_catalog.now() - coalesce(c.threshold * case c.unit
                                                     when 'minutes' then interval '1 minute'
                                                     when 'hours' then interval '1 hour'
                                                     when 'days' then interval '1 day'
                                                   end, interval '5 minutes')
$$;

create function ops.org_check_notifications_failed_or_stuck(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.to_jsonb(n.id), pg_catalog.row_number() over (order by n.created_at)
  from public.notifications n
  where n.org_id = p_org
    and (n.delivery_status = 'failed' and n.created_at > pg_catalog.now() - interval '24 hours'
         or n.delivery_status = 'pending' and coalesce(n.next_attempt_at, n.created_at) < pg_catalog.now() - interval '1 hour')
$$;

create function ops.org_check_missions_unreachable_status(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('id', m.id, 'status', m.status), pg_catalog.row_number() over (order by m.id)
  from public.missions m
  where m.org_id = p_org
    and m.status <> 'new'
    and not exists (select from public.mission_valid_transitions t where t.to_status = m.status)
$$;

create function ops.org_check_timesheets_unapproved_30d(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.to_jsonb(t.id), pg_catalog.row_number() over (order by t.work_date, t.id)
  from public.timesheets t
  where t.org_id = p_org and t.approved_at is null and t.work_date < current_date - 30
$$;

create function ops.org_check_credit_notes_invalid(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  set search_path = ''
as $$
  with bad as (
    select cn.id, 'no original invoice'::text as reason
    from public.invoices cn
    where cn.org_id = p_org and cn.kind = 'credit_note'
      and not exists (select from public.invoices o
                      where o.org_id = cn.org_id and o.client_id = cn.client_id and o.id = cn.credited_invoice_id
                        and o.kind = 'invoice')
    union all
    select cn.id, 'credit notes exceed the invoice total'
    from public.invoices cn
    join (select c.credited_invoice_id, pg_catalog.sum(c.total_ttc_cents) as credited
          from public.invoices c
          where c.org_id = p_org and c.kind = 'credit_note' and c.status <> 'draft' and c.credited_invoice_id is not null
          group by c.credited_invoice_id) agg on agg.credited_invoice_id = cn.credited_invoice_id
    join public.invoices o on o.org_id = p_org and o.id = agg.credited_invoice_id
    where cn.org_id = p_org and cn.kind = 'credit_note' and cn.status <> 'draft'
      and agg.credited > o.total_ttc_cents
  )
  select pg_catalog.jsonb_build_object('id', b.id, 'reason', b.reason), pg_catalog.row_number() over (order by b.id)
  from bad b
$$;

comment on function ops.org_check_stock_negative(uuid) is 'ops.check_stock_negative for one organization (public.organization_health_checks).';
comment on function ops.org_check_invoices_sent_without_pdf(uuid) is 'ops.check_invoices_sent_without_pdf for one organization (public.organization_health_checks).';
comment on function ops.org_check_emergencies_pending_overdue(uuid) is 'ops.check_emergencies_pending_overdue for one organization (public.organization_health_checks).';
comment on function ops.org_check_notifications_failed_or_stuck(uuid) is 'ops.check_notifications_failed_or_stuck for one organization (public.organization_health_checks).';
comment on function ops.org_check_missions_unreachable_status(uuid) is 'ops.check_missions_unreachable_status for one organization (public.organization_health_checks).';
comment on function ops.org_check_timesheets_unapproved_30d(uuid) is 'ops.check_timesheets_unapproved_30d for one organization (public.organization_health_checks).';
comment on function ops.org_check_credit_notes_invalid(uuid) is 'ops.check_credit_notes_invalid for one organization (public.organization_health_checks).';

-- Called only by public.organization_health_checks (definer, as its owner).
revoke all on function ops.org_check_stock_negative(uuid) from public;
revoke all on function ops.org_check_invoices_sent_without_pdf(uuid) from public;
revoke all on function ops.org_check_emergencies_pending_overdue(uuid) from public;
revoke all on function ops.org_check_notifications_failed_or_stuck(uuid) from public;
revoke all on function ops.org_check_missions_unreachable_status(uuid) from public;
revoke all on function ops.org_check_timesheets_unapproved_30d(uuid) from public;
revoke all on function ops.org_check_credit_notes_invalid(uuid) from public;

update ops.health_check_catalog set org_function = 'org_check_' || name
 where org_column is not null and name <> 'invoice_chain';

-- A catalogue row naming an organization but no way to run it per organization would be skipped silently.
alter table ops.health_check_catalog add constraint health_check_catalog_org_function_check
  check (org_column is null or org_function is not null or name = 'invoice_chain');

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

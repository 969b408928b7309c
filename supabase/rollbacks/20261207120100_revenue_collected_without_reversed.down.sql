-- Down file of supabase/migrations/20261207120100_revenue_collected_without_reversed.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION public.revenue_by_month(p_org_id uuid, p_from date, p_to date)
 RETURNS TABLE(month date, invoiced_ht_cents bigint, credit_notes_ht_cents bigint, collected_cents bigint, overdue_cents bigint)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
 SET jit TO 'off'
AS $function$
declare
  v_first date;
  v_last date;
  v_today date;
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'p_org_id is required');
  end if;
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'revenue_by_month', pg_catalog.format('Organization %s', p_org_id));
  perform private.assert_chart_period(p_from, p_to, null);
  v_first := pg_catalog.date_trunc('month', p_from::timestamp)::date;
  v_last := (pg_catalog.date_trunc('month', p_to::timestamp) + interval '1 month - 1 day')::date;
  if v_last >= (v_first + interval '36 months')::date then
    perform private.raise_api_error('invalid_parameter', 'At most 36 months per chart');
  end if;
  select (pg_catalog.now() at time zone o.timezone)::date into v_today from public.organizations o where o.id = p_org_id;

  return query
  with months as (
    select g.m::date as month_start,
           (g.m + interval '1 month - 1 day')::date as month_end,
           -- the day the overdue amount is measured: the month's end, or today for the current month
           least((g.m + interval '1 month - 1 day')::date, v_today) as as_of
    from pg_catalog.generate_series(v_first::timestamp, v_last::timestamp, interval '1 month') as g (m)
  ),
  issued as (
    select pg_catalog.date_trunc('month', i.issue_date::timestamp)::date as month_start,
           sum(i.total_ht_cents) filter (where i.kind = 'invoice')::bigint as invoiced,
           sum(i.total_ht_cents) filter (where i.kind = 'credit_note')::bigint as credited
    from public.invoices i
    where i.org_id = p_org_id and i.issue_date between v_first and v_last and i.status <> 'draft'
    group by 1
  ),
  collected as (
    select pg_catalog.date_trunc('month', p.paid_on::timestamp)::date as month_start, sum(p.amount_cents)::bigint as amount
    from public.payments p
    where p.org_id = p_org_id and p.paid_on between v_first and v_last
    group by 1
  ),
  overdue as (
    -- An invoice can only be owing at as_of if it was due before then and not
    -- yet settled (paid_at after as_of, or never): that prunes the (month,
    -- invoice) pairs to the months each invoice actually spent overdue; the
    -- amounts themselves come from the dated payments and credit notes.
    select mo.month_start,
           sum(greatest(i.total_ttc_cents - coalesce(paid.amount, 0) - coalesce(credit.amount, 0), 0))::bigint as amount
    from months mo
    join public.invoices i
      on i.org_id = p_org_id and i.kind = 'invoice' and i.status <> 'draft'
     and i.issue_date <= mo.as_of and i.due_date < mo.as_of
     and (i.paid_at is null or i.paid_at >= mo.as_of)
    left join lateral (
      select sum(p.amount_cents) as amount
      from public.payments p
      where p.org_id = p_org_id and p.invoice_id = i.id and p.paid_on <= mo.as_of
    ) as paid on true
    left join lateral (
      select sum(c.total_ttc_cents) as amount
      from public.invoices c
      where c.org_id = p_org_id and c.credited_invoice_id = i.id and c.client_id = i.client_id
        and c.status <> 'draft' and c.issue_date <= mo.as_of
    ) as credit on true
    group by mo.month_start
  )
  select mo.month_start, coalesce(s.invoiced, 0), coalesce(s.credited, 0), coalesce(c.amount, 0), coalesce(o.amount, 0)
  from months mo
  left join issued s on s.month_start = mo.month_start
  left join collected c on c.month_start = mo.month_start
  left join overdue o on o.month_start = mo.month_start
  order by mo.month_start;
end;
$function$;


-- comments it changed on existing objects
comment on function public.revenue_by_month(pg_catalog.uuid,pg_catalog.date,pg_catalog.date) is 'RPC (owner, admin, accountant): per month of the period, invoiced and credited amounts excluding VAT (issue date), payments received (paid_on) and the amount overdue at the month''s end (today for the current month); at most 36 months.';

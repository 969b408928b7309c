-- The monthly closing report (README.md, "Accounting"): what an accountant
-- signs off at the end of a month and keeps outside the database.
--   * per journal (VT, AV, BQ): the entries dated in the month, their first
--     and last numbers, debit and credit totals (each journal balances, as
--     every entry does);
--   * VAT invoiced by rate: the lines of the invoices and credit notes posted
--     in the month's VT and AV entries (credit notes negative), and the net
--     movement of each VAT account in the ledger, to reconcile with them;
--   * the invoice log's head at the month's end (the last event recorded
--     before midnight, organization's timezone), and its head when the report
--     is made (a report printed after the month also commits to the events
--     recorded since, e.g. a payment dated in the month but entered later):
--     sequence numbers and hashes. An auditor later calls
--     verify_invoice_log(org, head, seq) with either: any rewrite of the log
--     up to that event, even one recomputing every hash inside the database,
--     no longer matches the printed head.
-- Read-only; owner, admin and accountant, as the FEC export.

create function public.closing_report(p_org_id uuid, p_month date) returns jsonb
  language plpgsql stable security definer
  set search_path = ''
as $$
declare
  v_org      public.organizations;
  v_settings private.accounting_settings;
  v_to       date;
  v_year     integer;
  v_start    timestamptz;
  v_end      timestamptz;
  v_journals jsonb;
  v_vat      jsonb;
  v_accounts jsonb;
  v_head     jsonb;
  v_now      jsonb;
  v_events   bigint;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'closing_report', pg_catalog.format('Organization %s', p_org_id));
  if p_month is null then
    perform private.raise_api_error('missing_parameter', 'month is required: the first day of the month (YYYY-MM-01)');
  end if;
  if extract(day from p_month) <> 1 then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('month must be the first day of a month (YYYY-MM-01): %s is not', p_month));
  end if;
  select * into v_org from public.organizations o where o.id = p_org_id;
  v_to := (p_month + interval '1 month')::date - 1;
  v_year := extract(year from p_month)::integer;
  -- The month in the organization's timezone, for the invoice log's clock times.
  v_start := p_month::timestamp at time zone v_org.timezone;
  v_end := (v_to + 1)::timestamp at time zone v_org.timezone;
  if v_start > pg_catalog.now() then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('The month %s has not started: nothing to close', pg_catalog.to_char(p_month, 'YYYY-MM')));
  end if;
  select * into v_settings from private.accounting_settings s where s.org_id = p_org_id;

  -- Entries dated in the month; fiscal_year leads to ledger_entries_validation_idx.
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'journal', j.journal_code, 'entries', j.entries, 'first_entry', j.first_entry, 'last_entry', j.last_entry,
           'debit_cents', j.debit_cents, 'credit_cents', j.credit_cents, 'balanced', j.debit_cents = j.credit_cents)
         order by j.journal_code), '[]')
  into v_journals
  from (
    select e.journal_code, count(distinct e.id) as entries, min(e.entry_number) as first_entry, max(e.entry_number) as last_entry,
           sum(l.debit_cents) as debit_cents, sum(l.credit_cents) as credit_cents
    from public.ledger_entries e
    join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
    where e.org_id = p_org_id and e.fiscal_year = v_year and e.entry_date between p_month and v_to
    group by e.journal_code
  ) j;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'rate', v.vat_rate, 'base_cents', v.base_cents, 'vat_cents', v.vat_cents) order by v.vat_rate), '[]')
  into v_vat
  from (
    select l.vat_rate,
           sum(case e.journal_code when 'AV' then -l.line_ht_cents else l.line_ht_cents end) as base_cents,
           sum(case e.journal_code when 'AV' then -l.line_vat_cents else l.line_vat_cents end) as vat_cents
    from public.ledger_entries e
    join public.invoice_lines l on l.org_id = e.org_id and l.invoice_id = e.invoice_id
    where e.org_id = p_org_id and e.fiscal_year = v_year and e.entry_date between p_month and v_to
      and e.journal_code in ('VT', 'AV')
    group by l.vat_rate
  ) v;

  -- Credit minus debit of each VAT account over the month's entries (all journals).
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'account', a.account_number, 'credit_minus_debit_cents', a.net_cents) order by a.account_number), '[]')
  into v_accounts
  from (
    select l.account_number, sum(l.credit_cents - l.debit_cents) as net_cents
    from public.ledger_entries e
    join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
    where e.org_id = p_org_id and e.fiscal_year = v_year and e.entry_date between p_month and v_to
      and l.account_number in (coalesce(v_settings.account_vat_collected, '44571'), coalesce(v_settings.account_vat_pending, '44574'))
    group by l.account_number
  ) a;

  -- The last event before the month's end (sequence and clock time rise
  -- together: events are appended under the organization's head lock).
  select pg_catalog.jsonb_build_object('seq', coalesce(h.seq, 0), 'head', h.hash, 'occurred_at', h.occurred_at)
  into v_head
  from (select 1) as one
  left join lateral (
    select l.seq, l.hash, l.occurred_at from public.invoice_log l
    where l.org_id = p_org_id and l.occurred_at < v_end
    order by l.seq desc limit 1
  ) h on true;
  select pg_catalog.jsonb_build_object('seq', coalesce(h.last_seq, 0), 'head', h.last_hash, 'occurred_at', h.updated_at)
  into v_now
  from (select 1) as one
  left join private.invoice_log_heads h on h.org_id = p_org_id;
  select count(*) into v_events from public.invoice_log l
  where l.org_id = p_org_id and l.occurred_at >= v_start and l.occurred_at < v_end;

  return pg_catalog.jsonb_build_object(
    'org_id', p_org_id,
    'organization', v_org.name,
    'siren', v_org.siren,
    'month', pg_catalog.to_char(p_month, 'YYYY-MM'),
    'from', p_month,
    'to', v_to,
    'timezone', v_org.timezone,
    'closed', pg_catalog.now() >= v_end,
    'journals', v_journals,
    'totals', (select pg_catalog.jsonb_build_object(
                 'debit_cents', coalesce(sum((j ->> 'debit_cents')::bigint), 0),
                 'credit_cents', coalesce(sum((j ->> 'credit_cents')::bigint), 0),
                 'balanced', coalesce(sum((j ->> 'debit_cents')::bigint), 0) = coalesce(sum((j ->> 'credit_cents')::bigint), 0))
               from pg_catalog.jsonb_array_elements(v_journals) j),
    'vat_by_rate', v_vat,
    'vat_accounts', v_accounts,
    'invoice_log', pg_catalog.jsonb_build_object('at_month_end', v_head, 'at_report', v_now, 'events_in_month', v_events));
end;
$$;
comment on function public.closing_report(uuid, date) is
  'RPC (owner, admin, accountant): the closing report of a month (p_month: its first day): per journal the entries, first and last numbers, debit and credit totals; VAT invoiced by rate and the VAT accounts'' movements; the invoice log head (seq, hash) at the month''s end and at the report, to keep outside the database for verify_invoice_log().';
revoke all on function public.closing_report(uuid, date) from public;
grant execute on function public.closing_report(uuid, date) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.closing_report(uuid,date)',
   'private.authorize_invoicing checks the caller is an owner, admin or accountant of the organization; definer to read its accounting settings and the whole month whatever the caller''s row visibility.');

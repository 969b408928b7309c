-- Operator health checks as data: one view per check, a catalogue, one runner.
--
-- ops.health_checks used to spell out the same count-and-sample block once per
-- check. Now each check is a view ops.check_<name> that returns its offending
-- rows — readable on its own from psql (`table ops.check_stock_negative;`) —
-- and ops.health_check_catalog lists the checks. ops.health_checks loops over
-- the catalogue and reports, as before, one (name, period, ok, count, details)
-- row per check. Adding a check is a view and a catalogue row.
--
-- Every check view has the same two leading columns the runner reads:
--   detail      jsonb   what details lists about the row (an id, or an object)
--   sample_rank bigint  1, 2, … in the order the first rows are listed
-- followed by whatever columns make the row readable.

-- -----------------------------------------------------------------------------
-- The check views (daily)
-- -----------------------------------------------------------------------------
create view ops.check_stock_negative as
select pg_catalog.to_jsonb(n.item_id) as detail,
       pg_catalog.row_number() over (order by n.item_id) as sample_rank,
       n.item_id
from public.stock_negative n;

create view ops.check_invoices_sent_without_pdf as
select pg_catalog.to_jsonb(i.id) as detail,
       pg_catalog.row_number() over (order by i.id) as sample_rank,
       i.id, i.org_id, i.status
from public.invoices i
where i.status in ('sent', 'partially_paid', 'paid') and i.pdf_sha256 is null;

-- Findings that matter: a missing critical table, RLS disabled, a critical
-- table without policy, a privilege no policy covers. 'table has no policy'
-- (no privilege either: deny-all, consistent) and dead policies do not expose
-- anything and are left to ops.rls_policy_coverage.
create view ops.check_rls_coverage as
with f as (
  select e.schema_name || '.' || e.table_name || ': ' || e.finding as finding
  from ops.rls_enabled_check e
  where e.finding in ('missing', 'RLS disabled')
     or (e.critical and e.finding is not null)
  union
  select c.schema_name || '.' || c.table_name || ' ' || c.role_name || ' ' || c.operation || ': ' || c.finding
  from ops.rls_policy_coverage c
  where c.finding in ('RLS disabled: the privilege reaches every row', 'privilege without policy',
                      'only restrictive policies: no row can pass')
)
select pg_catalog.to_jsonb(f.finding) as detail,
       pg_catalog.row_number() over (order by f.finding) as sample_rank,
       f.finding
from f;

-- The threshold is the org's emergency_pending row of public.alert_config
-- (threshold + unit), whether or not the alert is enabled: a disabled alert
-- does not make a stale emergency fine. An org without that row gets the
-- design's 5 minutes.
create view ops.check_emergencies_pending_overdue as
select pg_catalog.to_jsonb(e.id) as detail,
       pg_catalog.row_number() over (order by e.created_at) as sample_rank,
       e.id, e.org_id, e.created_at
from public.emergency_requests e
left join public.alert_config c on c.org_id = e.org_id and c.alert_type = 'emergency_pending'
where e.status = 'pending'
  and e.created_at < pg_catalog.now() - coalesce(
        c.threshold * case c.unit when 'minutes' then interval '1 minute'
                                  when 'hours' then interval '1 hour'
                                  when 'days' then interval '1 day' end,
        interval '5 minutes');

-- Only organizations that issued something have a chain to verify.
create view ops.check_invoice_chain as
select pg_catalog.jsonb_build_object('org_id', o.id, 'invoice_id', v.invoice_id,
                                     'number', v.number, 'reason', v.reason) as detail,
       pg_catalog.row_number() over (order by o.id) as sample_rank,
       o.id as org_id, v.invoice_id, v.number, v.reason
from public.organizations o
cross join lateral public.verify_invoice_chain(o.id) v
where not v.ok
  and (exists (select from public.invoices i where i.org_id = o.id and i.chain_position is not null)
       or exists (select from private.invoice_chain_heads h where h.org_id = o.id));

create view ops.check_cron_failures_24h as
select pg_catalog.jsonb_build_object('runid', d.runid, 'jobname', coalesce(j.jobname, 'job ' || d.jobid),
                                     'message', pg_catalog.left(d.return_message, 200)) as detail,
       pg_catalog.row_number() over (order by d.start_time desc) as sample_rank,
       d.runid, coalesce(j.jobname, 'job ' || d.jobid) as jobname, d.start_time, d.return_message
from cron.job_run_details d
left join cron.job j on j.jobid = d.jobid
where d.status = 'failed' and d.start_time > pg_catalog.now() - interval '24 hours';

-- A failed row stays failed for ever: only the last 24 h count, so a daily
-- check reports new failures instead of failing for ever on an old one.
create view ops.check_notifications_failed_or_stuck as
select pg_catalog.to_jsonb(n.id) as detail,
       pg_catalog.row_number() over (order by n.created_at) as sample_rank,
       n.id, n.org_id, n.delivery_status, n.created_at, n.next_attempt_at
from public.notifications n
where (n.delivery_status = 'failed' and n.created_at > pg_catalog.now() - interval '24 hours')
   or (n.delivery_status = 'pending'
       and coalesce(n.next_attempt_at, n.created_at) < pg_catalog.now() - interval '1 hour');

-- -----------------------------------------------------------------------------
-- The check views (weekly)
-- -----------------------------------------------------------------------------
create view ops.check_missions_unreachable_status as
select pg_catalog.jsonb_build_object('id', m.id, 'status', m.status) as detail,
       pg_catalog.row_number() over (order by m.id) as sample_rank,
       m.id, m.org_id, m.status
from public.missions m
where m.status <> 'new'
  and not exists (select from public.mission_valid_transitions t where t.to_status = m.status);

create view ops.check_timesheets_unapproved_30d as
select pg_catalog.to_jsonb(t.id) as detail,
       pg_catalog.row_number() over (order by t.work_date, t.id) as sample_rank,
       t.id, t.org_id, t.work_date
from public.timesheets t
where t.approved_at is null and t.work_date < current_date - 30;

create view ops.check_credit_notes_invalid as
with bad as (
  -- No original (the reference missing, dangling, or not an invoice of the same org and client).
  select cn.id, 'no original invoice'::text as reason
  from public.invoices cn
  where cn.kind = 'credit_note'
    and not exists (select from public.invoices o
                    where o.org_id = cn.org_id and o.client_id = cn.client_id
                      and o.id = cn.credited_invoice_id and o.kind = 'invoice')
  union all
  -- Issued credit notes together above the original's total: the credit notes are listed.
  select cn.id, 'credit notes exceed the invoice total'::text
  from public.invoices cn
  join (select c.org_id, c.credited_invoice_id, pg_catalog.sum(c.total_ttc_cents) as credited
        from public.invoices c
        where c.kind = 'credit_note' and c.status <> 'draft' and c.credited_invoice_id is not null
        group by c.org_id, c.credited_invoice_id) agg
    on agg.org_id = cn.org_id and agg.credited_invoice_id = cn.credited_invoice_id
  join public.invoices o on o.org_id = agg.org_id and o.id = agg.credited_invoice_id
  where cn.kind = 'credit_note' and cn.status <> 'draft' and agg.credited > o.total_ttc_cents
)
select pg_catalog.jsonb_build_object('id', b.id, 'reason', b.reason) as detail,
       pg_catalog.row_number() over (order by b.id) as sample_rank,
       b.id, b.reason
from bad b;

-- No attachments table exists yet (documents are files in storage referenced
-- by nothing in the schema). Until one does, the check has nothing to report;
-- the day public.attachments appears it returns a row saying so, so whoever
-- adds attachments must write the real orphan check here instead of it
-- staying silently green.
create view ops.check_orphaned_attachments as
select pg_catalog.to_jsonb('public.attachments exists but ops.check_orphaned_attachments has no orphan check for it yet: write one'::text) as detail,
       1::bigint as sample_rank
where pg_catalog.to_regclass('public.attachments') is not null;

-- -----------------------------------------------------------------------------
-- The catalogue
-- -----------------------------------------------------------------------------
create table ops.health_check_catalog (
  name              text primary key,
  cadence           text not null check (cadence in ('daily', 'weekly')),
  -- Where the check comes in ops.health_checks' output (stable for readers of npm run health).
  position          smallint not null unique,
  description       text not null check (pg_catalog.length(pg_catalog.btrim(description)) >= 10),
  -- The view in schema ops returning the offending rows; the runner quotes it with format('%I').
  view              name not null unique check (view = ('check_' || name)::name),
  -- The key under which details lists the first offending rows.
  details_key       text not null check (details_key ~ '^[a-z_]+$'),
  -- What details says when the check passes, if not an empty list.
  details_when_clean jsonb
);

comment on table ops.health_check_catalog is
  'The operator health checks: one row per check, its cadence and the ops.check_<name> view returning its offending rows. ops.health_checks runs them.';

alter table ops.health_check_catalog enable row level security;
revoke all on table ops.health_check_catalog from public, anon, authenticated;
grant select on table ops.health_check_catalog to service_role;

insert into ops.health_check_catalog (name, cadence, position, description, view, details_key, details_when_clean) values
  ('stock_negative', 'daily', 1, 'Stock items whose on-hand quantity is below zero.', 'check_stock_negative', 'ids', null),
  ('invoices_sent_without_pdf', 'daily', 2, 'Sent or paid invoices without the SHA-256 of their PDF.', 'check_invoices_sent_without_pdf', 'ids', null),
  ('rls_coverage', 'daily', 3, 'Tables exposing rows: RLS disabled, a critical table missing or without policy, a privilege no policy covers.', 'check_rls_coverage', 'findings', null),
  ('emergencies_pending_overdue', 'daily', 4, 'Emergencies still pending beyond the org''s emergency_pending threshold (5 minutes by default).', 'check_emergencies_pending_overdue', 'ids', null),
  ('invoice_chain', 'daily', 5, 'Broken links in an organization''s invoice hash chain.', 'check_invoice_chain', 'broken', null),
  ('cron_failures_24h', 'daily', 6, 'pg_cron runs that failed in the last 24 hours.', 'check_cron_failures_24h', 'runs', null),
  ('notifications_failed_or_stuck', 'daily', 7, 'Notifications failed in the last 24 hours or pending for over an hour.', 'check_notifications_failed_or_stuck', 'ids', null),
  ('missions_unreachable_status', 'weekly', 8, 'Missions in a status no valid transition leads to.', 'check_missions_unreachable_status', 'missions', null),
  ('timesheets_unapproved_30d', 'weekly', 9, 'Timesheets still unapproved 30 days after the work date.', 'check_timesheets_unapproved_30d', 'ids', null),
  ('credit_notes_invalid', 'weekly', 10, 'Credit notes without their original invoice, or crediting more than its total.', 'check_credit_notes_invalid', 'credit_notes', null),
  ('orphaned_attachments', 'weekly', 11, 'Placeholder until an attachments table exists: then it fails until a real orphan check is written.', 'check_orphaned_attachments', 'note', '{"note": "no attachments table"}');

-- -----------------------------------------------------------------------------
-- The runner
-- -----------------------------------------------------------------------------
create or replace function ops.health_checks(p_period text default 'daily')
returns table (name text, period text, ok boolean, count bigint, details jsonb)
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  -- How many offending rows a check lists in details.
  c_sample constant integer := 5;
  v_check  record;
  v_count  bigint;
  v_sample jsonb;
begin
  if p_period is null or p_period not in ('daily', 'weekly', 'all') then
    raise exception 'Unknown health check period: % (expected daily, weekly or all)', coalesce(p_period, 'null')
      using errcode = '22023';
  end if;

  for v_check in
    select c.name, c.cadence, c.view, c.details_key, c.details_when_clean
    from ops.health_check_catalog c
    where p_period = 'all' or c.cadence = p_period
    order by c.position
  loop
    -- The view name comes from the catalogue; %I quotes it as an identifier.
    execute pg_catalog.format(
      'select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(v.detail order by v.sample_rank)'
      ' filter (where v.sample_rank <= $1), ''[]'') from ops.%I v', v_check.view)
      into v_count, v_sample
      using c_sample;
    return query select v_check.name, v_check.cadence, v_count = 0, v_count,
      case when v_count = 0 and v_check.details_when_clean is not null then v_check.details_when_clean
           else pg_catalog.jsonb_build_object(v_check.details_key, v_sample) end;
  end loop;
end;
$$;

comment on function ops.health_checks(text) is
  'Operator health checks: one row per ops.health_check_catalog entry (name, period, ok, count, details with the first offending rows of its ops.check_<name> view). p_period: daily, weekly or all (22023 otherwise). Runs as its owner so service_role can read cron and catalogs.';

-- The check views run as their owner, like the runner: only service_role (and DBAs) may read them.
do $$
declare v_view name;
begin
  for v_view in select c.view from ops.health_check_catalog c loop
    execute pg_catalog.format('revoke all on table ops.%I from public, anon, authenticated', v_view);
    execute pg_catalog.format('grant select on table ops.%I to service_role', v_view);
    execute pg_catalog.format('comment on view ops.%I is %L', v_view,
      'Health check ' || pg_catalog.substr(v_view, 7) || ': the offending rows (see ops.health_check_catalog).');
  end loop;
end $$;

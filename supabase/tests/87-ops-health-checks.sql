-- Operator health checks: ops.health_checks, ops.daily_health,
-- ops.weekly_health. Every check is shown passing on the seed (made clean where
-- the seed is deliberately alarming), then failing on data crafted inside this
-- transaction (triggers off with session_replication_role = replica, a CHECK
-- constraint dropped where the schema itself forbids the bad row). Rolled back.
begin;
select plan(53);

create function pg_temp.chk(p_name text) returns record language sql as $$
  select (h.ok, h.count, h.details) from ops.health_checks('all') h where h.name = p_name
$$;
create function pg_temp.ok(p_name text) returns boolean language sql as $$
  select h.ok from ops.health_checks('all') h where h.name = p_name
$$;
create function pg_temp.cnt(p_name text) returns bigint language sql as $$
  select h.count from ops.health_checks('all') h where h.name = p_name
$$;
create function pg_temp.details(p_name text) returns jsonb language sql as $$
  select h.details from ops.health_checks('all') h where h.name = p_name
$$;

-- -----------------------------------------------------------------------------
-- Shape, periods, privileges
-- -----------------------------------------------------------------------------
select results_eq($$select name from ops.health_checks('daily') order by name$$,
  array['cron_failures_24h', 'emergencies_pending_overdue', 'invited_account_removals_overdue', 'invoice_chain',
        'invoices_sent_without_pdf', 'notifications_failed_or_stuck', 'rls_coverage', 'stock_negative'],
  'daily checks: one row each');
select results_eq($$select name from ops.health_checks('weekly') order by name$$,
  array['credit_notes_invalid', 'missions_unreachable_status', 'orphaned_attachments',
        'timesheets_unapproved_30d'],
  'weekly checks: one row each');
select is((select count(*) from ops.health_checks()), 8::bigint, 'the default period is daily');
select is((select count(*) from ops.daily_health), 8::bigint, 'ops.daily_health lists the daily checks');
select is((select count(*) from ops.weekly_health where period = 'weekly'), 4::bigint, 'ops.weekly_health lists the weekly checks');
select throws_ok($$select * from ops.health_checks('monthly')$$, '22023',
  'Unknown health check period: monthly (expected daily, weekly or all)', 'an unknown period is refused');
select is((select prosecdef from pg_proc where oid = 'ops.health_checks(text)'::regprocedure), true,
  'SECURITY DEFINER (search_path '''' is linted by 90-lint)');

select is(tests.count_as('service_role', 'select * from ops.health_checks(''all'')'), 12::bigint,
  'service_role runs every check');
select is(tests.count_as('service_role', 'select * from ops.daily_health'), 8::bigint, 'service_role reads ops.daily_health');
select throws_ok($$select tests.count_as('authenticated', 'select * from ops.health_checks(''daily'')')$$, '42501', null,
  'authenticated cannot run the checks');
select throws_ok($$select tests.count_as('anon', 'select * from ops.weekly_health')$$, '42501', null,
  'anon cannot read the views');

-- -----------------------------------------------------------------------------
-- Passing: the seed, with its deliberately overdue emergency made fresh and
-- anything old enough to trip a threshold made recent.
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;
update public.emergency_requests set created_at = now() where status = 'pending';
update public.timesheets set work_date = current_date where approved_at is null and work_date < current_date - 30;
delete from cron.job_run_details where status = 'failed';
-- Seeded pending notifications age with the clock: keep them fresh too.
update public.notifications set next_attempt_at = now(), created_at = now() where delivery_status <> 'sent';
set local session_replication_role = origin;

select is(pg_temp.ok('stock_negative'), true, 'stock_negative passes on the seed');
select is(pg_temp.ok('invoices_sent_without_pdf'), true, 'invoices_sent_without_pdf passes on the seed');
select is(pg_temp.ok('rls_coverage'), true, 'rls_coverage passes on the schema');
select is(pg_temp.ok('emergencies_pending_overdue'), true, 'emergencies_pending_overdue passes with a fresh pending emergency');
select is(pg_temp.details('emergencies_pending_overdue'), '{"ids": []}'::jsonb, 'emergencies_pending_overdue lists no id when it passes');
select is(pg_temp.ok('invoice_chain'), true, 'invoice_chain passes on the seeded chains');
select is(pg_temp.ok('cron_failures_24h'), true, 'cron_failures_24h passes without failed runs');
select is(pg_temp.ok('notifications_failed_or_stuck'), true, 'notifications_failed_or_stuck passes on the seed');
select is(pg_temp.ok('missions_unreachable_status'), true, 'missions_unreachable_status passes on the seed');
select is(pg_temp.ok('timesheets_unapproved_30d'), true, 'timesheets_unapproved_30d passes on the seed');
select is(pg_temp.ok('credit_notes_invalid'), true, 'credit_notes_invalid passes on the seed');
select is(pg_temp.details('orphaned_attachments'), '{"orphans": []}'::jsonb,
  'orphaned_attachments passes on the seed (no upload left behind)');

-- -----------------------------------------------------------------------------
-- Failing, one crafted fault per check.
-- -----------------------------------------------------------------------------
-- stock_negative: the CHECK forbids it, so drop it for this transaction.
alter table public.stock_items drop constraint stock_items_on_hand_not_negative;
set local session_replication_role = replica;
update public.stock_items set on_hand = -3 where id = 'a0000000-0000-4000-8000-000000003202';
set local session_replication_role = origin;
select is(pg_temp.chk('stock_negative'), row(false, 1::bigint, '{"ids": ["a0000000-0000-4000-8000-000000003202"]}'::jsonb),
  'stock_negative fails and names the item');

-- invoice_chain (before the pdf fault, which edits a chained row): rewrite a link.
set local session_replication_role = replica;
update public.invoices set prev_hash = repeat('f', 64)
where org_id = 'b0000000-0000-4000-8000-0000000000b0' and chain_position = 2;
set local session_replication_role = origin;
select is(pg_temp.ok('invoice_chain'), false, 'invoice_chain fails when a link is rewritten');
select is(pg_temp.details('invoice_chain') -> 'broken' -> 0 ->> 'org_id', 'b0000000-0000-4000-8000-0000000000b0',
  'invoice_chain names the organization');
select is(pg_temp.details('invoice_chain') -> 'broken' -> 0 ->> 'reason',
  'prev_hash does not match the row_hash of the previous document', 'invoice_chain says why');

-- invoices_sent_without_pdf: the CHECK forbids it too.
alter table public.invoices drop constraint invoices_sent_has_pdf;
set local session_replication_role = replica;
update public.invoices set pdf_sha256 = null where id = 'a0000000-0000-4000-8000-000000004004';
set local session_replication_role = origin;
select is(pg_temp.chk('invoices_sent_without_pdf'),
  row(false, 1::bigint, '{"ids": ["a0000000-0000-4000-8000-000000004004"]}'::jsonb),
  'invoices_sent_without_pdf fails and names the invoice');

-- rls_coverage: an API-readable table without RLS.
create table public.ops_health_probe (id integer primary key);
grant select on public.ops_health_probe to authenticated;
select is(pg_temp.ok('rls_coverage'), false, 'rls_coverage fails on a readable table without RLS');
select ok(pg_temp.details('rls_coverage') -> 'findings' @> '["public.ops_health_probe: RLS disabled"]',
  'rls_coverage names the table and the finding');
alter table public.ops_health_probe enable row level security;
select ok(pg_temp.details('rls_coverage') -> 'findings' @> '["public.ops_health_probe authenticated select: privilege without policy"]',
  'rls_coverage flags a privilege no policy covers');
drop table public.ops_health_probe;

-- emergencies_pending_overdue: pending for two hours (over any sane threshold).
insert into public.emergency_requests (id, org_id, client_id, description, created_at)
select 'a0000000-0000-4000-8000-00000000e999', e.org_id, e.client_id, 'Health check probe', now() - interval '2 hours'
from public.emergency_requests e where e.id = 'a0000000-0000-4000-8000-000000002301';
select is(pg_temp.cnt('emergencies_pending_overdue'), 1::bigint, 'emergencies_pending_overdue counts the overdue emergency only');
select is(pg_temp.details('emergencies_pending_overdue') -> 'ids', '["a0000000-0000-4000-8000-00000000e999"]'::jsonb,
  'emergencies_pending_overdue names it');
-- The org's alert_config threshold applies (3 hours: fine) …
update public.alert_config set threshold = 3, unit = 'hours'
where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = 'emergency_pending';
select is(pg_temp.ok('emergencies_pending_overdue'), true, 'emergencies_pending_overdue follows the org''s alert_config threshold');
-- … and without a row, the design's 5 minutes.
delete from public.alert_config where org_id = 'a0000000-0000-4000-8000-0000000000a0' and alert_type = 'emergency_pending';
select is(pg_temp.cnt('emergencies_pending_overdue'), 1::bigint, 'without an alert_config row the threshold is 5 minutes');

-- cron_failures_24h: a failed run an hour ago; one from two days ago does not count.
insert into cron.job_run_details (jobid, runid, status, return_message, start_time, end_time) values
  (1, nextval('cron.runid_seq'), 'failed', 'ERROR: boom', now() - interval '1 hour', now() - interval '1 hour'),
  (1, nextval('cron.runid_seq'), 'failed', 'ERROR: old', now() - interval '2 days', now() - interval '2 days'),
  (1, nextval('cron.runid_seq'), 'succeeded', '1 row', now() - interval '1 hour', now() - interval '1 hour');
select is(pg_temp.cnt('cron_failures_24h'), 1::bigint, 'cron_failures_24h counts the failed run of the last 24 h');
select is(pg_temp.details('cron_failures_24h') -> 'runs' -> 0 ->> 'jobname', 'purge-idempotency-keys',
  'cron_failures_24h names the job');
select is(pg_temp.details('cron_failures_24h') -> 'runs' -> 0 ->> 'message', 'ERROR: boom', 'cron_failures_24h gives the message');

-- notifications_failed_or_stuck: stuck (due 2 h ago), failed today; not: due 10 min ago, failed 3 days ago.
insert into public.notifications (id, org_id, user_id, channel, type, title, delivery_status, next_attempt_at, last_error, created_at) values
  ('a0000000-0000-4000-8000-00000000f001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001',
   'email', 'probe', 'Stuck', 'pending', now() - interval '2 hours', null, now() - interval '3 hours'),
  ('a0000000-0000-4000-8000-00000000f002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001',
   'email', 'probe', 'Retrying', 'pending', now() - interval '10 minutes', null, now() - interval '3 hours'),
  ('a0000000-0000-4000-8000-00000000f003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001',
   'push', 'probe', 'Failed', 'failed', null, 'gone', now() - interval '1 hour'),
  ('a0000000-0000-4000-8000-00000000f004', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001',
   'push', 'probe', 'Failed long ago', 'failed', null, 'gone', now() - interval '3 days');
select is(pg_temp.cnt('notifications_failed_or_stuck'), 2::bigint, 'notifications_failed_or_stuck counts the stuck and the recently failed');
select set_eq($$select jsonb_array_elements_text(pg_temp.details('notifications_failed_or_stuck') -> 'ids')$$,
  array['a0000000-0000-4000-8000-00000000f001', 'a0000000-0000-4000-8000-00000000f003'],
  'notifications_failed_or_stuck names them');

-- missions_unreachable_status: no transition leads to invoiced any more.
set local session_replication_role = replica;
delete from public.mission_valid_transitions where to_status = 'invoiced';
set local session_replication_role = origin;
select is(pg_temp.ok('missions_unreachable_status'), false, 'missions_unreachable_status fails for a status no transition reaches');
select ok(pg_temp.details('missions_unreachable_status') -> 'missions'
            @> '[{"id": "a0000000-0000-4000-8000-000000002006", "status": "invoiced"}]',
  'missions_unreachable_status names the mission and its status');

-- timesheets_unapproved_30d: 31 days old and unapproved; 29 days old is fine.
set local session_replication_role = replica;
update public.timesheets set work_date = current_date - 31 where id = 'a0000000-0000-4000-8000-000000003105';
update public.timesheets set work_date = current_date - 29 where id = 'a0000000-0000-4000-8000-000000003106';
set local session_replication_role = origin;
select is(pg_temp.chk('timesheets_unapproved_30d'),
  row(false, 1::bigint, '{"ids": ["a0000000-0000-4000-8000-000000003105"]}'::jsonb),
  'timesheets_unapproved_30d fails on a timesheet unapproved for 31 days');

-- credit_notes_invalid: credited beyond the invoice total, then pointing at nothing.
set local session_replication_role = replica;
update public.invoices set total_ht_cents = 200000 where id = 'a0000000-0000-4000-8000-000000004009';
set local session_replication_role = origin;
select is(pg_temp.chk('credit_notes_invalid'),
  row(false, 1::bigint, '{"credit_notes": [{"id": "a0000000-0000-4000-8000-000000004009", "reason": "credit notes exceed the invoice total"}]}'::jsonb),
  'credit_notes_invalid fails when credit notes exceed the invoice total');
set local session_replication_role = replica;
update public.invoices set total_ht_cents = 1000, credited_invoice_id = 'a0000000-0000-4000-8000-00000000dead'
where id = 'a0000000-0000-4000-8000-000000004009';
set local session_replication_role = origin;
select is(pg_temp.chk('credit_notes_invalid'),
  row(false, 1::bigint, '{"credit_notes": [{"id": "a0000000-0000-4000-8000-000000004009", "reason": "no original invoice"}]}'::jsonb),
  'credit_notes_invalid fails on a credit note without its original invoice');

-- orphaned_attachments: an upload registered 25 hours ago and never finalized
-- (every kind of orphan is proven in 102-attachment-orphans.sql).
insert into public.attachments (org_id, owner_type, owner_id, uploader, bucket, object_path, mime, size_bytes, upload_id, created_at)
values ('a0000000-0000-4000-8000-0000000000a0', 'alert_sound', 'a0000000-0000-4000-8000-0000000000a0',
        'a0000000-0000-4000-8000-000000000001', 'attachments', 'a0000000-0000-4000-8000-0000000000a0/alert_sound/x.mp3',
        'audio/mpeg', 10, gen_random_uuid(), now() - interval '25 hours');
select is(pg_temp.chk('orphaned_attachments'),
  row(false, 1::bigint, '{"orphans": [{"path": "a0000000-0000-4000-8000-0000000000a0/alert_sound/x.mp3", "bucket": "attachments", "reason": "pending upload never finalized"}]}'::jsonb),
  'orphaned_attachments fails on an upload pending for over a day, and names it');
delete from public.attachments;
select is(pg_temp.ok('orphaned_attachments'), true, 'and passes once it is gone');

-- The views see the same faults.
select is((select count(*) from ops.daily_health where not ok), 6::bigint,
  'the views see the same faults: every daily check but rls_coverage (its probe is gone) fails');
select is((select count(*) from ops.weekly_health where not ok), 3::bigint, 'every weekly check with a fault still present fails');

-- -----------------------------------------------------------------------------
-- The catalogue: a check is an ops.check_<name> view and a row.
-- -----------------------------------------------------------------------------
select is((select count(*) from ops.health_check_catalog c where to_regclass('ops.' || quote_ident(c.view)) is null),
  0::bigint, 'every catalogued check has its view');
select throws_ok($$insert into ops.health_check_catalog (name, cadence, position, description, view, details_key)
                   values ('probe', 'daily', 99, 'A probe reading a business table.', 'stock_items', 'ids')$$,
  '23514', null, 'the catalogue only names ops.check_<name> views');
create view ops.check_probe as
select to_jsonb(g) as detail, g::bigint as sample_rank from generate_series(1, 7) g;
insert into ops.health_check_catalog (name, cadence, position, description, view, details_key)
values ('probe', 'weekly', 99, 'A probe with seven offending rows.', 'check_probe', 'probes');
select is(pg_temp.chk('probe'), row(false, 7::bigint, '{"probes": [1, 2, 3, 4, 5]}'::jsonb),
  'a catalogued view is run: its rows counted, the first five listed in order');
select is(tests.count_as('service_role', 'select * from ops.check_stock_negative'), 1::bigint,
  'service_role reads a check view directly');

select * from finish();
rollback;

-- Timesheets (invariant 7 and the 24 h rules): bounds per row, the daily total
-- per technician, no future dates, the technician role, the lock on approved
-- and invoiced rows (update and delete), the invoicing system context, and
-- log_hours (assigned missions only, idempotent replays).
begin;
select plan(59);

-- -----------------------------------------------------------------------------
-- Helpers. tests.as_user (000-setup-tests-hooks.sql) runs one statement as a
-- signed-in user through the real API role (authenticated + JWT claims), then
-- switches back; when the statement raises, the enclosing throws_ok
-- subtransaction undoes the switch.
-- -----------------------------------------------------------------------------
-- The organization's "today" (Europe/Paris) minus n days.
-- Past work dates in these tests are 20+ days back, clear of the demo
-- timesheets (the last two weeks), so daily totals are the tests' own.
create function pg_temp.d(n integer) returns date language sql as $$
  select (now() at time zone 'Europe/Paris')::date - n
$$;
create function pg_temp.ds(n integer) returns text language sql as $$
  select to_char(pg_temp.d(n), 'YYYY-MM-DD')
$$;

-- Missions to log hours on, moved along the state machine by the system actor.
-- e3…01 in progress for Karim (…03), e3…02 in progress for Sophie (…04),
-- e3…03 published with Karim named, e3…04 assigned to Karim, e3…0b org B.
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('e3000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — entretien chaudière'),
  ('e3000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — désembouage'),
  ('e3000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2', 'Test — four à pain'),
  ('e3000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2', 'Test — ramonage'),
  ('e3000000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1', 'Test — fuite local technique');
-- A draft invoice for the invoicing-context tests (invoices belong to the invoicing migrations).
insert into public.invoices (id, org_id, client_id) values
  ('e3f00000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1');
update public.missions set status = 'published' where id::text like 'e3000000-%';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000003'
  where id in ('e3000000-0000-4000-8000-000000000001', 'e3000000-0000-4000-8000-000000000004');
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000004' where id = 'e3000000-0000-4000-8000-000000000002';
update public.missions set status = 'assigned', technician_id = 'b0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-00000000000b';
update public.missions set status = 'in_progress'
  where id in ('e3000000-0000-4000-8000-000000000001', 'e3000000-0000-4000-8000-000000000002', 'e3000000-0000-4000-8000-00000000000b');
update public.missions set technician_id = 'a0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-000000000003';

-- -----------------------------------------------------------------------------
-- Row bounds: 0 < hours <= 24.
-- -----------------------------------------------------------------------------
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 0)$$, pg_temp.d(30)),
  '23514', null, '0 hours are refused');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 24.01)$$, pg_temp.d(30)),
  '23514', null, '24.01 hours are refused');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, -2)$$, pg_temp.d(30)),
  '23514', null, 'negative hours are refused');
select lives_ok(
  format($$insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours)
    values ('e3100000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 24)$$, pg_temp.d(30)),
  'exactly 24 hours in one row are accepted');

-- -----------------------------------------------------------------------------
-- Daily total <= 24 per technician, across rows and missions.
-- -----------------------------------------------------------------------------
insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours) values
  ('e3100000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(29), 12),
  ('e3100000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', pg_temp.d(29), 8);
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 5.5)$$, pg_temp.d(29)),
  'P0001', format('Daily total for %s would be 25.50 h (max 24)', pg_temp.ds(29)),
  'a row that takes the day over 24 h is refused with the day''s would-be total');
select is((select sum(hours) from public.timesheets where technician_id = 'a0000000-0000-4000-8000-000000000003' and work_date = pg_temp.d(29)),
  20.00::numeric, '… and the day keeps its 20 h');
select lives_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 4)$$, pg_temp.d(29)),
  'reaching exactly 24 h in a day is accepted');
select throws_ok(
  $$update public.timesheets set hours = 9 where id = 'e3100000-0000-4000-8000-000000000003'$$,
  'P0001', format('Daily total for %s would be 25.00 h (max 24)', pg_temp.ds(29)),
  'raising a row''s hours over the daily total is refused');
select throws_ok(
  format($$update public.timesheets set work_date = %L where id = 'e3100000-0000-4000-8000-000000000002'$$, pg_temp.d(30)),
  'P0001', format('Daily total for %s would be 36.00 h (max 24)', pg_temp.ds(30)),
  'moving a row to a full day is refused');
select throws_ok(
  $$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours) values
    ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000002', pg_temp.d(28), 13),
    ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000002', pg_temp.d(28), 12)$$,
  'P0001', format('Daily total for %s would be 25.00 h (max 24)', pg_temp.ds(28)),
  'two rows of one statement count together');
select lives_ok(
  $$update public.timesheets set hours = 7 where id = 'e3100000-0000-4000-8000-000000000003'$$,
  'lowering a row''s hours is accepted');
select lives_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000002', %L, 20)$$, pg_temp.d(29)),
  'another technician''s day is counted separately');

-- -----------------------------------------------------------------------------
-- Dates, technician role, tenancy.
-- -----------------------------------------------------------------------------
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 1)$$, pg_temp.d(-1)),
  'P0001', format('Work date %s is in the future (today is %s in Europe/Paris)', pg_temp.ds(-1), pg_temp.ds(0)),
  'hours cannot be logged for tomorrow (organization''s timezone)');
select lives_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 1)$$, pg_temp.d(0)),
  'hours can be logged for today');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000002', 'e3000000-0000-4000-8000-000000000001', %L, 1)$$, pg_temp.d(23)),
  '23514', 'User a0000000-0000-4000-8000-000000000002 is not a technician of this organization',
  'a dispatcher cannot hold a timesheet');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'b0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 1)$$, pg_temp.d(23)),
  '23514', 'User b0000000-0000-4000-8000-000000000003 is not a technician of this organization',
  'a technician of another organization cannot hold a timesheet');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-00000000000b', %L, 1)$$, pg_temp.d(23)),
  '23503', null, 'a timesheet cannot point at another organization''s mission');

-- -----------------------------------------------------------------------------
-- Unapproved rows are editable and deletable.
-- -----------------------------------------------------------------------------
insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours, note) values
  ('e3100000-0000-4000-8000-000000000010', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(25), 8, 'Remplacement circulateur'),
  ('e3100000-0000-4000-8000-000000000011', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(24), 6, null),
  ('e3100000-0000-4000-8000-000000000012', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(23), 3, null);
select lives_ok($$update public.timesheets set hours = 7.5, note = 'Circulateur + purge' where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'an unapproved timesheet can be edited');
select lives_ok($$delete from public.timesheets where id = 'e3100000-0000-4000-8000-000000000012'$$,
  'an unapproved timesheet can be deleted');

-- -----------------------------------------------------------------------------
-- Approved rows are locked (the system actor approves here; who may approve
-- is tested in 31-timesheet-approval.sql).
-- -----------------------------------------------------------------------------
update public.timesheets set approved_at = now() where id in ('e3100000-0000-4000-8000-000000000010', 'e3100000-0000-4000-8000-000000000011');
select isnt((select approved_at from public.timesheets where id = 'e3100000-0000-4000-8000-000000000010'), null, 'the system actor can approve');
select throws_ok($$update public.timesheets set hours = 7 where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'an approved timesheet''s hours cannot change');
select throws_ok($$update public.timesheets set note = 'retouche' where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'an approved timesheet''s note cannot change');
select throws_ok($$update public.timesheets set approved_at = null where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'an approved timesheet cannot be unapproved directly');
select throws_ok($$update public.timesheets set hours = hours where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'even a no-op update of an approved timesheet is refused');
select throws_ok($$delete from public.timesheets where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'an approved timesheet cannot be deleted');
select results_eq(
  $$select hours, note, approved_at is not null from public.timesheets where id = 'e3100000-0000-4000-8000-000000000010'$$,
  $$values (7.50::numeric(4,2), 'Circulateur + purge'::text, true)$$,
  '… and the approved row is unchanged');

-- -----------------------------------------------------------------------------
-- Invoicing context: approved → invoiced (invoiced + invoice_id) and nothing else.
-- -----------------------------------------------------------------------------
select throws_ok($$update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001' where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'outside the invoicing context an approved row cannot be invoiced');
select set_config('terrain.system_context', 'invoicing', true);
select throws_ok($$update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001' where id = 'e3100000-0000-4000-8000-000000000001'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000001 is not approved and cannot be invoiced', 'an unapproved row cannot be invoiced, even by invoicing');
select throws_ok($$update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001', hours = 7 where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'invoicing cannot change the hours at the same time');
select throws_ok($$update public.timesheets set invoiced = true where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is approved and locked', 'invoicing needs the invoice id');
select lives_ok($$update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001' where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'in the invoicing context an approved row becomes invoiced');
select throws_ok($$update public.timesheets set invoiced = false, invoice_id = null where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is invoiced and locked', 'not even invoicing can un-invoice a row');
select set_config('terrain.system_context', '', true);
select throws_ok($$update public.timesheets set note = 'x' where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is invoiced and locked', 'an invoiced timesheet cannot be updated');
select throws_ok($$delete from public.timesheets where id = 'e3100000-0000-4000-8000-000000000010'$$,
  'P0001', 'Timesheet e3100000-0000-4000-8000-000000000010 is invoiced and locked', 'an invoiced timesheet cannot be deleted');
select results_eq(
  $$select invoiced, invoice_id, hours from public.timesheets where id = 'e3100000-0000-4000-8000-000000000010'$$,
  $$values (true, 'e3f00000-0000-4000-8000-000000000001'::uuid, 7.50::numeric(4,2))$$,
  '… and the invoiced row is unchanged');
select throws_ok(
  format($$insert into public.timesheets (org_id, technician_id, mission_id, work_date, hours, invoiced, invoice_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', %L, 1, true, 'e3f00000-0000-4000-8000-000000000001')$$, pg_temp.d(22)),
  '23514', null, 'only approved hours can be invoiced (check constraint)');

-- -----------------------------------------------------------------------------
-- log_hours: the technician's call.
-- -----------------------------------------------------------------------------
select is(
  (tests.as_user('a0000000-0000-4000-8000-000000000003', format(
     $q$select public.log_hours('e3000000-0000-4000-8000-000000000001', %L, 2.5, 'Mise en service', 'log-hours-key-0001')$q$, pg_temp.d(21)))
   - 'id' - 'created_at' - 'updated_at'),
  jsonb_build_object('org_id', 'a0000000-0000-4000-8000-0000000000a0', 'technician_id', 'a0000000-0000-4000-8000-000000000003',
    'mission_id', 'e3000000-0000-4000-8000-000000000001', 'work_date', pg_temp.ds(21), 'hours', 2.50, 'note', 'Mise en service',
    'approved_by', null, 'approved_at', null, 'invoiced', false, 'invoice_id', null),
  'a technician logs hours on a mission assigned to them and gets the timesheet back');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003', format(
     $q$select public.log_hours('e3000000-0000-4000-8000-000000000001', %L, 2.5, 'Mise en service', 'log-hours-key-0001')$q$, pg_temp.d(21))),
  (select to_jsonb(t) from public.timesheets t where t.work_date = pg_temp.d(21) and t.technician_id = 'a0000000-0000-4000-8000-000000000003'),
  'replaying the same key returns the first result');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003', format(
     $q$select public.log_hours('e3000000-0000-4000-8000-000000000001', %L, 2.50, 'Mise en service', 'log-hours-key-0001')$q$, pg_temp.d(21))) ->> 'hours',
  '2.50', 'a third replay (2.50 written as 2.50) returns it again');
select is((select count(*)::int from public.timesheets where work_date = pg_temp.d(21) and technician_id = 'a0000000-0000-4000-8000-000000000003'),
  1, 'three calls with one key logged the hours once');
-- Refused calls (user, mission, work date as days ago, hours, comment, key):
select tests.throws_as_user(u, format('select public.log_hours(%L, %L, %s, %L, %L)', m, pg_temp.d(n), h, c, k), e, msg, d)
from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'e3000000-0000-4000-8000-000000000001'::uuid, 21, 3::numeric, 'Mise en service', 'log-hours-key-0001', 'P0001', 'Idempotency key log-hours-key-0001 was already used for a different request', 'the same key with other hours is refused'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000002', 21, 1, null, 'log-hours-key-0002', '42501', 'Mission e3000000-0000-4000-8000-000000000002 is not assigned to you', 'a technician cannot log hours on another technician''s mission'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000003', 21, 1, null, 'log-hours-key-0003', 'P0001', 'Cannot log hours on a mission in status published', 'no hours on a mission that has not been accepted'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-00000000000b', 21, 1, null, 'log-hours-key-0004', 'P0002', 'Mission e3000000-0000-4000-8000-00000000000b not found', 'another organization''s mission is not found'),
  ('a0000000-0000-4000-8000-000000000002', 'e3000000-0000-4000-8000-000000000001', 21, 1, null, 'log-hours-key-0005', '42501', 'Only technicians log hours', 'a dispatcher does not log hours through the technician''s call'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', -1, 1, null, 'log-hours-key-0006', 'P0001', format('Work date %s is in the future (today is %s in Europe/Paris)', pg_temp.ds(-1), pg_temp.ds(0)), 'log_hours refuses a future date'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, 0, null, 'log-hours-key-0007', '23514', 'Hours must be greater than 0 and at most 24 (got 0)', 'log_hours refuses 0 hours'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, 24.01, null, 'log-hours-key-0008', '23514', 'Hours must be greater than 0 and at most 24 (got 24.01)', 'log_hours refuses 24.01 hours'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, -1, null, 'log-hours-key-0009', '23514', 'Hours must be greater than 0 and at most 24 (got -1)', 'log_hours refuses negative hours'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, 1.255, null, 'log-hours-key-0010', '23514', 'Hours have at most 2 decimals (got 1.255)', 'log_hours refuses sub-minute precision rather than rounding it'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, 22, null, 'log-hours-key-0011', 'P0001', format('Daily total for %s would be 24.50 h (max 24)', pg_temp.ds(21)), 'log_hours respects the daily total across missions'),
  ('a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000004', 21, 1, null, 'short', '22023', 'Idempotency key must be 8 to 200 characters', 'log_hours needs a real idempotency key')
) t (u, m, n, h, c, k, e, msg, d);
select is((select count(*)::int from public.idempotency_keys where key like 'log-hours-key-%'), 1,
  'refused calls stored no idempotency result (the client may retry them)');
select lives_ok(
  format($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.log_hours('e3000000-0000-4000-8000-000000000004', %L, 1.25, '  ', 'log-hours-key-0012')$q$)$$, pg_temp.d(21)),
  'hours on an assigned (not yet started) mission are accepted');
select is((select note from public.timesheets where mission_id = 'e3000000-0000-4000-8000-000000000004' and work_date = pg_temp.d(21)), null,
  'a blank note is stored as null');
select throws_ok(
  format($$select tests.as_user('a0000000-0000-4000-8000-000000000004',
    $q$select public.log_hours('e3000000-0000-4000-8000-000000000002', %L, 1, null, 'log-hours-key-0001')$q$)$$, pg_temp.d(21)),
  'P0001', 'Idempotency key log-hours-key-0001 was already used for a different request',
  'another technician presenting a used key is refused');

-- The API roles: authenticated and service_role may call, anon may not; no table privilege.
select ok(has_function_privilege('authenticated', 'public.log_hours(uuid, date, numeric, text, text)', 'execute')
          and has_function_privilege('service_role', 'public.log_hours(uuid, date, numeric, text, text)', 'execute'),
  'authenticated and service_role can call log_hours');
select ok(not has_function_privilege('anon', 'public.log_hours(uuid, date, numeric, text, text)', 'execute'),
  'anon cannot call log_hours');
select ok(not has_table_privilege('authenticated', 'public.timesheets', 'insert')
          and not has_column_privilege('authenticated', 'public.timesheets', 'approved_at', 'update')
          and not has_table_privilege('anon', 'public.timesheets', 'select, insert, update, delete'),
  'hours are logged only through log_hours and approved only through the approval functions (no direct insert, no approved_at grant); anon has nothing');

select * from finish();
rollback;

-- Timesheet approval and the audited lock override (invariant 7): who may
-- approve, bulk approval with per-item results, the override (reason, column
-- whitelist, audit row, invoiced rows untouchable) and the append-only
-- lock_overrides table.
begin;
select plan(48);

-- Past work dates in these tests are 20+ days back, clear of the demo
-- timesheets (the last two weeks), so daily totals are the tests' own.
create function pg_temp.d(n integer) returns date language sql as $$
  select (now() at time zone 'Europe/Paris')::date - n
$$;

-- Fixtures: a mission in progress per organization, and timesheets
-- e3200000-…-0001..0007 (org A, Karim …03 except 0005 and 0007 by Sophie …04), …000b (org B).
insert into public.missions (id, org_id, client_id, site_id, title) values
  ('e3000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — entretien chaudière'),
  ('e3000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Test — désembouage'),
  ('e3000000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1', 'Test — fuite local technique');
-- A draft invoice for the invoicing-context tests (invoices belong to the invoicing migrations).
insert into public.invoices (id, org_id, client_id) values
  ('e3f00000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1');
update public.missions set status = 'published' where id::text like 'e3000000-%';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-000000000001';
update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000004' where id = 'e3000000-0000-4000-8000-000000000002';
update public.missions set status = 'assigned', technician_id = 'b0000000-0000-4000-8000-000000000003' where id = 'e3000000-0000-4000-8000-00000000000b';
update public.missions set status = 'in_progress' where id::text like 'e3000000-%';

insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours, note) values
  ('e3200000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(26), 8, 'Dépose ancienne chaudière'),
  ('e3200000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(25), 8, 'Pose chaudière à condensation'),
  ('e3200000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(24), 6, 'Raccordements'),
  ('e3200000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(23), 4, 'Mise en service'),
  ('e3200000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000002', pg_temp.d(23), 20, 'Désembouage complet'),
  ('e3200000-0000-4000-8000-000000000007', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000002', pg_temp.d(24), 6, 'Rinçage'),
  ('e3200000-0000-4000-8000-000000000006', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000001', pg_temp.d(22), 2, null),
  ('e3200000-0000-4000-8000-00000000000b', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-00000000000b', pg_temp.d(22), 3, null);
update public.timesheets set approved_at = now() - interval '1 day', approved_by = 'a0000000-0000-4000-8000-000000000002'
  where id = 'e3200000-0000-4000-8000-000000000002';

-- -----------------------------------------------------------------------------
-- bulk_approve_timesheets.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    format('select public.bulk_approve_timesheets(%L::uuid[])', (select array_agg(gen_random_uuid()) from generate_series(1, 101))))$$,
  '22023', 'At most 100 timesheets per bulk approval (got 101)', 'more than 100 ids are refused whole');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002', $q$select public.bulk_approve_timesheets(array[
    'e3200000-0000-4000-8000-000000000001', 'e3200000-0000-4000-8000-000000000002', 'e3200000-0000-4000-8000-00000000000b',
    'e3200000-0000-4000-8000-0000000000ff', 'e3200000-0000-4000-8000-000000000001', 'e3200000-0000-4000-8000-000000000005']::uuid[])$q$),
  jsonb_build_object(
    'results', jsonb_build_array(
      jsonb_build_object('id', 'e3200000-0000-4000-8000-000000000001', 'ok', true, 'error', null, 'code', null),
      jsonb_build_object('id', 'e3200000-0000-4000-8000-000000000002', 'ok', false, 'error', 'Timesheet e3200000-0000-4000-8000-000000000002 is already approved', 'code', 'invalid_transition'),
      jsonb_build_object('id', 'e3200000-0000-4000-8000-00000000000b', 'ok', false, 'error', 'Timesheet e3200000-0000-4000-8000-00000000000b not found', 'code', 'not_found'),
      jsonb_build_object('id', 'e3200000-0000-4000-8000-0000000000ff', 'ok', false, 'error', 'Timesheet e3200000-0000-4000-8000-0000000000ff not found', 'code', 'not_found'),
      jsonb_build_object('id', 'e3200000-0000-4000-8000-000000000001', 'ok', false, 'error', 'Timesheet e3200000-0000-4000-8000-000000000001 is already approved', 'code', 'invalid_transition'),
      jsonb_build_object('id', 'e3200000-0000-4000-8000-000000000005', 'ok', true, 'error', null, 'code', null)),
    'summary', jsonb_build_object('requested', 6, 'succeeded', 2, 'failed', 4)),
  'a dispatcher''s bulk approval reports each item; other-organization and unknown ids are not found');
select results_eq(
  $$select id, approved_by, approved_at = now() from public.timesheets
    where id in ('e3200000-0000-4000-8000-000000000001', 'e3200000-0000-4000-8000-000000000005') order by id$$,
  $$values ('e3200000-0000-4000-8000-000000000001'::uuid, 'a0000000-0000-4000-8000-000000000002'::uuid, true),
           ('e3200000-0000-4000-8000-000000000005'::uuid, 'a0000000-0000-4000-8000-000000000002'::uuid, true)$$,
  '… the good items are approved by the caller, now');
select is((select approved_at from public.timesheets where id = 'e3200000-0000-4000-8000-00000000000b'), null,
  '… and the other organization''s timesheet is untouched');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003', $q$select public.bulk_approve_timesheets(array['e3200000-0000-4000-8000-000000000003']::uuid[])$q$),
  jsonb_build_object(
    'results', jsonb_build_array(jsonb_build_object('id', 'e3200000-0000-4000-8000-000000000003', 'ok', false,
                                                    'error', 'Only an owner, admin or dispatcher can approve timesheets', 'code', 'forbidden_role')),
    'summary', jsonb_build_object('requested', 1, 'succeeded', 0, 'failed', 1)),
  'a technician cannot approve (not even their own hours)');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000005', $q$select public.bulk_approve_timesheets(array['e3200000-0000-4000-8000-000000000003']::uuid[])$q$)
    -> 'results' -> 0 ->> 'error',
  'Only an owner, admin or dispatcher can approve timesheets', 'an accountant cannot approve');
select is((select approved_at from public.timesheets where id = 'e3200000-0000-4000-8000-000000000003'), null,
  '… and the timesheet stays unapproved');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001', $q$select public.bulk_approve_timesheets('{}'::uuid[])$q$),
  '{"results": [], "summary": {"requested": 0, "succeeded": 0, "failed": 0}}'::jsonb,
  'an empty list approves nothing');
select is(
  (tests.as_user('a0000000-0000-4000-8000-000000000001', $q$select public.bulk_approve_timesheets(array['e3200000-0000-4000-8000-000000000003']::uuid[])$q$)
    -> 'summary' ->> 'succeeded')::int,
  1, 'an owner can approve');
select is(
  tests.as_user('b0000000-0000-4000-8000-000000000002', $q$select public.bulk_approve_timesheets(array['e3200000-0000-4000-8000-00000000000b']::uuid[])$q$)
    -> 'results' -> 0,
  jsonb_build_object('id', 'e3200000-0000-4000-8000-00000000000b', 'ok', true, 'error', null, 'code', null),
  'the other organization''s dispatcher approves their own organization''s timesheet');
select lives_ok(
  $$select public.bulk_approve_timesheets(array['e3200000-0000-4000-8000-000000000004']::uuid[])$$,
  'the system actor may bulk approve');
select ok(
  (select approved_at is not null and approved_by is null from public.timesheets where id = 'e3200000-0000-4000-8000-000000000004'),
  '… with no approver id');

-- -----------------------------------------------------------------------------
-- The approval rules live in the guard trigger, whoever writes: with a
-- temporary policy (rolled back with this test) a signed-in user updates the
-- table directly, as they may once the RLS issue grants it.
-- -----------------------------------------------------------------------------
grant select, update, delete on public.timesheets to authenticated;
create policy pgtap_all on public.timesheets for all to authenticated using (true) with check (true);
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$update public.timesheets set approved_at = now(), approved_by = 'a0000000-0000-4000-8000-000000000003' where id = 'e3200000-0000-4000-8000-000000000006' returning '{}'::jsonb$q$)$$,
  '42501', 'Only an owner, admin or dispatcher can approve timesheets', 'a technician cannot approve their own hours by a direct update');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$update public.timesheets set approved_at = now(), hours = 1 where id = 'e3200000-0000-4000-8000-000000000006' returning '{}'::jsonb$q$)$$,
  'P0001', 'Approving timesheet e3200000-0000-4000-8000-000000000006 cannot change its other columns',
  'approving and editing in one statement is refused');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$update public.timesheets set approved_at = '2020-01-01', approved_by = 'a0000000-0000-4000-8000-000000000001'
       where id = 'e3200000-0000-4000-8000-000000000006' returning jsonb_build_object('by', approved_by, 'now', approved_at = now())$q$),
  jsonb_build_object('by', 'a0000000-0000-4000-8000-000000000002', 'now', true),
  'a direct approval is stamped with the signed-in approver and the current time, whatever was sent');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$with c as (select set_config('terrain.system_context', 'invoicing', true))
       update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001'
       where id = 'e3200000-0000-4000-8000-000000000006' and exists (select from c) returning '{}'::jsonb$q$)$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000006 is approved and locked',
  'an API session that sets the invoicing context itself is not trusted');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$with c as (select set_config('terrain.system_context', 'lock_override', true))
       update public.timesheets set hours = 1 where id = 'e3200000-0000-4000-8000-000000000006' and exists (select from c) returning '{}'::jsonb$q$)$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000006 is approved and locked',
  'nor one that sets the override context itself');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$delete from public.timesheets where id = 'e3200000-0000-4000-8000-000000000006' returning '{}'::jsonb$q$)$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000006 is approved and locked', 'not even an owner deletes an approved timesheet');
drop policy pgtap_all on public.timesheets;
revoke select, update, delete on public.timesheets from authenticated;

-- -----------------------------------------------------------------------------
-- override_timesheet_lock.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7}', 'erreur'))$q$)$$,
  '22023', 'An override needs a reason of at least 10 characters', 'an override needs a real reason');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7}', null))$q$)$$,
  '22023', 'An override needs a reason of at least 10 characters', 'a null reason is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7}', '            '))$q$)$$,
  '22023', 'An override needs a reason of at least 10 characters', 'a blank reason is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"technician_id": "a0000000-0000-4000-8000-000000000004"}', 'Mauvais technicien saisi'))$q$)$$,
  '22023', 'Column technician_id cannot be changed by an override (allowed: hours, work_date, note, mission_id, unapprove)',
  'only whitelisted columns can be overridden');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{}', 'Correction demandée par le client'))$q$)$$,
  '22023', 'Changes must be a non-empty json object', 'an override changes something');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7}', 'Correction demandée par le client'))$q$)$$,
  '42501', 'Only an owner or admin can override a timesheet lock', 'a dispatcher cannot override');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7}', 'Correction demandée par le client'))$q$)$$,
  'P0002', 'Timesheet e3200000-0000-4000-8000-000000000002 not found', 'another organization''s owner does not see the timesheet');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-00000000000a', '{"hours": 7}', 'Correction demandée par le client'))$q$)$$,
  'P0002', 'Timesheet e3200000-0000-4000-8000-00000000000a not found', 'an unknown timesheet is not found');
select is((select count(*)::int from public.lock_overrides where row_id::text like 'e3200000-%'), 0, 'refused overrides left no audit row');

select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select jsonb_build_object('hours', t.hours, 'note', t.note, 'approved', t.approved_at is not null)
       from public.override_timesheet_lock('e3200000-0000-4000-8000-000000000002', '{"hours": 7.25, "note": "Pause déjeuner déduite"}',
                                           '  Pause déjeuner oubliée par le technicien  ') t$q$),
  '{"hours": 7.25, "note": "Pause déjeuner déduite", "approved": true}'::jsonb,
  'an owner overrides hours and note of an approved timesheet, which stays approved');
select results_eq(
  $$select org_id, table_name, row_id, actor, reason, before ->> 'hours', after ->> 'hours', after ->> 'note'
    from public.lock_overrides where row_id::text like 'e3200000-%'$$,
  $$values ('a0000000-0000-4000-8000-0000000000a0'::uuid, 'timesheets'::text, 'e3200000-0000-4000-8000-000000000002'::uuid,
            'a0000000-0000-4000-8000-000000000001'::uuid, 'Pause déjeuner oubliée par le technicien'::text, '8.00'::text, '7.25'::text,
            'Pause déjeuner déduite'::text)$$,
  '… and the audit row records actor, reason, before and after');
select is(current_setting('terrain.system_context', true), '', '… and the override context does not outlive the call');
select throws_ok($$update public.timesheets set hours = 7 where id = 'e3200000-0000-4000-8000-000000000002'$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000002 is approved and locked', '… and the row is locked again afterwards');

select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000005', '{"hours": 24.5}', 'Heures de nuit oubliées'))$q$)$$,
  '23514', null, 'an override still respects the row bounds');
select throws_ok(
  format($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000005', '{"work_date": "%s"}', 'Saisie sur le mauvais jour'))$q$)$$,
    to_char(pg_temp.d(24), 'YYYY-MM-DD')),
  'P0001', format('Daily total for %s would be 26.00 h (max 24)', to_char(pg_temp.d(24), 'YYYY-MM-DD')),
  'an override still respects the daily total');
select is((select count(*)::int from public.lock_overrides where row_id::text like 'e3200000-%'), 1, 'a failed override leaves no audit row');

select is(
  tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select jsonb_build_object('approved_at', t.approved_at, 'approved_by', t.approved_by)
       from public.override_timesheet_lock('e3200000-0000-4000-8000-000000000003', '{"unapprove": true}', 'Mission à requalifier avant validation') t$q$),
  '{"approved_at": null, "approved_by": null}'::jsonb,
  'unapprove returns an approved timesheet to the technician');
select lives_ok($$update public.timesheets set hours = 5.5 where id = 'e3200000-0000-4000-8000-000000000003'$$,
  '… which is editable again');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000003', '{"hours": 5}', 'Correction demandée par le client'))$q$)$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000003 is not locked: edit it directly', 'an unlocked timesheet needs no override');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000005', '{"unapprove": false}', 'Correction demandée par le client'))$q$)$$,
  '22023', 'unapprove must be true when given', 'unapprove takes true only');

-- Invoiced: untouchable, even by the override.
select set_config('terrain.system_context', 'invoicing', true);
update public.timesheets set invoiced = true, invoice_id = 'e3f00000-0000-4000-8000-000000000001' where id = 'e3200000-0000-4000-8000-000000000001';
select set_config('terrain.system_context', '', true);
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
    $q$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000001', '{"hours": 7}', 'Correction demandée par le client'))$q$)$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000001 is invoiced and locked', 'an invoiced timesheet cannot be overridden (credit note instead)');
select throws_ok(
  $$select to_jsonb(public.override_timesheet_lock('e3200000-0000-4000-8000-000000000001', '{"unapprove": true}', 'Maintenance : reprise de données'))$$,
  'P0001', 'Timesheet e3200000-0000-4000-8000-000000000001 is invoiced and locked', 'not even by the system actor');
select is((select hours from public.timesheets where id = 'e3200000-0000-4000-8000-000000000001'), 8.00::numeric(4,2), '… and it is unchanged');
select is((select count(*)::int from public.lock_overrides where row_id::text like 'e3200000-%'), 2, 'two successful overrides, two audit rows');

-- -----------------------------------------------------------------------------
-- lock_overrides is append-only, for everyone.
-- -----------------------------------------------------------------------------
select throws_ok($$update public.lock_overrides set reason = 'rien à signaler ici' where row_id::text like 'e3200000-%'$$,
  'P0001', 'Table public.lock_overrides is append-only: UPDATE is not allowed', 'audit rows cannot be edited');
select throws_ok($$delete from public.lock_overrides where row_id::text like 'e3200000-%'$$,
  'P0001', 'Table public.lock_overrides is append-only: DELETE is not allowed', 'audit rows cannot be deleted');
select throws_ok($$truncate public.lock_overrides$$,
  'P0001', 'Table public.lock_overrides is append-only: TRUNCATE is not allowed', 'the audit table cannot be truncated');

-- The API roles: authenticated and service_role may call, anon may not; nobody reads the audit table yet.
select ok(has_function_privilege('authenticated', 'public.bulk_approve_timesheets(uuid[])', 'execute')
          and has_function_privilege('service_role', 'public.bulk_approve_timesheets(uuid[])', 'execute')
          and has_function_privilege('authenticated', 'public.override_timesheet_lock(uuid, jsonb, text)', 'execute')
          and has_function_privilege('service_role', 'public.override_timesheet_lock(uuid, jsonb, text)', 'execute'),
  'authenticated and service_role can call the approval and override functions');
select ok(not has_function_privilege('anon', 'public.bulk_approve_timesheets(uuid[])', 'execute')
          and not has_function_privilege('anon', 'public.override_timesheet_lock(uuid, jsonb, text)', 'execute'),
  'anon cannot');
select ok(not has_table_privilege('authenticated', 'public.lock_overrides', 'insert, update, delete')
          and not has_table_privilege('service_role', 'public.lock_overrides', 'insert, update, delete')
          and not has_table_privilege('anon', 'public.lock_overrides', 'select, insert, update, delete'),
  'no API role may write lock_overrides (written only by the override function; readable by owners and admins)');

select * from finish();
rollback;

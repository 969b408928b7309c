-- Audit trail, what each change writes (docs/design.md invariant 8):
-- exactly one row per audited change with the right field-level diff
-- (insert: the row; update: only the changed columns; delete: the old row;
-- a no-op update: nothing), the actor from the JWT claims / the API key /
-- the database role, the reason (terrain.audit_reason, a transition reason,
-- a lock override's reason), the request id, the named actions (approval,
-- status_change, invoice_issued, invoice_sent, lock_override,
-- api_key_created, api_key_revoked), secrets redacted, derived values ignored,
-- and the lock override folded into one row (with its deferred safety net).
begin;
select plan(60);

-- -----------------------------------------------------------------------------
-- Helpers. as_user runs one statement as a signed-in user through the API role
-- (authenticated + JWT claims), then switches back. mark() remembers the last
-- audit id; since() lists the rows written after it.
-- -----------------------------------------------------------------------------
create temporary table t_mark (id bigint not null) on commit drop;
insert into t_mark values (0);
create function pg_temp.mark() returns void language sql as $$
  update t_mark set id = coalesce((select max(l.id) from audit.log l), 0)
$$;
create function pg_temp.since() returns setof audit.log language sql as $$
  select l.* from audit.log l where l.id > (select id from t_mark) order by l.id
$$;
create function pg_temp.one() returns audit.log language sql as $$
  select l.* from audit.log l where l.id > (select id from t_mark) order by l.id desc limit 1
$$;

-- Org A (Chaleur Express): owner …01, dispatcher …02, technician …03.

-- -----------------------------------------------------------------------------
-- Insert, update (changed columns only), no-op update, delete
-- -----------------------------------------------------------------------------
select pg_temp.mark();
insert into public.clients (id, org_id, name, email)
values ('c5600000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000a0', 'Client audit', 'audit@client.test');
select is((select count(*)::int from pg_temp.since()), 1, 'an insert writes exactly one audit row');
select results_eq(
  $$select action, table_name, row_id, org_id, actor_user_id, actor_role from pg_temp.one()$$,
  $$values ('insert', 'public.clients', 'c5600000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000a0'::uuid, null::uuid, 'postgres')$$,
  'insert: action, table, row id, organization; the system actor has no user and role postgres');
select ok((pg_temp.one()).diff @> '{"name": "Client audit", "email": "audit@client.test", "kind": "company"}'
          and (pg_temp.one()).diff -> 'notes' = 'null'::jsonb,
  'insert: the diff is the new row (null columns included)');
select ok(not ((pg_temp.one()).diff ? 'updated_at'), 'insert: updated_at is bookkeeping, left out');

select pg_temp.mark();
update public.clients set phone = '+33 4 00 00 00 00', name = name, email = 'audit@client.test'
where id = 'c5600000-0000-4000-8000-0000000000c1';
select is((select count(*)::int from pg_temp.since()), 1, 'an update writes exactly one audit row');
select is((pg_temp.one()).diff, '{"phone": {"old": null, "new": "+33 4 00 00 00 00"}}'::jsonb,
  'update: only the changed column, with old and new (updated_at and unchanged columns left out)');
select is((pg_temp.one()).action, 'update', 'update: action update');

select pg_temp.mark();
update public.clients set name = name where id = 'c5600000-0000-4000-8000-0000000000c1';
select is((select count(*)::int from pg_temp.since()), 0, 'an update that changes nothing writes no audit row');

select pg_temp.mark();
delete from public.clients where id = 'c5600000-0000-4000-8000-0000000000c1';
select results_eq(
  $$select action, row_id, diff ->> 'name', diff ->> 'phone' from pg_temp.since()$$,
  $$values ('delete', 'c5600000-0000-4000-8000-0000000000c1', 'Client audit', '+33 4 00 00 00 00')$$,
  'delete: one row, the diff is the old row');

-- Rows without org_id, composite keys, the organization itself.
select pg_temp.mark();
update public.organizations set phone = '+33 4 72 00 00 99' where id = 'a0000000-0000-4000-8000-0000000000a0';
select is((pg_temp.one()).org_id, 'a0000000-0000-4000-8000-0000000000a0'::uuid, 'organizations: org_id is the organization''s id');
select pg_temp.mark();
update public.profiles set phone = '+33 6 00 00 00 01' where id = 'a0000000-0000-4000-8000-000000000003';
select results_eq($$select org_id, row_id from pg_temp.since()$$,
  $$values (null::uuid, 'a0000000-0000-4000-8000-000000000003')$$, 'profiles: no organization, row id is the user id');
select pg_temp.mark();
update public.mission_valid_transitions set description = description || ' (audit test)'
where from_status = 'new' and to_status = 'published';
select is((pg_temp.one()).row_id::jsonb, '{"from_status": "new", "to_status": "published"}'::jsonb,
  'a composite primary key is the row id as a json object');

-- -----------------------------------------------------------------------------
-- Actor, reason, request id, API key
-- -----------------------------------------------------------------------------
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.bulk_approve_timesheets(array['a0000000-0000-4000-8000-000000003105'::uuid])$$);
select results_eq(
  $$select action, table_name, row_id, actor_user_id, actor_role from pg_temp.since()$$,
  $$values ('approval', 'public.timesheets', 'a0000000-0000-4000-8000-000000003105', 'a0000000-0000-4000-8000-000000000002'::uuid, 'authenticated')$$,
  'approving a timesheet: one approval row, actor = the JWT sub, role authenticated');
select is((select array_agg(k order by k) from jsonb_object_keys((pg_temp.one()).diff) k), array['approved_at', 'approved_by'],
  'approval: the diff holds approved_at and approved_by only');
select is((pg_temp.one()).diff #>> '{approved_by,new}', 'a0000000-0000-4000-8000-000000000002', 'approval: approved_by new value');

-- A reason set by the caller.
select pg_temp.mark();
select set_config('terrain.audit_reason', 'Correction demandée par le client (ticket 42)', true);
update public.clients set notes = 'n' where id = 'a0000000-0000-4000-8000-0000000000c2';
select set_config('terrain.audit_reason', '', true);
select is((pg_temp.one()).reason, 'Correction demandée par le client (ticket 42)', 'terrain.audit_reason is carried as the reason');
select pg_temp.mark();
update public.clients set notes = 'n2' where id = 'a0000000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).reason, null, 'no reason when none is set');

-- Request id: from PostgREST's request.headers, else terrain.request_id; only sane tokens.
select pg_temp.mark();
select set_config('request.headers', '{"user-agent": "test", "x-request-id": "req-56-0001"}', true);
update public.clients set notes = 'n3' where id = 'a0000000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).request_id, 'req-56-0001', 'the x-request-id header is the request id');
select set_config('request.headers', '', true);
select pg_temp.mark();
select set_config('terrain.request_id', 'job:purge:7', true);
update public.clients set notes = 'n4' where id = 'a0000000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).request_id, 'job:purge:7', 'terrain.request_id when there is no header');
select set_config('terrain.request_id', '', true);
select pg_temp.mark();
select set_config('request.headers', '{"x-request-id": "=HYPERLINK(A1)"}', true);
update public.clients set notes = 'n5' where id = 'a0000000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).request_id, null, 'a request id that is not a plain token is not kept (CSV formula injection)');
select set_config('request.headers', 'not json at all', true);
select lives_ok($$update public.clients set notes = 'n6' where id = 'a0000000-0000-4000-8000-0000000000c2'$$,
  'malformed request.headers never block a business write');
select set_config('request.headers', '', true);
select set_config('terrain.request_id', '', true);

-- API key (set by the code that authenticated the key).
select pg_temp.mark();
select set_config('terrain.api_key_id', 'c5600000-0000-4000-8000-0000000000a1', true);
update public.clients set notes = 'n7' where id = 'a0000000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).actor_api_key_id, 'c5600000-0000-4000-8000-0000000000a1'::uuid, 'terrain.api_key_id is the actor''s API key');
select set_config('terrain.api_key_id', 'not-a-uuid', true);
select lives_ok($$update public.clients set notes = 'n8' where id = 'a0000000-0000-4000-8000-0000000000c2'$$,
  'a malformed terrain.api_key_id never blocks a business write');
select is((pg_temp.one()).actor_api_key_id, null, '… and is not recorded');
select set_config('terrain.api_key_id', '', true);

-- -----------------------------------------------------------------------------
-- Missions: status_change with from/to and the transition reason; the status
-- history is not audited twice
-- -----------------------------------------------------------------------------
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.transition_mission('a0000000-0000-4000-8000-000000002001', 'published', 'audit-56-publish-0001')$$);
select results_eq(
  $$select action, table_name, diff -> 'status', actor_user_id from pg_temp.since()$$,
  $$values ('status_change', 'public.missions', '{"old": "new", "new": "published"}'::jsonb, 'a0000000-0000-4000-8000-000000000002'::uuid)$$,
  'a transition writes one status_change row with from/to (no row for mission_status_history, none for idempotency_keys)');
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000002',
  $$select public.transition_mission('a0000000-0000-4000-8000-000000002001', 'cancelled', 'audit-56-cancel-0001', 'Le client a annulé')$$);
select is((pg_temp.one()).reason, 'Le client a annulé', 'the transition reason is the audit reason');
select pg_temp.mark();
update public.mission_status_history set reason = 'réécrit' where mission_id = 'a0000000-0000-4000-8000-000000002001' and to_status = 'cancelled';
select results_eq($$select action, table_name from pg_temp.since()$$, $$values ('update', 'public.mission_status_history')$$,
  'rewriting the mission history is audited');

-- Offline technician call: one audited row, the idempotency key is not audited.
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000003',
  format($$select public.log_hours('a0000000-0000-4000-8000-000000002004', %L, 1.25, 'Audit', 'audit-56-hours-0001')$$,
         (now() at time zone 'Europe/Paris')::date - 25));
select results_eq($$select action, table_name from pg_temp.since()$$, $$values ('insert', 'public.timesheets')$$,
  'log_hours: one insert row for the timesheet, nothing for idempotency_keys');

-- Stock: the movement is audited; the on_hand it derives is not a second row.
select pg_temp.mark();
insert into public.stock_movements (org_id, item_id, kind, quantity, reason)
values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003201', 'in', 5, 'Livraison audit');
select results_eq($$select action, table_name, diff ->> 'quantity' from pg_temp.since()$$,
  $$values ('insert', 'public.stock_movements', '5')$$,
  'a stock movement writes one row; the on_hand it updates is derived (ignored), not a second row');

-- -----------------------------------------------------------------------------
-- Invoices: issued, sent
-- -----------------------------------------------------------------------------
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select public.issue_invoice('a0000000-0000-4000-8000-000000004005')$$);
select results_eq($$select action, table_name, row_id, actor_user_id from pg_temp.since()$$,
  $$values ('invoice_issued', 'public.invoices', 'a0000000-0000-4000-8000-000000004005', 'a0000000-0000-4000-8000-000000000001'::uuid)$$,
  'issuing an invoice writes one invoice_issued row');
select ok((pg_temp.one()).diff #> '{number,old}' = 'null'::jsonb and (pg_temp.one()).diff #>> '{status,new}' = 'issued',
  'invoice_issued: the diff shows the number assigned and the status');
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select public.mark_invoice_sent('a0000000-0000-4000-8000-000000004005', repeat('ab', 32))$$);
select results_eq($$select action, diff #>> '{pdf_sha256,new}', diff #>> '{status,new}' from pg_temp.since()$$,
  $$values ('invoice_sent', repeat('ab', 32), 'sent')$$,
  'marking it sent writes one invoice_sent row with the PDF hash');

-- -----------------------------------------------------------------------------
-- Secrets redacted, derived values ignored (audit.excluded_columns)
-- -----------------------------------------------------------------------------
insert into audit.excluded_columns (table_name, column_name, mode, why)
values ('public.clients', 'notes', 'redact', 'test: pretend notes are secret');
select pg_temp.mark();
insert into public.clients (id, org_id, name, notes)
values ('c5600000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000a0', 'Client secret', 'le code est 1234');
select is((pg_temp.one()).diff ->> 'notes', '[redacted]', 'insert: a redacted column shows "[redacted]", never its value');
select pg_temp.mark();
update public.clients set notes = 'le code est 5678' where id = 'c5600000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).diff, '{"notes": {"old": "[redacted]", "new": "[redacted]"}}'::jsonb,
  'update: a change of a redacted column is recorded, without the values');
select ok(not exists (select from audit.log l where l.diff::text like '%le code est%'), 'the secret is nowhere in audit.log');
delete from audit.excluded_columns where table_name = 'public.clients' and column_name = 'notes';
select pg_temp.mark();
update public.clients set notes = 'visible' where id = 'c5600000-0000-4000-8000-0000000000c2';
select is((pg_temp.one()).diff #>> '{notes,new}', 'visible', 'removing the configuration row takes effect at once');

-- -----------------------------------------------------------------------------
-- Lock override: ONE audit row with the field diff and the reason
-- -----------------------------------------------------------------------------
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select to_jsonb(public.override_timesheet_lock('a0000000-0000-4000-8000-000000003101', '{"hours": 7}',
                                                   'Erreur de saisie signalée par le technicien'))$$);
select is((select count(*)::int from pg_temp.since()), 1,
  'overriding a timesheet writes exactly one audit row (the timesheet UPDATE and the lock_overrides row are folded)');
select results_eq(
  $$select action, table_name, row_id, reason, actor_user_id, org_id from pg_temp.since()$$,
  $$values ('lock_override', 'public.timesheets', 'a0000000-0000-4000-8000-000000003101', 'Erreur de saisie signalée par le technicien',
            'a0000000-0000-4000-8000-000000000001'::uuid, 'a0000000-0000-4000-8000-0000000000a0'::uuid)$$,
  'lock_override: about the timesheet, with the override''s reason and actor');
select is((pg_temp.one()).diff, '{"hours": {"old": 7.50, "new": 7}}'::jsonb, 'lock_override: the field diff (hours only)');
select ok(exists (select from public.lock_overrides o where o.row_id = 'a0000000-0000-4000-8000-000000003101'),
  'the lock_overrides record itself is still written');
set constraints all immediate;
select is((select count(*)::int from pg_temp.since()), 1, 'at commit the safety net finds the row and adds nothing');
set constraints all deferred;
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select to_jsonb(public.override_timesheet_lock('a0000000-0000-4000-8000-000000003102', '{"unapprove": true}',
                                                   'Heures à revoir avec le technicien'))$$);
select ok((pg_temp.one()).diff ?& array['approved_at', 'approved_by'] and (pg_temp.one()).action = 'lock_override',
  'unapproving through an override: lock_override with the approval removed in the diff');

-- The safety net: code that sets the lock_override context but writes no
-- lock_overrides row is still audited, at commit, with terrain.audit_reason.
select pg_temp.mark();
select set_config('terrain.system_context', 'lock_override', true);
select set_config('terrain.audit_reason', 'Correction de masse par l''administrateur base de données', true);
update public.timesheets set note = 'corrigé' where id = 'a0000000-0000-4000-8000-000000003104';
select set_config('terrain.system_context', '', true);
select is((select count(*)::int from pg_temp.since()), 0, 'an update in the lock_override context is not written at once');
set constraints all immediate;
select results_eq($$select action, row_id, reason, diff #>> '{note,new}', (select array_agg(k) from jsonb_object_keys(diff) k) from pg_temp.since()$$,
  $$values ('lock_override', 'a0000000-0000-4000-8000-000000003104', 'Correction de masse par l''administrateur base de données',
            'corrigé', array['note'])$$,
  'without a lock_overrides row, the deferred safety net writes the lock_override row (reason from terrain.audit_reason)');
set constraints all deferred;
select set_config('terrain.audit_reason', '', true);

-- -----------------------------------------------------------------------------
-- API keys (public.api_keys, created by the API key migration): created and
-- revoked are named actions, the secret hash is redacted.
-- -----------------------------------------------------------------------------
select pg_temp.mark();
create temporary table t_key on commit drop as
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Audit test key', array['events:write'])$$) as k;
select results_eq(
  $$select action, table_name, row_id, actor_user_id from pg_temp.since() where table_name = 'public.api_keys'$$,
  $$select 'api_key_created', 'public.api_keys', (select k ->> 'id' from t_key), 'a0000000-0000-4000-8000-000000000001'::uuid$$,
  'creating an API key writes one api_key_created row');
select is((select diff ->> 'secret_hash' from pg_temp.since() where table_name = 'public.api_keys'), '[redacted]',
  'the key''s secret hash is redacted');
select ok(not exists (select from audit.log l, t_key where strpos(l.diff::text, t_key.k ->> 'secret') > 0),
  'the secret itself is nowhere in audit.log');
select pg_temp.mark();
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  format($$select public.revoke_api_key(%L)$$, (select k ->> 'id' from t_key)));
select is((select action from pg_temp.since() where table_name = 'public.api_keys'), 'api_key_revoked',
  'revoking it writes one api_key_revoked row');

-- -----------------------------------------------------------------------------
-- One row per change, whatever the path: bulk statements write one row per row
-- -----------------------------------------------------------------------------
select pg_temp.mark();
update public.clients set billing_country = 'FR', notes = 'bulk' where org_id = 'a0000000-0000-4000-8000-0000000000a0';
select is((select count(*)::int from pg_temp.since()),
          (select count(*)::int from public.clients where org_id = 'a0000000-0000-4000-8000-0000000000a0'),
  'a statement touching n rows writes n audit rows');
select is((select count(distinct row_id)::int from pg_temp.since()), (select count(*)::int from pg_temp.since()),
  '… one per row');
select ok((select bool_and(diff = jsonb_build_object('notes', jsonb_build_object('old', diff #> '{notes,old}', 'new', 'bulk')))
           from pg_temp.since()),
  '… each with only the column that changed (billing_country was already FR)');

-- The clock time orders rows of one transaction; txid groups them.
select ok((select bool_and(txid = txid_current()) from audit.log where id > (select min(id) from audit.log where table_name = 'public.clients' and row_id = 'c5600000-0000-4000-8000-0000000000c1')),
  'every row of this transaction carries its txid');
select ok((select count(*) = count(distinct occurred_at) from pg_temp.since()),
  'occurred_at is the clock time of each write, not the transaction start');

-- -----------------------------------------------------------------------------
-- Deletes cascade into audit rows, and the trail survives the data
-- -----------------------------------------------------------------------------
insert into public.organizations (id, name) values ('c5600000-0000-4000-8000-0000000000f0', 'Org éphémère');
insert into public.clients (id, org_id, name) values ('c5600000-0000-4000-8000-0000000000c3', 'c5600000-0000-4000-8000-0000000000f0', 'Client éphémère');
select pg_temp.mark();
delete from public.organizations where id = 'c5600000-0000-4000-8000-0000000000f0';
select results_eq($$select action, table_name from pg_temp.since() order by table_name$$,
  $$values ('delete', 'public.clients'), ('delete', 'public.organizations')$$,
  'deleting an organization audits the cascade too');
select is((select count(*)::int from audit.log where org_id = 'c5600000-0000-4000-8000-0000000000f0'), 4,
  'the deleted organization''s trail stays (no foreign key, no cascade)');

-- -----------------------------------------------------------------------------
-- The audit functions are not callable by the API roles
-- -----------------------------------------------------------------------------
select is_empty(
  $$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'audit'::regnamespace
      and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')
           or has_function_privilege('service_role', p.oid, 'execute'))$$,
  'no function of schema audit is executable by anon, authenticated or service_role');
select is_empty(
  $$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'audit'::regnamespace and p.prosecdef
      and not coalesce(p.proconfig @> array['search_path=""'], false)$$,
  'every SECURITY DEFINER function of schema audit has search_path = ''''');
select ok(
  (select bool_and(p.prosecdef) from pg_proc p where p.oid in ('audit.record_change()'::regprocedure,
     'audit.record_lock_override()'::regprocedure, 'audit.check_lock_override_recorded()'::regprocedure,
     'audit.append(uuid, text, text, text, jsonb, text)'::regprocedure)),
  'the writers are SECURITY DEFINER (they write audit.log whoever changes the business row)');
select is(
  (select count(*)::int from pg_temp.since() where table_name = 'audit.log'), 0,
  'writing the business tables never writes an audit row about audit.log itself');
select is(
  (select count(*)::int from audit.log where diff is null and action <> 'audit_export'), 0,
  'every row change carries a diff');

select * from finish();
rollback;

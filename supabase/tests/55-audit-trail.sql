-- Audit trail, structure (docs/design.md invariant 8): every business table
-- of schema public has the audit trigger (found from the catalog, so a new
-- table without it fails here unless audit.unaudited_tables lists it with a
-- reason), audit.enable_for is idempotent and refuses what it cannot audit,
-- the schema is closed to the API roles, and audit.log is append-only for
-- everyone: authenticated and service_role (no privilege), the owner and the
-- superuser (triggers, even under session_replication_role = replica);
-- TRUNCATE included.
begin;
select plan(36);

-- -----------------------------------------------------------------------------
-- Coverage, generated from the catalog
-- -----------------------------------------------------------------------------
select has_schema('audit', 'schema audit exists');
select has_table('audit', 'log', 'audit.log exists');
select col_is_pk('audit', 'log', 'id', 'audit.log.id is the primary key');

-- Every ordinary table of public: audited, or listed with its reason.
select is_empty(
  $$select c.relname::text
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and 'public.' || c.relname not in (select table_name from audit.unaudited_tables)
      and not exists (
        select from pg_trigger t
        where t.tgrelid = c.oid and not t.tgisinternal
          and t.tgfoid in ('audit.record_change()'::regprocedure, 'audit.record_lock_override()'::regprocedure))$$,
  'every table of schema public has an audit trigger, or is listed in audit.unaudited_tables');

-- The generic trigger is AFTER … FOR EACH STATEMENT with transition tables:
-- one trigger per event (PostgreSQL allows transition tables on single-event
-- triggers only), each with the tables its event has.
select is_empty(
  $$select t.tgrelid::regclass::text || ' ' || t.tgname
    from pg_trigger t
    where t.tgfoid = 'audit.record_change()'::regprocedure
      and not (t.tgtype & 1 = 0                                            -- statement
               and t.tgtype & 2 = 0                                        -- after
               and t.tgtype & (4 | 8 | 16) in (4, 8, 16)                   -- one event
               and (t.tgoldtable is not null) = (t.tgtype & (8 | 16) <> 0) -- old rows for update, delete
               and (t.tgnewtable is not null) = (t.tgtype & (4 | 16) <> 0))$$,
  'every audit trigger is AFTER <one event> FOR EACH STATEMENT with its transition tables');
select is_empty(
  $$select t.tgrelid::regclass::text
    from pg_trigger t
    where t.tgfoid = 'audit.record_change()'::regprocedure
      and t.tgrelid not in ('public.mission_status_history'::regclass, 'public.lock_overrides'::regclass)
    group by t.tgrelid
    having bit_or(t.tgtype & (4 | 8 | 16)) <> (4 | 8 | 16)$$,
  'insert, update and delete are audited on every audited table, except the two documented partial cases');
select is(
  (select bit_or(t.tgtype & (4 | 8 | 16)) from pg_trigger t
   where t.tgrelid = 'public.mission_status_history'::regclass and t.tgfoid = 'audit.record_change()'::regprocedure),
  8 | 16,
  'mission_status_history: UPDATE and DELETE audited, not INSERT (the missions status_change row records it)');
select ok(
  exists (select from pg_trigger t where t.tgrelid = 'public.lock_overrides'::regclass
          and t.tgfoid = 'audit.record_lock_override()'::regprocedure and t.tgtype & 4 = 4),
  'lock_overrides: an INSERT becomes one lock_override audit row');
select is_empty(
  $$select u.table_name from audit.unaudited_tables u
    where length(btrim(u.why)) < 20$$,
  'every unaudited table says why');
select ok(
  (select count(*) from audit.unaudited_tables where table_name = 'public.idempotency_keys') = 1
  and not exists (select from pg_trigger where tgrelid = 'public.idempotency_keys'::regclass and tgfoid = 'audit.record_change()'::regprocedure),
  'idempotency_keys is deliberately not audited (a cache of results)');
-- The trigger knows its primary key and the configuration.
select matches(
  (select pg_get_triggerdef(t.oid) from pg_trigger t
   where t.tgrelid = 'public.timesheets'::regclass and t.tgname = 'audit_record_updates'),
  $$audit\.record_change\('\{id\}', '\{updated_at\}', '\{[a-z_,]*secret_hash[a-z_,]*\}'\)$$,
  'the trigger carries the primary key, the ignored and the redacted columns');

-- -----------------------------------------------------------------------------
-- audit.enable_for
-- -----------------------------------------------------------------------------
create table public.zz_audit_probe (id uuid primary key default gen_random_uuid(), org_id uuid, label text);
select lives_ok($$select audit.enable_for('public.zz_audit_probe')$$, 'enable_for attaches the triggers');
select lives_ok($$select audit.enable_for('public.zz_audit_probe')$$, 'enable_for again is harmless');
select is(
  (select count(*)::int from pg_trigger where tgrelid = 'public.zz_audit_probe'::regclass and not tgisinternal),
  4, 'after two calls: one audit trigger per event and one lock-override safety net, not two of each');
select lives_ok($$select audit.enable_for('public.zz_audit_probe', array['delete'])$$, 'enable_for with other events re-creates');
select is(
  (select bit_or(tgtype & (4 | 8 | 16)) from pg_trigger where tgrelid = 'public.zz_audit_probe'::regclass and tgfoid = 'audit.record_change()'::regprocedure),
  8, 'only DELETE is audited now');
select is(
  (select count(*)::int from pg_trigger where tgrelid = 'public.zz_audit_probe'::regclass and tgname = 'audit_lock_override_check'),
  0, 'no safety net without UPDATE');
create table public.zz_audit_nopk (label text);
select throws_ok($$select audit.enable_for('public.zz_audit_nopk')$$, '42P10',
  'Table public.zz_audit_nopk has no primary key: audit rows need a row id', 'a table without a primary key is refused');
select throws_ok($$select audit.enable_for('public.stock_low')$$, '42809', null, 'a view is refused');
select throws_ok($$select audit.enable_for('public.zz_audit_probe', array['select'])$$, '22023', null, 'an unknown event is refused');
-- Changing the configuration re-creates the triggers with it.
insert into audit.excluded_columns (table_name, column_name, mode, why)
values ('public.zz_audit_probe', 'label', 'redact', 'test');
select matches(
  (select pg_get_triggerdef(t.oid) from pg_trigger t where t.tgrelid = 'public.zz_audit_probe'::regclass and t.tgname = 'audit_record_deletes'),
  $$'\{[a-z_,]*label[a-z_,]*\}'\)$$,
  'a new excluded column reaches the existing trigger at once');

-- -----------------------------------------------------------------------------
-- Closed to the API roles
-- -----------------------------------------------------------------------------
select ok(not has_schema_privilege('anon', 'audit', 'usage'), 'anon has no usage on schema audit');
select ok(not has_schema_privilege('authenticated', 'audit', 'usage'), 'authenticated has no usage on schema audit');
select ok(not has_schema_privilege('service_role', 'audit', 'usage'), 'service_role has no usage on schema audit');
select is_empty(
  $$select grantee || ' ' || privilege_type from information_schema.role_table_grants
    where table_schema = 'audit' and grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')$$,
  'no API role holds any privilege on an audit table');
select is_empty(
  $$select r.rolname from pg_roles r
    where has_table_privilege(r.oid, 'audit.log', 'update') or has_table_privilege(r.oid, 'audit.log', 'delete')
       or has_table_privilege(r.oid, 'audit.log', 'truncate')
    except select rolname from pg_roles where rolsuper or rolname = 'pg_write_all_data'$$,
  'no role but a superuser (or pg_write_all_data) holds UPDATE, DELETE or TRUNCATE on audit.log: the owner revoked them from itself');

-- -----------------------------------------------------------------------------
-- Append-only
-- -----------------------------------------------------------------------------
insert into public.zz_audit_probe (label) values ('probe'); -- delete-only audit: no row
select audit.enable_for('public.zz_audit_probe');
insert into public.zz_audit_probe (label) values ('probe');
create temporary table t_last on commit drop as select l.* from audit.log l order by l.id desc limit 1;
grant select on t_last to authenticated, service_role;

select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'update audit.log set reason = ''x'' where id = (select id from t_last)')$$,
  '42501', 'permission denied for schema audit', 'authenticated cannot UPDATE audit.log');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'delete from audit.log where id = (select id from t_last)')$$,
  '42501', 'permission denied for schema audit', 'authenticated cannot DELETE from audit.log');
select throws_ok(
  $$select tests.as_service('update audit.log set reason = ''x'' where id = (select id from t_last)')$$,
  '42501', 'permission denied for schema audit', 'service_role cannot UPDATE audit.log');
select throws_ok(
  $$select tests.as_service('truncate audit.log')$$,
  '42501', 'permission denied for schema audit', 'service_role cannot TRUNCATE audit.log');
-- The superuser (and the owner, whose privileges are revoked anyway) meets the triggers.
select throws_ok($$update audit.log set reason = 'rewritten' where id = (select id from t_last)$$,
  'P0001', 'audit.log is append-only', 'postgres cannot UPDATE an audit row');
select throws_ok($$delete from audit.log where id = (select id from t_last)$$,
  'P0001', 'audit.log is append-only', 'postgres cannot DELETE an audit row');
select throws_ok($$truncate audit.log$$, 'P0001', 'audit.log is append-only', 'postgres cannot TRUNCATE audit.log');
set local session_replication_role = replica;
select throws_ok($$update audit.log set reason = 'rewritten' where id = (select id from t_last)$$,
  'P0001', 'audit.log is append-only', 'not even with session_replication_role = replica (ENABLE ALWAYS triggers)');
reset session_replication_role;
select results_eq('select l.* from audit.log l where l.id = (select id from t_last)', 'select * from t_last',
  'the audit row is unchanged');
select ok(
  (select bool_and(t.tgenabled = 'A') from pg_trigger t where t.tgrelid = 'audit.log'::regclass and not t.tgisinternal),
  'the append-only triggers are ENABLE ALWAYS');

select * from finish();
rollback;

-- The audit trigger's hot path: audit.record_change() runs once per statement
-- (AFTER … FOR EACH STATEMENT over the transition tables) and does its work
-- itself (no call to audit.diff, audit.append or audit.current_request_id),
-- stays SECURITY DEFINER with an empty search_path, and writes what those
-- helpers define — the same diff as audit.diff(), row by row, in a multi-row
-- statement, old and new rows paired even when the key changes. audit.log
-- keeps only the indexes its readers use.
-- What each change writes is proven by 55-57.
begin;
select plan(14);

-- -----------------------------------------------------------------------------
-- Shape
-- -----------------------------------------------------------------------------
select unalike(
  (select prosrc from pg_proc where oid = 'audit.record_change()'::regprocedure),
  '%audit.append(%', 'record_change inserts its audit row itself (no audit.append call per row)');
select unalike(
  (select prosrc from pg_proc where oid = 'audit.record_change()'::regprocedure),
  '%audit.diff(%', 'record_change computes the field-level diff itself (no audit.diff call per row)');
select unalike(
  (select prosrc from pg_proc where oid = 'audit.record_change()'::regprocedure),
  '%audit.current_request_id(%', 'record_change reads the request id itself (no audit.current_request_id call per row)');
select ok(
  (select prosecdef and proconfig @> array['search_path=""', 'plan_cache_mode=force_generic_plan'] from pg_proc where oid = 'audit.record_change()'::regprocedure),
  'record_change stays SECURITY DEFINER with search_path = '''', and plans its statements once (generic plans)');
select is(
  (select array_agg(indexrelid::regclass::text order by indexrelid::regclass::text) from pg_index where indrelid = 'audit.log'::regclass),
  array['audit.log_occurred_at_brin', 'audit.log_org_actor_idx', 'audit.log_org_id_idx', 'audit.log_org_row_idx', 'audit.log_org_table_idx', 'audit.log_pkey'],
  'audit.log indexes: the key, the four keyset filters of audit_log_page (organization, table, actor, row) and a BRIN on time');

-- -----------------------------------------------------------------------------
-- A multi-row statement: one row each, the diff audit.diff() defines.
-- -----------------------------------------------------------------------------
create temporary table t_before on commit drop as
select m.* from public.missions m where m.org_id = 'a0000000-0000-4000-8000-0000000000a0';
create temporary table t_mark on commit drop as select coalesce(max(id), 0) as id from audit.log;
select set_config('terrain.request_id', 'req-59-multi', true);
select set_config('terrain.audit_reason', 'bulk description change', true);
update public.missions set description = 'audit 59 ' || id::text, priority = 'high'
 where org_id = 'a0000000-0000-4000-8000-0000000000a0';
select set_config('terrain.request_id', '', true);
select set_config('terrain.audit_reason', '', true);

select is(
  (select count(*)::int from audit.log l where l.id > (select id from t_mark) and l.table_name = 'public.missions'),
  (select count(*)::int from t_before b
    where b.description is distinct from 'audit 59 ' || b.id::text or b.priority is distinct from 'high'),
  'one audit row per mission the statement changed');
select is_empty(
  $$select l.row_id
      from audit.log l
      join public.missions m on m.id::text = l.row_id
      join t_before b on b.id = m.id
     where l.id > (select id from t_mark) and l.table_name = 'public.missions'
       and l.diff is distinct from audit.diff(to_jsonb(b), to_jsonb(m), '{search_document,updated_at}', '{encrypted_password,refresh_token,secret_hash,token_hash}')$$,
  'each row''s diff is exactly audit.diff(old, new) with the trigger''s ignored and redacted columns');
select is_empty(
  $$select l.id from audit.log l
     where l.id > (select id from t_mark) and l.table_name = 'public.missions'
       and (l.action <> 'update' or l.org_id <> 'a0000000-0000-4000-8000-0000000000a0' or l.actor_user_id is not null
            or l.actor_role <> current_user or l.request_id <> 'req-59-multi' or l.reason <> 'bulk description change'
            or l.actor_api_key_id is not null or l.txid <> txid_current())$$,
  'each row carries the action, organization, actor role, request id, reason and transaction');
select is(
  (select count(*)::int from audit.log l where l.id > (select id from t_mark) and l.table_name = 'public.missions' and l.diff ? 'updated_at'),
  0, 'ignored columns (updated_at) never appear in a diff');


-- -----------------------------------------------------------------------------
-- Set-based insert, update and delete on a table whose key changes.
-- -----------------------------------------------------------------------------
create table public.zz_audit_statement_probe (id int primary key, org_id uuid, label text, secret_hash text, updated_at timestamptz);
select audit.enable_for('public.zz_audit_statement_probe');
truncate t_mark;
insert into t_mark select coalesce(max(id), 0) from audit.log;
insert into public.zz_audit_statement_probe
select g, 'a0000000-0000-4000-8000-0000000000a0', 'label ' || g, case when g = 1 then 'hash' end, now() from generate_series(1, 3) g;
select is(
  (select array_agg(l.row_id || ' ' || l.action || ' ' || coalesce(l.diff ->> 'secret_hash', '-') order by l.id) from audit.log l
    where l.id > (select id from t_mark) and l.table_name = 'public.zz_audit_statement_probe'),
  array['1 insert [redacted]', '2 insert -', '3 insert -'],
  'an insert of three rows: one row each, in order, a redacted column hidden only where it holds a value');
select is(
  (select count(*)::int from audit.log l
    where l.id > (select id from t_mark) and l.table_name = 'public.zz_audit_statement_probe'
      and l.diff = jsonb_build_object('id', l.row_id::int, 'org_id', 'a0000000-0000-4000-8000-0000000000a0', 'label', 'label ' || l.row_id,
                                      'secret_hash', case when l.row_id = '1' then '[redacted]' end)),
  3, 'each inserted row''s diff is the whole row, ignored columns left out');
truncate t_mark;
insert into t_mark select coalesce(max(id), 0) from audit.log;
update public.zz_audit_statement_probe set id = id + 10, label = case when id = 2 then label else 'moved ' || id end, updated_at = now();
select is(
  (select array_agg(l.row_id || ' ' || l.diff::text order by l.row_id) from audit.log l
    where l.id > (select id from t_mark) and l.table_name = 'public.zz_audit_statement_probe'),
  array['11 {"id": {"new": 11, "old": 1}, "label": {"new": "moved 1", "old": "label 1"}}',
        '12 {"id": {"new": 12, "old": 2}}',
        '13 {"id": {"new": 13, "old": 3}, "label": {"new": "moved 3", "old": "label 3"}}'],
  'a multi-row update that changes the key: each new row paired with its old one, row id the new key');
truncate t_mark;
insert into t_mark select coalesce(max(id), 0) from audit.log;
update public.zz_audit_statement_probe set updated_at = now() + interval '1 day', label = label;
select is(
  (select count(*)::int from audit.log l where l.id > (select id from t_mark) and l.table_name = 'public.zz_audit_statement_probe'),
  0, 'an update that changes only ignored columns writes nothing');
delete from public.zz_audit_statement_probe where id in (11, 12);
select is(
  (select array_agg(l.row_id || ' ' || l.action || ' ' || (l.diff ->> 'label') order by l.row_id) from audit.log l
    where l.id > (select id from t_mark) and l.table_name = 'public.zz_audit_statement_probe'),
  array['11 delete moved 1', '12 delete label 2'],
  'a delete of two rows: one delete row each, with the old row');

select * from finish();
rollback;

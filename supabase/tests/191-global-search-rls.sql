-- The global search under row-level security, as a permission matrix: each
-- role × each kind of row. public.search is SECURITY INVOKER, so what a user
-- finds must be exactly what that user may read in the table itself — a
-- technician their missions (and those missions' clients and sites), a
-- portal user their own client's rows (no drafts), another organization's
-- member nothing, anon not even the call.
-- To make every row of org A (Chaleur Express) match one query, the test
-- appends "Quokka" to the names of its clients and sites: every client and
-- site then matches by name, and every mission, invoice and quote through its
-- client. p_limit 50 is above org A's 25 rows, so nothing is cut.
begin;
select plan(32);

update public.clients set name = name || ' Quokka' where org_id = 'a0000000-0000-4000-8000-0000000000a0';
update public.sites set name = name || ' Quokka' where org_id = 'a0000000-0000-4000-8000-0000000000a0';

-- The ids of one kind a user finds, sorted.
create function pg_temp.found(p_user uuid, p_kind text) returns text[] language sql as $$
  select tests.values_as_user(p_user,
    format('select id from public.search(%L, %L, 50) where kind = %L', 'a0000000-0000-4000-8000-0000000000a0', 'quokka', p_kind))
$$;
-- The ids of org A the same user reads in the kind's own table, sorted.
create function pg_temp.readable(p_user uuid, p_kind text) returns text[] language sql as $$
  select tests.values_as_user(p_user,
    format('select id from public.%I where org_id = %L', p_kind || 's', 'a0000000-0000-4000-8000-0000000000a0'))
$$;

create temp table actors (who text, user_id uuid);
insert into actors values
  ('owner',        'a0000000-0000-4000-8000-000000000001'),
  ('dispatcher',   'a0000000-0000-4000-8000-000000000002'),
  ('technician',   'a0000000-0000-4000-8000-000000000003'),
  ('accountant',   'a0000000-0000-4000-8000-000000000005'),
  ('portal client','a0000000-0000-4000-8000-000000000006'),
  ('other org',    'b0000000-0000-4000-8000-000000000001');
create temp table kinds (kind text);
insert into kinds values ('mission'), ('client'), ('site'), ('invoice'), ('quote');

-- -----------------------------------------------------------------------------
-- The matrix: how many rows of each kind each role finds.
-- -----------------------------------------------------------------------------
select results_eq(
  $$select a.who, k.kind, coalesce(array_length(pg_temp.found(a.user_id, k.kind), 1), 0)
    from actors a cross join kinds k order by a.who, k.kind$$,
  $$values
    ('accountant',    'client', 2), ('accountant',    'invoice', 8), ('accountant',    'mission', 10), ('accountant',    'quote', 3), ('accountant',    'site', 2),
    ('dispatcher',    'client', 2), ('dispatcher',    'invoice', 0), ('dispatcher',    'mission', 10), ('dispatcher',    'quote', 3), ('dispatcher',    'site', 2),
    ('other org',     'client', 0), ('other org',     'invoice', 0), ('other org',     'mission', 0),  ('other org',     'quote', 0), ('other org',     'site', 0),
    ('owner',         'client', 2), ('owner',         'invoice', 8), ('owner',         'mission', 10), ('owner',         'quote', 3), ('owner',         'site', 2),
    ('portal client', 'client', 1), ('portal client', 'invoice', 4), ('portal client', 'mission', 6),  ('portal client', 'quote', 2), ('portal client', 'site', 1),
    ('technician',    'client', 2), ('technician',    'invoice', 0), ('technician',    'mission', 6),  ('technician',    'quote', 0), ('technician',    'site', 2)$$,
  'role × kind: staff find everything they handle (dispatchers no invoices), the technician their missions, the portal user their client''s issued rows, another organization nothing');

-- -----------------------------------------------------------------------------
-- Each cell: exactly the rows the role reads in the table itself.
-- -----------------------------------------------------------------------------
select is(pg_temp.found(a.user_id, k.kind), pg_temp.readable(a.user_id, k.kind),
          format('%s finds exactly the %ss they may read', a.who, k.kind))
from actors a cross join kinds k
where a.who <> 'other org'
order by a.who, k.kind;

-- -----------------------------------------------------------------------------
-- Particular cells worth naming
-- -----------------------------------------------------------------------------
select is(pg_temp.found('a0000000-0000-4000-8000-000000000006', 'client'), array['a0000000-0000-4000-8000-0000000000c1'],
  'the portal user finds their own client, never the other client of the same organization');
select ok(not ('a0000000-0000-4000-8000-000000004005' = any (pg_temp.found('a0000000-0000-4000-8000-000000000006', 'invoice'))),
  'the portal user does not find their client''s draft invoice');
select ok(not ('a0000000-0000-4000-8000-000000002001' = any (pg_temp.found('a0000000-0000-4000-8000-000000000003', 'mission'))),
  'the technician does not find a new mission nobody offered them');
select is((tests.as_service($$select count(*) from public.search('a0000000-0000-4000-8000-0000000000a0', 'quokka', 50)$$))::int, 25,
  'service_role (edge functions) finds every row of the organization');
select throws_ok($$select tests.as_anon('select count(*) from public.search(''a0000000-0000-4000-8000-0000000000a0'', ''quokka'')')$$,
  '42501', 'permission denied for function search', 'anon may not call the search');
select is((tests.as_user('b0000000-0000-4000-8000-000000000001',
  $$select count(*) from private.search_matches('a0000000-0000-4000-8000-0000000000a0', 'quokka', private.search_prefix_query('quokka'))$$))::int, 0,
  'the matching step (definer, ids only) answers nothing for an organization the caller does not belong to');
select * from finish();
rollback;

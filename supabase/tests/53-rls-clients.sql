-- Client-portal isolation: a portal user sees only their own
-- client's rows — sites, missions, contracts, requests, emergencies, and
-- invoices / quotes once issued — never another client of the SAME
-- organization, never drafts, never payments or internal notes; they may
-- create requests and emergencies for their own client only.
-- Actors: Paul a…06, portal user of Syndic Lumière (client c1 of org A, seed),
-- and a second portal user created here for Boulangerie des Pentes (client c2
-- of org A) with the test helpers.
begin;
select plan(27);

select tests.create_supabase_user('rls-client-c2', 'compta@boulangerie-pentes.test') is not null as created;
insert into public.memberships (org_id, user_id, role, client_id)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('rls-client-c2'), 'client', 'a0000000-0000-4000-8000-0000000000c2');
-- A request and an emergency of c2, so both clients have some.
insert into public.client_requests (id, org_id, client_id, subject, created_by)
values ('e5300000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
        'Four qui ne chauffe plus', tests.get_supabase_uid('rls-client-c2'));
insert into public.emergency_requests (id, org_id, client_id, description, created_by)
values ('e5300000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
        'Odeur de gaz au fournil', tests.get_supabase_uid('rls-client-c2'));

-- The distinct values of one column a user reads (role authenticated + their claims).
create function pg_temp.vals_as(p_user uuid, p_sql text) returns text[] language plpgsql as $$
declare v text[];
begin
  perform tests.authenticate_as_user(p_user);
  execute format('select coalesce(array_agg(distinct x::text order by x::text), ''{}'') from (%s) s (x)', p_sql) into v;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
create function pg_temp.c1_user() returns uuid language sql as $$ select 'a0000000-0000-4000-8000-000000000006'::uuid $$;
create function pg_temp.c2_user() returns uuid language sql as $$ select tests.get_supabase_uid('rls-client-c2') $$;

-- -----------------------------------------------------------------------------
-- Reads: own client only, for each table a portal user may read.
-- -----------------------------------------------------------------------------
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select id from public.clients'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'the Syndic''s user lists one client: the Syndic');
select is(pg_temp.vals_as(pg_temp.c2_user(), 'select id from public.clients'),
  array['a0000000-0000-4000-8000-0000000000c2'], 'the Boulangerie''s user lists one client: the Boulangerie');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select client_id from public.sites'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'sites: own client only');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select client_id from public.missions'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'missions: own client only (Syndic)');
select is(pg_temp.vals_as(pg_temp.c2_user(), 'select client_id from public.missions'),
  array['a0000000-0000-4000-8000-0000000000c2'], 'missions: own client only (Boulangerie)');
select is(pg_temp.vals_as(pg_temp.c2_user(), $$select id from public.missions where client_id = 'a0000000-0000-4000-8000-0000000000c1'$$),
  '{}'::text[], 'filtering on the other client''s id returns nothing');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select client_id from public.maintenance_contracts'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'contracts: own client only');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select client_id from public.client_requests union all select client_id from public.emergency_requests'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'requests and emergencies: own client only');
select is(pg_temp.vals_as(pg_temp.c2_user(), 'select id from public.client_requests union all select id from public.emergency_requests'),
  array['e5300000-0000-4000-8000-000000000001', 'e5300000-0000-4000-8000-000000000002'], 'the Boulangerie sees its own request and emergency');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select client_id from public.invoices'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'invoices and credit notes: own client only');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select status::text from public.invoices where status = ''draft'''),
  '{}'::text[], 'never a draft invoice (a…4005 is the Syndic''s draft)');
select is(pg_temp.vals_as(pg_temp.c1_user(), $$select invoice_id from public.invoice_lines where invoice_id = 'a0000000-0000-4000-8000-000000004005'$$),
  '{}'::text[], 'nor the lines of a draft');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select i.client_id from public.invoice_lines l join public.invoices i on i.id = l.invoice_id'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'invoice lines: those of own issued documents');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select status::text from public.quotes'),
  array['accepted', 'sent'], 'quotes: own client''s, once sent');
select is(pg_temp.vals_as(pg_temp.c2_user(), 'select id from public.quotes union all select quote_id from public.quote_lines'),
  '{}'::text[], 'the Boulangerie''s only quote is a draft: it sees no quote and no line');
select is(pg_temp.vals_as(pg_temp.c1_user(),
  'select id from public.payments union all select id from public.mission_notes union all select mission_id from public.mission_status_history union all select id from public.timesheets union all select id from public.stock_items'),
  '{}'::text[], 'no payments, notes, status history, timesheets or stock for portal users');
select is(pg_temp.vals_as(pg_temp.c1_user(), 'select id from public.profiles union all select user_id from public.memberships'),
  array[pg_temp.c1_user()::text], 'their own profile and membership only (no staff contact details)');
select is(pg_temp.vals_as(pg_temp.c1_user(),
  'select c.id from public.clients c join public.missions m on m.client_id = c.id join public.sites s on s.id = m.site_id'),
  array['a0000000-0000-4000-8000-0000000000c1'], 'joins (as embedded resources do) stay within their client');

-- -----------------------------------------------------------------------------
-- Writes.
-- -----------------------------------------------------------------------------
select is(tests.row_count_as_user(pg_temp.c1_user(),
  $$insert into public.client_requests (org_id, client_id, site_id, subject)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'Chaudière bruyante')$$),
  1::bigint, 'a portal user files a request for their client');
select is((select created_by from public.client_requests where subject = 'Chaudière bruyante'),
  pg_temp.c1_user(), '… recorded as theirs (created_by defaults to the signed-in user)');
select throws_ok(
  $$select tests.row_count_as_user(pg_temp.c1_user(),
    $q$insert into public.client_requests (org_id, client_id, subject)
       values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'Au nom de la boulangerie')$q$)$$,
  '42501', 'new row violates row-level security policy for table "client_requests"', 'but not for another client of the organization');
select throws_ok(
  $$select tests.row_count_as_user(pg_temp.c1_user(),
    $q$insert into public.client_requests (org_id, client_id, subject, status)
       values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Déjà acceptée', 'accepted')$q$)$$,
  '42501', 'new row violates row-level security policy for table "client_requests"', 'nor one that claims to be already accepted');
select throws_ok(
  $$select tests.row_count_as_user(pg_temp.c1_user(),
    $q$insert into public.client_requests (org_id, client_id, subject, created_by)
       values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'Au nom d''un autre', 'a0000000-0000-4000-8000-000000000001')$q$)$$,
  '42501', 'permission denied for table client_requests', 'nor one signed with someone else''s name (created_by is not writable)');
select is(tests.row_count_as_user(pg_temp.c2_user(),
  $$insert into public.emergency_requests (org_id, client_id, severity, description)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'critical', 'Plus de chauffage')$$),
  1::bigint, 'a portal user raises an emergency for their client (pending, from the portal)');
select throws_ok(
  $$select tests.row_count_as_user(pg_temp.c2_user(),
    $q$insert into public.emergency_requests (org_id, client_id, description, source)
       values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'Par téléphone', 'phone')$q$)$$,
  '42501', 'new row violates row-level security policy for table "emergency_requests"', 'but cannot pretend it came by phone');
select is(tests.row_count_as_user(pg_temp.c2_user(),
  $$update public.client_requests set subject = 'modifiée' where id = 'e5300000-0000-4000-8000-000000000001'$$),
  0::bigint, 'nor change a request once filed (0 rows: no update for portal users)');
select is(tests.row_count_as_user(pg_temp.c1_user(),
  $$delete from public.emergency_requests where client_id = 'a0000000-0000-4000-8000-0000000000c1'$$),
  0::bigint, 'nor delete their emergencies (0 rows)');

select * from finish();
rollback;

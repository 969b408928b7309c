-- Free-text limits: an over-long value is refused with 23514 naming the
-- <table>_<column>_length (or _size) constraint and changes nothing; a value
-- exactly at the limit is accepted; limits count characters, not bytes.
begin;
select plan(20);

-- Seed people (supabase/seed.sql), organization A: …01 owner, …02 dispatcher,
-- …03 technician. Client a…c1, site a…d1.

create function pg_temp.fingerprint(p_table regclass) returns text language plpgsql as $$
declare v text;
begin
  execute format('select md5(coalesce(string_agg(t::text, %L order by t::text), %L)) from %s t', ',', '', p_table) into v;
  return v;
end $$;

create temporary table before_state as
select pg_temp.fingerprint('public.clients') as clients, pg_temp.fingerprint('public.sites') as sites,
       pg_temp.fingerprint('public.organizations') as organizations, pg_temp.fingerprint('public.profiles') as profiles,
       pg_temp.fingerprint('public.rules') as rules, pg_temp.fingerprint('public.app_events') as app_events;

-- A write as p_user that must be refused with 23514 naming p_constraint of
-- p_table; an update is `update public.<table> set <p_set> where id = <p_id>`.
create function pg_temp.refused(p_user uuid, p_sql text, p_table text, p_constraint text, p_description text)
returns text language sql as $$
  select throws_ok(format('select tests.as_user(%L, %L)', p_user, p_sql), '23514',
                   format('new row for relation "%s" violates check constraint "%s"', p_table, p_constraint), p_description)
$$;
create function pg_temp.update_refused(p_user uuid, p_table text, p_set text, p_id uuid, p_constraint text, p_description text)
returns text language sql as $$
  select pg_temp.refused(p_user, format('update public.%I set %s where id = %L returning to_jsonb(id)', p_table, p_set, p_id),
                         p_table, p_constraint, p_description)
$$;

-- -----------------------------------------------------------------------------
-- clients.notes (the column that stored a 64 MiB body): 10,000 characters.
-- -----------------------------------------------------------------------------
select pg_temp.update_refused(u, 'clients', s, 'a0000000-0000-4000-8000-0000000000c1', 'clients_notes_length', d)
from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $$notes = repeat('x', 10001)$$, 'dispatcher: client notes of 10,001 characters are refused'),
  ('a0000000-0000-4000-8000-000000000002', $$notes = repeat('x', 1048576)$$, 'dispatcher: 1 MiB of client notes is refused')
) c (u, s, d);
select pg_temp.refused('a0000000-0000-4000-8000-000000000002',
  $$insert into public.clients (org_id, name, kind, notes) values ('a0000000-0000-4000-8000-0000000000a0', 'Test client', 'company', repeat('x', 10001)) returning to_jsonb(id)$$,
  'clients', 'clients_notes_length', 'dispatcher: a new client with over-long notes is refused');
select is(pg_temp.fingerprint('public.clients'), (select clients from before_state), '… no client changed or was created');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set notes = repeat(''é'', 10000) where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(char_length(notes))'),
  '10000'::jsonb, 'notes of exactly 10,000 characters (20,000 bytes of UTF-8) are accepted: the limit counts characters');
select pg_temp.update_refused('a0000000-0000-4000-8000-000000000002', 'clients', s, 'a0000000-0000-4000-8000-0000000000c1', k, d)
from (values
  ($$phone = repeat('0', 51)$$, 'clients_phone_length', 'dispatcher: a 51-character phone number is refused'),
  ($$email = repeat('a', 310) || '@example.fr'$$, 'clients_email_length', 'dispatcher: a 321-character e-mail address is refused')
) c (s, k, d);

-- -----------------------------------------------------------------------------
-- Sites, organizations, profiles.
-- -----------------------------------------------------------------------------
select pg_temp.update_refused('a0000000-0000-4000-8000-000000000002', 'sites', s, 'a0000000-0000-4000-8000-0000000000d1', k, d)
from (values
  ($$access_notes = repeat('x', 10001)$$, 'sites_access_notes_length', 'dispatcher: site access notes over 10,000 characters are refused'),
  ($$address = repeat('x', 501)$$, 'sites_address_length', 'dispatcher: a site address over 500 characters is refused')
) c (s, k, d);
select is(pg_temp.fingerprint('public.sites'), (select sites from before_state), '… no site changed');
select pg_temp.update_refused('a0000000-0000-4000-8000-000000000001', 'organizations', s, 'a0000000-0000-4000-8000-0000000000a0', k, d)
from (values
  ($$address_line1 = repeat('x', 201)$$, 'organizations_address_line1_length', 'owner: an address line over 200 characters is refused'),
  ($$phone = repeat('0', 51)$$, 'organizations_phone_length', 'owner: an organization phone over 50 characters is refused')
) c (s, k, d);
select is(pg_temp.fingerprint('public.organizations'), (select organizations from before_state), '… the organization is unchanged');
select pg_temp.update_refused('a0000000-0000-4000-8000-000000000003', 'profiles', $$phone = repeat('0', 51)$$,
  'a0000000-0000-4000-8000-000000000003', 'profiles_phone_length',
  'technician: a phone number over 50 characters on one''s own profile is refused');
select is(pg_temp.fingerprint('public.profiles'), (select profiles from before_state), '… the profile is unchanged');

-- -----------------------------------------------------------------------------
-- JSON written by admins (rule parameters) and by edge functions (events).
-- -----------------------------------------------------------------------------
insert into public.rules (id, org_id, name, event_type, condition, action, action_params)
values ('e3900000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'Test rule', 'equipment.fault',
        '$.severity == "high"', 'notify_roles', '{"roles": ["admin"]}');
create temporary table rules_before as select pg_temp.fingerprint('public.rules') as v;
select pg_temp.update_refused('a0000000-0000-4000-8000-000000000001', 'rules',
  $$action_params = jsonb_build_object('roles', (select jsonb_agg('admin'::text) from generate_series(1, 3000)))$$,
  'e3900000-0000-4000-8000-000000000001', 'rules_action_params_size',
  'owner: rule parameters over 16 KiB (one role repeated 3,000 times passes the key checks) are refused');
select is(pg_temp.fingerprint('public.rules'), (select v from rules_before), '… the rule is unchanged');
select throws_ok(
  $$select tests.as_service('insert into public.app_events (org_id, type, severity, payload)
      values (''a0000000-0000-4000-8000-0000000000a0'', ''test.big'', ''info'', jsonb_build_object(''blob'', repeat(''x'', 65536))) returning to_jsonb(id)')$$,
  '23514', 'new row for relation "app_events" violates check constraint "app_events_payload_size"',
  'service_role: an app event payload over 64 KiB is refused');
select is(pg_temp.fingerprint('public.app_events'), (select app_events from before_state), '… no event was logged');
select lives_ok(
  $$select tests.as_service('insert into public.app_events (org_id, type, severity, payload)
      values (''a0000000-0000-4000-8000-0000000000a0'', ''test.ok'', ''info'', jsonb_build_object(''blob'', repeat(''x'', 60000))) returning to_jsonb(id)')$$,
  'service_role: a 60 KB payload is accepted');

select * from finish();
rollback;

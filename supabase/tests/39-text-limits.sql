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

-- -----------------------------------------------------------------------------
-- clients.notes (the column that stored a 64 MiB body): 10,000 characters.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set notes = repeat(''x'', 10001) where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "clients" violates check constraint "clients_notes_length"',
  'dispatcher: client notes of 10,001 characters are refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set notes = repeat(''x'', 1048576) where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "clients" violates check constraint "clients_notes_length"',
  'dispatcher: 1 MiB of client notes is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'insert into public.clients (org_id, name, kind, notes) values (''a0000000-0000-4000-8000-0000000000a0'', ''Test client'', ''company'', repeat(''x'', 10001)) returning to_jsonb(id)')$$,
  '23514', 'new row for relation "clients" violates check constraint "clients_notes_length"',
  'dispatcher: a new client with over-long notes is refused');
select is(pg_temp.fingerprint('public.clients'), (select clients from before_state), '… no client changed or was created');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set notes = repeat(''é'', 10000) where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(char_length(notes))'),
  '10000'::jsonb, 'notes of exactly 10,000 characters (20,000 bytes of UTF-8) are accepted: the limit counts characters');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set phone = repeat(''0'', 51) where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "clients" violates check constraint "clients_phone_length"',
  'dispatcher: a 51-character phone number is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.clients set email = repeat(''a'', 310) || ''@example.fr'' where id = ''a0000000-0000-4000-8000-0000000000c1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "clients" violates check constraint "clients_email_length"',
  'dispatcher: a 321-character e-mail address is refused');

-- -----------------------------------------------------------------------------
-- Sites, organizations, profiles.
-- -----------------------------------------------------------------------------
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.sites set access_notes = repeat(''x'', 10001) where id = ''a0000000-0000-4000-8000-0000000000d1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "sites" violates check constraint "sites_access_notes_length"',
  'dispatcher: site access notes over 10,000 characters are refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
      'update public.sites set address = repeat(''x'', 501) where id = ''a0000000-0000-4000-8000-0000000000d1'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "sites" violates check constraint "sites_address_length"',
  'dispatcher: a site address over 500 characters is refused');
select is(pg_temp.fingerprint('public.sites'), (select sites from before_state), '… no site changed');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      'update public.organizations set address_line1 = repeat(''x'', 201) where id = ''a0000000-0000-4000-8000-0000000000a0'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "organizations" violates check constraint "organizations_address_line1_length"',
  'owner: an address line over 200 characters is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      'update public.organizations set phone = repeat(''0'', 51) where id = ''a0000000-0000-4000-8000-0000000000a0'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "organizations" violates check constraint "organizations_phone_length"',
  'owner: an organization phone over 50 characters is refused');
select is(pg_temp.fingerprint('public.organizations'), (select organizations from before_state), '… the organization is unchanged');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003',
      'update public.profiles set phone = repeat(''0'', 51) where id = ''a0000000-0000-4000-8000-000000000003'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "profiles" violates check constraint "profiles_phone_length"',
  'technician: a phone number over 50 characters on one''s own profile is refused');
select is(pg_temp.fingerprint('public.profiles'), (select profiles from before_state), '… the profile is unchanged');

-- -----------------------------------------------------------------------------
-- JSON written by admins (rule parameters) and by edge functions (events).
-- -----------------------------------------------------------------------------
insert into public.rules (id, org_id, name, event_type, condition, action, action_params)
values ('e3900000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'Test rule', 'equipment.fault',
        '$.severity == "high"', 'notify_roles', '{"roles": ["admin"]}');
create temporary table rules_before as select pg_temp.fingerprint('public.rules') as v;
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000001',
      'update public.rules set action_params = jsonb_build_object(''roles'', (select jsonb_agg(''admin''::text) from generate_series(1, 3000)))
       where id = ''e3900000-0000-4000-8000-000000000001'' returning to_jsonb(id)')$$,
  '23514', 'new row for relation "rules" violates check constraint "rules_action_params_size"',
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

-- Tenancy: legal identity checks, profiles created with auth users, and
-- composite keys that keep every reference inside one organization.
begin;
select plan(14);

select ok(private.luhn_ok('732829320'), 'a valid SIREN passes the Luhn check');
select ok(not private.luhn_ok('732829321'), 'a mistyped SIREN fails the Luhn check');

select throws_ok(
  $$insert into public.organizations (name, siren) values ('Typo SAS', '732829321')$$,
  '23514', null, 'an organization with an invalid SIREN is refused');
select throws_ok(
  $$insert into public.organizations (name, siren, siret) values ('Mismatch SAS', '732829320', '55210055400013')$$,
  '23514', null, 'a SIRET that does not start with the SIREN is refused');
select throws_ok(
  $$insert into public.organizations (name, siren, vat_number) values ('Vat SAS', '732829320', 'FR00552100554')$$,
  '23514', null, 'a VAT number that does not embed the SIREN is refused');
select throws_ok(
  $$insert into public.organizations (name, timezone) values ('Tz SAS', 'Europe/Pariss')$$,
  '22023', 'Unknown timezone: Europe/Pariss', 'an unknown timezone is refused');
select throws_ok(
  $$insert into public.organizations (name, default_payment_terms_days) values ('Slow SAS', 90)$$,
  '23514', null, 'payment terms beyond the legal 60 days are refused');

-- Profiles follow auth users.
insert into auth.users (id, aud, role, email, raw_user_meta_data)
values ('c0000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'new.person@example.test', '{"full_name": "New Person"}');
select results_eq(
  $$select email, full_name from public.profiles where id = 'c0000000-0000-4000-8000-000000000001'$$,
  $$values ('new.person@example.test'::text, 'New Person'::text)$$,
  'inserting an auth user creates its profile');

-- A client membership needs a client, of the same organization.
select throws_ok(
  $$insert into public.memberships (org_id, user_id, role) values ('a0000000-0000-4000-8000-0000000000a0', 'c0000000-0000-4000-8000-000000000001', 'client')$$,
  '23514', null, 'a client membership without client_id is refused');
select throws_ok(
  $$insert into public.memberships (org_id, user_id, role, client_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'c0000000-0000-4000-8000-000000000001', 'client', 'b0000000-0000-4000-8000-0000000000c1')$$,
  '23503', null, 'a client membership cannot point at another organization''s client');
select throws_ok(
  $$insert into public.memberships (org_id, user_id, role) values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'admin')$$,
  '23505', null, 'one membership per user and organization');

-- Missions cannot cross organizations, nor use a non-technician.
select throws_ok(
  $$insert into public.missions (org_id, client_id, site_id, title)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1', 'x')$$,
  '23503', null, 'a mission cannot use another organization''s site');
select throws_ok(
  $$insert into public.missions (org_id, client_id, site_id, title)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d1', 'x')$$,
  '23503', null, 'a mission''s site must belong to the mission''s client');
select throws_ok(
  $$insert into public.missions (org_id, client_id, site_id, title, technician_id)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'x', 'a0000000-0000-4000-8000-000000000005')$$,
  '23514', 'User a0000000-0000-4000-8000-000000000005 is not a technician of this organization',
  'a mission''s technician must hold the technician role');

select * from finish();
rollback;

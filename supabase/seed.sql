-- =============================================================================
-- Demo data for the local stack (`npm start`, `npm run db:reset`).
-- LOCAL DEVELOPMENT ONLY: every demo user's password is the local default
-- "terrain-demo" (scripts/stack/config.ts LOCAL_DEV_DEMO_PASSWORD).
--
-- Two organizations, each with an owner/admin, a dispatcher, two technicians,
-- an accountant and a client-portal user. Ids are fixed so later seed sections
-- (organizations, memberships, business data) can reference them:
--   a0000000-…-0000000000NN  Chaleur Express (heating, Lyon)
--   b0000000-…-0000000000NN  Plomberie du Rhône (plumbing, Villeurbanne)
-- `demo_label` in user metadata is what `npm start` prints next to each login.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- Named seed rows. Each seed file registers the ids of the rows it creates in
-- seed.refs under a readable key ('org:chaleur-express', 'tech1@chaleur-express',
-- 'mission:chaleur-express:blocked', 'item:CIRC-UPS25-60', …), once, and then
-- refers to rows by key with seed.ref(key). The ids themselves are fixed (tests
-- and docs quote them). The seed schema belongs to the demo data only: no
-- migration creates it, no API role can use it, PostgREST does not expose it.
-- -----------------------------------------------------------------------------
drop schema if exists seed cascade;
create schema seed;
revoke all on schema seed from public;

create table seed.refs (
  key text primary key,
  id  uuid not null unique
);

-- The id registered under p_key; an unknown key is an error (invalid argument)
-- rather than a null that a nullable column would silently accept.
create function seed.ref(p_key text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select r.id into v_id from seed.refs r where r.key = p_key;
  if not found then
    raise exception 'Unknown seed reference: %', p_key using errcode = '22023';
  end if;
  return v_id;
end;
$$;

-- One step of a mission's life, made as the real person would: through
-- public.transition_mission with p_actor's JWT claims, then its history row
-- back-dated to p_ago before now (system actor again afterwards). Used by the
-- seeds that bring missions to their demo status (seeds/20_missions.sql,
-- seeds/30_timesheets_stock.sql), in step order.
create function seed.transition_mission_as(
  p_mission_id uuid, p_seq integer, p_to_status public.mission_status, p_actor uuid, p_ago interval,
  p_reason text default null, p_technician_id uuid default null)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform pg_catalog.set_config('request.jwt.claims',
    pg_catalog.jsonb_build_object('sub', p_actor, 'role', 'authenticated')::text, true);
  v_result := public.transition_mission(p_mission_id, p_to_status,
    'seed:' || p_mission_id || ':' || p_seq, p_reason, p_technician_id);
  if not (v_result ->> 'changed')::boolean then
    -- A seed that no longer matches the state machine: stop the seed (assertion).
    raise exception 'seed step % of mission % changed nothing', p_seq, p_mission_id using errcode = 'P0004';
  end if;
  update public.mission_status_history h
     set changed_at = pg_catalog.now() - p_ago
   where h.id = (select pg_catalog.max(h2.id) from public.mission_status_history h2 where h2.mission_id = p_mission_id);
  perform pg_catalog.set_config('request.jwt.claims', '', true);
end;
$$;

-- The rows this file creates.
insert into seed.refs (key, id) values
  ('admin@chaleur-express',     'a0000000-0000-4000-8000-000000000001'),
  ('dispatch@chaleur-express',  'a0000000-0000-4000-8000-000000000002'),
  ('tech1@chaleur-express',     'a0000000-0000-4000-8000-000000000003'),
  ('tech2@chaleur-express',     'a0000000-0000-4000-8000-000000000004'),
  ('compta@chaleur-express',    'a0000000-0000-4000-8000-000000000005'),
  ('gestion@syndic-lumiere',    'a0000000-0000-4000-8000-000000000006'),
  ('admin@plomberie-rhone',     'b0000000-0000-4000-8000-000000000001'),
  ('dispatch@plomberie-rhone',  'b0000000-0000-4000-8000-000000000002'),
  ('tech1@plomberie-rhone',     'b0000000-0000-4000-8000-000000000003'),
  ('tech2@plomberie-rhone',     'b0000000-0000-4000-8000-000000000004'),
  ('compta@plomberie-rhone',    'b0000000-0000-4000-8000-000000000005'),
  ('contact@hotel-des-quais',   'b0000000-0000-4000-8000-000000000006'),
  ('org:chaleur-express',       'a0000000-0000-4000-8000-0000000000a0'),
  ('org:plomberie-rhone',       'b0000000-0000-4000-8000-0000000000b0'),
  ('client:syndic-lumiere',     'a0000000-0000-4000-8000-0000000000c1'),
  ('client:boulangerie-pentes', 'a0000000-0000-4000-8000-0000000000c2'),
  ('client:hotel-des-quais',    'b0000000-0000-4000-8000-0000000000c1'),
  ('site:tilleuls-chaufferie',  'a0000000-0000-4000-8000-0000000000d1'),
  ('site:fournil',              'a0000000-0000-4000-8000-0000000000d2'),
  ('site:hotel-local-technique','b0000000-0000-4000-8000-0000000000d1');

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000',
  demo.id,
  'authenticated',
  'authenticated',
  demo.email,
  extensions.crypt('terrain-demo', extensions.gen_salt('bf', 10)),
  now(),
  '{"provider": "email", "providers": ["email"]}'::jsonb,
  jsonb_build_object('full_name', demo.full_name, 'demo_label', demo.label),
  now(),
  now()
from (values
  (seed.ref('admin@chaleur-express'), 'admin@chaleur-express.test',    'Claire Martin',   'Chaleur Express · owner/admin'),
  (seed.ref('dispatch@chaleur-express'), 'dispatch@chaleur-express.test', 'Julien Petit',    'Chaleur Express · dispatcher'),
  (seed.ref('tech1@chaleur-express'), 'tech1@chaleur-express.test',    'Karim Benali',    'Chaleur Express · technician'),
  (seed.ref('tech2@chaleur-express'), 'tech2@chaleur-express.test',    'Sophie Lambert',  'Chaleur Express · technician'),
  (seed.ref('compta@chaleur-express'), 'compta@chaleur-express.test',   'Nadia Roux',      'Chaleur Express · accountant'),
  (seed.ref('gestion@syndic-lumiere'), 'gestion@syndic-lumiere.test',   'Paul Girard',     'Chaleur Express · client portal (Syndic Lumière)'),
  (seed.ref('admin@plomberie-rhone'), 'admin@plomberie-rhone.test',    'Marc Dubois',     'Plomberie du Rhône · owner/admin'),
  (seed.ref('dispatch@plomberie-rhone'), 'dispatch@plomberie-rhone.test', 'Émilie Fontaine', 'Plomberie du Rhône · dispatcher'),
  (seed.ref('tech1@plomberie-rhone'), 'tech1@plomberie-rhone.test',    'Lucas Moreau',    'Plomberie du Rhône · technician'),
  (seed.ref('tech2@plomberie-rhone'), 'tech2@plomberie-rhone.test',    'Inès Garnier',    'Plomberie du Rhône · technician'),
  (seed.ref('compta@plomberie-rhone'), 'compta@plomberie-rhone.test',   'Hugo Chevalier',  'Plomberie du Rhône · accountant'),
  (seed.ref('contact@hotel-des-quais'), 'contact@hotel-des-quais.test',  'Léa Faure',       'Plomberie du Rhône · client portal (Hôtel des Quais)')
) as demo (id, email, full_name, label)
on conflict (id) do nothing;

-- -----------------------------------------------------------------------------
-- Organizations (legal identity printed on invoices; SIREN/SIRET/VAT are
-- made-up numbers that pass the Luhn and VAT-key format checks).
-- -----------------------------------------------------------------------------
insert into public.organizations (
  id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
  address_line1, postal_code, city, email, phone, default_payment_terms_days, late_penalty_rate
) values
  (seed.ref('org:chaleur-express'), 'Chaleur Express', 'SAS', 1000000, '732829320', '73282932000074', 'FR44732829320', 'Lyon',
   '12 rue de la République', '69002', 'Lyon', 'contact@chaleur-express.test', '+33 4 72 00 00 01', 30, 12.00),
  (seed.ref('org:plomberie-rhone'), 'Plomberie du Rhône', 'SARL', 500000, '552100554', '55210055400013', 'FR03552100554', 'Lyon',
   '48 cours Émile Zola', '69100', 'Villeurbanne', 'contact@plomberie-rhone.test', '+33 4 78 00 00 02', 45, 10.00);

insert into public.clients (id, org_id, name, kind, siren, email, billing_address, billing_postal_code, billing_city) values
  (seed.ref('client:syndic-lumiere'), seed.ref('org:chaleur-express'), 'Syndic Lumière', 'company', '542065479',
   'gestion@syndic-lumiere.test', '3 place Bellecour', '69002', 'Lyon'),
  (seed.ref('client:boulangerie-pentes'), seed.ref('org:chaleur-express'), 'Boulangerie des Pentes', 'company', '402483671',
   'contact@boulangerie-pentes.test', '21 montée de la Grande Côte', '69001', 'Lyon'),
  (seed.ref('client:hotel-des-quais'), seed.ref('org:plomberie-rhone'), 'Hôtel des Quais', 'company', '512478934',
   'contact@hotel-des-quais.test', '5 quai Victor Augagneur', '69003', 'Lyon');

insert into public.sites (id, org_id, client_id, name, address, postal_code, city, access_notes) values
  (seed.ref('site:tilleuls-chaufferie'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   'Résidence Les Tilleuls — chaufferie', '8 rue des Tilleuls', '69006', 'Lyon', 'Clé au local gardien, sous-sol niveau -2'),
  (seed.ref('site:fournil'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'),
   'Fournil', '21 montée de la Grande Côte', '69001', 'Lyon', null),
  (seed.ref('site:hotel-local-technique'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'),
   'Hôtel — local technique', '5 quai Victor Augagneur', '69003', 'Lyon', 'Badge à l''accueil');

insert into public.memberships (org_id, user_id, role, client_id, on_call) values
  (seed.ref('org:chaleur-express'), seed.ref('admin@chaleur-express'), 'owner',      null, false),
  (seed.ref('org:chaleur-express'), seed.ref('dispatch@chaleur-express'), 'dispatcher', null, false),
  (seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), 'technician', null, true),
  (seed.ref('org:chaleur-express'), seed.ref('tech2@chaleur-express'), 'technician', null, false),
  (seed.ref('org:chaleur-express'), seed.ref('compta@chaleur-express'), 'accountant', null, false),
  (seed.ref('org:chaleur-express'), seed.ref('gestion@syndic-lumiere'), 'client',     seed.ref('client:syndic-lumiere'), false),
  (seed.ref('org:plomberie-rhone'), seed.ref('admin@plomberie-rhone'), 'owner',      null, false),
  (seed.ref('org:plomberie-rhone'), seed.ref('dispatch@plomberie-rhone'), 'dispatcher', null, false),
  (seed.ref('org:plomberie-rhone'), seed.ref('tech1@plomberie-rhone'), 'technician', null, true),
  (seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), 'technician', null, false),
  (seed.ref('org:plomberie-rhone'), seed.ref('compta@plomberie-rhone'), 'accountant', null, false),
  (seed.ref('org:plomberie-rhone'), seed.ref('contact@hotel-des-quais'), 'client',     seed.ref('client:hotel-des-quais'), false);

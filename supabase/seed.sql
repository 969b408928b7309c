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
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'admin@chaleur-express.test',    'Claire Martin',   'Chaleur Express · owner/admin'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'dispatch@chaleur-express.test', 'Julien Petit',    'Chaleur Express · dispatcher'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'tech1@chaleur-express.test',    'Karim Benali',    'Chaleur Express · technician'),
  ('a0000000-0000-4000-8000-000000000004'::uuid, 'tech2@chaleur-express.test',    'Sophie Lambert',  'Chaleur Express · technician'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, 'compta@chaleur-express.test',   'Nadia Roux',      'Chaleur Express · accountant'),
  ('a0000000-0000-4000-8000-000000000006'::uuid, 'gestion@syndic-lumiere.test',   'Paul Girard',     'Chaleur Express · client portal (Syndic Lumière)'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'admin@plomberie-rhone.test',    'Marc Dubois',     'Plomberie du Rhône · owner/admin'),
  ('b0000000-0000-4000-8000-000000000002'::uuid, 'dispatch@plomberie-rhone.test', 'Émilie Fontaine', 'Plomberie du Rhône · dispatcher'),
  ('b0000000-0000-4000-8000-000000000003'::uuid, 'tech1@plomberie-rhone.test',    'Lucas Moreau',    'Plomberie du Rhône · technician'),
  ('b0000000-0000-4000-8000-000000000004'::uuid, 'tech2@plomberie-rhone.test',    'Inès Garnier',    'Plomberie du Rhône · technician'),
  ('b0000000-0000-4000-8000-000000000005'::uuid, 'compta@plomberie-rhone.test',   'Hugo Chevalier',  'Plomberie du Rhône · accountant'),
  ('b0000000-0000-4000-8000-000000000006'::uuid, 'contact@hotel-des-quais.test',  'Léa Faure',       'Plomberie du Rhône · client portal (Hôtel des Quais)')
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
  ('a0000000-0000-4000-8000-0000000000a0', 'Chaleur Express', 'SAS', 1000000, '732829320', '73282932000074', 'FR44732829320', 'Lyon',
   '12 rue de la République', '69002', 'Lyon', 'contact@chaleur-express.test', '+33 4 72 00 00 01', 30, 12.00),
  ('b0000000-0000-4000-8000-0000000000b0', 'Plomberie du Rhône', 'SARL', 500000, '552100554', '55210055400013', 'FR03552100554', 'Lyon',
   '48 cours Émile Zola', '69100', 'Villeurbanne', 'contact@plomberie-rhone.test', '+33 4 78 00 00 02', 45, 10.00);

insert into public.clients (id, org_id, name, kind, siren, email, billing_address, billing_postal_code, billing_city) values
  ('a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000a0', 'Syndic Lumière', 'company', '542065479',
   'gestion@syndic-lumiere.test', '3 place Bellecour', '69002', 'Lyon'),
  ('a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000a0', 'Boulangerie des Pentes', 'company', null,
   'contact@boulangerie-pentes.test', '21 montée de la Grande Côte', '69001', 'Lyon'),
  ('b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000b0', 'Hôtel des Quais', 'company', null,
   'contact@hotel-des-quais.test', '5 quai Victor Augagneur', '69003', 'Lyon');

insert into public.sites (id, org_id, client_id, name, address, postal_code, city, access_notes) values
  ('a0000000-0000-4000-8000-0000000000d1', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'Résidence Les Tilleuls — chaufferie', '8 rue des Tilleuls', '69006', 'Lyon', 'Clé au local gardien, sous-sol niveau -2'),
  ('a0000000-0000-4000-8000-0000000000d2', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
   'Fournil', '21 montée de la Grande Côte', '69001', 'Lyon', null),
  ('b0000000-0000-4000-8000-0000000000d1', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1',
   'Hôtel — local technique', '5 quai Victor Augagneur', '69003', 'Lyon', 'Badge à l''accueil');

insert into public.memberships (org_id, user_id, role, client_id, on_call) values
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000001', 'owner',      null, false),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000002', 'dispatcher', null, false),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'technician', null, true),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'technician', null, false),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000005', 'accountant', null, false),
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000006', 'client',     'a0000000-0000-4000-8000-0000000000c1', false),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000001', 'owner',      null, false),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000002', 'dispatcher', null, false),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000003', 'technician', null, true),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'technician', null, false),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000005', 'accountant', null, false),
  ('b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000006', 'client',     'b0000000-0000-4000-8000-0000000000c1', false);

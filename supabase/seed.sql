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

-- =============================================================================
-- Demo data — missions and what leads to them (maintenance contracts, client
-- requests, emergencies), for both demo organizations. Applied after every
-- migration by `db reset`, after seed.sql (users, organizations, clients, sites).
--
-- Times are relative to now(), so the demo always looks like "today": one
-- emergency pending for 12 minutes (alert), one mission per organization
-- blocked for more than an hour (alert), two done missions per organization
-- for the invoicing seed (…2006, …2007: it puts them on invoices and moves them
-- to `invoiced` in the invoicing system context) and one that stays done,
-- waiting to be invoiced (…2009).
--
-- Missions are inserted as `new` and moved through public.transition_mission
-- as the real people would (dispatcher publishes and assigns, technicians
-- accept, start, block, finish), so mission_status_history is exactly what the
-- application would have written; the history and the lifecycle columns are
-- then back-dated (as the system actor) to a plausible timeline.
--
-- Fixed ids (…-0000000020NN missions, …21NN contracts, …22NN client requests,
-- …23NN emergencies, …24NN notes) so later seeds and tests can refer to them:
--   a…2001 new · a…2002 published · a…2003 assigned (Karim) · a…2004 in_progress (Karim, emergency a…2302)
--   a…2005 blocked > 1 h (Sophie) · a…2006 done (Karim) · a…2007 done (Sophie, contract) · a…2008 cancelled
--   b…2001 new · b…2002 published · b…2003 assigned (Lucas) · b…2004 in_progress (Inès)
--   a…2009 done today (Karim), not invoiced
--   b…2005 blocked > 1 h (Lucas) · b…2006 done (Inès, contract) · b…2007 done (Lucas) · b…2008 cancelled
--   b…2009 done today (Inès), not invoiced
-- =============================================================================

-- The rows this file creates, by name (seed.ref, defined in seed.sql).
insert into seed.refs (key, id) values
  ('contract:CE-MAINT-2026-001',           'a0000000-0000-4000-8000-000000002101'),
  ('contract:PDR-CONTRAT-2026-01',         'b0000000-0000-4000-8000-000000002101'),
  ('client-request:chaleur-express:1',     'a0000000-0000-4000-8000-000000002201'),
  ('client-request:chaleur-express:2',     'a0000000-0000-4000-8000-000000002202'),
  ('emergency:chaleur-express:1',          'a0000000-0000-4000-8000-000000002301'),
  ('emergency:chaleur-express:2',          'a0000000-0000-4000-8000-000000002302'),
  ('mission:chaleur-express:new',          'a0000000-0000-4000-8000-000000002001'),
  ('mission:chaleur-express:published',    'a0000000-0000-4000-8000-000000002002'),
  ('mission:chaleur-express:assigned',     'a0000000-0000-4000-8000-000000002003'),
  ('mission:chaleur-express:in-progress',  'a0000000-0000-4000-8000-000000002004'),
  ('mission:chaleur-express:blocked',      'a0000000-0000-4000-8000-000000002005'),
  ('mission:chaleur-express:done',         'a0000000-0000-4000-8000-000000002006'),
  ('mission:chaleur-express:done-contract','a0000000-0000-4000-8000-000000002007'),
  ('mission:chaleur-express:cancelled',    'a0000000-0000-4000-8000-000000002008'),
  ('mission:chaleur-express:done-today',   'a0000000-0000-4000-8000-000000002009'),
  ('mission:plomberie-rhone:new',          'b0000000-0000-4000-8000-000000002001'),
  ('mission:plomberie-rhone:published',    'b0000000-0000-4000-8000-000000002002'),
  ('mission:plomberie-rhone:assigned',     'b0000000-0000-4000-8000-000000002003'),
  ('mission:plomberie-rhone:in-progress',  'b0000000-0000-4000-8000-000000002004'),
  ('mission:plomberie-rhone:blocked',      'b0000000-0000-4000-8000-000000002005'),
  ('mission:plomberie-rhone:done-contract','b0000000-0000-4000-8000-000000002006'),
  ('mission:plomberie-rhone:done',         'b0000000-0000-4000-8000-000000002007'),
  ('mission:plomberie-rhone:cancelled',    'b0000000-0000-4000-8000-000000002008'),
  ('mission:plomberie-rhone:done-today',   'b0000000-0000-4000-8000-000000002009'),
  ('note:chaleur-express:1',               'a0000000-0000-4000-8000-000000002401'),
  ('note:chaleur-express:2',               'a0000000-0000-4000-8000-000000002402'),
  ('note:plomberie-rhone:3',               'b0000000-0000-4000-8000-000000002403');

insert into public.maintenance_contracts (id, org_id, client_id, site_id, reference, starts_on, ends_on, visit_frequency_months, sla_hours, status) values
  (seed.ref('contract:CE-MAINT-2026-001'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'CE-MAINT-2026-001',
   date_trunc('year', current_date)::date, (date_trunc('year', current_date) + interval '1 year - 1 day')::date, 3, 4, 'active'),
  (seed.ref('contract:PDR-CONTRAT-2026-01'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'),
   seed.ref('site:hotel-local-technique'), 'PDR-CONTRAT-2026-01',
   date_trunc('year', current_date)::date, (date_trunc('year', current_date) + interval '1 year - 1 day')::date, 6, 8, 'active');

insert into public.client_requests (id, org_id, client_id, site_id, subject, description, status, created_by, created_at) values
  (seed.ref('client-request:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'Radiateurs froids au 3e étage, bâtiment A',
   'Plusieurs copropriétaires du 3e étage signalent des radiateurs tièdes en haut et froids en bas depuis la remise en chauffe.',
   'open', seed.ref('gestion@syndic-lumiere'), now() - interval '5 hours'),
  (seed.ref('client-request:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'Sifflement dans les radiateurs — appartement 12',
   'Bruit de sifflement et de glouglou dans les radiateurs du séjour, surtout le matin.',
   'converted', seed.ref('gestion@syndic-lumiere'), now() - interval '2 days');

insert into public.emergency_requests (id, org_id, client_id, site_id, severity, description, status, source, created_by,
                                       created_at, acknowledged_at, acknowledged_by, dispatched_at) values
  -- Pending for 12 minutes: the pending-emergency alert (> 5 min) fires.
  (seed.ref('emergency:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'critical',
   'Plus de chauffage ni d''eau chaude dans tout le bâtiment B, la chaudière est en sécurité.', 'pending', 'portal',
   seed.ref('gestion@syndic-lumiere'), now() - interval '12 minutes', null, null, null),
  -- Dispatched: mission a…2004 is on it.
  (seed.ref('emergency:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'high',
   'Fuite d''eau importante en chaufferie, le sol est inondé.', 'dispatched', 'phone',
   null, now() - interval '75 minutes', now() - interval '72 minutes', seed.ref('dispatch@chaleur-express'),
   now() - interval '68 minutes');

-- Every mission starts as `new` (the state-machine trigger insists).
insert into public.missions (id, org_id, client_id, site_id, contract_id, client_request_id, emergency_request_id,
                             title, description, scheduled_start, scheduled_end, priority, created_by, created_at)
select m.id::uuid, m.org_id::uuid, m.client_id::uuid, m.site_id::uuid, m.contract_id::uuid, m.request_id::uuid, m.emergency_id::uuid,
       m.title, m.description,
       date_trunc('day', now()) + m.start_offset, date_trunc('day', now()) + m.start_offset + m.duration,
       m.priority::public.mission_priority, m.created_by::uuid, now() - m.created_ago
from (values
  -- Chaleur Express (heating, Lyon)
  (seed.ref('mission:chaleur-express:new'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'), seed.ref('site:fournil'),
   null, null, null, 'Entretien annuel chaudière gaz — fournil',
   'Entretien obligatoire annuel, attestation à remettre au client. Passer avant 5 h ou après 13 h (cuisson).',
   interval '6 days 13 hours', interval '2 hours', 'normal', seed.ref('dispatch@chaleur-express'), interval '2 days'),
  (seed.ref('mission:chaleur-express:published'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'), seed.ref('site:tilleuls-chaufferie'),
   seed.ref('contract:CE-MAINT-2026-001'), null, null, 'Visite trimestrielle chaufferie — contrat CE-MAINT-2026-001',
   'Contrôle brûleurs, analyse de combustion, relevé des pressions, nettoyage des filtres.',
   interval '4 days 8 hours', interval '4 hours', 'normal', seed.ref('dispatch@chaleur-express'), interval '3 days'),
  (seed.ref('mission:chaleur-express:assigned'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'), seed.ref('site:tilleuls-chaufferie'),
   null, seed.ref('client-request:chaleur-express:2'), null, 'Purge des radiateurs — appartement 12',
   'Suite à la demande du syndic : purge et équilibrage, vérifier la pression du circuit.',
   interval '1 day 9 hours', interval '90 minutes', 'normal', seed.ref('dispatch@chaleur-express'), interval '1 day'),
  (seed.ref('mission:chaleur-express:in-progress'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'), seed.ref('site:tilleuls-chaufferie'),
   null, null, seed.ref('emergency:chaleur-express:2'), 'Urgence : fuite en chaufferie',
   'Fuite sur le circuit primaire signalée par le gardien. Couper l''alimentation, localiser, réparer.',
   interval '0', interval '1 day', 'urgent', seed.ref('dispatch@chaleur-express'), interval '70 minutes'),
  (seed.ref('mission:chaleur-express:blocked'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'), seed.ref('site:fournil'),
   null, null, null, 'Remplacement du circulateur de chauffage',
   'Circulateur bruyant et grippé, à remplacer par un modèle à haut rendement.',
   interval '0', interval '1 day', 'high', seed.ref('dispatch@chaleur-express'), interval '3 days'),
  (seed.ref('mission:chaleur-express:done'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'), seed.ref('site:fournil'),
   null, null, null, 'Ramonage conduit et contrôle de combustion',
   'Ramonage réglementaire du conduit de fumée, certificat à remettre.',
   interval '-1 day 7 hours', interval '3 hours', 'normal', seed.ref('dispatch@chaleur-express'), interval '5 days'),
  (seed.ref('mission:chaleur-express:done-contract'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'), seed.ref('site:tilleuls-chaufferie'),
   seed.ref('contract:CE-MAINT-2026-001'), null, null, 'Visite trimestrielle chaufferie (T3) — contrat CE-MAINT-2026-001',
   'Contrôle brûleurs, analyse de combustion, relevé des pressions, nettoyage des filtres.',
   interval '-3 days 8 hours', interval '4 hours', 'normal', seed.ref('dispatch@chaleur-express'), interval '10 days'),
  (seed.ref('mission:chaleur-express:cancelled'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'), seed.ref('site:fournil'),
   null, null, null, 'Diagnostic thermostat d''ambiance',
   'Le thermostat ne commande plus la chaudière.',
   interval '2 days 10 hours', interval '1 hour', 'low', seed.ref('dispatch@chaleur-express'), interval '4 days'),
  (seed.ref('mission:chaleur-express:done-today'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'), seed.ref('site:tilleuls-chaufferie'),
   null, null, null, 'Remplacement robinet thermostatique — appartement 4',
   'Tête thermostatique bloquée en position fermée.',
   interval '8 hours', interval '1 hour', 'normal', seed.ref('dispatch@chaleur-express'), interval '2 days'),
  -- Plomberie du Rhône (plumbing, Villeurbanne)
  (seed.ref('mission:plomberie-rhone:new'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Détartrage du ballon d''eau chaude 300 L',
   'Vidange, détartrage, remplacement de l''anode magnésium.',
   interval '5 days 9 hours', interval '3 hours', 'normal', seed.ref('dispatch@plomberie-rhone'), interval '1 day'),
  (seed.ref('mission:plomberie-rhone:published'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Remplacement mitigeur thermostatique — chambre 12',
   'Mitigeur de douche qui ne tient plus la température.',
   interval '2 days 10 hours', interval '1 hour', 'normal', seed.ref('dispatch@plomberie-rhone'), interval '2 days'),
  (seed.ref('mission:plomberie-rhone:assigned'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Recherche de fuite — plafond de la salle du petit-déjeuner',
   'Auréole au plafond sous les chambres 3 et 4.',
   interval '1 day 8 hours', interval '2 hours', 'high', seed.ref('dispatch@plomberie-rhone'), interval '1 day'),
  (seed.ref('mission:plomberie-rhone:in-progress'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Remplacement du groupe de sécurité du chauffe-eau',
   'Le groupe de sécurité goutte en permanence.',
   interval '0', interval '1 day', 'normal', seed.ref('dispatch@plomberie-rhone'), interval '2 days'),
  (seed.ref('mission:plomberie-rhone:blocked'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Débouchage colonne d''eaux usées — 2e étage',
   'Évacuations lentes dans les chambres 21 à 26.',
   interval '0', interval '1 day', 'high', seed.ref('dispatch@plomberie-rhone'), interval '2 days'),
  (seed.ref('mission:plomberie-rhone:done-contract'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   seed.ref('contract:PDR-CONTRAT-2026-01'), null, null, 'Visite semestrielle — contrat PDR-CONTRAT-2026-01',
   'Contrôle de la production d''eau chaude, des groupes de sécurité et des réducteurs de pression.',
   interval '-2 days 8 hours', interval '4 hours', 'normal', seed.ref('dispatch@plomberie-rhone'), interval '9 days'),
  (seed.ref('mission:plomberie-rhone:done'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Réparation chasses d''eau — chambres 5 et 8',
   'Mécanismes de chasse qui fuient, remplacer les joints ou les mécanismes.',
   interval '-1 day 14 hours', interval '2 hours', 'low', seed.ref('dispatch@plomberie-rhone'), interval '4 days'),
  (seed.ref('mission:plomberie-rhone:cancelled'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Étude d''installation d''un adoucisseur',
   'Visite technique pour devis d''adoucisseur.',
   interval '3 days 15 hours', interval '1 hour', 'low', seed.ref('dispatch@plomberie-rhone'), interval '6 days'),
  (seed.ref('mission:plomberie-rhone:done-today'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'), seed.ref('site:hotel-local-technique'),
   null, null, null, 'Remplacement du joint de robinet — chambre 7',
   'Robinet de lavabo qui goutte.',
   interval '9 hours', interval '1 hour', 'low', seed.ref('dispatch@plomberie-rhone'), interval '1 day')
) as m (id, org_id, client_id, site_id, contract_id, request_id, emergency_id, title, description,
        start_offset, duration, priority, created_by, created_ago);

-- Each step is made through the API as the person named, then its history row
-- is back-dated to `ago` before now.
do $seed$
declare
  v_step record;
begin
  for v_step in
    select s.mission_id::uuid as mission_id, s.seq, s.to_status::public.mission_status as to_status, s.actor::uuid as actor,
           s.ago::interval as ago, s.reason, s.technician_id::uuid as technician_id
    from (values
      -- a…2002 published by the dispatcher
      (seed.ref('mission:chaleur-express:published'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '2 days',            null, null),
      -- a…2003 assigned by the dispatcher to Karim
      (seed.ref('mission:chaleur-express:assigned'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '23 hours',          null, null),
      (seed.ref('mission:chaleur-express:assigned'), 2, 'assigned',    seed.ref('dispatch@chaleur-express'), '22 hours',          null, seed.ref('tech1@chaleur-express')),
      -- a…2004 emergency: published, accepted by Karim (on call), started
      (seed.ref('mission:chaleur-express:in-progress'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '68 minutes',        null, null),
      (seed.ref('mission:chaleur-express:in-progress'), 2, 'assigned',    seed.ref('tech1@chaleur-express'), '65 minutes',        null, null),
      (seed.ref('mission:chaleur-express:in-progress'), 3, 'in_progress', seed.ref('tech1@chaleur-express'), '40 minutes',        null, null),
      -- a…2005 blocked for 95 minutes (alert)
      (seed.ref('mission:chaleur-express:blocked'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '2 days 22 hours', null, null),
      (seed.ref('mission:chaleur-express:blocked'), 2, 'assigned',    seed.ref('dispatch@chaleur-express'), '2 days',            null, seed.ref('tech2@chaleur-express')),
      (seed.ref('mission:chaleur-express:blocked'), 3, 'in_progress', seed.ref('tech2@chaleur-express'), '150 minutes',       null, null),
      (seed.ref('mission:chaleur-express:blocked'), 4, 'blocked',     seed.ref('tech2@chaleur-express'), '95 minutes',
       'Pièce manquante : circulateur Grundfos UPS 25-60 en rupture chez le grossiste', null),
      -- a…2006 done yesterday by Karim
      (seed.ref('mission:chaleur-express:done'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '4 days 22 hours', null, null),
      (seed.ref('mission:chaleur-express:done'), 2, 'assigned',    seed.ref('tech1@chaleur-express'), '4 days',            null, null),
      (seed.ref('mission:chaleur-express:done'), 3, 'in_progress', seed.ref('tech1@chaleur-express'), '1 day 3 hours',     null, null),
      (seed.ref('mission:chaleur-express:done'), 4, 'done',        seed.ref('tech1@chaleur-express'), '1 day',             null, null),
      -- a…2007 done three days ago by Sophie, after a short block
      (seed.ref('mission:chaleur-express:done-contract'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '9 days',            null, null),
      (seed.ref('mission:chaleur-express:done-contract'), 2, 'assigned',    seed.ref('dispatch@chaleur-express'), '8 days',            null, seed.ref('tech2@chaleur-express')),
      (seed.ref('mission:chaleur-express:done-contract'), 3, 'in_progress', seed.ref('tech2@chaleur-express'), '3 days 16 hours',   null, null),
      (seed.ref('mission:chaleur-express:done-contract'), 4, 'blocked',     seed.ref('tech2@chaleur-express'), '3 days 15 hours 30 minutes',
       'Chaufferie fermée, gardien absent', null),
      (seed.ref('mission:chaleur-express:done-contract'), 5, 'in_progress', seed.ref('dispatch@chaleur-express'), '3 days 15 hours',
       'Clé récupérée auprès du syndic', null),
      (seed.ref('mission:chaleur-express:done-contract'), 6, 'done',        seed.ref('tech2@chaleur-express'), '3 days 12 hours',   null, null),
      -- a…2008 cancelled by the owner
      (seed.ref('mission:chaleur-express:cancelled'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '3 days 22 hours', null, null),
      (seed.ref('mission:chaleur-express:cancelled'), 2, 'cancelled',   seed.ref('admin@chaleur-express'), '2 days',
       'Annulée à la demande du client : thermostat remplacé par ses soins', null),
      -- a…2009 done this morning by Karim, waiting to be invoiced
      (seed.ref('mission:chaleur-express:done-today'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '1 day 20 hours',  null, null),
      (seed.ref('mission:chaleur-express:done-today'), 2, 'assigned',    seed.ref('tech1@chaleur-express'), '1 day 18 hours',  null, null),
      (seed.ref('mission:chaleur-express:done-today'), 3, 'in_progress', seed.ref('tech1@chaleur-express'), '3 hours',         null, null),
      (seed.ref('mission:chaleur-express:done-today'), 4, 'done',        seed.ref('tech1@chaleur-express'), '2 hours',         null, null),
      -- b…2002 published
      (seed.ref('mission:plomberie-rhone:published'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '1 day 20 hours',  null, null),
      -- b…2003 accepted by Lucas
      (seed.ref('mission:plomberie-rhone:assigned'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '20 hours',          null, null),
      (seed.ref('mission:plomberie-rhone:assigned'), 2, 'assigned',    seed.ref('tech1@plomberie-rhone'), '18 hours',          null, null),
      -- b…2004 in progress with Inès
      (seed.ref('mission:plomberie-rhone:in-progress'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '1 day 23 hours',  null, null),
      (seed.ref('mission:plomberie-rhone:in-progress'), 2, 'assigned',    seed.ref('dispatch@plomberie-rhone'), '1 day',             null, seed.ref('tech2@plomberie-rhone')),
      (seed.ref('mission:plomberie-rhone:in-progress'), 3, 'in_progress', seed.ref('tech2@plomberie-rhone'), '25 minutes',        null, null),
      -- b…2005 blocked for two hours (alert)
      (seed.ref('mission:plomberie-rhone:blocked'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '1 day 22 hours',  null, null),
      (seed.ref('mission:plomberie-rhone:blocked'), 2, 'assigned',    seed.ref('tech1@plomberie-rhone'), '1 day',             null, null),
      (seed.ref('mission:plomberie-rhone:blocked'), 3, 'in_progress', seed.ref('tech1@plomberie-rhone'), '3 hours',           null, null),
      (seed.ref('mission:plomberie-rhone:blocked'), 4, 'blocked',     seed.ref('tech1@plomberie-rhone'), '2 hours',
       'Accès impossible : chambre 24 occupée, client absent jusqu''à 16 h', null),
      -- b…2006 done by Inès (contract visit)
      (seed.ref('mission:plomberie-rhone:done-contract'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '8 days',            null, null),
      (seed.ref('mission:plomberie-rhone:done-contract'), 2, 'assigned',    seed.ref('dispatch@plomberie-rhone'), '7 days',            null, seed.ref('tech2@plomberie-rhone')),
      (seed.ref('mission:plomberie-rhone:done-contract'), 3, 'in_progress', seed.ref('tech2@plomberie-rhone'), '2 days 16 hours',   null, null),
      (seed.ref('mission:plomberie-rhone:done-contract'), 4, 'done',        seed.ref('tech2@plomberie-rhone'), '2 days 12 hours',   null, null),
      -- b…2007 done by Lucas
      (seed.ref('mission:plomberie-rhone:done'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '4 days',            null, null),
      (seed.ref('mission:plomberie-rhone:done'), 2, 'assigned',    seed.ref('tech1@plomberie-rhone'), '3 days',            null, null),
      (seed.ref('mission:plomberie-rhone:done'), 3, 'in_progress', seed.ref('tech1@plomberie-rhone'), '1 day 10 hours',    null, null),
      (seed.ref('mission:plomberie-rhone:done'), 4, 'done',        seed.ref('tech1@plomberie-rhone'), '1 day 8 hours',     null, null),
      -- b…2009 done this morning by Inès, waiting to be invoiced
      (seed.ref('mission:plomberie-rhone:done-today'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '22 hours',        null, null),
      (seed.ref('mission:plomberie-rhone:done-today'), 2, 'assigned',    seed.ref('dispatch@plomberie-rhone'), '20 hours',        null, seed.ref('tech2@plomberie-rhone')),
      (seed.ref('mission:plomberie-rhone:done-today'), 3, 'in_progress', seed.ref('tech2@plomberie-rhone'), '4 hours',         null, null),
      (seed.ref('mission:plomberie-rhone:done-today'), 4, 'done',        seed.ref('tech2@plomberie-rhone'), '3 hours 30 minutes', null, null),
      -- b…2008 cancelled before publication
      (seed.ref('mission:plomberie-rhone:cancelled'), 1, 'cancelled',   seed.ref('admin@plomberie-rhone'), '5 days',
       'Le client a choisi un autre prestataire', null)
    ) as s (mission_id, seq, to_status, actor, ago, reason, technician_id)
    order by s.mission_id, s.seq
  loop
    perform seed.transition_mission_as(v_step.mission_id, v_step.seq, v_step.to_status, v_step.actor, v_step.ago,
                                       v_step.reason, v_step.technician_id);
  end loop;
end;
$seed$;

-- Creation rows of the history at the missions' creation time.
update public.mission_status_history h
   set changed_at = m.created_at, changed_by = m.created_by
  from public.missions m
 where h.mission_id = m.id and h.from_status is null
   and m.id::text like '_0000000-0000-4000-8000-0000000020__';

-- Lifecycle columns from the (back-dated) history: first start, current block,
-- completion. The system actor may correct them; the status is untouched.
update public.missions m
   set started_at   = (select min(h.changed_at) from public.mission_status_history h
                        where h.mission_id = m.id and h.to_status = 'in_progress'),
       blocked_at   = case when m.status = 'blocked' then
                        (select max(h.changed_at) from public.mission_status_history h
                          where h.mission_id = m.id and h.to_status = 'blocked') end,
       completed_at = (select max(h.changed_at) from public.mission_status_history h
                        where h.mission_id = m.id and h.to_status = 'done')
 where m.id::text like '_0000000-0000-4000-8000-0000000020__';

-- Notes written on site (through the API, as their authors).
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000004", "role": "authenticated"}', true);
select public.add_mission_note(seed.ref('mission:chaleur-express:blocked'),
  'Circulateur commandé chez le grossiste, livraison annoncée demain 8 h. Installation provisoire en place, chauffage du fournil assuré à 60 %.',
  'seed:note:a0000000-0000-4000-8000-000000002401', seed.ref('note:chaleur-express:1'));
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000003", "role": "authenticated"}', true);
select public.add_mission_note(seed.ref('mission:chaleur-express:in-progress'),
  'Vanne d''isolement fermée, fuite localisée sur un raccord du retour primaire. Joint fibre à remplacer.',
  'seed:note:a0000000-0000-4000-8000-000000002402', seed.ref('note:chaleur-express:2'));
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "b0000000-0000-4000-8000-000000000003", "role": "authenticated"}', true);
select public.add_mission_note(seed.ref('mission:plomberie-rhone:blocked'),
  'Réception prévenue, je repasse à 16 h quand la chambre 24 sera libre.',
  'seed:note:b0000000-0000-4000-8000-000000002403', seed.ref('note:plomberie-rhone:3'));
select pg_catalog.set_config('request.jwt.claims', '', true);
update public.mission_notes n set created_at = now() - interval '80 minutes' where n.id = seed.ref('note:chaleur-express:1');
update public.mission_notes n set created_at = now() - interval '30 minutes' where n.id = seed.ref('note:chaleur-express:2');
update public.mission_notes n set created_at = now() - interval '110 minutes' where n.id = seed.ref('note:plomberie-rhone:3');

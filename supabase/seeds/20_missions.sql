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

insert into public.maintenance_contracts (id, org_id, client_id, site_id, reference, starts_on, ends_on, visit_frequency_months, sla_hours, status) values
  ('a0000000-0000-4000-8000-000000002101', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'CE-MAINT-2026-001',
   date_trunc('year', current_date)::date, (date_trunc('year', current_date) + interval '1 year - 1 day')::date, 3, 4, 'active'),
  ('b0000000-0000-4000-8000-000000002101', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1',
   'b0000000-0000-4000-8000-0000000000d1', 'PDR-CONTRAT-2026-01',
   date_trunc('year', current_date)::date, (date_trunc('year', current_date) + interval '1 year - 1 day')::date, 6, 8, 'active');

insert into public.client_requests (id, org_id, client_id, site_id, subject, description, status, created_by, created_at) values
  ('a0000000-0000-4000-8000-000000002201', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'Radiateurs froids au 3e étage, bâtiment A',
   'Plusieurs copropriétaires du 3e étage signalent des radiateurs tièdes en haut et froids en bas depuis la remise en chauffe.',
   'open', 'a0000000-0000-4000-8000-000000000006', now() - interval '5 hours'),
  ('a0000000-0000-4000-8000-000000002202', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'Sifflement dans les radiateurs — appartement 12',
   'Bruit de sifflement et de glouglou dans les radiateurs du séjour, surtout le matin.',
   'converted', 'a0000000-0000-4000-8000-000000000006', now() - interval '2 days');

insert into public.emergency_requests (id, org_id, client_id, site_id, severity, description, status, source, created_by,
                                       created_at, acknowledged_at, acknowledged_by, dispatched_at) values
  -- Pending for 12 minutes: the pending-emergency alert (> 5 min) fires.
  ('a0000000-0000-4000-8000-000000002301', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'critical',
   'Plus de chauffage ni d''eau chaude dans tout le bâtiment B, la chaudière est en sécurité.', 'pending', 'portal',
   'a0000000-0000-4000-8000-000000000006', now() - interval '12 minutes', null, null, null),
  -- Dispatched: mission a…2004 is on it.
  ('a0000000-0000-4000-8000-000000002302', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'high',
   'Fuite d''eau importante en chaufferie, le sol est inondé.', 'dispatched', 'phone',
   null, now() - interval '75 minutes', now() - interval '72 minutes', 'a0000000-0000-4000-8000-000000000002',
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
  ('a0000000-0000-4000-8000-000000002001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2',
   null, null, null, 'Entretien annuel chaudière gaz — fournil',
   'Entretien obligatoire annuel, attestation à remettre au client. Passer avant 5 h ou après 13 h (cuisson).',
   interval '6 days 13 hours', interval '2 hours', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '2 days'),
  ('a0000000-0000-4000-8000-000000002002', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
   'a0000000-0000-4000-8000-000000002101', null, null, 'Visite trimestrielle chaufferie — contrat CE-MAINT-2026-001',
   'Contrôle brûleurs, analyse de combustion, relevé des pressions, nettoyage des filtres.',
   interval '4 days 8 hours', interval '4 hours', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '3 days'),
  ('a0000000-0000-4000-8000-000000002003', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
   null, 'a0000000-0000-4000-8000-000000002202', null, 'Purge des radiateurs — appartement 12',
   'Suite à la demande du syndic : purge et équilibrage, vérifier la pression du circuit.',
   interval '1 day 9 hours', interval '90 minutes', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '1 day'),
  ('a0000000-0000-4000-8000-000000002004', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
   null, null, 'a0000000-0000-4000-8000-000000002302', 'Urgence : fuite en chaufferie',
   'Fuite sur le circuit primaire signalée par le gardien. Couper l''alimentation, localiser, réparer.',
   interval '0', interval '1 day', 'urgent', 'a0000000-0000-4000-8000-000000000002', interval '70 minutes'),
  ('a0000000-0000-4000-8000-000000002005', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2',
   null, null, null, 'Remplacement du circulateur de chauffage',
   'Circulateur bruyant et grippé, à remplacer par un modèle à haut rendement.',
   interval '0', interval '1 day', 'high', 'a0000000-0000-4000-8000-000000000002', interval '3 days'),
  ('a0000000-0000-4000-8000-000000002006', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2',
   null, null, null, 'Ramonage conduit et contrôle de combustion',
   'Ramonage réglementaire du conduit de fumée, certificat à remettre.',
   interval '-1 day 7 hours', interval '3 hours', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '5 days'),
  ('a0000000-0000-4000-8000-000000002007', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
   'a0000000-0000-4000-8000-000000002101', null, null, 'Visite trimestrielle chaufferie (T3) — contrat CE-MAINT-2026-001',
   'Contrôle brûleurs, analyse de combustion, relevé des pressions, nettoyage des filtres.',
   interval '-3 days 8 hours', interval '4 hours', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '10 days'),
  ('a0000000-0000-4000-8000-000000002008', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2',
   null, null, null, 'Diagnostic thermostat d''ambiance',
   'Le thermostat ne commande plus la chaudière.',
   interval '2 days 10 hours', interval '1 hour', 'low', 'a0000000-0000-4000-8000-000000000002', interval '4 days'),
  ('a0000000-0000-4000-8000-000000002009', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Remplacement robinet thermostatique — appartement 4',
   'Tête thermostatique bloquée en position fermée.',
   interval '8 hours', interval '1 hour', 'normal', 'a0000000-0000-4000-8000-000000000002', interval '2 days'),
  -- Plomberie du Rhône (plumbing, Villeurbanne)
  ('b0000000-0000-4000-8000-000000002001', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Détartrage du ballon d''eau chaude 300 L',
   'Vidange, détartrage, remplacement de l''anode magnésium.',
   interval '5 days 9 hours', interval '3 hours', 'normal', 'b0000000-0000-4000-8000-000000000002', interval '1 day'),
  ('b0000000-0000-4000-8000-000000002002', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Remplacement mitigeur thermostatique — chambre 12',
   'Mitigeur de douche qui ne tient plus la température.',
   interval '2 days 10 hours', interval '1 hour', 'normal', 'b0000000-0000-4000-8000-000000000002', interval '2 days'),
  ('b0000000-0000-4000-8000-000000002003', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Recherche de fuite — plafond de la salle du petit-déjeuner',
   'Auréole au plafond sous les chambres 3 et 4.',
   interval '1 day 8 hours', interval '2 hours', 'high', 'b0000000-0000-4000-8000-000000000002', interval '1 day'),
  ('b0000000-0000-4000-8000-000000002004', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Remplacement du groupe de sécurité du chauffe-eau',
   'Le groupe de sécurité goutte en permanence.',
   interval '0', interval '1 day', 'normal', 'b0000000-0000-4000-8000-000000000002', interval '2 days'),
  ('b0000000-0000-4000-8000-000000002005', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Débouchage colonne d''eaux usées — 2e étage',
   'Évacuations lentes dans les chambres 21 à 26.',
   interval '0', interval '1 day', 'high', 'b0000000-0000-4000-8000-000000000002', interval '2 days'),
  ('b0000000-0000-4000-8000-000000002006', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   'b0000000-0000-4000-8000-000000002101', null, null, 'Visite semestrielle — contrat PDR-CONTRAT-2026-01',
   'Contrôle de la production d''eau chaude, des groupes de sécurité et des réducteurs de pression.',
   interval '-2 days 8 hours', interval '4 hours', 'normal', 'b0000000-0000-4000-8000-000000000002', interval '9 days'),
  ('b0000000-0000-4000-8000-000000002007', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Réparation chasses d''eau — chambres 5 et 8',
   'Mécanismes de chasse qui fuient, remplacer les joints ou les mécanismes.',
   interval '-1 day 14 hours', interval '2 hours', 'low', 'b0000000-0000-4000-8000-000000000002', interval '4 days'),
  ('b0000000-0000-4000-8000-000000002008', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Étude d''installation d''un adoucisseur',
   'Visite technique pour devis d''adoucisseur.',
   interval '3 days 15 hours', interval '1 hour', 'low', 'b0000000-0000-4000-8000-000000000002', interval '6 days'),
  ('b0000000-0000-4000-8000-000000002009', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1', 'b0000000-0000-4000-8000-0000000000d1',
   null, null, null, 'Remplacement du joint de robinet — chambre 7',
   'Robinet de lavabo qui goutte.',
   interval '9 hours', interval '1 hour', 'low', 'b0000000-0000-4000-8000-000000000002', interval '1 day')
) as m (id, org_id, client_id, site_id, contract_id, request_id, emergency_id, title, description,
        start_offset, duration, priority, created_by, created_ago);

-- Each step is made through the API as the person named, then its history row
-- is back-dated to `ago` before now.
do $seed$
declare
  v_step record;
  v_result jsonb;
begin
  for v_step in
    select s.mission_id::uuid as mission_id, s.seq, s.to_status::public.mission_status as to_status, s.actor::uuid as actor,
           s.ago::interval as ago, s.reason, s.technician_id::uuid as technician_id
    from (values
      -- a…2002 published by the dispatcher
      ('a0000000-0000-4000-8000-000000002002', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '2 days',            null, null),
      -- a…2003 assigned by the dispatcher to Karim
      ('a0000000-0000-4000-8000-000000002003', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '23 hours',          null, null),
      ('a0000000-0000-4000-8000-000000002003', 2, 'assigned',    'a0000000-0000-4000-8000-000000000002', '22 hours',          null, 'a0000000-0000-4000-8000-000000000003'),
      -- a…2004 emergency: published, accepted by Karim (on call), started
      ('a0000000-0000-4000-8000-000000002004', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '68 minutes',        null, null),
      ('a0000000-0000-4000-8000-000000002004', 2, 'assigned',    'a0000000-0000-4000-8000-000000000003', '65 minutes',        null, null),
      ('a0000000-0000-4000-8000-000000002004', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000003', '40 minutes',        null, null),
      -- a…2005 blocked for 95 minutes (alert)
      ('a0000000-0000-4000-8000-000000002005', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '2 days 22 hours', null, null),
      ('a0000000-0000-4000-8000-000000002005', 2, 'assigned',    'a0000000-0000-4000-8000-000000000002', '2 days',            null, 'a0000000-0000-4000-8000-000000000004'),
      ('a0000000-0000-4000-8000-000000002005', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000004', '150 minutes',       null, null),
      ('a0000000-0000-4000-8000-000000002005', 4, 'blocked',     'a0000000-0000-4000-8000-000000000004', '95 minutes',
       'Pièce manquante : circulateur Grundfos UPS 25-60 en rupture chez le grossiste', null),
      -- a…2006 done yesterday by Karim
      ('a0000000-0000-4000-8000-000000002006', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '4 days 22 hours', null, null),
      ('a0000000-0000-4000-8000-000000002006', 2, 'assigned',    'a0000000-0000-4000-8000-000000000003', '4 days',            null, null),
      ('a0000000-0000-4000-8000-000000002006', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000003', '1 day 3 hours',     null, null),
      ('a0000000-0000-4000-8000-000000002006', 4, 'done',        'a0000000-0000-4000-8000-000000000003', '1 day',             null, null),
      -- a…2007 done three days ago by Sophie, after a short block
      ('a0000000-0000-4000-8000-000000002007', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '9 days',            null, null),
      ('a0000000-0000-4000-8000-000000002007', 2, 'assigned',    'a0000000-0000-4000-8000-000000000002', '8 days',            null, 'a0000000-0000-4000-8000-000000000004'),
      ('a0000000-0000-4000-8000-000000002007', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000004', '3 days 16 hours',   null, null),
      ('a0000000-0000-4000-8000-000000002007', 4, 'blocked',     'a0000000-0000-4000-8000-000000000004', '3 days 15 hours 30 minutes',
       'Chaufferie fermée, gardien absent', null),
      ('a0000000-0000-4000-8000-000000002007', 5, 'in_progress', 'a0000000-0000-4000-8000-000000000002', '3 days 15 hours',
       'Clé récupérée auprès du syndic', null),
      ('a0000000-0000-4000-8000-000000002007', 6, 'done',        'a0000000-0000-4000-8000-000000000004', '3 days 12 hours',   null, null),
      -- a…2008 cancelled by the owner
      ('a0000000-0000-4000-8000-000000002008', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '3 days 22 hours', null, null),
      ('a0000000-0000-4000-8000-000000002008', 2, 'cancelled',   'a0000000-0000-4000-8000-000000000001', '2 days',
       'Annulée à la demande du client : thermostat remplacé par ses soins', null),
      -- a…2009 done this morning by Karim, waiting to be invoiced
      ('a0000000-0000-4000-8000-000000002009', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '1 day 20 hours',  null, null),
      ('a0000000-0000-4000-8000-000000002009', 2, 'assigned',    'a0000000-0000-4000-8000-000000000003', '1 day 18 hours',  null, null),
      ('a0000000-0000-4000-8000-000000002009', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000003', '3 hours',         null, null),
      ('a0000000-0000-4000-8000-000000002009', 4, 'done',        'a0000000-0000-4000-8000-000000000003', '2 hours',         null, null),
      -- b…2002 published
      ('b0000000-0000-4000-8000-000000002002', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '1 day 20 hours',  null, null),
      -- b…2003 accepted by Lucas
      ('b0000000-0000-4000-8000-000000002003', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '20 hours',          null, null),
      ('b0000000-0000-4000-8000-000000002003', 2, 'assigned',    'b0000000-0000-4000-8000-000000000003', '18 hours',          null, null),
      -- b…2004 in progress with Inès
      ('b0000000-0000-4000-8000-000000002004', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '1 day 23 hours',  null, null),
      ('b0000000-0000-4000-8000-000000002004', 2, 'assigned',    'b0000000-0000-4000-8000-000000000002', '1 day',             null, 'b0000000-0000-4000-8000-000000000004'),
      ('b0000000-0000-4000-8000-000000002004', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000004', '25 minutes',        null, null),
      -- b…2005 blocked for two hours (alert)
      ('b0000000-0000-4000-8000-000000002005', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '1 day 22 hours',  null, null),
      ('b0000000-0000-4000-8000-000000002005', 2, 'assigned',    'b0000000-0000-4000-8000-000000000003', '1 day',             null, null),
      ('b0000000-0000-4000-8000-000000002005', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000003', '3 hours',           null, null),
      ('b0000000-0000-4000-8000-000000002005', 4, 'blocked',     'b0000000-0000-4000-8000-000000000003', '2 hours',
       'Accès impossible : chambre 24 occupée, client absent jusqu''à 16 h', null),
      -- b…2006 done by Inès (contract visit)
      ('b0000000-0000-4000-8000-000000002006', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '8 days',            null, null),
      ('b0000000-0000-4000-8000-000000002006', 2, 'assigned',    'b0000000-0000-4000-8000-000000000002', '7 days',            null, 'b0000000-0000-4000-8000-000000000004'),
      ('b0000000-0000-4000-8000-000000002006', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000004', '2 days 16 hours',   null, null),
      ('b0000000-0000-4000-8000-000000002006', 4, 'done',        'b0000000-0000-4000-8000-000000000004', '2 days 12 hours',   null, null),
      -- b…2007 done by Lucas
      ('b0000000-0000-4000-8000-000000002007', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '4 days',            null, null),
      ('b0000000-0000-4000-8000-000000002007', 2, 'assigned',    'b0000000-0000-4000-8000-000000000003', '3 days',            null, null),
      ('b0000000-0000-4000-8000-000000002007', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000003', '1 day 10 hours',    null, null),
      ('b0000000-0000-4000-8000-000000002007', 4, 'done',        'b0000000-0000-4000-8000-000000000003', '1 day 8 hours',     null, null),
      -- b…2009 done this morning by Inès, waiting to be invoiced
      ('b0000000-0000-4000-8000-000000002009', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '22 hours',        null, null),
      ('b0000000-0000-4000-8000-000000002009', 2, 'assigned',    'b0000000-0000-4000-8000-000000000002', '20 hours',        null, 'b0000000-0000-4000-8000-000000000004'),
      ('b0000000-0000-4000-8000-000000002009', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000004', '4 hours',         null, null),
      ('b0000000-0000-4000-8000-000000002009', 4, 'done',        'b0000000-0000-4000-8000-000000000004', '3 hours 30 minutes', null, null),
      -- b…2008 cancelled before publication
      ('b0000000-0000-4000-8000-000000002008', 1, 'cancelled',   'b0000000-0000-4000-8000-000000000001', '5 days',
       'Le client a choisi un autre prestataire', null)
    ) as s (mission_id, seq, to_status, actor, ago, reason, technician_id)
    order by s.mission_id, s.seq
  loop
    perform pg_catalog.set_config('request.jwt.claims',
      jsonb_build_object('sub', v_step.actor, 'role', 'authenticated')::text, true);
    v_result := public.transition_mission(v_step.mission_id, v_step.to_status,
      'seed:' || v_step.mission_id || ':' || v_step.seq, v_step.reason, v_step.technician_id);
    if not (v_result ->> 'changed')::boolean then
      raise exception 'seed step % of mission % changed nothing', v_step.seq, v_step.mission_id;
    end if;
    update public.mission_status_history h
       set changed_at = now() - v_step.ago
     where h.id = (select max(h2.id) from public.mission_status_history h2 where h2.mission_id = v_step.mission_id);
  end loop;
  -- Back to the system actor for the back-dating below.
  perform pg_catalog.set_config('request.jwt.claims', '', true);
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
select public.add_mission_note('a0000000-0000-4000-8000-000000002005',
  'Circulateur commandé chez le grossiste, livraison annoncée demain 8 h. Installation provisoire en place, chauffage du fournil assuré à 60 %.',
  'seed:note:a0000000-0000-4000-8000-000000002401', 'a0000000-0000-4000-8000-000000002401');
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000003", "role": "authenticated"}', true);
select public.add_mission_note('a0000000-0000-4000-8000-000000002004',
  'Vanne d''isolement fermée, fuite localisée sur un raccord du retour primaire. Joint fibre à remplacer.',
  'seed:note:a0000000-0000-4000-8000-000000002402', 'a0000000-0000-4000-8000-000000002402');
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "b0000000-0000-4000-8000-000000000003", "role": "authenticated"}', true);
select public.add_mission_note('b0000000-0000-4000-8000-000000002005',
  'Réception prévenue, je repasse à 16 h quand la chambre 24 sera libre.',
  'seed:note:b0000000-0000-4000-8000-000000002403', 'b0000000-0000-4000-8000-000000002403');
select pg_catalog.set_config('request.jwt.claims', '', true);
update public.mission_notes n set created_at = now() - interval '80 minutes' where n.id = 'a0000000-0000-4000-8000-000000002401';
update public.mission_notes n set created_at = now() - interval '30 minutes' where n.id = 'a0000000-0000-4000-8000-000000002402';
update public.mission_notes n set created_at = now() - interval '110 minutes' where n.id = 'b0000000-0000-4000-8000-000000002403';

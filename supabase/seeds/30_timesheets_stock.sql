-- =============================================================================
-- Demo data — timesheets and stock, for both demo organizations. Applied by
-- `db reset` after seed.sql and 20_missions.sql (missions a…20NN / b…20NN).
--
-- Dates are relative to today (Europe/Paris), so the demo always looks current:
-- timesheets over the last two weeks, the ones on done missions approved (the
-- invoicing seed bills them), the recent ones waiting for approval, and one per
-- organization unapproved for more than 7 days (the "timesheets unapproved"
-- alert fires). Stock: about ten parts per organization, delivered two weeks
-- ago, some used on missions, one inventory adjustment, and items below (alert),
-- at and above their minimum. One audited lock override (owner) for the audit screen.
--
-- The rows are written by the system actor (this script runs as postgres with
-- no JWT), which may create approved rows and back-date them; every data rule
-- (24 h per day, no future date, stock never negative) applies as usual.
--
-- Fixed ids:
--   …-0000000030NN  missions added here (long multi-day jobs, see below)
--   …-0000000031NN  timesheets
--   …-0000000032NN  stock items
--   …-0000000033NN  stock movements
-- =============================================================================

-- The rows this file creates, by name (seed.ref, defined in seed.sql).
insert into seed.refs (key, id) values
  ('mission:chaleur-express:long-job','a0000000-0000-4000-8000-000000003001'),
  ('mission:plomberie-rhone:long-job','b0000000-0000-4000-8000-000000003001'),
  ('timesheet:chaleur-express:1',     'a0000000-0000-4000-8000-000000003101'),
  ('timesheet:chaleur-express:2',     'a0000000-0000-4000-8000-000000003102'),
  ('timesheet:chaleur-express:3',     'a0000000-0000-4000-8000-000000003103'),
  ('timesheet:chaleur-express:4',     'a0000000-0000-4000-8000-000000003104'),
  ('timesheet:chaleur-express:5',     'a0000000-0000-4000-8000-000000003105'),
  ('timesheet:chaleur-express:6',     'a0000000-0000-4000-8000-000000003106'),
  ('timesheet:chaleur-express:7',     'a0000000-0000-4000-8000-000000003107'),
  ('timesheet:chaleur-express:8',     'a0000000-0000-4000-8000-000000003108'),
  ('timesheet:chaleur-express:9',     'a0000000-0000-4000-8000-000000003109'),
  ('timesheet:chaleur-express:10',    'a0000000-0000-4000-8000-000000003110'),
  ('timesheet:plomberie-rhone:1',     'b0000000-0000-4000-8000-000000003101'),
  ('timesheet:plomberie-rhone:2',     'b0000000-0000-4000-8000-000000003102'),
  ('timesheet:plomberie-rhone:3',     'b0000000-0000-4000-8000-000000003103'),
  ('timesheet:plomberie-rhone:4',     'b0000000-0000-4000-8000-000000003104'),
  ('timesheet:plomberie-rhone:5',     'b0000000-0000-4000-8000-000000003105'),
  ('timesheet:plomberie-rhone:6',     'b0000000-0000-4000-8000-000000003106'),
  ('timesheet:plomberie-rhone:7',     'b0000000-0000-4000-8000-000000003107'),
  ('item:CIRC-UPS25-60',              'a0000000-0000-4000-8000-000000003201'),
  ('item:VASE-EXP-8L',                'a0000000-0000-4000-8000-000000003202'),
  ('item:JNT-FIB-1521',               'a0000000-0000-4000-8000-000000003203'),
  ('item:RAC-LAI-15',                 'a0000000-0000-4000-8000-000000003204'),
  ('item:TUBE-CU-14',                 'a0000000-0000-4000-8000-000000003205'),
  ('item:SOUP-SEC-3B',                'a0000000-0000-4000-8000-000000003206'),
  ('item:PURG-AUTO-38',               'a0000000-0000-4000-8000-000000003207'),
  ('item:GICL-060-60S',               'a0000000-0000-4000-8000-000000003208'),
  ('item:INHIB-CHAUF-1L',             'a0000000-0000-4000-8000-000000003209'),
  ('item:VANNE-EQU-20',               'a0000000-0000-4000-8000-000000003210'),
  ('item:MIT-THERMO-DCH',             'b0000000-0000-4000-8000-000000003201'),
  ('item:GRP-SECU-34',                'b0000000-0000-4000-8000-000000003202'),
  ('item:ANODE-MG-300',               'b0000000-0000-4000-8000-000000003203'),
  ('item:MECA-CHASSE-DC',             'b0000000-0000-4000-8000-000000003204'),
  ('item:JNT-CLOCHE',                 'b0000000-0000-4000-8000-000000003205'),
  ('item:PER-GAINE-16',               'b0000000-0000-4000-8000-000000003206'),
  ('item:PVC-EVAC-100',               'b0000000-0000-4000-8000-000000003207'),
  ('item:RED-PRESS-34',               'b0000000-0000-4000-8000-000000003208'),
  ('item:SIPHON-LAV-32',              'b0000000-0000-4000-8000-000000003209'),
  ('item:PTFE-12-12',                 'b0000000-0000-4000-8000-000000003210'),
  ('movement:chaleur-express:1',      'a0000000-0000-4000-8000-000000003301'),
  ('movement:chaleur-express:2',      'a0000000-0000-4000-8000-000000003302'),
  ('movement:chaleur-express:3',      'a0000000-0000-4000-8000-000000003303'),
  ('movement:chaleur-express:4',      'a0000000-0000-4000-8000-000000003304'),
  ('movement:chaleur-express:5',      'a0000000-0000-4000-8000-000000003305'),
  ('movement:chaleur-express:6',      'a0000000-0000-4000-8000-000000003306'),
  ('movement:chaleur-express:7',      'a0000000-0000-4000-8000-000000003307'),
  ('movement:chaleur-express:8',      'a0000000-0000-4000-8000-000000003308'),
  ('movement:chaleur-express:9',      'a0000000-0000-4000-8000-000000003309'),
  ('movement:chaleur-express:10',     'a0000000-0000-4000-8000-000000003310'),
  ('movement:chaleur-express:11',     'a0000000-0000-4000-8000-000000003311'),
  ('movement:chaleur-express:12',     'a0000000-0000-4000-8000-000000003312'),
  ('movement:chaleur-express:13',     'a0000000-0000-4000-8000-000000003313'),
  ('movement:chaleur-express:14',     'a0000000-0000-4000-8000-000000003314'),
  ('movement:chaleur-express:15',     'a0000000-0000-4000-8000-000000003315'),
  ('movement:chaleur-express:16',     'a0000000-0000-4000-8000-000000003316'),
  ('movement:chaleur-express:17',     'a0000000-0000-4000-8000-000000003317'),
  ('movement:chaleur-express:18',     'a0000000-0000-4000-8000-000000003318'),
  ('movement:chaleur-express:19',     'a0000000-0000-4000-8000-000000003319'),
  ('movement:chaleur-express:20',     'a0000000-0000-4000-8000-000000003320'),
  ('movement:plomberie-rhone:1',      'b0000000-0000-4000-8000-000000003301'),
  ('movement:plomberie-rhone:2',      'b0000000-0000-4000-8000-000000003302'),
  ('movement:plomberie-rhone:3',      'b0000000-0000-4000-8000-000000003303'),
  ('movement:plomberie-rhone:4',      'b0000000-0000-4000-8000-000000003304'),
  ('movement:plomberie-rhone:5',      'b0000000-0000-4000-8000-000000003305'),
  ('movement:plomberie-rhone:6',      'b0000000-0000-4000-8000-000000003306'),
  ('movement:plomberie-rhone:7',      'b0000000-0000-4000-8000-000000003307'),
  ('movement:plomberie-rhone:8',      'b0000000-0000-4000-8000-000000003308'),
  ('movement:plomberie-rhone:9',      'b0000000-0000-4000-8000-000000003309'),
  ('movement:plomberie-rhone:10',     'b0000000-0000-4000-8000-000000003310'),
  ('movement:plomberie-rhone:11',     'b0000000-0000-4000-8000-000000003311'),
  ('movement:plomberie-rhone:12',     'b0000000-0000-4000-8000-000000003312'),
  ('movement:plomberie-rhone:13',     'b0000000-0000-4000-8000-000000003313'),
  ('movement:plomberie-rhone:14',     'b0000000-0000-4000-8000-000000003314'),
  ('movement:plomberie-rhone:15',     'b0000000-0000-4000-8000-000000003315'),
  ('movement:plomberie-rhone:16',     'b0000000-0000-4000-8000-000000003316'),
  ('movement:plomberie-rhone:17',     'b0000000-0000-4000-8000-000000003317');

-- -----------------------------------------------------------------------------
-- Two multi-day jobs in progress for about two weeks, one per organization.
-- 20_missions.sql has no mission older than a week that is not done (its done
-- missions are invoiced by the invoicing seed, which refuses unapproved hours),
-- so the "unapproved for more than 7 days" timesheets need a long job of their
-- own. Moved through public.transition_mission as the people would, then the
-- history and lifecycle columns are back-dated (system actor), as in 20_missions.sql.
-- -----------------------------------------------------------------------------
insert into public.missions (id, org_id, client_id, site_id, title, description, scheduled_start, scheduled_end, priority, created_by, created_at) values
  (seed.ref('mission:chaleur-express:long-job'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'Désembouage et équilibrage du réseau de chauffage — Résidence Les Tilleuls',
   'Chantier de trois semaines : vidange, désembouage et rinçage bâtiment par bâtiment, pose de vannes d''équilibrage, réglage des débits.',
   date_trunc('day', now()) - interval '12 days' + interval '8 hours', date_trunc('day', now()) + interval '5 days' + interval '17 hours',
   'normal', seed.ref('dispatch@chaleur-express'), now() - interval '16 days'),
  (seed.ref('mission:plomberie-rhone:long-job'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'),
   seed.ref('site:hotel-local-technique'), 'Remplacement des colonnes d''eau froide — aile est',
   'Remplacement des colonnes acier galvanisé par du PER gainé, étage par étage, chambres libérées par l''hôtel au fur et à mesure.',
   date_trunc('day', now()) - interval '10 days' + interval '8 hours', date_trunc('day', now()) + interval '4 days' + interval '17 hours',
   'normal', seed.ref('dispatch@plomberie-rhone'), now() - interval '14 days');

do $seed$
declare
  v_step record;
begin
  for v_step in
    select s.mission_id::uuid as mission_id, s.seq, s.to_status::public.mission_status as to_status, s.actor::uuid as actor,
           s.ago::interval as ago, s.technician_id::uuid as technician_id
    from (values
      (seed.ref('mission:chaleur-express:long-job'), 1, 'published',   seed.ref('dispatch@chaleur-express'), '15 days',          null),
      (seed.ref('mission:chaleur-express:long-job'), 2, 'assigned',    seed.ref('dispatch@chaleur-express'), '14 days',          seed.ref('tech1@chaleur-express')),
      (seed.ref('mission:chaleur-express:long-job'), 3, 'in_progress', seed.ref('tech1@chaleur-express'), '12 days 15 hours', null),
      (seed.ref('mission:plomberie-rhone:long-job'), 1, 'published',   seed.ref('dispatch@plomberie-rhone'), '13 days',          null),
      (seed.ref('mission:plomberie-rhone:long-job'), 2, 'assigned',    seed.ref('dispatch@plomberie-rhone'), '12 days',          seed.ref('tech2@plomberie-rhone')),
      (seed.ref('mission:plomberie-rhone:long-job'), 3, 'in_progress', seed.ref('tech2@plomberie-rhone'), '10 days 15 hours', null)
    ) as s (mission_id, seq, to_status, actor, ago, technician_id)
    order by s.mission_id, s.seq
  loop
    perform seed.transition_mission_as(v_step.mission_id, v_step.seq, v_step.to_status, v_step.actor, v_step.ago,
                                       null, v_step.technician_id);
  end loop;
end;
$seed$;

update public.mission_status_history h
   set changed_at = m.created_at, changed_by = m.created_by
  from public.missions m
 where h.mission_id = m.id and h.from_status is null
   and m.id in (seed.ref('mission:chaleur-express:long-job'), seed.ref('mission:plomberie-rhone:long-job'));
update public.missions m
   set started_at = (select min(h.changed_at) from public.mission_status_history h
                      where h.mission_id = m.id and h.to_status = 'in_progress')
 where m.id in (seed.ref('mission:chaleur-express:long-job'), seed.ref('mission:plomberie-rhone:long-job'));

-- -----------------------------------------------------------------------------
-- Timesheets. `days` is the work date's distance from today (Europe/Paris);
-- approved rows carry their approver (the dispatcher) and the approval time.
-- -----------------------------------------------------------------------------
insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours, note, approved_by, approved_at, created_at)
select t.id::uuid, t.org_id::uuid, t.technician_id::uuid, t.mission_id::uuid,
       (now() at time zone 'Europe/Paris')::date - t.days, t.hours, t.note,
       t.approved_by::uuid,
       -- Approved the next working morning (at the latest an hour ago), logged the evening of the work.
       case when t.approved_by is not null then now() - make_interval(days => greatest(t.days - 1, 0)) - interval '1 hour' end,
       now() - make_interval(days => t.days)
from (values
  -- Chaleur Express — Karim Benali (…03) on the long job a…3001
  (seed.ref('timesheet:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   12, 7.50, 'Protection des parties communes, vidange du réseau bâtiment A', seed.ref('dispatch@chaleur-express')),
  (seed.ref('timesheet:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   11, 8.00, 'Désembouage bâtiment A : injection du produit, circulation forcée', seed.ref('dispatch@chaleur-express')),
  (seed.ref('timesheet:chaleur-express:3'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   10, 7.00, 'Rinçage bâtiment A, remise en eau et purge', seed.ref('dispatch@chaleur-express')),
  (seed.ref('timesheet:chaleur-express:4'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   9, 6.50, 'Vidange bâtiment B, dépose des anciens robinets de radiateur', seed.ref('dispatch@chaleur-express')),
  -- Unapproved for more than 7 days: the dispatcher questions the evening hours.
  (seed.ref('timesheet:chaleur-express:5'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   8, 10.50, 'Désembouage bâtiment B, circulation prolongée jusqu''à 20 h (heures du soir à valider)', null),
  (seed.ref('timesheet:chaleur-express:6'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   5, 7.50, 'Pose de 12 vannes d''équilibrage en pied de colonne', null),
  (seed.ref('timesheet:chaleur-express:7'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:long-job'),
   2, 6.00, 'Réglage des débits, relevé des températures de retour', null),
  -- Karim on a…2006 (done yesterday): approved, to be invoiced.
  (seed.ref('timesheet:chaleur-express:8'), seed.ref('org:chaleur-express'), seed.ref('tech1@chaleur-express'), seed.ref('mission:chaleur-express:done'),
   1, 3.00, 'Ramonage du conduit, contrôle de combustion, certificat remis', seed.ref('dispatch@chaleur-express')),
  -- Sophie Lambert (…04) on a…2007 (done three days ago): approved, to be invoiced.
  (seed.ref('timesheet:chaleur-express:9'), seed.ref('org:chaleur-express'), seed.ref('tech2@chaleur-express'), seed.ref('mission:chaleur-express:done-contract'),
   3, 3.50, 'Visite trimestrielle : brûleurs, analyse de combustion, nettoyage des filtres', seed.ref('dispatch@chaleur-express')),
  -- Sophie on a…2005 (blocked today, waiting for the circulator): not yet approved.
  (seed.ref('timesheet:chaleur-express:10'), seed.ref('org:chaleur-express'), seed.ref('tech2@chaleur-express'), seed.ref('mission:chaleur-express:blocked'),
   0, 1.00, 'Dépose du circulateur grippé, mise en place d''un circulateur provisoire', null),

  -- Plomberie du Rhône — Inès Garnier (…04) on the long job b…3001
  (seed.ref('timesheet:plomberie-rhone:1'), seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), seed.ref('mission:plomberie-rhone:long-job'),
   10, 8.00, 'Coupure et vidange colonne EF aile est, dépose 1er étage', seed.ref('dispatch@plomberie-rhone')),
  (seed.ref('timesheet:plomberie-rhone:2'), seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), seed.ref('mission:plomberie-rhone:long-job'),
   9, 7.50, 'Pose PER gainé Ø16 chambres 11 à 16, raccordements', seed.ref('dispatch@plomberie-rhone')),
  -- Unapproved for more than 7 days: waiting time during a late delivery, to be justified.
  (seed.ref('timesheet:plomberie-rhone:3'), seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), seed.ref('mission:plomberie-rhone:long-job'),
   8, 6.00, 'Attente livraison des tubes (2 h) puis pose 2e étage', null),
  (seed.ref('timesheet:plomberie-rhone:4'), seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), seed.ref('mission:plomberie-rhone:long-job'),
   4, 7.00, 'Pose 3e étage, essais de pression à 10 bar', null),
  -- Inès on b…2006 (done two days ago): approved, to be invoiced.
  (seed.ref('timesheet:plomberie-rhone:5'), seed.ref('org:plomberie-rhone'), seed.ref('tech2@plomberie-rhone'), seed.ref('mission:plomberie-rhone:done-contract'),
   2, 4.00, 'Visite semestrielle : groupes de sécurité, réducteurs de pression, production ECS', seed.ref('dispatch@plomberie-rhone')),
  -- Lucas Moreau (…03) on b…2007 (done yesterday): approved, to be invoiced.
  (seed.ref('timesheet:plomberie-rhone:6'), seed.ref('org:plomberie-rhone'), seed.ref('tech1@plomberie-rhone'), seed.ref('mission:plomberie-rhone:done'),
   1, 2.00, 'Remplacement des mécanismes de chasse chambres 5 et 8', seed.ref('dispatch@plomberie-rhone')),
  -- Lucas on b…2005 (blocked today, room occupied): not yet approved.
  (seed.ref('timesheet:plomberie-rhone:7'), seed.ref('org:plomberie-rhone'), seed.ref('tech1@plomberie-rhone'), seed.ref('mission:plomberie-rhone:blocked'),
   0, 1.00, 'Débouchage partiel au furet depuis le 2e étage, accès chambre 24 impossible', null)
) as t (id, org_id, technician_id, mission_id, days, hours, note, approved_by);

-- -----------------------------------------------------------------------------
-- Stock items. on_hand starts at 0 and follows the movements below.
-- -----------------------------------------------------------------------------
insert into public.stock_items (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate) values
  -- Chaleur Express (heating)
  (seed.ref('item:CIRC-UPS25-60'), seed.ref('org:chaleur-express'), 'CIRC-UPS25-60', 'Circulateur Grundfos UPS 25-60 180 mm',          'u',  1, 18900, 29900, 20),
  (seed.ref('item:VASE-EXP-8L'), seed.ref('org:chaleur-express'), 'VASE-EXP-8L',   'Vase d''expansion chauffage 8 L',               'u',  2,  2350,  4200, 20),
  (seed.ref('item:JNT-FIB-1521'), seed.ref('org:chaleur-express'), 'JNT-FIB-1521',  'Joint fibre 15x21 (sachet de 10)',              'u', 10,   180,   450, 20),
  (seed.ref('item:RAC-LAI-15'), seed.ref('org:chaleur-express'), 'RAC-LAI-15',    'Raccord laiton à visser Ø15 mm',                'u', 20,   290,   690, 20),
  (seed.ref('item:TUBE-CU-14'), seed.ref('org:chaleur-express'), 'TUBE-CU-14',    'Tube cuivre écroui Ø14 mm',                     'm', 25,   780,  1450, 20),
  (seed.ref('item:SOUP-SEC-3B'), seed.ref('org:chaleur-express'), 'SOUP-SEC-3B',   'Soupape de sécurité chauffage 3 bar 1/2"',       'u',  3,   890,  1890, 20),
  (seed.ref('item:PURG-AUTO-38'), seed.ref('org:chaleur-express'), 'PURG-AUTO-38',  'Purgeur automatique 3/8"',                      'u', 10,   640,  1390, 20),
  (seed.ref('item:GICL-060-60S'), seed.ref('org:chaleur-express'), 'GICL-060-60S',  'Gicleur Danfoss 0,60 USgal 60° S',              'u',  5,   520,  1290, 20),
  (seed.ref('item:INHIB-CHAUF-1L'), seed.ref('org:chaleur-express'), 'INHIB-CHAUF-1L','Inhibiteur de corrosion pour réseau de chauffage', 'l',  5,  1150,  2490, 20),
  (seed.ref('item:VANNE-EQU-20'), seed.ref('org:chaleur-express'), 'VANNE-EQU-20',  'Vanne d''équilibrage 3/4" à prises de pression', 'u',  6,  3480,  6290, 20),
  -- Plomberie du Rhône (plumbing)
  (seed.ref('item:MIT-THERMO-DCH'), seed.ref('org:plomberie-rhone'), 'MIT-THERMO-DCH', 'Mitigeur thermostatique de douche',            'u',  2,  6900, 12900, 20),
  (seed.ref('item:GRP-SECU-34'), seed.ref('org:plomberie-rhone'), 'GRP-SECU-34',    'Groupe de sécurité chauffe-eau 3/4"',          'u',  3,  1890,  3990, 20),
  (seed.ref('item:ANODE-MG-300'), seed.ref('org:plomberie-rhone'), 'ANODE-MG-300',   'Anode magnésium pour ballon 300 L',            'u',  2,  1450,  2990, 20),
  (seed.ref('item:MECA-CHASSE-DC'), seed.ref('org:plomberie-rhone'), 'MECA-CHASSE-DC', 'Mécanisme de chasse double commande',          'u',  4,  1690,  3490, 20),
  (seed.ref('item:JNT-CLOCHE'), seed.ref('org:plomberie-rhone'), 'JNT-CLOCHE',     'Joint de cloche de chasse d''eau',              'u', 10,   120,   390, 20),
  (seed.ref('item:PER-GAINE-16'), seed.ref('org:plomberie-rhone'), 'PER-GAINE-16',   'Tube PER gainé Ø16 mm (couronne)',             'm', 50,    95,   290, 20),
  (seed.ref('item:PVC-EVAC-100'), seed.ref('org:plomberie-rhone'), 'PVC-EVAC-100',   'Tube PVC évacuation Ø100 mm',                  'm', 12,   410,   890, 20),
  (seed.ref('item:RED-PRESS-34'), seed.ref('org:plomberie-rhone'), 'RED-PRESS-34',   'Réducteur de pression 3/4"',                   'u',  2,  3290,  5990, 20),
  (seed.ref('item:SIPHON-LAV-32'), seed.ref('org:plomberie-rhone'), 'SIPHON-LAV-32',  'Siphon de lavabo Ø32 mm',                      'u',  5,   390,   990, 20),
  (seed.ref('item:PTFE-12-12'), seed.ref('org:plomberie-rhone'), 'PTFE-12-12',     'Ruban PTFE 12 mm x 12 m',                      'u', 20,    60,   190, 20);

-- -----------------------------------------------------------------------------
-- Movements, in chronological order (each one is applied to on_hand by the
-- trigger). Deliveries are received by the dispatcher; parts used on missions
-- are recorded by the mission's technician; one inventory adjustment per
-- organization. Resulting stock:
--   CIRC-UPS25-60 0 (min 1, below: the circulator a…2005 waits for),
--   SOUP-SEC-3B 3 (= min), GICL-060-60S 6, VANNE-EQU-20 8, INHIB-CHAUF-1L 7, …
--   MIT-THERMO-DCH 1 (min 2, below), RED-PRESS-34 2 (= min), GRP-SECU-34 4, …
-- -----------------------------------------------------------------------------
-- Deliveries from the wholesalers two weeks ago, received by the dispatcher:
-- one movement per line of the delivery note.
insert into public.stock_movements (id, org_id, item_id, kind, quantity, reason, author, created_at)
select seed.ref('movement:' || d.org || ':' || l.n), seed.ref('org:' || d.org), seed.ref('item:' || l.sku), 'in', l.quantity,
       d.note, seed.ref('dispatch@' || d.org), now() - d.ago::interval
from (values
  ('chaleur-express', 'Livraison Cedeo BL 2026-11-0412', '15 days'),
  ('plomberie-rhone', 'Livraison Richardson BL 88213', '14 days')
) as d (org, note, ago)
join (values
  ('chaleur-express', 1, 'CIRC-UPS25-60', 1),
  ('chaleur-express', 2, 'VASE-EXP-8L', 4),
  ('chaleur-express', 3, 'JNT-FIB-1521', 40),
  ('chaleur-express', 4, 'RAC-LAI-15', 60),
  ('chaleur-express', 5, 'TUBE-CU-14', 50),
  ('chaleur-express', 6, 'SOUP-SEC-3B', 4),
  ('chaleur-express', 7, 'PURG-AUTO-38', 24),
  ('chaleur-express', 8, 'GICL-060-60S', 8),
  ('chaleur-express', 9, 'INHIB-CHAUF-1L', 20),
  ('chaleur-express', 10, 'VANNE-EQU-20', 20),
  ('plomberie-rhone', 1, 'MIT-THERMO-DCH', 2),
  ('plomberie-rhone', 2, 'GRP-SECU-34', 5),
  ('plomberie-rhone', 3, 'ANODE-MG-300', 3),
  ('plomberie-rhone', 4, 'MECA-CHASSE-DC', 8),
  ('plomberie-rhone', 5, 'JNT-CLOCHE', 30),
  ('plomberie-rhone', 6, 'PER-GAINE-16', 200),
  ('plomberie-rhone', 7, 'PVC-EVAC-100', 24),
  ('plomberie-rhone', 8, 'RED-PRESS-34', 2),
  ('plomberie-rhone', 9, 'SIPHON-LAV-32', 10),
  ('plomberie-rhone', 10, 'PTFE-12-12', 50)
) as l (org, n, sku, quantity) using (org)
order by d.org, l.n;

-- Then parts used on missions, and the inventory adjustments.
insert into public.stock_movements (id, org_id, item_id, kind, quantity, adjustment_direction, mission_id, reason, author, created_at)
select m.id::uuid, m.org_id::uuid, m.item_id::uuid, m.kind, m.quantity, m.direction, m.mission_id::uuid, m.reason, m.author::uuid,
       now() - m.ago::interval
from (values
  -- Parts used on the long job a…3001 (Karim), on a…2007 (Sophie, contract visit) and a…2006
  -- (Karim; these two are invoiced with their missions), and the monthly inventory: the only
  -- circulator in stock was found faulty and returned.
  (seed.ref('movement:chaleur-express:11'), seed.ref('org:chaleur-express'), seed.ref('item:INHIB-CHAUF-1L'), 'out', 8,  null, seed.ref('mission:chaleur-express:long-job'), null, seed.ref('tech1@chaleur-express'), '11 days'),
  (seed.ref('movement:chaleur-express:12'), seed.ref('org:chaleur-express'), seed.ref('item:PURG-AUTO-38'), 'out', 12, null, seed.ref('mission:chaleur-express:long-job'), null, seed.ref('tech1@chaleur-express'), '9 days'),
  (seed.ref('movement:chaleur-express:13'), seed.ref('org:chaleur-express'), seed.ref('item:VANNE-EQU-20'), 'out', 12, null, seed.ref('mission:chaleur-express:long-job'), null, seed.ref('tech1@chaleur-express'), '5 days'),
  (seed.ref('movement:chaleur-express:14'), seed.ref('org:chaleur-express'), seed.ref('item:RAC-LAI-15'), 'out', 24, null, seed.ref('mission:chaleur-express:long-job'), null, seed.ref('tech1@chaleur-express'), '5 days'),
  (seed.ref('movement:chaleur-express:15'), seed.ref('org:chaleur-express'), seed.ref('item:CIRC-UPS25-60'), 'adjustment', 1, 'down', null,
   'Inventaire mensuel : circulateur défectueux (roulement), retourné au fournisseur', seed.ref('dispatch@chaleur-express'), '4 days'),
  (seed.ref('movement:chaleur-express:16'), seed.ref('org:chaleur-express'), seed.ref('item:TUBE-CU-14'), 'adjustment', 2.5, 'down', null,
   'Inventaire mensuel : chutes de tube inutilisables', seed.ref('dispatch@chaleur-express'), '4 days'),
  (seed.ref('movement:chaleur-express:17'), seed.ref('org:chaleur-express'), seed.ref('item:GICL-060-60S'), 'out', 2,  null, seed.ref('mission:chaleur-express:done-contract'), null, seed.ref('tech2@chaleur-express'), '3 days'),
  (seed.ref('movement:chaleur-express:18'), seed.ref('org:chaleur-express'), seed.ref('item:JNT-FIB-1521'), 'out', 2,  null, seed.ref('mission:chaleur-express:done-contract'), null, seed.ref('tech2@chaleur-express'), '3 days'),
  (seed.ref('movement:chaleur-express:19'), seed.ref('org:chaleur-express'), seed.ref('item:INHIB-CHAUF-1L'), 'out', 5,  null, seed.ref('mission:chaleur-express:long-job'), null, seed.ref('tech1@chaleur-express'), '2 days'),
  (seed.ref('movement:chaleur-express:20'), seed.ref('org:chaleur-express'), seed.ref('item:SOUP-SEC-3B'), 'out', 1,  null, seed.ref('mission:chaleur-express:done'), null, seed.ref('tech1@chaleur-express'), '1 day'),

  -- Parts used on the long job b…3001 (Inès), an inventory adjustment (a thermostatic mixer
  -- damaged in the van), and parts used on b…2006 (Inès) and b…2007 (Lucas), invoiced with
  -- those missions.
  (seed.ref('movement:plomberie-rhone:11'), seed.ref('org:plomberie-rhone'), seed.ref('item:PER-GAINE-16'), 'out', 65, null, seed.ref('mission:plomberie-rhone:long-job'), null, seed.ref('tech2@plomberie-rhone'), '9 days'),
  (seed.ref('movement:plomberie-rhone:12'), seed.ref('org:plomberie-rhone'), seed.ref('item:PER-GAINE-16'), 'out', 58, null, seed.ref('mission:plomberie-rhone:long-job'), null, seed.ref('tech2@plomberie-rhone'), '4 days'),
  (seed.ref('movement:plomberie-rhone:13'), seed.ref('org:plomberie-rhone'), seed.ref('item:PTFE-12-12'), 'out', 6,  null, seed.ref('mission:plomberie-rhone:long-job'), null, seed.ref('tech2@plomberie-rhone'), '4 days'),
  (seed.ref('movement:plomberie-rhone:14'), seed.ref('org:plomberie-rhone'), seed.ref('item:MIT-THERMO-DCH'), 'adjustment', 1, 'down', null,
   'Inventaire : mitigeur endommagé pendant le transport, mis au rebut', seed.ref('dispatch@plomberie-rhone'), '3 days'),
  (seed.ref('movement:plomberie-rhone:15'), seed.ref('org:plomberie-rhone'), seed.ref('item:GRP-SECU-34'), 'out', 1,  null, seed.ref('mission:plomberie-rhone:done-contract'), null, seed.ref('tech2@plomberie-rhone'), '2 days'),
  (seed.ref('movement:plomberie-rhone:16'), seed.ref('org:plomberie-rhone'), seed.ref('item:MECA-CHASSE-DC'), 'out', 2,  null, seed.ref('mission:plomberie-rhone:done'), null, seed.ref('tech1@plomberie-rhone'), '1 day'),
  (seed.ref('movement:plomberie-rhone:17'), seed.ref('org:plomberie-rhone'), seed.ref('item:JNT-CLOCHE'), 'out', 2,  null, seed.ref('mission:plomberie-rhone:done'), null, seed.ref('tech1@plomberie-rhone'), '1 day')
) as m (id, org_id, item_id, kind, quantity, direction, mission_id, reason, author, ago);

-- -----------------------------------------------------------------------------
-- One audited override (the audit screen has something to show): the owner
-- corrects an approved day on the long job, through the real function.
-- -----------------------------------------------------------------------------
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select public.override_timesheet_lock(seed.ref('timesheet:chaleur-express:3'),
  '{"hours": 6.5, "note": "Rinçage bâtiment A, remise en eau et purge (pause déjeuner déduite)"}',
  'Pause déjeuner de 30 min non déduite, signalée par le technicien après validation');
select pg_catalog.set_config('request.jwt.claims', '', true);

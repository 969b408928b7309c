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

-- -----------------------------------------------------------------------------
-- Two multi-day jobs in progress for about two weeks, one per organization.
-- 20_missions.sql has no mission older than a week that is not done (its done
-- missions are invoiced by the invoicing seed, which refuses unapproved hours),
-- so the "unapproved for more than 7 days" timesheets need a long job of their
-- own. Moved through public.transition_mission as the people would, then the
-- history and lifecycle columns are back-dated (system actor), as in 20_missions.sql.
-- -----------------------------------------------------------------------------
insert into public.missions (id, org_id, client_id, site_id, title, description, scheduled_start, scheduled_end, priority, created_by, created_at) values
  ('a0000000-0000-4000-8000-000000003001', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
   'a0000000-0000-4000-8000-0000000000d1', 'Désembouage et équilibrage du réseau de chauffage — Résidence Les Tilleuls',
   'Chantier de trois semaines : vidange, désembouage et rinçage bâtiment par bâtiment, pose de vannes d''équilibrage, réglage des débits.',
   date_trunc('day', now()) - interval '12 days' + interval '8 hours', date_trunc('day', now()) + interval '5 days' + interval '17 hours',
   'normal', 'a0000000-0000-4000-8000-000000000002', now() - interval '16 days'),
  ('b0000000-0000-4000-8000-000000003001', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-0000000000c1',
   'b0000000-0000-4000-8000-0000000000d1', 'Remplacement des colonnes d''eau froide — aile est',
   'Remplacement des colonnes acier galvanisé par du PER gainé, étage par étage, chambres libérées par l''hôtel au fur et à mesure.',
   date_trunc('day', now()) - interval '10 days' + interval '8 hours', date_trunc('day', now()) + interval '4 days' + interval '17 hours',
   'normal', 'b0000000-0000-4000-8000-000000000002', now() - interval '14 days');

do $seed$
declare
  v_step record;
  v_result jsonb;
begin
  for v_step in
    select s.mission_id::uuid as mission_id, s.seq, s.to_status::public.mission_status as to_status, s.actor::uuid as actor,
           s.ago::interval as ago, s.technician_id::uuid as technician_id
    from (values
      ('a0000000-0000-4000-8000-000000003001', 1, 'published',   'a0000000-0000-4000-8000-000000000002', '15 days',          null),
      ('a0000000-0000-4000-8000-000000003001', 2, 'assigned',    'a0000000-0000-4000-8000-000000000002', '14 days',          'a0000000-0000-4000-8000-000000000003'),
      ('a0000000-0000-4000-8000-000000003001', 3, 'in_progress', 'a0000000-0000-4000-8000-000000000003', '12 days 15 hours', null),
      ('b0000000-0000-4000-8000-000000003001', 1, 'published',   'b0000000-0000-4000-8000-000000000002', '13 days',          null),
      ('b0000000-0000-4000-8000-000000003001', 2, 'assigned',    'b0000000-0000-4000-8000-000000000002', '12 days',          'b0000000-0000-4000-8000-000000000004'),
      ('b0000000-0000-4000-8000-000000003001', 3, 'in_progress', 'b0000000-0000-4000-8000-000000000004', '10 days 15 hours', null)
    ) as s (mission_id, seq, to_status, actor, ago, technician_id)
    order by s.mission_id, s.seq
  loop
    perform pg_catalog.set_config('request.jwt.claims',
      jsonb_build_object('sub', v_step.actor, 'role', 'authenticated')::text, true);
    v_result := public.transition_mission(v_step.mission_id, v_step.to_status,
      'seed:' || v_step.mission_id || ':' || v_step.seq, null, v_step.technician_id);
    if not (v_result ->> 'changed')::boolean then
      raise exception 'seed step % of mission % changed nothing', v_step.seq, v_step.mission_id;
    end if;
    update public.mission_status_history h
       set changed_at = now() - v_step.ago
     where h.id = (select max(h2.id) from public.mission_status_history h2 where h2.mission_id = v_step.mission_id);
  end loop;
  perform pg_catalog.set_config('request.jwt.claims', '', true);
end;
$seed$;

update public.mission_status_history h
   set changed_at = m.created_at, changed_by = m.created_by
  from public.missions m
 where h.mission_id = m.id and h.from_status is null
   and m.id in ('a0000000-0000-4000-8000-000000003001', 'b0000000-0000-4000-8000-000000003001');
update public.missions m
   set started_at = (select min(h.changed_at) from public.mission_status_history h
                      where h.mission_id = m.id and h.to_status = 'in_progress')
 where m.id in ('a0000000-0000-4000-8000-000000003001', 'b0000000-0000-4000-8000-000000003001');

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
  ('a0000000-0000-4000-8000-000000003101', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   12, 7.50, 'Protection des parties communes, vidange du réseau bâtiment A', 'a0000000-0000-4000-8000-000000000002'),
  ('a0000000-0000-4000-8000-000000003102', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   11, 8.00, 'Désembouage bâtiment A : injection du produit, circulation forcée', 'a0000000-0000-4000-8000-000000000002'),
  ('a0000000-0000-4000-8000-000000003103', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   10, 7.00, 'Rinçage bâtiment A, remise en eau et purge', 'a0000000-0000-4000-8000-000000000002'),
  ('a0000000-0000-4000-8000-000000003104', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   9, 6.50, 'Vidange bâtiment B, dépose des anciens robinets de radiateur', 'a0000000-0000-4000-8000-000000000002'),
  -- Unapproved for more than 7 days: the dispatcher questions the evening hours.
  ('a0000000-0000-4000-8000-000000003105', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   8, 10.50, 'Désembouage bâtiment B, circulation prolongée jusqu''à 20 h (heures du soir à valider)', null),
  ('a0000000-0000-4000-8000-000000003106', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   5, 7.50, 'Pose de 12 vannes d''équilibrage en pied de colonne', null),
  ('a0000000-0000-4000-8000-000000003107', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000003001',
   2, 6.00, 'Réglage des débits, relevé des températures de retour', null),
  -- Karim on a…2006 (done yesterday): approved, to be invoiced.
  ('a0000000-0000-4000-8000-000000003108', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000002006',
   1, 3.00, 'Ramonage du conduit, contrôle de combustion, certificat remis', 'a0000000-0000-4000-8000-000000000002'),
  -- Sophie Lambert (…04) on a…2007 (done three days ago): approved, to be invoiced.
  ('a0000000-0000-4000-8000-000000003109', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000002007',
   3, 3.50, 'Visite trimestrielle : brûleurs, analyse de combustion, nettoyage des filtres', 'a0000000-0000-4000-8000-000000000002'),
  -- Sophie on a…2005 (blocked today, waiting for the circulator): not yet approved.
  ('a0000000-0000-4000-8000-000000003110', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000002005',
   0, 1.00, 'Dépose du circulateur grippé, mise en place d''un circulateur provisoire', null),

  -- Plomberie du Rhône — Inès Garnier (…04) on the long job b…3001
  ('b0000000-0000-4000-8000-000000003101', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000003001',
   10, 8.00, 'Coupure et vidange colonne EF aile est, dépose 1er étage', 'b0000000-0000-4000-8000-000000000002'),
  ('b0000000-0000-4000-8000-000000003102', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000003001',
   9, 7.50, 'Pose PER gainé Ø16 chambres 11 à 16, raccordements', 'b0000000-0000-4000-8000-000000000002'),
  -- Unapproved for more than 7 days: waiting time during a late delivery, to be justified.
  ('b0000000-0000-4000-8000-000000003103', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000003001',
   8, 6.00, 'Attente livraison des tubes (2 h) puis pose 2e étage', null),
  ('b0000000-0000-4000-8000-000000003104', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000003001',
   4, 7.00, 'Pose 3e étage, essais de pression à 10 bar', null),
  -- Inès on b…2006 (done two days ago): approved, to be invoiced.
  ('b0000000-0000-4000-8000-000000003105', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000002006',
   2, 4.00, 'Visite semestrielle : groupes de sécurité, réducteurs de pression, production ECS', 'b0000000-0000-4000-8000-000000000002'),
  -- Lucas Moreau (…03) on b…2007 (done yesterday): approved, to be invoiced.
  ('b0000000-0000-4000-8000-000000003106', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000002007',
   1, 2.00, 'Remplacement des mécanismes de chasse chambres 5 et 8', 'b0000000-0000-4000-8000-000000000002'),
  -- Lucas on b…2005 (blocked today, room occupied): not yet approved.
  ('b0000000-0000-4000-8000-000000003107', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000002005',
   0, 1.00, 'Débouchage partiel au furet depuis le 2e étage, accès chambre 24 impossible', null)
) as t (id, org_id, technician_id, mission_id, days, hours, note, approved_by);

-- -----------------------------------------------------------------------------
-- Stock items. on_hand starts at 0 and follows the movements below.
-- -----------------------------------------------------------------------------
insert into public.stock_items (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate) values
  -- Chaleur Express (heating)
  ('a0000000-0000-4000-8000-000000003201', 'a0000000-0000-4000-8000-0000000000a0', 'CIRC-UPS25-60', 'Circulateur Grundfos UPS 25-60 180 mm',          'u',  1, 18900, 29900, 20),
  ('a0000000-0000-4000-8000-000000003202', 'a0000000-0000-4000-8000-0000000000a0', 'VASE-EXP-8L',   'Vase d''expansion chauffage 8 L',               'u',  2,  2350,  4200, 20),
  ('a0000000-0000-4000-8000-000000003203', 'a0000000-0000-4000-8000-0000000000a0', 'JNT-FIB-1521',  'Joint fibre 15x21 (sachet de 10)',              'u', 10,   180,   450, 20),
  ('a0000000-0000-4000-8000-000000003204', 'a0000000-0000-4000-8000-0000000000a0', 'RAC-LAI-15',    'Raccord laiton à visser Ø15 mm',                'u', 20,   290,   690, 20),
  ('a0000000-0000-4000-8000-000000003205', 'a0000000-0000-4000-8000-0000000000a0', 'TUBE-CU-14',    'Tube cuivre écroui Ø14 mm',                     'm', 25,   780,  1450, 20),
  ('a0000000-0000-4000-8000-000000003206', 'a0000000-0000-4000-8000-0000000000a0', 'SOUP-SEC-3B',   'Soupape de sécurité chauffage 3 bar 1/2"',       'u',  3,   890,  1890, 20),
  ('a0000000-0000-4000-8000-000000003207', 'a0000000-0000-4000-8000-0000000000a0', 'PURG-AUTO-38',  'Purgeur automatique 3/8"',                      'u', 10,   640,  1390, 20),
  ('a0000000-0000-4000-8000-000000003208', 'a0000000-0000-4000-8000-0000000000a0', 'GICL-060-60S',  'Gicleur Danfoss 0,60 USgal 60° S',              'u',  5,   520,  1290, 20),
  ('a0000000-0000-4000-8000-000000003209', 'a0000000-0000-4000-8000-0000000000a0', 'INHIB-CHAUF-1L','Inhibiteur de corrosion pour réseau de chauffage', 'l',  5,  1150,  2490, 20),
  ('a0000000-0000-4000-8000-000000003210', 'a0000000-0000-4000-8000-0000000000a0', 'VANNE-EQU-20',  'Vanne d''équilibrage 3/4" à prises de pression', 'u',  6,  3480,  6290, 20),
  -- Plomberie du Rhône (plumbing)
  ('b0000000-0000-4000-8000-000000003201', 'b0000000-0000-4000-8000-0000000000b0', 'MIT-THERMO-DCH', 'Mitigeur thermostatique de douche',            'u',  2,  6900, 12900, 20),
  ('b0000000-0000-4000-8000-000000003202', 'b0000000-0000-4000-8000-0000000000b0', 'GRP-SECU-34',    'Groupe de sécurité chauffe-eau 3/4"',          'u',  3,  1890,  3990, 20),
  ('b0000000-0000-4000-8000-000000003203', 'b0000000-0000-4000-8000-0000000000b0', 'ANODE-MG-300',   'Anode magnésium pour ballon 300 L',            'u',  2,  1450,  2990, 20),
  ('b0000000-0000-4000-8000-000000003204', 'b0000000-0000-4000-8000-0000000000b0', 'MECA-CHASSE-DC', 'Mécanisme de chasse double commande',          'u',  4,  1690,  3490, 20),
  ('b0000000-0000-4000-8000-000000003205', 'b0000000-0000-4000-8000-0000000000b0', 'JNT-CLOCHE',     'Joint de cloche de chasse d''eau',              'u', 10,   120,   390, 20),
  ('b0000000-0000-4000-8000-000000003206', 'b0000000-0000-4000-8000-0000000000b0', 'PER-GAINE-16',   'Tube PER gainé Ø16 mm (couronne)',             'm', 50,    95,   290, 20),
  ('b0000000-0000-4000-8000-000000003207', 'b0000000-0000-4000-8000-0000000000b0', 'PVC-EVAC-100',   'Tube PVC évacuation Ø100 mm',                  'm', 12,   410,   890, 20),
  ('b0000000-0000-4000-8000-000000003208', 'b0000000-0000-4000-8000-0000000000b0', 'RED-PRESS-34',   'Réducteur de pression 3/4"',                   'u',  2,  3290,  5990, 20),
  ('b0000000-0000-4000-8000-000000003209', 'b0000000-0000-4000-8000-0000000000b0', 'SIPHON-LAV-32',  'Siphon de lavabo Ø32 mm',                      'u',  5,   390,   990, 20),
  ('b0000000-0000-4000-8000-000000003210', 'b0000000-0000-4000-8000-0000000000b0', 'PTFE-12-12',     'Ruban PTFE 12 mm x 12 m',                      'u', 20,    60,   190, 20);

-- -----------------------------------------------------------------------------
-- Movements, in chronological order (each one is applied to on_hand by the
-- trigger). Deliveries are received by the dispatcher; parts used on missions
-- are recorded by the mission's technician; one inventory adjustment per
-- organization. Resulting stock:
--   CIRC-UPS25-60 0 (min 1, below: the circulator a…2005 waits for),
--   SOUP-SEC-3B 3 (= min), GICL-060-60S 6, VANNE-EQU-20 8, INHIB-CHAUF-1L 7, …
--   MIT-THERMO-DCH 1 (min 2, below), RED-PRESS-34 2 (= min), GRP-SECU-34 4, …
-- -----------------------------------------------------------------------------
insert into public.stock_movements (id, org_id, item_id, kind, quantity, adjustment_direction, mission_id, reason, author, created_at)
select m.id::uuid, m.org_id::uuid, m.item_id::uuid, m.kind, m.quantity, m.direction, m.mission_id::uuid, m.reason, m.author::uuid,
       now() - m.ago::interval
from (values
  -- Chaleur Express: delivery from the wholesaler two weeks ago.
  ('a0000000-0000-4000-8000-000000003301', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003201', 'in', 1,   null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003302', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003202', 'in', 4,   null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003303', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003203', 'in', 40,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003304', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003204', 'in', 60,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003305', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003205', 'in', 50,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003306', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003206', 'in', 4,   null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003307', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003207', 'in', 24,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003308', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003208', 'in', 8,   null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003309', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003209', 'in', 20,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  ('a0000000-0000-4000-8000-000000003310', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003210', 'in', 20,  null, null, 'Livraison Cedeo BL 2026-11-0412', 'a0000000-0000-4000-8000-000000000002', '15 days'),
  -- Parts used on the long job a…3001 (Karim), on a…2007 (Sophie, contract visit) and a…2006
  -- (Karim; these two are invoiced with their missions), and the monthly inventory: the only
  -- circulator in stock was found faulty and returned.
  ('a0000000-0000-4000-8000-000000003311', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003209', 'out', 8,  null, 'a0000000-0000-4000-8000-000000003001', null, 'a0000000-0000-4000-8000-000000000003', '11 days'),
  ('a0000000-0000-4000-8000-000000003312', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003207', 'out', 12, null, 'a0000000-0000-4000-8000-000000003001', null, 'a0000000-0000-4000-8000-000000000003', '9 days'),
  ('a0000000-0000-4000-8000-000000003313', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003210', 'out', 12, null, 'a0000000-0000-4000-8000-000000003001', null, 'a0000000-0000-4000-8000-000000000003', '5 days'),
  ('a0000000-0000-4000-8000-000000003314', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003204', 'out', 24, null, 'a0000000-0000-4000-8000-000000003001', null, 'a0000000-0000-4000-8000-000000000003', '5 days'),
  ('a0000000-0000-4000-8000-000000003315', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003201', 'adjustment', 1, 'down', null,
   'Inventaire mensuel : circulateur défectueux (roulement), retourné au fournisseur', 'a0000000-0000-4000-8000-000000000002', '4 days'),
  ('a0000000-0000-4000-8000-000000003316', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003205', 'adjustment', 2.5, 'down', null,
   'Inventaire mensuel : chutes de tube inutilisables', 'a0000000-0000-4000-8000-000000000002', '4 days'),
  ('a0000000-0000-4000-8000-000000003317', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003208', 'out', 2,  null, 'a0000000-0000-4000-8000-000000002007', null, 'a0000000-0000-4000-8000-000000000004', '3 days'),
  ('a0000000-0000-4000-8000-000000003318', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003203', 'out', 2,  null, 'a0000000-0000-4000-8000-000000002007', null, 'a0000000-0000-4000-8000-000000000004', '3 days'),
  ('a0000000-0000-4000-8000-000000003319', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003209', 'out', 5,  null, 'a0000000-0000-4000-8000-000000003001', null, 'a0000000-0000-4000-8000-000000000003', '2 days'),
  ('a0000000-0000-4000-8000-000000003320', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000003206', 'out', 1,  null, 'a0000000-0000-4000-8000-000000002006', null, 'a0000000-0000-4000-8000-000000000003', '1 day'),

  -- Plomberie du Rhône: delivery two weeks ago.
  ('b0000000-0000-4000-8000-000000003301', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003201', 'in', 2,   null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003302', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003202', 'in', 5,   null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003303', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003203', 'in', 3,   null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003304', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003204', 'in', 8,   null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003305', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003205', 'in', 30,  null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003306', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003206', 'in', 200, null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003307', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003207', 'in', 24,  null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003308', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003208', 'in', 2,   null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003309', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003209', 'in', 10,  null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  ('b0000000-0000-4000-8000-000000003310', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003210', 'in', 50,  null, null, 'Livraison Richardson BL 88213', 'b0000000-0000-4000-8000-000000000002', '14 days'),
  -- Parts used on the long job b…3001 (Inès), an inventory adjustment (a thermostatic mixer
  -- damaged in the van), and parts used on b…2006 (Inès) and b…2007 (Lucas), invoiced with
  -- those missions.
  ('b0000000-0000-4000-8000-000000003311', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003206', 'out', 65, null, 'b0000000-0000-4000-8000-000000003001', null, 'b0000000-0000-4000-8000-000000000004', '9 days'),
  ('b0000000-0000-4000-8000-000000003312', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003206', 'out', 58, null, 'b0000000-0000-4000-8000-000000003001', null, 'b0000000-0000-4000-8000-000000000004', '4 days'),
  ('b0000000-0000-4000-8000-000000003313', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003210', 'out', 6,  null, 'b0000000-0000-4000-8000-000000003001', null, 'b0000000-0000-4000-8000-000000000004', '4 days'),
  ('b0000000-0000-4000-8000-000000003314', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003201', 'adjustment', 1, 'down', null,
   'Inventaire : mitigeur endommagé pendant le transport, mis au rebut', 'b0000000-0000-4000-8000-000000000002', '3 days'),
  ('b0000000-0000-4000-8000-000000003315', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003202', 'out', 1,  null, 'b0000000-0000-4000-8000-000000002006', null, 'b0000000-0000-4000-8000-000000000004', '2 days'),
  ('b0000000-0000-4000-8000-000000003316', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003204', 'out', 2,  null, 'b0000000-0000-4000-8000-000000002007', null, 'b0000000-0000-4000-8000-000000000003', '1 day'),
  ('b0000000-0000-4000-8000-000000003317', 'b0000000-0000-4000-8000-0000000000b0', 'b0000000-0000-4000-8000-000000003205', 'out', 2,  null, 'b0000000-0000-4000-8000-000000002007', null, 'b0000000-0000-4000-8000-000000000003', '1 day')
) as m (id, org_id, item_id, kind, quantity, direction, mission_id, reason, author, ago);

-- -----------------------------------------------------------------------------
-- One audited override (the audit screen has something to show): the owner
-- corrects an approved day on the long job, through the real function.
-- -----------------------------------------------------------------------------
select pg_catalog.set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select public.override_timesheet_lock('a0000000-0000-4000-8000-000000003103',
  '{"hours": 6.5, "note": "Rinçage bâtiment A, remise en eau et purge (pause déjeuner déduite)"}',
  'Pause déjeuner de 30 min non déduite, signalée par le technicien après validation');
select pg_catalog.set_config('request.jwt.claims', '', true);

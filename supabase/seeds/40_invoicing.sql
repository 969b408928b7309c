-- =============================================================================
-- Demo data — quotes, invoices, credit notes and payments. Applied by
-- `db reset` after seed.sql, 20_missions.sql and 30_timesheets_stock.sql.
--
-- Everything goes through the real functions, as the system actor (this
-- script runs as postgres with no JWT): quotes are sent with send_quote(),
-- invoices issued with issue_invoice() in date order (so numbering, legal
-- mentions and the hash chain are the real thing), PDFs recorded with
-- mark_invoice_sent(), payments reconciled with reconcile_payments(), and the
-- done missions billed with bulk_invoice_missions() (which moves them to
-- `invoiced` in the invoicing system context).
--
-- Dates are relative to today (Europe/Paris) so the demo stays current; near
-- New Year the oldest documents simply fall in the previous fiscal year.
--
-- Chaleur Express (org A) ends up with:
--   a…4001 FAC paid in full (transfer)                 issued 75 days ago
--   a…4002 FAC partially paid (cheque) and overdue     issued 50 days ago, due 20 days ago
--   a…4003 FAC corrected by credit note a…4009 (AV), the rest paid → paid
--   a…4004 FAC sent, not due yet                       issued 10 days ago
--   a…4005 manual draft (next year's maintenance contract)
--   drafts from bulk invoicing of done missions a…2006 and a…2007, the first
--   one issued today and awaiting its PDF (status issued)
--   payments: a…4301 full, a…4302 partial, a…4303 (net of the credit note),
--   a…4304 unmatched bank transfer
--   quotes: a…4201 draft, a…4202 sent, a…4203 accepted
-- Plomberie du Rhône (org B): b…4001 paid by card, drafts from missions
--   b…2006 (issued and sent) and b…2007, quote b…4201 sent.
-- Fixed ids: …-0000000040NN invoices, …42NN quotes, …43NN payments; the bulk
-- drafts are found through invoice_lines.mission_id.
-- =============================================================================

-- The rows this file creates, by name (seed.ref, defined in seed.sql).
insert into seed.refs (key, id) values
  ('quote:chaleur-express:1',      'a0000000-0000-4000-8000-000000004201'),
  ('quote:chaleur-express:2',      'a0000000-0000-4000-8000-000000004202'),
  ('quote:chaleur-express:3',      'a0000000-0000-4000-8000-000000004203'),
  ('quote:plomberie-rhone:1',      'b0000000-0000-4000-8000-000000004201'),
  ('invoice:chaleur-express:1',    'a0000000-0000-4000-8000-000000004001'),
  ('invoice:chaleur-express:2',    'a0000000-0000-4000-8000-000000004002'),
  ('invoice:chaleur-express:3',    'a0000000-0000-4000-8000-000000004003'),
  ('invoice:chaleur-express:4',    'a0000000-0000-4000-8000-000000004004'),
  ('invoice:chaleur-express:5',    'a0000000-0000-4000-8000-000000004005'),
  ('invoice:plomberie-rhone:1',    'b0000000-0000-4000-8000-000000004001'),
  ('credit-note:chaleur-express:1','a0000000-0000-4000-8000-000000004009'),
  ('payment:chaleur-express:1',    'a0000000-0000-4000-8000-000000004301'),
  ('payment:chaleur-express:2',    'a0000000-0000-4000-8000-000000004302'),
  ('payment:chaleur-express:3',    'a0000000-0000-4000-8000-000000004303'),
  ('payment:chaleur-express:4',    'a0000000-0000-4000-8000-000000004304'),
  ('payment:plomberie-rhone:1',    'b0000000-0000-4000-8000-000000004301');

select pg_catalog.set_config('request.jwt.claims', '', false);

-- Invoicing settings: labour rate and its VAT rate (10 % for maintenance of
-- dwellings older than two years; 20 % for the hotel, commercial premises).
update public.organizations set hourly_rate_cents = 6800, labour_vat_rate = 10.0 where id = seed.ref('org:chaleur-express');
update public.organizations set hourly_rate_cents = 6200, labour_vat_rate = 20.0 where id = seed.ref('org:plomberie-rhone');

-- -----------------------------------------------------------------------------
-- Quotes
-- -----------------------------------------------------------------------------
insert into public.quotes (id, org_id, client_id, site_id, title, notes) values
  (seed.ref('quote:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'),
   seed.ref('site:fournil'), 'Remplacement de la chaudière du fournil par une chaudière gaz à condensation',
   'Dépose de l''ancienne chaudière fioul, neutralisation de la cuve à prévoir séparément.'),
  (seed.ref('quote:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'Désembouage du circuit de chauffage — bâtiment B', null),
  (seed.ref('quote:chaleur-express:3'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   seed.ref('site:tilleuls-chaufferie'), 'Remplacement des deux circulateurs de la chaufferie', null),
  (seed.ref('quote:plomberie-rhone:1'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'),
   seed.ref('site:hotel-local-technique'), 'Remplacement du ballon d''eau chaude sanitaire 500 L', null);

insert into public.quote_lines (org_id, quote_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:1'), 1, 'Chaudière gaz à condensation 35 kW', 1, 'u', 485000, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:1'), 2, 'Dépose de l''ancienne chaudière et évacuation', 1, 'u', 45000, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:1'), 3, 'Pose, raccordements et mise en service', 14, 'h', 6800, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:2'), 1, 'Désembouage par injection et rinçage, 24 radiateurs', 1, 'u', 186000, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:2'), 2, 'Inhibiteur de corrosion', 4, 'l', 2950, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:3'), 1, 'Circulateur électronique DN40', 2, 'u', 112000, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('quote:chaleur-express:3'), 2, 'Main d''œuvre', 6, 'h', 6800, 10.0),
  (seed.ref('org:plomberie-rhone'), seed.ref('quote:plomberie-rhone:1'), 1, 'Ballon ECS 500 L acier émaillé', 1, 'u', 268000, 20.0),
  (seed.ref('org:plomberie-rhone'), seed.ref('quote:plomberie-rhone:1'), 2, 'Dépose, pose et raccordements', 8, 'h', 6200, 20.0);

select public.send_quote(seed.ref('quote:chaleur-express:2')) is not null as sent_a4202;
select public.send_quote(seed.ref('quote:chaleur-express:3')) is not null as sent_a4203;
select public.send_quote(seed.ref('quote:plomberie-rhone:1')) is not null as sent_b4201;
-- The syndic accepted the circulators quote.
update public.quotes set status = 'accepted' where id = seed.ref('quote:chaleur-express:3');

-- -----------------------------------------------------------------------------
-- Invoices, issued in date order
-- -----------------------------------------------------------------------------
create function pg_temp.paris_day(p_days_ago integer) returns date language sql as $$
  select (now() at time zone 'Europe/Paris')::date - p_days_ago
$$;
create function pg_temp.demo_pdf_hash(p_invoice uuid) returns text language sql as $$
  select encode(sha256(convert_to('demo-pdf:' || number, 'UTF8')), 'hex') from public.invoices where id = p_invoice
$$;

insert into public.invoices (id, org_id, client_id, issue_date, service_date, notes) values
  (seed.ref('invoice:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   pg_temp.paris_day(75), pg_temp.paris_day(78), 'Contrat CE-MAINT-2026-001 — visite trimestrielle T2, Résidence Les Tilleuls'),
  (seed.ref('invoice:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('client:boulangerie-pentes'),
   pg_temp.paris_day(50), pg_temp.paris_day(51), 'Dépannage du brûleur du four, Fournil'),
  (seed.ref('invoice:chaleur-express:3'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   pg_temp.paris_day(35), pg_temp.paris_day(36), 'Remplacement du vase d''expansion, chaufferie Les Tilleuls'),
  (seed.ref('invoice:chaleur-express:4'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   pg_temp.paris_day(10), pg_temp.paris_day(11), 'Intervention d''urgence : fuite sur le départ chauffage bâtiment A'),
  (seed.ref('invoice:chaleur-express:5'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   null, pg_temp.paris_day(0), 'Contrat d''entretien de l''année prochaine — facturation du premier trimestre'),
  (seed.ref('invoice:plomberie-rhone:1'), seed.ref('org:plomberie-rhone'), seed.ref('client:hotel-des-quais'),
   pg_temp.paris_day(40), pg_temp.paris_day(41), 'Recherche de fuite et remplacement de vannes, local technique');

insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:1'), 1, 'Visite d''entretien trimestrielle — chaufferie collective', 1, 'u', 42000, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:1'), 2, 'Analyse de combustion et rapport', 1, 'u', 9500, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:2'), 1, 'Déplacement et diagnostic', 1, 'u', 8500, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:2'), 2, 'Électrode d''allumage', 2, 'u', 3450, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:2'), 3, 'Main d''œuvre', 2.5, 'h', 6800, 20.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:3'), 1, 'Vase d''expansion 300 L', 1, 'u', 89000, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:3'), 2, 'Main d''œuvre', 5, 'h', 6800, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:4'), 1, 'Intervention d''urgence (majoration nuit)', 1, 'u', 15000, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:4'), 2, 'Manchon de réparation DN50', 1, 'u', 6200, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:4'), 3, 'Main d''œuvre', 3, 'h', 6800, 10.0),
  (seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:5'), 1, 'Contrat d''entretien — premier trimestre', 1, 'u', 38000, 10.0),
  (seed.ref('org:plomberie-rhone'), seed.ref('invoice:plomberie-rhone:1'), 1, 'Recherche de fuite par caméra thermique', 1, 'u', 24000, 20.0),
  (seed.ref('org:plomberie-rhone'), seed.ref('invoice:plomberie-rhone:1'), 2, 'Vanne d''arrêt 1/4 de tour DN25', 3, 'u', 2890, 20.0),
  (seed.ref('org:plomberie-rhone'), seed.ref('invoice:plomberie-rhone:1'), 3, 'Main d''œuvre', 2, 'h', 6200, 20.0);

do $seed$
declare
  v_id uuid;
begin
  foreach v_id in array array[
    seed.ref('invoice:chaleur-express:1'), seed.ref('invoice:plomberie-rhone:1'), seed.ref('invoice:chaleur-express:2'),
    seed.ref('invoice:chaleur-express:3'), seed.ref('invoice:chaleur-express:4')
  ]::uuid[] loop
    perform public.issue_invoice(v_id);
    perform public.mark_invoice_sent(v_id, pg_temp.demo_pdf_hash(v_id));
  end loop;
end;
$seed$;

-- The correction of a…4003: one hour of labour was billed twice.
insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, issue_date, notes) values
  (seed.ref('credit-note:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('client:syndic-lumiere'),
   'credit_note', seed.ref('invoice:chaleur-express:3'), pg_temp.paris_day(30), 'Une heure de main d''œuvre facturée en double');
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  (seed.ref('org:chaleur-express'), seed.ref('credit-note:chaleur-express:1'), 1, 'Main d''œuvre facturée en double', 1, 'h', 6800, 10.0);

select public.issue_invoice(seed.ref('credit-note:chaleur-express:1')) is not null as issued_a4009;
select public.mark_invoice_sent(seed.ref('credit-note:chaleur-express:1'), pg_temp.demo_pdf_hash(seed.ref('credit-note:chaleur-express:1'))) is not null as sent_a4009;

-- -----------------------------------------------------------------------------
-- Done missions → draft invoices (missions and their timesheets become invoiced)
-- -----------------------------------------------------------------------------
do $seed$
declare
  v_result jsonb;
  v_invoice uuid;
begin
  v_result := public.bulk_invoice_missions(array[
    seed.ref('mission:chaleur-express:done'), seed.ref('mission:chaleur-express:done-contract'),
    seed.ref('mission:plomberie-rhone:done-contract'), seed.ref('mission:plomberie-rhone:done')]::uuid[]);
  if (v_result #>> '{summary,failed}')::int <> 0 then
    raise exception 'seed: bulk invoicing failed: %', v_result;
  end if;
  -- One per organization is issued today: a…2006 waits for its PDF, b…2006 is sent.
  select l.invoice_id into v_invoice from public.invoice_lines l where l.mission_id = seed.ref('mission:chaleur-express:done') limit 1;
  perform public.issue_invoice(v_invoice);
  select l.invoice_id into v_invoice from public.invoice_lines l where l.mission_id = seed.ref('mission:plomberie-rhone:done-contract') limit 1;
  perform public.issue_invoice(v_invoice);
  perform public.mark_invoice_sent(v_invoice, pg_temp.demo_pdf_hash(v_invoice));
end;
$seed$;

-- -----------------------------------------------------------------------------
-- Payments, then reconciliation
-- -----------------------------------------------------------------------------
insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref, label) values
  (seed.ref('payment:chaleur-express:1'), seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:1'),
   (select total_ttc_cents from public.invoices where id = seed.ref('invoice:chaleur-express:1')),
   'transfer', pg_temp.paris_day(48), 'VIR-2026-0001871', 'VIR SEPA SYNDIC LUMIERE ENTRETIEN T2'),
  (seed.ref('payment:chaleur-express:2'), seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:2'),
   15000, 'cheque', pg_temp.paris_day(15), 'CHQ-7730412', 'Chèque Boulangerie des Pentes, acompte'),
  (seed.ref('payment:chaleur-express:3'), seed.ref('org:chaleur-express'), seed.ref('invoice:chaleur-express:3'),
   (select i.total_ttc_cents - c.total_ttc_cents from public.invoices i, public.invoices c
    where i.id = seed.ref('invoice:chaleur-express:3') and c.id = seed.ref('credit-note:chaleur-express:1')),
   'transfer', pg_temp.paris_day(6), 'VIR-2026-0002204', 'VIR SEPA SYNDIC LUMIERE VASE EXPANSION'),
  (seed.ref('payment:chaleur-express:4'), seed.ref('org:chaleur-express'), null,
   21780, 'transfer', pg_temp.paris_day(3), 'VIR-2026-0002311', 'VIR SEPA M DURAND REF FACTURE ?'),
  (seed.ref('payment:plomberie-rhone:1'), seed.ref('org:plomberie-rhone'), seed.ref('invoice:plomberie-rhone:1'),
   (select total_ttc_cents from public.invoices where id = seed.ref('invoice:plomberie-rhone:1')),
   'card', pg_temp.paris_day(30), 'CB-88412077', 'Paiement CB Hôtel des Quais');

select public.reconcile_payments(seed.ref('org:chaleur-express')) is not null as reconciled_a;
select public.reconcile_payments(seed.ref('org:plomberie-rhone')) is not null as reconciled_b;

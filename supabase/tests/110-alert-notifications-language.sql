-- Alert notifications are written in each recipient's language, from the
-- template of the alert type, with amounts, dates and names for people:
-- never the alert's details as JSON.
begin;
select plan(12);

-- The dispatcher reads English; the owner (and the on-call technician) French.
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000002';

insert into public.alerts (id, org_id, alert_type, fingerprint, entity_table, entity_id, severity, details) values
  ('c1100000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000a0', 'invoice_overdue_7days',
   'invoice_overdue_7days:a0000000-0000-4000-8000-000000004004', 'public.invoices', 'a0000000-0000-4000-8000-000000004004', 'warning',
   '{"number": "FAC-2026-00042", "client_id": "a0000000-0000-4000-8000-0000000000c1", "due_date": "2026-11-20",
     "total_ttc_cents": 123456, "status": "sent"}'),
  ('c1100000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000a0', 'stock_critical',
   'stock_critical:c1100000-0000-4000-8000-0000000000f1', 'public.stock_items', 'c1100000-0000-4000-8000-0000000000f1', 'critical',
   '{"sku": "VAN-22", "name": "Vanne <3/4>", "unit": "pcs", "on_hand": 1, "min_stock": 10}'),
  ('c1100000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-0000000000a0', 'mission_blocked',
   'mission_blocked:c1100000-0000-4000-8000-0000000000f2', 'public.missions', 'c1100000-0000-4000-8000-0000000000f2', 'warning',
   '{"title": "Chaudière", "reason": null}');

select is(private.notify_alert(a, '{admin,dispatcher}', false, 'lang:' || a.id, false) > 0, true,
          'notify_alert writes the invoice alert''s notifications')
from public.alerts a where a.id = 'c1100000-0000-4000-8000-000000000001';

select is((select title || ' | ' || body from public.notifications
           where dedupe_key = 'lang:c1100000-0000-4000-8000-000000000001:a0000000-0000-4000-8000-000000000001:email'),
          'Facture FAC-2026-00042 en retard de 7 jours | La facture FAC-2026-00042 de Syndic Lumière (1 234,56 €) était due le 20/11/2026.',
          'French owner: the French template, amount and date written the French way');
select is((select title || ' | ' || body from public.notifications
           where dedupe_key = 'lang:c1100000-0000-4000-8000-000000000001:a0000000-0000-4000-8000-000000000002:email'),
          'Invoice FAC-2026-00042 7 days overdue | Invoice FAC-2026-00042 for Syndic Lumière (€1,234.56) was due on 20 Nov 2026.',
          'English dispatcher: the English template, amount and date written the English way');

-- Stock: critical, with the on-call technician added (French).
select is(private.notify_alert(a, '{admin,dispatcher}', true, 'lang:' || a.id, false) > 0, true,
          'the stock alert is notified, on-call technicians included')
from public.alerts a where a.id = 'c1100000-0000-4000-8000-000000000002';
select is((select title || ' | ' || body from public.notifications
           where dedupe_key = 'lang:c1100000-0000-4000-8000-000000000002:a0000000-0000-4000-8000-000000000003:in_app'),
          'Stock critique : Vanne <3/4> | Le stock de Vanne <3/4> est à 1 pcs (seuil 10).',
          'the on-call technician gets French text too (he got English machine text before)');
select is((select title from public.notifications
           where dedupe_key = 'lang:c1100000-0000-4000-8000-000000000002:a0000000-0000-4000-8000-000000000002:in_app'),
          'Critical stock: Vanne <3/4>', '… and the English dispatcher English');

-- Escalations are prefixed in the reader's language.
select is(private.notify_alert(a, '{admin,dispatcher}', false, 'esc:' || a.id, true) > 0, true, 'an escalation is notified')
from public.alerts a where a.id = 'c1100000-0000-4000-8000-000000000001';
select results_eq(
  $$select title from public.notifications where dedupe_key like 'esc:%:email' order by user_id$$,
  $$values ('Escalade : Facture FAC-2026-00042 en retard de 7 jours'::text), ('Escalated: Invoice FAC-2026-00042 7 days overdue')$$,
  'escalation prefix: "Escalade : " in French, "Escalated: " in English');

-- Params that cannot all be found (the mission is gone, so no hours): the
-- generic text, in the language, still no JSON.
select is(private.notify_alert(a, '{admin,dispatcher}', false, 'lang:' || a.id, false) > 0, true, 'an alert whose mission is gone is notified')
from public.alerts a where a.id = 'c1100000-0000-4000-8000-000000000003';
select results_eq(
  $$select title, body like '% UTC.' from public.notifications where dedupe_key like 'lang:c1100000-0000-4000-8000-000000000003:%:email' order by user_id$$,
  $$values ('Alerte avertissement : intervention bloquée'::text, true), ('Warning alert: mission blocked', true)$$,
  'params missing: the generic title and body in each language');

select is((select count(*)::int from public.notifications
           where dedupe_key like 'lang:%' or dedupe_key like 'esc:%'), 18,
          'every recipient and channel written (owner and dispatcher × email and in_app × 4 notices, + the on-call technician × 2 for the stock alert)');
select is((select count(*)::int from public.notifications
           where (dedupe_key like 'lang:%' or dedupe_key like 'esc:%')
             and (body ~ '[{}"]' or title ~ '[{}"]' or body ~ '[a-z]+_[a-z]+')), 0,
          'no raw JSON, no placeholder and no machine name in any title or body');

select * from finish();
rollback;

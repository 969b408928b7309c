begin;
-- Templates: French and English for every type; {{param}} substitution, never
-- evaluated; a missing param stays visible; the user's language decides.
select plan(19);
delete from public.notifications;

select is(
  (select count(*)::int from (values ('emergency_pending'), ('invoice_overdue_7days'), ('invoice_overdue_30days'), ('stock_critical'),
                                     ('mission_blocked'), ('timesheet_unapproved'), ('alert_escalated'), ('api_key_created'),
                                     ('api_key_revoked'), ('api_key_rotated'), ('rule_fired'), ('rule_suppressed_summary'),
                                     ('notification_failed')) as t (type)
   where (select count(*) from public.notification_templates nt where nt.type = t.type and nt.language in ('fr', 'en')) = 2),
  13, 'every notification type has a French and an English template');
select is((select count(*)::int from public.notification_templates nt
           where not exists (select from public.notification_templates o where o.type = nt.type and o.language <> nt.language)),
  0, 'no type has one language only');
select is(private.render_template('Bonjour {{name}}, facture {{number}} ({{number}})', '{"name": "Ana", "number": "FAC-1"}'),
  'Bonjour Ana, facture FAC-1 (FAC-1)', 'placeholders are replaced, each occurrence');
select is(private.render_template('Stock de {{item}} : {{quantity}}', '{"item": "Vanne"}'),
  'Stock de Vanne : {{quantity}}', 'DECISION: a missing param leaves its placeholder visible (no error, nothing silently blank)');
select is(private.render_template('{{a}} {{b}}', '{"a": "{{b}}", "b": "x"}'),
  '{{b}} x', 'a value is inserted as text, never expanded again');
select is(private.render_template('{{a}}', $${"a": "'); drop table public.notifications; --"}$$),
  $$'); drop table public.notifications; --$$, 'a value is never evaluated');
select is(private.render_template('{{n}} / {{flag}}', '{"n": 3, "flag": true}'), '3 / true', 'numbers and booleans are rendered as text');
select is(private.render_template(null, '{}'), null, 'a null template renders null');

-- The user's language (profiles.language, default fr).
select is((select language from public.profiles where id = 'a0000000-0000-4000-8000-000000000003'), 'fr', 'profiles.language defaults to fr');
select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app',
                   'alert.invoice_overdue_7days', 'public.organizations', 'a0000000-0000-4000-8000-0000000000a0', 'tpl:fr',
                   '{"number": "FAC-2026-00001", "client": "Hôtel Bellecour", "amount": "1 200,00 €", "due_date": "2026-11-01"}') is not null as created;
select results_eq(
  $$select n.title, n.body from public.notifications n where n.dedupe_key = 'tpl:fr'$$,
  $$values ('Facture FAC-2026-00001 en retard de 7 jours'::text,
            'La facture FAC-2026-00001 de Hôtel Bellecour (1 200,00 €) était due le 2026-11-01.'::text)$$,
  'a French user gets the French template (type looked up by its last segment: alert.invoice_overdue_7days)');
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000004';
select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000004', 'in_app',
                   'invoice_overdue_7days', null, null, 'tpl:en', '{"number": "FAC-2026-00001"}') is not null as created;
select results_eq(
  $$select n.title from public.notifications n where n.dedupe_key = 'tpl:en'$$,
  $$values ('Invoice FAC-2026-00001 7 days overdue'::text)$$,
  'an English user gets the English template');
select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app',
                   'test.untemplated', null, null, 'tpl:none', '{"title": "Titre libre", "body": "Corps"}') is not null as created;
select is(
  (select n.title || ' | ' || n.body from public.notifications n where n.dedupe_key = 'tpl:none'),
  'Titre libre | Corps', 'a type without a template is rendered from the params title and body');
select throws_ok(
  $$select private.create_notification('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-000000000003', 'in_app',
                   'test.untemplated', null, null, null, '{}')$$,
  '22004', 'notification type test.untemplated has no template and no title param', 'no template and no title: refused');
select throws_ok($$update public.profiles set language = 'de' where id = 'a0000000-0000-4000-8000-000000000003'$$,
  '23514', null, 'only fr and en are languages');
select ok(not has_table_privilege('authenticated', 'public.notification_templates', 'select')
          and not has_table_privilege('anon', 'public.notification_templates', 'select'),
  'templates are not readable through the API (rendered server-side)');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
            $$with u as (update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000003' returning language) select to_jsonb(language) from u$$),
  '"en"'::jsonb, 'a user sets their own language');

-- notify_roles passes ready text: a template it cannot fill gives way to it;
-- notify_roles_with_params passes template params: localized per user.
select is(private.notify_roles('a0000000-0000-4000-8000-0000000000a0', '{technician}', 'alert.mission_blocked', 'Chantier bloqué', 'Pièce manquante',
                               null, null, 'nr:ready'), 4, 'notify_roles: 2 technicians x (in_app + email)');
select is((select title || ' | ' || body from public.notifications where dedupe_key like 'nr:ready:%:in_app' and user_id = 'a0000000-0000-4000-8000-000000000003'),
  'Chantier bloqué | Pièce manquante', 'the template needs params notify_roles does not have: the caller''s text is used, no {{placeholder}}');
update public.profiles set language = 'fr' where id = 'a0000000-0000-4000-8000-000000000003';
select private.notify_roles_with_params('a0000000-0000-4000-8000-0000000000a0', '{technician}', 'alert.stock_critical', null, null, 'nr:params',
                                        '{"item": "Vanne 3 voies", "quantity": 0, "threshold": 2}') as written;
select results_eq($$select user_id::text, title from public.notifications where dedupe_key like 'nr:params:%:in_app' order by 1$$,
  $$values ('a0000000-0000-4000-8000-000000000003', 'Stock critique : Vanne 3 voies'), ('a0000000-0000-4000-8000-000000000004', 'Critical stock: Vanne 3 voies')$$,
  'notify_roles_with_params renders each recipient''s language');

select * from finish();
rollback;

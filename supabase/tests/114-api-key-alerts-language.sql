begin;
-- API-key security alerts are written in each owner's and admin's language.
select plan(4);
delete from public.notifications;
-- Org A: …01 owner (fr); …02 dispatcher made admin for this test and reading English.
update public.memberships set role = 'admin' where org_id = 'a0000000-0000-4000-8000-0000000000a0' and user_id = 'a0000000-0000-4000-8000-000000000002';
update public.profiles set language = 'en' where id = 'a0000000-0000-4000-8000-000000000002';
delete from public.notifications;

create temp table k (id uuid, prefix text) on commit drop;
grant all on k to authenticated;
insert into k select (j ->> 'id')::uuid, j ->> 'prefix'
from tests.as_user('a0000000-0000-4000-8000-000000000001',
  $$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Capteurs <chaufferie>', '{events:write}')$$) j;

select is((select title || ' | ' || body from public.notifications
           where user_id = 'a0000000-0000-4000-8000-000000000001' and channel = 'email' and type = 'security.api_key_created'),
  format('Sécurité : clé API %s créée | La clé API « Capteurs <chaufferie> » (%s) a été créée par admin@chaleur-express.test. Si vous ne l''attendiez pas, révoquez-la.',
         (select prefix from k), (select prefix from k)),
  'the French owner: all in French, the key and who created it named');
select alike((select title || ' | ' || body from public.notifications
              where user_id = 'a0000000-0000-4000-8000-000000000002' and channel = 'email' and type = 'security.api_key_created'),
  format('Security: API key %s created | API key "Capteurs <chaufferie>" (%s) was created by admin@chaleur-express.test. Scopes: events:write. Expires %%',
         (select prefix from k), (select prefix from k)),
  'the English admin: all in English, with the scopes and expiry');

select tests.as_user('a0000000-0000-4000-8000-000000000001', format($$select public.revoke_api_key(%L)$$, (select id from k)));
select is((select title from public.notifications
           where user_id = 'a0000000-0000-4000-8000-000000000001' and channel = 'email' and type = 'security.api_key_revoked'),
  format('Sécurité : clé API %s révoquée', (select prefix from k)), 'revocation, in French');
select is((select count(*)::int from public.notifications where type like 'security.api_key_%' and (title ~ '[{}]' or body ~ '[{}]')), 0,
  'no placeholder left anywhere');

select * from finish();
rollback;

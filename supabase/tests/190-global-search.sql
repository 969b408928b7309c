-- The global search (public.search): what it matches — accents and case
-- ignored, word prefixes, typos, a client's name leading to its missions,
-- invoices and quotes, document numbers, addresses — what it answers
-- (kind, title, subtitle, url_hint, best first) and what it refuses.
-- Who sees what is 191-global-search-rls.sql.
-- Seed: Chaleur Express (org A, a0…a0), owner a0…01, dispatcher a0…02;
-- clients Syndic Lumière (c1, site d1 "8 rue des Tilleuls") and Boulangerie
-- des Pentes (c2); Plomberie du Rhône (org B) with its client Hôtel des Quais.
begin;
select plan(29);

create function pg_temp.org_a() returns uuid language sql as $$ select 'a0000000-0000-4000-8000-0000000000a0'::uuid $$;
create function pg_temp.owner_a() returns uuid language sql as $$ select 'a0000000-0000-4000-8000-000000000001'::uuid $$;
-- "kind:title" of what a user's search returns, in rank order.
create function pg_temp.found(p_user uuid, p_query text, p_limit integer default 20, p_org uuid default null)
returns text[] language plpgsql as $$
declare
  v text[];
  v_org uuid := coalesce(p_org, pg_temp.org_a());
begin
  perform tests.authenticate_as_user(p_user);
  select coalesce(array_agg(s.kind || ':' || s.title order by s.rank desc, s.kind, s.title), '{}') into v
  from public.search(v_org, p_query, p_limit) s;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;

-- -----------------------------------------------------------------------------
-- Matching
-- -----------------------------------------------------------------------------
select is((pg_temp.found(pg_temp.owner_a(), 'lumiere'))[1], 'client:Syndic Lumière',
  'accents and case are ignored: "lumiere" finds Syndic Lumière first');
select ok('mission:Purge des radiateurs — appartement 12' = any (pg_temp.found(pg_temp.owner_a(), 'syndic lumiere')),
  'a client''s name finds its missions');
select ok('invoice:FAC-2026-00004' = any (pg_temp.found(pg_temp.owner_a(), 'syndic lumiere')),
  'a client''s name finds its invoices');
select ok('quote:Remplacement des deux circulateurs de la chaufferie' = any (pg_temp.found(pg_temp.owner_a(), 'syndic lumiere')),
  'a client''s name finds its quotes');
select ok('mission:Entretien annuel chaudière gaz — fournil' = any (pg_temp.found(pg_temp.owner_a(), 'chaudi')),
  'a word prefix finds a mission title ("chaudi" → chaudière)');
select ok('mission:Entretien annuel chaudière gaz — fournil' = any (pg_temp.found(pg_temp.owner_a(), 'ENTRETIEN chaudiere')),
  'several words, any case, no accents: each must match');
select is((pg_temp.found(pg_temp.owner_a(), 'Lumire'))[1], 'client:Syndic Lumière',
  'a typo (a letter missing) still finds the client');
select is((pg_temp.found(pg_temp.owner_a(), 'Boulangrie'))[1], 'client:Boulangerie des Pentes',
  'another typo still finds the client');
select ok('mission:Entretien annuel chaudière gaz — fournil' = any (pg_temp.found(pg_temp.owner_a(), 'Boulangrie')),
  'a misspelt client name still leads to the client''s missions');
select is((pg_temp.found(pg_temp.owner_a(), 'FAC-2026-00004'))[1], 'invoice:FAC-2026-00004',
  'an invoice number finds the invoice first');
select is((pg_temp.found(pg_temp.owner_a(), '00004'))[1], 'invoice:FAC-2026-00004',
  'the end of an invoice number finds it');
select is((pg_temp.found(pg_temp.owner_a(), 'DEV-2026-00002'))[1], 'quote:Remplacement des deux circulateurs de la chaufferie',
  'a quote number finds the quote first');
select ok('site:8 rue des Tilleuls' = any (pg_temp.found(pg_temp.owner_a(), 'rue des tilleuls')),
  'an address finds the site');
select ok('client:Syndic Lumière' = any (pg_temp.found(pg_temp.owner_a(), '542065')),
  'the start of a SIREN finds the client');
select ok('client:Syndic Lumière' = any (pg_temp.found(pg_temp.owner_a(), 'gestion@syndic')),
  'the start of an e-mail address finds the client');
select is(pg_temp.found(pg_temp.owner_a(), 'Hôtel des Quais'), '{}',
  'only the named organization is searched (Hôtel des Quais is a client of org B)');
select is(pg_temp.found(pg_temp.owner_a(), 'zzqxwv'), '{}', 'nothing alike, nothing found');
select is((select count(*) from public.search(pg_temp.org_a(), '___', 50) where kind in ('invoice', 'quote')), 0::bigint,
  'LIKE wildcards typed are literal: "___" is no number''s part');
select lives_ok($$select * from public.search('a0000000-0000-4000-8000-0000000000a0', 'a & b | !c:* (d) ''e''')$$,
  'characters of the tsquery syntax are plain text to the search');

-- -----------------------------------------------------------------------------
-- What a row says and where it leads
-- -----------------------------------------------------------------------------
select results_eq(
  $$select kind, url_hint, subtitle from public.search('a0000000-0000-4000-8000-0000000000a0', 'tilleuls', 50)
    where id in ('a0000000-0000-4000-8000-0000000000d1', 'a0000000-0000-4000-8000-000000003001') order by kind$$,
  $$values ('mission', '/office/missions/a0000000-0000-4000-8000-000000003001',
            'Syndic Lumière · Lyon · ' || (select to_char(scheduled_start, 'YYYY-MM-DD') from public.missions where id = 'a0000000-0000-4000-8000-000000003001')),
           ('site', '/office/clients/a0000000-0000-4000-8000-0000000000c1', 'Résidence Les Tilleuls — chaufferie · 69006 Lyon · Syndic Lumière')$$,
  'a mission leads to /office/missions/<id>, a site to its client''s page; subtitles name the client and the place');
select is((select array_agg(distinct split_part(url_hint, '/', 3) order by split_part(url_hint, '/', 3))
           from public.search(pg_temp.org_a(), 'syndic lumiere', 50)),
  array['clients', 'invoices', 'missions', 'quotes'], 'every kind has its back-office area in url_hint');
select is((select count(*) from (select rank, lag(rank) over (order by ordinality) as previous
                                 from public.search(pg_temp.org_a(), 'chauffage', 50) with ordinality) r
           where r.rank > r.previous), 0::bigint, 'rows come best first');

-- -----------------------------------------------------------------------------
-- Limit: clamped to 1..50
-- -----------------------------------------------------------------------------
insert into public.missions (org_id, client_id, site_id, title)
select pg_temp.org_a(), 'a0000000-0000-4000-8000-0000000000c2', 'a0000000-0000-4000-8000-0000000000d2', 'Ramonage série ' || n
from generate_series(1, 60) n;
select is((select count(*) from public.search(pg_temp.org_a(), 'ramonage serie', 1000)), 50::bigint, 'at most 50 rows, whatever the limit asked');
select is((select count(*) from public.search(pg_temp.org_a(), 'ramonage serie', 0)), 1::bigint, 'a limit below 1 means 1');
select is((select count(*) from public.search(pg_temp.org_a(), 'ramonage serie')), 20::bigint, '20 rows by default');

-- -----------------------------------------------------------------------------
-- Refusals
-- -----------------------------------------------------------------------------
select throws_ok($$select * from public.search('a0000000-0000-4000-8000-0000000000a0', '  a  ')$$,
  '22023', 'Type at least 2 characters to search', 'fewer than 2 characters, once trimmed, is refused');
select throws_ok(format('select * from public.search(%L, %L)', pg_temp.org_a(), repeat('x', 101)),
  '22001', 'A search is at most 100 characters (got 101)', 'more than 100 characters is refused');
select throws_ok($$select * from public.search('a0000000-0000-4000-8000-0000000000a0', null)$$,
  '22004', 'p_query is required: the text to search for', 'a missing query is refused');
select throws_ok($$select * from public.search(null, 'lumiere')$$,
  '22004', 'p_org_id is required: the organization to search in', 'a missing organization is refused');

select * from finish();
rollback;

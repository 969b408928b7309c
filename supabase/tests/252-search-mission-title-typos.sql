-- Typos in mission titles (public.search) and the word list behind them
-- (private.search_words: the distinct words of each organization's mission
-- titles, counted, kept by statement triggers on public.missions).
-- Seed: Chaleur Express (org A, a0…a0; owner a0…01, client c1 / site d1) and
-- Plomberie du Rhône (org B, b0…b0; owner b0…01, client c1 / site d1).
begin;
select plan(31);

create function pg_temp.org_a() returns uuid language sql as $$ select 'a0000000-0000-4000-8000-0000000000a0'::uuid $$;
create function pg_temp.org_b() returns uuid language sql as $$ select 'b0000000-0000-4000-8000-0000000000b0'::uuid $$;
-- Mission titles public.search returns to the owner of org A or B, in its order.
create function pg_temp.found(p_org uuid, p_query text) returns text[] language plpgsql as $$
declare
  v text[];
begin
  perform tests.authenticate_as_user(case when p_org = pg_temp.org_a() then 'a0000000-0000-4000-8000-000000000001'
                                          else 'b0000000-0000-4000-8000-000000000001' end::uuid);
  select coalesce(array_agg(s.title order by s.ordinality), '{}') into v
  from public.search(p_org, p_query, 50) with ordinality s
  where s.kind = 'mission';
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
create function pg_temp.add_mission(p_org uuid, p_title text) returns void language sql as $$
  insert into public.missions (org_id, client_id, site_id, title, scheduled_start)
  values (p_org, case when p_org = pg_temp.org_a() then 'a0000000-0000-4000-8000-0000000000c1' else 'b0000000-0000-4000-8000-0000000000c1' end::uuid,
          case when p_org = pg_temp.org_a() then 'a0000000-0000-4000-8000-0000000000d1' else 'b0000000-0000-4000-8000-0000000000d1' end::uuid,
          p_title, now())
$$;
-- How many of the organization's missions the word list says have the word (0: not listed).
create function pg_temp.count_of(p_org uuid, p_word text) returns integer language sql as $$
  select coalesce((select sw.missions from private.search_words sw where sw.org_id = p_org and sw.word = p_word), 0)
$$;
-- The word list recomputed from the organization's missions, minus the stored one, both ways: empty when in step.
create function pg_temp.drift(p_org uuid) returns bigint language sql as $$
  with truth as (
    select w.word collate "C" as word, count(*)::integer as missions
    from public.missions m cross join lateral private.search_title_words(m.title) w (word)
    where m.org_id = p_org group by 1
  ), stored as (
    select sw.word, sw.missions from private.search_words sw where sw.org_id = p_org
  )
  select count(*) from ((select * from truth except select * from stored) union all (select * from stored except select * from truth)) d
$$;

-- -----------------------------------------------------------------------------
-- The word list
-- -----------------------------------------------------------------------------
-- Fixture: the two organizations' lists rebuilt from their missions. A test
-- clean-up that deletes rows with the triggers off (session_replication_role
-- = replica) leaves words behind; from here on, every change goes through
-- the triggers.
delete from private.search_words where org_id in (pg_temp.org_a(), pg_temp.org_b());
insert into private.search_words (org_id, word, missions)
select m.org_id, w.word, count(*)::integer
from public.missions m cross join lateral private.search_title_words(m.title) w (word)
where m.org_id in (pg_temp.org_a(), pg_temp.org_b())
group by 1, 2;

select is(pg_temp.count_of(pg_temp.org_a(), 'chaufferie'),
          (select count(*)::integer from public.missions m where m.org_id = pg_temp.org_a() and m.title ~* '\mchaufferie\M'),
          'a word is counted once per mission of the organization whose title has it');
select is((select count(*) from private.search_words where word !~ '^[[:alpha:]]{3,}$'), 0::bigint,
          'no listed word has a digit, a space or fewer than 3 letters');
select is(array(select w from private.search_title_words('Purge des radiateurs — Appartement 12, bât. B / Hôtel d''Été 2026') w order by w),
          array['appartement', 'bat', 'des', 'ete', 'hotel', 'purge', 'radiateurs'],
          'title words: lower case, no accents, 3 letters or more, no numbers, each once');
select is((select pg_catalog.pg_get_indexdef(i.indexrelid) from pg_catalog.pg_index i
           where i.indexrelid = 'private.search_words_trgm_idx'::regclass),
          'CREATE INDEX search_words_trgm_idx ON private.search_words USING gin (org_id, word gin_trgm_ops)',
          'its trigram index starts with the organization');
select ok(not has_table_privilege('authenticated', 'private.search_words', 'select')
          and not has_table_privilege('anon', 'private.search_words', 'select')
          and not has_table_privilege('service_role', 'private.search_words', 'select'),
          'no API role reads the word list');

-- -----------------------------------------------------------------------------
-- A typo in a mission title finds the mission
-- -----------------------------------------------------------------------------
select pg_temp.add_mission(pg_temp.org_a(), 'Calorifugeage des canalisations — sous-sol');
select is(pg_temp.count_of(pg_temp.org_a(), 'calorifugeage'), 1, 'a new mission''s title words are listed');
select is(pg_temp.found(pg_temp.org_a(), 'calorifugage'), array['Calorifugeage des canalisations — sous-sol'],
          'a letter missing: the mission is found');
select is(pg_temp.found(pg_temp.org_a(), 'Calorifguaege canalisatoins'), array['Calorifugeage des canalisations — sous-sol'],
          'two misspelt words (letters swapped): found');
select is(pg_temp.found(pg_temp.org_a(), 'calorifugage sous'), array['Calorifugeage des canalisations — sous-sol'],
          'a misspelt word and a right one: found');
select is(pg_temp.found(pg_temp.org_a(), 'calorifugage ramonage'), '{}'::text[],
          '… but every word must still match: a corrected word and another mission''s word find nothing');
select is(pg_temp.found(pg_temp.org_a(), 'calorifugage 9999'), '{}'::text[],
          'a number is never corrected (no mission title has 9999)');
select is(pg_temp.found(pg_temp.org_a(), 'kzqwvyxj'), '{}'::text[], 'a word like no title word: nothing');

-- Corrected or not, the rows are read as the caller: a technician finds the
-- misspelt title of a mission assigned to them (a0…2003, "Purge des
-- radiateurs — appartement 12"), not the new unassigned one.
create function pg_temp.found_by_technician(p_query text) returns text[] language plpgsql as $$
declare
  v text[];
  v_org uuid := pg_temp.org_a();
begin
  perform tests.authenticate_as_user('a0000000-0000-4000-8000-000000000003');
  select coalesce(array_agg(s.title order by s.ordinality), '{}') into v
  from public.search(v_org, p_query, 50) with ordinality s where s.kind = 'mission';
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
select is(pg_temp.found_by_technician('radaiteurs'), array['Purge des radiateurs — appartement 12'],
          'a technician: a typo in the title of their mission finds it');
select is(pg_temp.found_by_technician('calorifugage'), '{}'::text[],
          '… a typo in the title of a mission they may not see finds nothing');

-- -----------------------------------------------------------------------------
-- Another organization's words never suggest anything
-- -----------------------------------------------------------------------------
select pg_temp.add_mission(pg_temp.org_b(), 'Détartrage du surpresseur');
select is(pg_temp.count_of(pg_temp.org_a(), 'surpresseur'), 0, 'a word of org B is not in org A''s list');
select is(pg_temp.found(pg_temp.org_a(), 'surpreseur'), '{}'::text[], 'org A: a typo of a word only org B uses finds nothing');
select is(pg_temp.found(pg_temp.org_b(), 'surpreseur'), array['Détartrage du surpresseur'], '… org B: its mission');
select is(pg_temp.found(pg_temp.org_b(), 'calorifugage'), '{}'::text[], 'org B: a typo of a word only org A uses finds nothing');

-- -----------------------------------------------------------------------------
-- Deleted and retitled missions
-- -----------------------------------------------------------------------------
select pg_temp.add_mission(pg_temp.org_a(), 'Vidange du vase d''expansion');
select is(pg_temp.count_of(pg_temp.org_a(), 'vidange'), 1, 'a second new mission''s word is listed');
delete from public.missions where org_id = pg_temp.org_a() and title = 'Vidange du vase d''expansion';
select is(pg_temp.count_of(pg_temp.org_a(), 'vidange'), 0, 'its mission deleted: the word is gone');
select is(pg_temp.found(pg_temp.org_a(), 'vidnage'), '{}'::text[], '… and a typo of it finds nothing');
select is(pg_temp.count_of(pg_temp.org_a(), 'des'), (select count(*)::integer from public.missions m
                                                   where m.org_id = pg_temp.org_a() and m.title ~* '\mdes\M'),
          'a word other missions still have stays, one fewer');

update public.missions set title = 'Calorifugeage du ballon — sous-sol'
 where org_id = pg_temp.org_a() and title = 'Calorifugeage des canalisations — sous-sol';
select is(pg_temp.count_of(pg_temp.org_a(), 'canalisations'), 0, 'a retitled mission''s old word is gone');
select is(pg_temp.found(pg_temp.org_a(), 'canalisatoins'), '{}'::text[], '… a typo of it finds nothing');
select is(pg_temp.found(pg_temp.org_a(), 'calorifugage balon'), array['Calorifugeage du ballon — sous-sol'],
          '… and typos of its new words find it');

-- -----------------------------------------------------------------------------
-- Counts under multi-row statements
-- -----------------------------------------------------------------------------
select pg_temp.add_mission(pg_temp.org_a(), t) from (values ('Pélican alpha'), ('Pelican alpha pélican'), ('Pélican alpha')) v (t);
select is(array[pg_temp.count_of(pg_temp.org_a(), 'pelican'), pg_temp.count_of(pg_temp.org_a(), 'alpha')], array[3, 3],
          'three missions with the same words: counted once per mission (a word twice in a title counts once)');
-- One statement: two retitles that keep "pelican", one that keeps "alpha", and a title swap.
update public.missions m set title = case when m.title = 'Pelican alpha pélican' then 'Gamma alpha' else 'Pélican bêta' end
 where m.org_id = pg_temp.org_a() and m.title in ('Pélican alpha', 'Pelican alpha pélican');
select is(array[pg_temp.count_of(pg_temp.org_a(), 'pelican'), pg_temp.count_of(pg_temp.org_a(), 'alpha'),
                pg_temp.count_of(pg_temp.org_a(), 'beta'), pg_temp.count_of(pg_temp.org_a(), 'gamma')],
          array[2, 1, 2, 1], 'a multi-row update: every word''s count follows (pelican 2, alpha 1, beta 2, gamma 1)');
update public.missions m set title = case when m.title = 'Gamma alpha' then 'Pélican bêta' else 'Gamma alpha' end
 where m.id in (select id from public.missions where org_id = pg_temp.org_a() and title in ('Gamma alpha', 'Pélican bêta')
                order by title limit 2);
select is(array[pg_temp.count_of(pg_temp.org_a(), 'pelican'), pg_temp.count_of(pg_temp.org_a(), 'gamma')],
          array[2, 1], 'two missions swapping titles in one statement: counts unchanged');
update public.missions set priority = 'high' where org_id = pg_temp.org_a();
select is(pg_temp.drift(pg_temp.org_a()), 0::bigint, 'an update of every mission that changes no title: the list is unchanged');
delete from public.missions where org_id = pg_temp.org_a() and title in ('Pélican bêta', 'Gamma alpha');
select is(array[pg_temp.count_of(pg_temp.org_a(), 'pelican'), pg_temp.count_of(pg_temp.org_a(), 'alpha'),
                pg_temp.count_of(pg_temp.org_a(), 'beta'), pg_temp.count_of(pg_temp.org_a(), 'gamma')],
          array[0, 0, 0, 0], 'a multi-row delete of all their missions: the words are gone');
select is(pg_temp.drift(pg_temp.org_a()) + pg_temp.drift(pg_temp.org_b()), 0::bigint,
          'after all this, both word lists still match their missions exactly');

select * from finish();
rollback;

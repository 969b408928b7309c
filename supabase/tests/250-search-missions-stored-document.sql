-- The missions' stored search document (public.missions.search_document) and
-- how private.search_matches picks an organization's most recent matching
-- missions: from its newest 2,000 when 200 of them match, through the GIN
-- index otherwise. Whichever way, public.search answers the same: the
-- matching missions, most recent first among equal ranks, none twice.
-- Seed: Chaleur Express (org A, a0…a0), owner a0…01, client c1 / site d1.
begin;
select plan(14);

create function pg_temp.org_a() returns uuid language sql as $$ select 'a0000000-0000-4000-8000-0000000000a0'::uuid $$;
-- Mission titles public.search returns to org A's owner, in its order.
create function pg_temp.found(p_query text, p_limit integer default 50) returns text[] language plpgsql as $$
declare
  v text[];
  v_org uuid := pg_temp.org_a();
begin
  perform tests.authenticate_as_user('a0000000-0000-4000-8000-000000000001');
  select coalesce(array_agg(s.title order by s.ordinality), '{}') into v
  from public.search(v_org, p_query, p_limit) with ordinality s
  where s.kind = 'mission';
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
create function pg_temp.add_missions(p_title text, p_count integer, p_first_days_ago integer) returns void language sql as $$
  insert into public.missions (org_id, client_id, site_id, title, scheduled_start)
  select pg_temp.org_a(), 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1',
         pg_catalog.format(p_title, n), now() - pg_catalog.make_interval(days => p_first_days_ago + n)
  from pg_catalog.generate_series(1, p_count) as n
$$;

-- -----------------------------------------------------------------------------
-- The column
-- -----------------------------------------------------------------------------
select col_type_is('public', 'missions', 'search_document', 'tsvector', 'missions.search_document is a tsvector');
select is((select a.attgenerated from pg_catalog.pg_attribute a
           where a.attrelid = 'public.missions'::regclass and a.attname = 'search_document'),
          's'::"char", '… generated and stored: nothing writes it but the title and the description');
select is((select pg_catalog.pg_get_indexdef(i.indexrelid) from pg_catalog.pg_index i
           where i.indexrelid = 'public.missions_search_document_idx'::regclass),
          'CREATE INDEX missions_search_document_idx ON public.missions USING gin (org_id, search_document)',
          'its GIN index starts with the organization');

-- A renamed mission is found by its new words, no longer by its old ones.
update public.missions set title = 'Désembouage du plancher chauffant'
 where id = (select id from public.missions where org_id = pg_temp.org_a() order by id limit 1);
select ok('Désembouage du plancher chauffant' = any (pg_temp.found('desembouage')), 'a renamed mission is found by its new title');
select is((select count(*) from public.missions where org_id = pg_temp.org_a() and search_document @@ 'désembouage'::tsquery),
          0::bigint, '… (the document is stemmed and unaccented, not the raw words)');
select is((select l.diff ? 'search_document' from audit.log l
           where l.table_name = 'public.missions' and l.action = 'update' order by l.id desc limit 1),
          false, 'the audit of the rename records the title, not the generated document');

-- A technician still changes a mission's status (the guard that forbids them
-- any other change compares the row without the document, which a BEFORE
-- trigger sees empty).
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  'select pg_catalog.to_jsonb(public.transition_mission(''a0000000-0000-4000-8000-000000002003'', ''in_progress'', ''search-test-start-2003''))')$$,
  'a technician starts their assigned mission');
select is((select status::text from public.missions where id = 'a0000000-0000-4000-8000-000000002003'), 'in_progress', '… which is in progress');

-- -----------------------------------------------------------------------------
-- The most recent matching missions, whichever way they are found
-- -----------------------------------------------------------------------------
-- 2,100 newer missions with other words push older ones out of the newest 2,000.
select pg_temp.add_missions('Zéphyrin révision %s', 230, 0);       -- a word in 230 of the newest missions
select pg_temp.add_missions('Visite annuelle %s', 2100, 300);
select pg_temp.add_missions('Quillebeuf ancienne %s', 5, 3000);    -- a word only in 5 old missions
select pg_temp.add_missions('Varangeville récente %s', 10, 0);     -- a word in 10 new missions …
select pg_temp.add_missions('Varangeville ancienne %s', 5, 3000);  -- … and in 5 old ones

-- (Equal ranks: public.search lists them by title.)
select is(pg_temp.found('zephyrin', 20),
          (select array_agg(t order by t) from (select pg_catalog.format('Zéphyrin révision %s', n) from generate_series(1, 20) n) x (t)),
          'a word in more than 200 recent missions: the 20 most recent of them');
select is(pg_temp.found('zephyrin', 50),
          (select array_agg(t order by t) from (select pg_catalog.format('Zéphyrin révision %s', n) from generate_series(1, 50) n) x (t)),
          '… and with a larger limit, the 50 most recent');
select is(pg_temp.found('quillebeuf'),
          (select array_agg(t order by t) from (select pg_catalog.format('Quillebeuf ancienne %s', n) from generate_series(1, 5) n) x (t)),
          'a word only in missions older than the newest 2,000: found through the index');
select is((select count(*) from unnest(pg_temp.found('varangeville')) t), 15::bigint,
          'a word in recent and old missions: all 15 found');
select is((select count(distinct t) from unnest(pg_temp.found('varangeville')) t), 15::bigint, '… none twice');
select is(pg_temp.found('zzqxwv'), '{}'::text[], 'a word in no mission: none');

select * from finish();
rollback;

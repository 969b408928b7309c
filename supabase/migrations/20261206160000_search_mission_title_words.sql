-- The words of each organization's mission titles, for typo matching in the
-- global search (public.search, README.md "Global search").
--
-- Why a word list: a trigram search over the titles themselves rechecks every
-- title sharing trigrams with the typed word, and an organization's 10,000
-- missions share the same few words (0.6 s at a million missions). Its
-- distinct words are a few thousand at most: the pg_trgm documentation's way
-- is to find the most similar words in such a list, then run the full-text
-- search with them (private.search_matches does, in the next migration).
--
-- A word is what the search normalizes a title to (private.search_normalize:
-- lower case, no accents), split into runs of 3 or more letters: digits
-- (mission and invoice numbers) are never corrected to a neighbouring number,
-- and two letters are too short to compare by trigram.
create function private.search_title_words(p_title text) returns setof text
  language sql immutable parallel safe
  set search_path = ''
as $$
  select distinct m.word[1]
  from pg_catalog.regexp_matches(private.search_normalize(p_title), '[[:alpha:]]{3,}', 'g') as m (word)
$$;
comment on function private.search_title_words(text) is
  'The distinct words of a mission title as the search word list keeps them: normalized (private.search_normalize), runs of 3+ letters.';
revoke all on function private.search_title_words(text) from public;

-- One row per (organization, word): how many of its missions have the word in
-- their title. A word goes when its last mission goes (deleted or retitled).
-- collate "C": the primary key then also serves "word like 'abc%'" (is the
-- typed word the start of a title word?), which a linguistic collation's
-- btree cannot.
create table private.search_words (
  org_id   uuid not null references public.organizations (id) on delete cascade,
  word     text collate "C" not null,
  missions integer not null,
  primary key (org_id, word)
);
alter table private.search_words enable row level security;
revoke all on table private.search_words from public, anon, authenticated, service_role;
comment on table private.search_words is
  'Distinct words of each organization''s mission titles, with how many missions have each one: the typo matching of the global search (private.search_matches). Kept by triggers on public.missions.';
comment on column private.search_words.missions is
  'Missions of the organization whose title has the word; the row is deleted when it reaches 0.';

-- The organization's most similar words to a typed one: a trigram GIN index
-- that starts with org_id (btree_gin), so only the organization's words are
-- compared, never another tenant's.
create index search_words_trgm_idx on private.search_words
  using gin (org_id, word extensions.gin_trgm_ops);
-- The words a statement has just brought to 0, deleted by the same trigger
-- (the index is empty between statements).
create index search_words_emptied_idx on private.search_words (org_id) where missions <= 0;

-- Kept in step by statement-level triggers: one pass per statement, however
-- many missions it writes, with one upsert per distinct word. The audit
-- triggers of public.missions already capture the same transition tables,
-- which PostgreSQL builds once per statement for all triggers, so tracking
-- words adds the word arithmetic, not another copy of the rows. (A column
-- list, "update of title", cannot be combined with transition tables: every
-- update fires the trigger, which keeps only the missions whose title or
-- organization changed.)
--
-- Concurrency: two transactions adding missions with the same word in one
-- organization wait on that word's row until the first commits; the words
-- are upserted in (org_id, word) order, in one statement, so a statement
-- never locks them in an order another could deadlock against.
-- Security definer: the API roles have no privilege on the word list.
create function private.track_mission_title_words() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_orgs uuid[];
  v_titles text[];
  v_signs integer[];
begin
  -- The titles that arrive (+1) and leave (-1), with their organization.
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(n.org_id), pg_catalog.array_agg(n.title), pg_catalog.array_agg(1)
      into v_orgs, v_titles, v_signs
    from new_missions n;
  elsif tg_op = 'DELETE' then
    select pg_catalog.array_agg(o.org_id), pg_catalog.array_agg(o.title), pg_catalog.array_agg(-1)
      into v_orgs, v_titles, v_signs
    from old_missions o;
  else
    select pg_catalog.array_agg(x.org_id), pg_catalog.array_agg(x.title), pg_catalog.array_agg(x.sign)
      into v_orgs, v_titles, v_signs
    from old_missions o
    join new_missions n on n.id = o.id
    cross join lateral (values (n.org_id, n.title, 1), (o.org_id, o.title, -1)) as x (org_id, title, sign)
    where n.title is distinct from o.title or n.org_id is distinct from o.org_id;
  end if;
  if v_orgs is null then
    return null;
  end if;

  -- Net change per word (a retitle that keeps a word changes nothing for it),
  -- applied in key order. A word that was never counted (missions loaded
  -- with triggers off) may get a negative row here: it is deleted just below.
  with changes as (
    select c.org_id, w.word, pg_catalog.sum(c.sign)::integer as delta
    from rows from (pg_catalog.unnest(v_orgs), pg_catalog.unnest(v_titles), pg_catalog.unnest(v_signs)) as c (org_id, title, sign)
    cross join lateral private.search_title_words(c.title) as w (word)
    group by c.org_id, w.word
    having pg_catalog.sum(c.sign) <> 0
  )
  insert into private.search_words as sw (org_id, word, missions)
  select c.org_id, c.word, c.delta from changes c
  order by c.org_id, c.word
  on conflict (org_id, word) do update set missions = sw.missions + excluded.missions;

  if tg_op <> 'INSERT' then
    delete from private.search_words sw
    where sw.missions <= 0 and sw.org_id = any (v_orgs);
  end if;
  return null;
end;
$$;
comment on function private.track_mission_title_words() is
  'Statement trigger of public.missions: keeps private.search_words (the words of mission titles per organization, counted) in step with inserted, retitled and deleted missions.';
revoke all on function private.track_mission_title_words() from public;

create trigger missions_search_words_insert
  after insert on public.missions
  referencing new table as new_missions
  for each statement execute function private.track_mission_title_words();
create trigger missions_search_words_update
  after update on public.missions
  referencing old table as old_missions new table as new_missions
  for each statement execute function private.track_mission_title_words();
create trigger missions_search_words_delete
  after delete on public.missions
  referencing old table as old_missions
  for each statement execute function private.track_mission_title_words();

-- TRUNCATE fires no row or transition trigger: it empties the word list of
-- every organization, as it empties the missions of every organization.
create function private.clear_mission_title_words() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  truncate private.search_words;
  return null;
end;
$$;
comment on function private.clear_mission_title_words() is
  'Truncate trigger of public.missions: empties private.search_words with it.';
revoke all on function private.clear_mission_title_words() from public;

create trigger missions_search_words_truncate
  after truncate on public.missions
  for each statement execute function private.clear_mission_title_words();

-- The words of the missions that exist now.
insert into private.search_words (org_id, word, missions)
select m.org_id, w.word, pg_catalog.count(*)::integer
from public.missions m
cross join lateral private.search_title_words(m.title) as w (word)
group by m.org_id, w.word;

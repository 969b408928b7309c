-- Typos in mission titles for the global search (public.search, README.md
-- "Global search"): when nothing matched word for word, each typed word that
-- starts no word of the organization's mission titles is replaced by the
-- most similar words of its titles (private.search_words,
-- 20261206160000_search_mission_title_words.sql), and the missions are
-- searched by full text again with them ("chaudire" finds "Entretien
-- chaudière"). Everything else private.search_matches does is unchanged; the
-- mission matching of 20261206100100_search_missions_recent_first.sql moves,
-- as it was, to its own function so both passes run the same query.

create function private.search_mission_matches(p_org_id uuid, p_norm text, p_tsq tsquery)
returns table (kind text, id uuid, rank real)
language plpgsql
stable
set search_path = ''
set plan_cache_mode = force_custom_plan
rows 200
as $$
begin
  -- The 200 most recent missions that match (unscheduled ones, the newest,
  -- first: the order of missions_org_schedule_idx read backwards). Two ways
  -- to find them, and the planner cannot tell which is cheaper: it
  -- underestimates how many rows a prefix query matches.
  --   recent: the organization's newest 2,000 missions, read in that order,
  --     filtered on their stored document. If 200 of them match, they are
  --     the answer (no older mission can be among the 200 most recent).
  --     A common word ("mission", "entretien") stops there after a few
  --     hundred rows, instead of every one of the organization's missions.
  --   indexed: otherwise, the (org_id, search_document) GIN index, cheap
  --     exactly when the words are rare. A one-time filter: it runs only
  --     when recent came short.
  -- Ranked after the limit, from the stored document: at most 200 rows.
  return query
  with recent as materialized (
    select r.id, r.title, r.search_document, r.scheduled_start
    from (select m.id, m.title, m.search_document, m.scheduled_start from public.missions m
          where m.org_id = p_org_id
          order by m.scheduled_start desc nulls first, m.id desc limit 2000) as r
    where r.search_document @@ p_tsq
    order by r.scheduled_start desc nulls first, r.id desc
    limit 200
  ),
  enough as (
    select pg_catalog.count(*) = 200 as yes from recent
  ),
  chosen as (
    select r.id, r.title, r.search_document from recent r where (select e.yes from enough e)
    union all
    select i.id, i.title, i.search_document
    from (select m.id, m.title, m.search_document from public.missions m
          where m.org_id = p_org_id and m.search_document @@ p_tsq
          order by m.scheduled_start desc nulls first, m.id desc limit 200) as i
    where not (select e.yes from enough e)
  )
  select 'mission'::text, c.id,
         (pg_catalog.ts_rank(c.search_document, p_tsq)
          + extensions.word_similarity(p_norm, private.search_normalize(c.title)))::real
  from chosen c;
end;
$$;
comment on function private.search_mission_matches(uuid, text, tsquery) is
  'For private.search_matches: (kind, id, rank) of the 200 most recent missions of one organization matching a tsquery, without RLS as its caller (the definer). Not for the API roles.';
revoke all on function private.search_mission_matches(uuid, text, tsquery) from public;

create or replace function private.search_matches(p_org_id uuid, p_norm text, p_tsq tsquery)
returns table (kind text, id uuid, rank real)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set pg_trgm.word_similarity_threshold = 0.4
set pg_trgm.similarity_threshold = 0.4
rows 200
as $$
declare
  v_found boolean := false;
  v_corrected tsquery;
  v_corrections integer;
  v_substring text := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_norm, '\', '\\'), '%', '\%'), '_', '\_') || '%';
begin
  -- Only an organization the caller belongs to (or the system actor).
  if not (private.is_system_actor() or private.member_role_in(p_org_id) is not null) then
    return;
  end if;

  -- 1. Full text, served by the (org_id, document) GIN indexes. A word common
  -- to most rows ("entretien", "mission") can match thousands: at most 200
  -- rows per kind are ranked — the first ones in a useful order (missions and
  -- quotes most recent first, clients by name, sites by address); clients,
  -- sites and quotes recompute their document to rank it, missions read
  -- their stored one.
  if p_tsq is not null then
    return query
    select 'client'::text, c.id,
           (pg_catalog.ts_rank(private.search_document(c.name, coalesce(c.email, '') || ' ' || coalesce(c.siren, '') || ' ' || coalesce(c.billing_city, '')), p_tsq)
            + extensions.word_similarity(p_norm, private.search_normalize(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.siren, ''))))::real
    from (select c.* from public.clients c
          where c.org_id = p_org_id
            and private.search_document(c.name, coalesce(c.email, '') || ' ' || coalesce(c.siren, '') || ' ' || coalesce(c.billing_city, '')) @@ p_tsq
          order by c.name, c.id limit 200) as c
    union all
    select 'site', s.id,
           (pg_catalog.ts_rank(private.search_document(s.name, s.address || ' ' || coalesce(s.postal_code, '') || ' ' || coalesce(s.city, '')), p_tsq)
            + extensions.word_similarity(p_norm, private.search_normalize(s.address || ' ' || coalesce(s.city, '') || ' ' || s.name)))::real
    from (select s.* from public.sites s
          where s.org_id = p_org_id
            and private.search_document(s.name, s.address || ' ' || coalesce(s.postal_code, '') || ' ' || coalesce(s.city, '')) @@ p_tsq
          order by s.address, s.id limit 200) as s
    union all
    select 'quote', q.id,
           (pg_catalog.ts_rank(private.search_document(q.title, q.notes), p_tsq)
            + extensions.word_similarity(p_norm, private.search_normalize(q.title)))::real
    from (select q.* from public.quotes q
          where q.org_id = p_org_id and private.search_document(q.title, q.notes) @@ p_tsq
          order by q.created_at desc, q.id limit 200) as q;
    v_found := found;

    -- Missions (the 200 most recent that match, see private.search_mission_matches).
    return query select * from private.search_mission_matches(p_org_id, p_norm, p_tsq);
    v_found := v_found or found;
  end if;

  -- 2. Document numbers, as a substring of the number: "00042" or
  -- "FAC-2026-0004" both find FAC-2026-00042 (a number has no words to stem;
  -- similarity would match every number sharing "fac" and the year). LIKE is
  -- served by the trigram indexes on the numbers; % _ \ typed are literal.
  -- From 3 characters: a trigram index cannot serve a shorter pattern, and
  -- two characters of a number designate nothing.
  if pg_catalog.length(p_norm) >= 3 then
    return query
    select 'invoice'::text, i.id, extensions.word_similarity(p_norm, private.search_normalize(i.number))::real
    from public.invoices i
    where i.org_id = p_org_id
      and private.search_normalize(i.number) like v_substring
    union all
    select 'quote', q.id, extensions.word_similarity(p_norm, private.search_normalize(q.number))::real
    from public.quotes q
    where q.org_id = p_org_id
      and private.search_normalize(q.number) like v_substring;
    v_found := v_found or found;
  end if;

  -- 3. Typos, when nothing matched word for word ("Lumire" → Lumière). Only
  -- then, because a trigram condition is rechecked on every row whose
  -- trigrams pass the index, and a common word shares its trigrams with most
  -- rows. Clients, sites and quote titles: trigram word similarity on the
  -- rows themselves. Mission titles: an organization's 10,000 missions share
  -- the same few words, so the typed words are compared with the distinct
  -- words of its titles instead (private.search_words), and the missions are
  -- found by full text with the corrected words.
  if not v_found then
    return query
    select 'client'::text, c.id, extensions.word_similarity(p_norm, private.search_normalize(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.siren, '')))::real
    from public.clients c
    where c.org_id = p_org_id
      and private.search_normalize(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.siren, '')) operator(extensions.%>) p_norm

    union all
    select 'site', s.id, extensions.word_similarity(p_norm, private.search_normalize(s.address || ' ' || coalesce(s.city, '') || ' ' || s.name))::real
    from public.sites s
    where s.org_id = p_org_id
      and private.search_normalize(s.address || ' ' || coalesce(s.city, '') || ' ' || s.name) operator(extensions.%>) p_norm
    union all
    select 'quote', q.id, extensions.word_similarity(p_norm, private.search_normalize(q.title))::real
    from public.quotes q
    where q.org_id = p_org_id
      and private.search_normalize(q.title) operator(extensions.%>) p_norm;

    -- Each typed word that starts no word of the organization's mission
    -- titles, and is made of 3 or more letters, becomes "that word or one of
    -- its 3 most similar title words" (similarity above the threshold,
    -- served by search_words_trgm_idx); the typed word stays in, for a word
    -- found in descriptions or only through its stem. Numbers and other
    -- words stay as typed. Whether a title word starts with the typed word:
    -- the first title word at or after it (in "C" order, a prefix's words
    -- directly follow it), one primary-key probe.
    if p_tsq is not null then
      select pg_catalog.to_tsquery('private.french_unaccent'::regconfig,
               pg_catalog.string_agg(coalesce('(' || t.word || ':*' || s.similar_words || ')', t.word || ':*'), ' & ' order by t.n)),
             pg_catalog.count(s.similar_words)::integer
        into v_corrected, v_corrections
      from pg_catalog.regexp_split_to_table(p_norm, '[^[:alnum:]]+') with ordinality as t (word, n)
      cross join lateral (
        select pg_catalog.string_agg(' | ' || x.word || ':*', '' order by x.similarity desc, x.word) as similar_words
        from (select sw.word, extensions.similarity(sw.word, t.word) as similarity
              from private.search_words sw
              where t.word ~ '^[[:alpha:]]{3,}$'
                and not exists (select from (select f.word from private.search_words f
                                             where f.org_id = p_org_id and f.word >= t.word
                                             order by f.word limit 1) as f
                                where pg_catalog.starts_with(f.word, t.word))
                and sw.org_id = p_org_id
                and sw.word operator(extensions.%) t.word
              order by 2 desc, sw.word
              limit 3) as x
      ) as s
      where pg_catalog.length(t.word) >= 2;  -- as private.search_prefix_query

      if v_corrections > 0 and pg_catalog.numnode(v_corrected) > 0 then
        return query select * from private.search_mission_matches(p_org_id, p_norm, v_corrected);
      end if;
    end if;
  end if;
end;
$$;

comment on function private.search_matches(uuid, text, tsquery) is
  'For public.search: (kind, id, rank) of the rows of one organization matching a normalized query, through the search indexes, without RLS (definer, see the migration); nothing unless the caller belongs to the organization. Ids only: public.search reads the rows as the caller.';
revoke all on function private.search_matches(uuid, text, tsquery) from public;
grant execute on function private.search_matches(uuid, text, tsquery) to authenticated, service_role;

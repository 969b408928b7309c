-- Down file of supabase/migrations/20261206160100_search_mission_title_typos.sql: private.search_matches
-- as 20261206100100_search_missions_recent_first.sql wrote it, without typo matching of
-- mission titles (docs/conventions.md § Reversible migrations).
create or replace function private.search_matches(p_org_id uuid, p_norm text, p_tsq tsquery)
returns table (kind text, id uuid, rank real)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set pg_trgm.word_similarity_threshold = 0.4
rows 200
as $$
declare
  v_found boolean := false;
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

    -- Missions: the 200 most recent that match (unscheduled ones, the newest,
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

  -- 3. Typos, when nothing matched word for word: trigram similarity
  -- ("Lumire" → Lumière) on clients, sites and quote titles. Only then,
  -- because a trigram condition is rechecked on every row whose trigrams pass
  -- the index, and a common word shares its trigrams with most rows. Not on
  -- mission titles: with 10,000 missions per organization sharing the same
  -- few words, one misspelt word rechecked thousands of titles (0.6 s at
  -- 1M missions); a mission is still found through its client's name, typo
  -- or not.
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
  end if;
end;
$$;

comment on function private.search_matches(uuid, text, tsquery) is
  'For public.search: (kind, id, rank) of the rows of one organization matching a normalized query, through the search indexes, without RLS (definer, see the migration); nothing unless the caller belongs to the organization. Ids only: public.search reads the rows as the caller.';
revoke all on function private.search_matches(uuid, text, tsquery) from public;
grant execute on function private.search_matches(uuid, text, tsquery) to authenticated, service_role;

drop function if exists private.search_mission_matches(uuid, text, tsquery);

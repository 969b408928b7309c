-- public.search: the back office's global search (Ctrl+K, README.md
-- "Global search") over missions, clients, sites, invoices and quotes of one
-- organization.
--
-- Who sees what: every row the search returns is read from its table by
-- public.search, which is SECURITY INVOKER, under the caller's own row-level
-- policies — a technician finds the missions (and their clients and sites)
-- they may see, a portal user only their client's rows, a non-member
-- nothing. No rule of "who sees what" is repeated here.
--
-- Why matching is a separate, definer step (private.search_matches): under
-- row-level security Postgres evaluates a table's policies before any
-- condition that is not LEAKPROOF, and a condition that must wait cannot be an
-- index condition. The full-text (@@) and trigram (%>) operators are not
-- leakproof (only a superuser can declare a function so), so inside an
-- invoker query the GIN indexes cannot serve them: the search would recompute
-- every document of the organization, ten times slower at 10,000 missions
-- per organization (npm run bench). private.search_matches runs the indexed
-- matching without RLS, for one organization the caller belongs to, and
-- returns only (kind, id, rank): no text. public.search then reads those ids
-- from the tables as the caller (an id condition is leakproof and indexed),
-- so what the caller may not read is dropped there.
--
-- Matching: full text (French stemming, accents ignored, every word as a
-- prefix: private.search_prefix_query); invoice and quote numbers by trigram
-- similarity; and, when nothing matched word for word, trigram word
-- similarity for typos — all served by the indexes of
-- 20261205110100_search_indexes.sql. Rank: full-text rank plus trigram
-- similarity. A mission, an invoice or a quote is also found through its
-- client's name (ranked below that client). Ties: most recent first.
-- The trigram threshold 0.4 (pg_trgm's default is 0.6) lets one wrong letter
-- in a short word still match ("Lumire" → "Lumière").
--
-- plan_cache_mode = force_custom_plan: PL/pgSQL would otherwise switch to a
-- generic plan after five calls, planned without knowing how common the
-- words are; a custom plan per call costs little next to the scans.
create function private.search_matches(p_org_id uuid, p_norm text, p_tsq tsquery)
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
  -- to most rows ("entretien", "mission") can match thousands: ranking needs
  -- each row's document, recomputed from its columns, so at most 200 rows per
  -- kind are ranked — the first ones in a useful order (missions and quotes
  -- most recent first, clients by name, sites by address).
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
    select 'mission', m.id,
           (pg_catalog.ts_rank(private.search_document(m.title, m.description), p_tsq)
            + extensions.word_similarity(p_norm, private.search_normalize(m.title)))::real
    from (select m.id, m.title, m.description from public.missions m
          where m.org_id = p_org_id and private.search_document(m.title, m.description) @@ p_tsq
          order by m.scheduled_start desc nulls last, m.id limit 200) as m
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

-- Input: the query is trimmed and its inner whitespace collapsed; 2 to 100
-- characters (invalid_parameter, value_too_long); the limit is clamped to
-- 1..50 (default 20) and applies to each kind and to the whole answer.
create function public.search(p_org_id uuid, p_query text, p_limit integer default 20)
returns table (kind text, id uuid, title text, subtitle text, url_hint text, rank real)
language plpgsql
stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_query text;
  v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 50);
  v_norm text;
  v_tsq tsquery;
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'p_org_id is required: the organization to search in');
  end if;
  if p_query is null then
    perform private.raise_api_error('missing_parameter', 'p_query is required: the text to search for');
  end if;
  v_query := pg_catalog.regexp_replace(pg_catalog.btrim(p_query), '\s+', ' ', 'g');
  if pg_catalog.char_length(v_query) < 2 then
    perform private.raise_api_error('invalid_parameter', 'Type at least 2 characters to search');
  end if;
  if pg_catalog.char_length(v_query) > 100 then
    perform private.raise_api_error('value_too_long',
      pg_catalog.format('A search is at most 100 characters (got %s)', pg_catalog.char_length(v_query)));
  end if;
  v_norm := private.search_normalize(v_query);
  -- Null when only stop words or punctuation were typed: then trigrams alone decide.
  v_tsq := private.search_prefix_query(v_query);
  if v_tsq is not null and pg_catalog.numnode(v_tsq) = 0 then
    v_tsq := null;
  end if;

  return query
  with matches as materialized (
    select x.kind, x.id, x.rank from private.search_matches(p_org_id, v_norm, v_tsq) x
  ),
  -- From here on every table is read as the caller: their policies drop what they may not see.
  matched_clients as (
    select c.id, c.name, c.email, c.billing_city, x.rank
    from matches x
    join public.clients c on c.id = x.id
    where x.kind = 'client' and c.org_id = p_org_id
    order by 5 desc, c.name, c.id
    limit v_limit
  ),
  mission_hits as (
    select m.id, m.title, m.client_id, m.site_id, m.scheduled_start, x.rank
    from matches x
    join public.missions m on m.id = x.id
    where x.kind = 'mission' and m.org_id = p_org_id
    union all
    select m.id, m.title, m.client_id, m.site_id, m.scheduled_start, (mc.rank * 0.9)::real
    from matched_clients mc
    join public.missions m on m.org_id = p_org_id and m.client_id = mc.id
  ),
  missions_found as (
    select h.id, h.title, h.client_id, h.site_id, h.scheduled_start, max(h.rank) as rank
    from mission_hits h
    group by h.id, h.title, h.client_id, h.site_id, h.scheduled_start
    order by 6 desc, h.scheduled_start desc nulls last, h.id
    limit v_limit
  ),
  sites_found as (
    select s.id, s.client_id, s.name, s.address, s.postal_code, s.city, x.rank
    from matches x
    join public.sites s on s.id = x.id
    where x.kind = 'site' and s.org_id = p_org_id
    order by 7 desc, s.address, s.id
    limit v_limit
  ),
  invoice_hits as (
    select i.id, i.number, i.kind, i.status, i.client_id, i.issue_date, i.created_at, x.rank
    from matches x
    join public.invoices i on i.id = x.id
    where x.kind = 'invoice' and i.org_id = p_org_id
    union all
    select i.id, i.number, i.kind, i.status, i.client_id, i.issue_date, i.created_at, (mc.rank * 0.9)::real
    from matched_clients mc
    join public.invoices i on i.org_id = p_org_id and i.client_id = mc.id
  ),
  invoices_found as (
    select h.id, h.number, h.kind, h.status, h.client_id, h.issue_date, max(h.rank) as rank
    from invoice_hits h
    group by h.id, h.number, h.kind, h.status, h.client_id, h.issue_date, h.created_at
    order by 7 desc, h.issue_date desc nulls first, h.created_at desc, h.id
    limit v_limit
  ),
  quote_hits as (
    select q.id, q.number, q.title, q.status, q.client_id, q.created_at, x.rank
    from matches x
    join public.quotes q on q.id = x.id
    where x.kind = 'quote' and q.org_id = p_org_id
    union all
    select q.id, q.number, q.title, q.status, q.client_id, q.created_at, (mc.rank * 0.9)::real
    from matched_clients mc
    join public.quotes q on q.org_id = p_org_id and q.client_id = mc.id
  ),
  quotes_found as (
    select h.id, h.number, h.title, h.status, h.client_id, h.created_at, max(h.rank) as rank
    from quote_hits h
    group by h.id, h.number, h.title, h.status, h.client_id, h.created_at
    order by 7 desc, h.created_at desc, h.id
    limit v_limit
  ),
  found as (
    -- Labels come from rows the caller may read: a left join to a client or
    -- site the caller may not see leaves that part of the subtitle out.
    select 'mission'::text as kind, f.id, f.title,
           pg_catalog.concat_ws(' · ', c.name, s.city, pg_catalog.to_char(f.scheduled_start, 'YYYY-MM-DD')) as subtitle,
           '/office/missions/' || f.id as url_hint, f.rank
    from missions_found f
    left join public.clients c on c.org_id = p_org_id and c.id = f.client_id
    left join public.sites s on s.org_id = p_org_id and s.id = f.site_id
    union all
    select 'client', c.id, c.name, pg_catalog.concat_ws(' · ', c.email, c.billing_city), '/office/clients/' || c.id, c.rank
    from matched_clients c
    union all
    select 'site', s.id, s.address,
           pg_catalog.concat_ws(' · ', s.name, pg_catalog.concat_ws(' ', s.postal_code, s.city), c.name),
           '/office/clients/' || s.client_id, s.rank
    from sites_found s
    left join public.clients c on c.org_id = p_org_id and c.id = s.client_id
    union all
    select 'invoice', f.id, coalesce(f.number, f.kind::text || ' ' || f.status::text),
           pg_catalog.concat_ws(' · ', c.name, f.kind::text, f.status::text, pg_catalog.to_char(f.issue_date, 'YYYY-MM-DD')),
           '/office/invoices/' || f.id, f.rank
    from invoices_found f
    left join public.clients c on c.org_id = p_org_id and c.id = f.client_id
    union all
    select 'quote', f.id, f.title, pg_catalog.concat_ws(' · ', f.number, c.name, f.status::text),
           '/office/quotes/' || f.id, f.rank
    from quotes_found f
    left join public.clients c on c.org_id = p_org_id and c.id = f.client_id
  )
  select f.kind, f.id, f.title, f.subtitle, f.url_hint, f.rank
  from found f
  order by f.rank desc, f.kind, f.title, f.id
  limit v_limit;
end;
$$;

comment on function public.search(uuid, text, integer) is
  'RPC: global search of one organization (missions, clients, sites, invoices, quotes) under the caller''s row-level security: rows (kind, id, title, subtitle, url_hint, rank), best first. Query 2..100 characters, accents and case ignored, prefixes and typos matched; limit clamped to 1..50.';

revoke all on function public.search(uuid, text, integer) from public;
grant execute on function public.search(uuid, text, integer) to authenticated, service_role;

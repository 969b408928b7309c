-- public.search: the back office's global search (Ctrl+K, README.md
-- "Global search") over missions, clients, sites, invoices and quotes of one
-- organization.
--
-- SECURITY INVOKER on purpose: every table is read under the caller's own
-- row-level policies, so the search can never show a row its caller could not
-- open — a technician finds the missions (and their clients and sites) they
-- may see, a portal user only their client's rows, a non-member nothing. No
-- rule of "who sees what" is repeated here.
--
-- Matching: full text (French stemming, accents ignored, every word as a
-- prefix: private.search_prefix_query) OR trigram word similarity (partial
-- words and typos) on the same columns, both served by the indexes of
-- 20261205110100_search_indexes.sql. A mission, an invoice or a quote is also
-- found through its client's name. Rank: full-text rank plus trigram
-- similarity; a row found only through its client's name ranks below that
-- client. Ties: most recent first.
--
-- Input: the query is trimmed and its inner whitespace collapsed; 2 to 100
-- characters (invalid_parameter, value_too_long); the limit is clamped to
-- 1..50 (default 20) and applies to each kind and to the whole answer.
--
-- plan_cache_mode = force_custom_plan: PL/pgSQL would otherwise switch to a
-- generic plan after five calls, planned without knowing how common the
-- words are; a custom plan per call costs little next to the scans.
-- The trigram threshold 0.4 (pg_trgm's default is 0.6) lets one wrong letter
-- in a short word still match ("Lumire" → "Lumière").
create function public.search(p_org_id uuid, p_query text, p_limit integer default 20)
returns table (kind text, id uuid, title text, subtitle text, url_hint text, rank real)
language plpgsql
stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
set pg_trgm.word_similarity_threshold = 0.4
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
  with matched_clients as (
    select c.id, c.name, c.email, c.billing_city,
           (coalesce(pg_catalog.ts_rank(private.search_document(c.name, coalesce(c.email, '') || ' ' || coalesce(c.siren, '') || ' ' || coalesce(c.billing_city, '')), v_tsq), 0)
            + extensions.word_similarity(v_norm, private.search_normalize(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.siren, ''))))::real as rank
    from public.clients c
    where c.org_id = p_org_id
      and (private.search_document(c.name, coalesce(c.email, '') || ' ' || coalesce(c.siren, '') || ' ' || coalesce(c.billing_city, '')) @@ v_tsq
           or private.search_normalize(c.name || ' ' || coalesce(c.email, '') || ' ' || coalesce(c.siren, '')) operator(extensions.%>) v_norm)
    order by 5 desc, c.name, c.id
    limit v_limit
  ),
  mission_hits as (
    select m.id, m.title, m.client_id, m.site_id, m.scheduled_start,
           (coalesce(pg_catalog.ts_rank(private.search_document(m.title, m.description), v_tsq), 0)
            + extensions.word_similarity(v_norm, private.search_normalize(m.title)))::real as rank
    from public.missions m
    where m.org_id = p_org_id
      and (private.search_document(m.title, m.description) @@ v_tsq
           or private.search_normalize(m.title) operator(extensions.%>) v_norm)
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
    select s.id, s.client_id, s.name, s.address, s.postal_code, s.city,
           (coalesce(pg_catalog.ts_rank(private.search_document(s.name, s.address || ' ' || coalesce(s.postal_code, '') || ' ' || coalesce(s.city, '')), v_tsq), 0)
            + extensions.word_similarity(v_norm, private.search_normalize(s.address || ' ' || coalesce(s.city, '') || ' ' || s.name)))::real as rank
    from public.sites s
    where s.org_id = p_org_id
      and (private.search_document(s.name, s.address || ' ' || coalesce(s.postal_code, '') || ' ' || coalesce(s.city, '')) @@ v_tsq
           or private.search_normalize(s.address || ' ' || coalesce(s.city, '') || ' ' || s.name) operator(extensions.%>) v_norm)
    order by 7 desc, s.address, s.id
    limit v_limit
  ),
  invoice_hits as (
    select i.id, i.number, i.kind, i.status, i.client_id, i.issue_date, i.created_at,
           extensions.word_similarity(v_norm, private.search_normalize(i.number))::real as rank
    from public.invoices i
    where i.org_id = p_org_id
      and private.search_normalize(i.number) operator(extensions.%>) v_norm
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
    select q.id, q.number, q.title, q.status, q.client_id, q.created_at,
           (coalesce(pg_catalog.ts_rank(private.search_document(q.title, q.notes), v_tsq), 0)
            + extensions.word_similarity(v_norm, private.search_normalize(coalesce(q.number, '') || ' ' || q.title)))::real as rank
    from public.quotes q
    where q.org_id = p_org_id
      and (private.search_document(q.title, q.notes) @@ v_tsq
           or private.search_normalize(coalesce(q.number, '') || ' ' || q.title) operator(extensions.%>) v_norm)
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

-- Text normalization for the global search (public.search, README.md
-- "Global search"): what a search document and a search query are made of.
--
-- Extensions (all three are Supabase extensions, kept in `extensions` as
-- Supabase does):
--   unaccent   "chaudiere" finds "chaudière", "hotel" finds "Hôtel": people
--              type without accents in a search box.
--   pg_trgm    trigram similarity for partial words and typos ("Lumire",
--              "Boulangrie"), which full-text search cannot match.
--   btree_gin  lets a GIN index start with org_id (a btree-like key), so one
--              index scan intersects "this organization" with "this word"
--              instead of reading the word's entries for every tenant.
create extension if not exists unaccent with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create extension if not exists btree_gin with schema extensions;

-- French full-text search that ignores accents: the french configuration
-- (stemming, stop words) with unaccent applied to words before stemming.
-- Its own name, so nothing else's search changes.
create text search configuration private.french_unaccent (copy = pg_catalog.french);
alter text search configuration private.french_unaccent
  alter mapping for hword, hword_part, word with extensions.unaccent, pg_catalog.french_stem;
comment on text search configuration private.french_unaccent is
  'French stemming and stop words with accents removed first: the configuration of the global search (public.search).';

-- Lower case without accents: the text trigram indexes and queries compare.
-- unaccent() itself is only STABLE (its dictionary could be changed); naming
-- the dictionary explicitly and declaring the wrapper IMMUTABLE is the usual
-- way to index it, and it is safe as long as the unaccent rules file is not
-- edited (then: reindex the search indexes).
create function private.search_normalize(p_text text) returns text
  language sql immutable parallel safe
  set search_path = ''
as $$
  select pg_catalog.lower(extensions.unaccent('extensions.unaccent'::regdictionary, coalesce(p_text, '')))
$$;
comment on function private.search_normalize(text) is
  'Lower-cased, accent-free text for trigram matching in the global search (indexed: keep IMMUTABLE).';

-- A full-text document from labelled parts: the first part (a title, a name)
-- weighs A, the rest B, so a word in a title ranks above a word in a
-- description.
create function private.search_document(p_primary text, p_secondary text default null) returns tsvector
  language sql immutable parallel safe
  set search_path = ''
as $$
  select pg_catalog.setweight(pg_catalog.to_tsvector('private.french_unaccent'::regconfig, coalesce(p_primary, '')), 'A')
         operator(pg_catalog.||)
         pg_catalog.setweight(pg_catalog.to_tsvector('private.french_unaccent'::regconfig, coalesce(p_secondary, '')), 'B')
$$;
comment on function private.search_document(text, text) is
  'Weighted full-text document of the global search: primary text weight A, secondary B (indexed: keep IMMUTABLE).';

-- The full-text query of what a person typed: every word must match, each one
-- as a prefix ("chaud" finds "chaudière"). Built from the words only, so no
-- character typed can be read as tsquery syntax (& | ! : * parentheses).
-- Null when nothing searchable remains (only stop words or punctuation).
create function private.search_prefix_query(p_query text) returns tsquery
  language sql immutable parallel safe
  set search_path = ''
as $$
  select pg_catalog.to_tsquery('private.french_unaccent'::regconfig,
           pg_catalog.string_agg(w.word operator(pg_catalog.||) ':*', ' & '))
  from pg_catalog.regexp_split_to_table(private.search_normalize(p_query), '[^[:alnum:]]+') as w (word)
  where pg_catalog.length(w.word) >= 2  -- a lone letter (the l of l'eau) would match half the dictionary
$$;
comment on function private.search_prefix_query(text) is
  'tsquery of a search box input: each word as a prefix, all required; input characters are never tsquery syntax.';

revoke all on function private.search_normalize(text) from public;
revoke all on function private.search_document(text, text) from public;
revoke all on function private.search_prefix_query(text) from public;
-- public.search is security invoker: the caller evaluates these (and the
-- indexes' expressions must match the query's, so the query calls them).
grant execute on function private.search_normalize(text) to authenticated, service_role;
grant execute on function private.search_document(text, text) to authenticated, service_role;
grant execute on function private.search_prefix_query(text) to authenticated, service_role;

-- The extension functions the search calls as its caller. This project revokes
-- the implicit EXECUTE-to-PUBLIC on new functions (supabase/compat), so the
-- extensions' functions need explicit grants like everything else. Index
-- support functions are called by the index machinery and need none.
grant execute on function extensions.unaccent(regdictionary, text) to authenticated, service_role;
grant execute on function extensions.word_similarity(text, text) to authenticated, service_role;
-- the function behind the operator %> (text %> query: word similarity above the threshold)
grant execute on function extensions.word_similarity_commutator_op(text, text) to authenticated, service_role;

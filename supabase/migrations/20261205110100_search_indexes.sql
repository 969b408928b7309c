-- Indexes of the global search (public.search): for each searchable table, a
-- full-text index (whole words and word prefixes, French stemming, no accents)
-- and a trigram index (partial words and typos).
--
-- Every index starts with org_id (btree_gin): a search always names one
-- organization, and the row-level policies of the staff roles reduce to
-- "org_id = any (my organizations)". With org_id inside the GIN index, the
-- scan intersects the organization's entries with the word's and skips the
-- rest of the word's posting list, so a word common to every tenant ("mission",
-- "chaudière") costs what it costs in one organization, not in all of them.
--
-- The indexed expressions are exactly the ones public.search filters on
-- (private.search_document / private.search_normalize of the same columns):
-- the planner uses an expression index only for an identical expression.
-- Expression indexes rather than generated columns: no table rewrite, and no
-- search-only columns in the API's rows.

-- Missions: title and description (full text). No trigram index: typos in
-- mission titles are not searched (see public.search), a mission is found
-- through its client's name.
create index missions_search_document_idx on public.missions
  using gin (org_id, private.search_document(title, description));

-- Clients: name, then e-mail, SIREN and city.
create index clients_search_document_idx on public.clients
  using gin (org_id, private.search_document(name, coalesce(email, '') || ' ' || coalesce(siren, '') || ' ' || coalesce(billing_city, '')));
create index clients_search_trgm_idx on public.clients
  using gin (org_id, private.search_normalize(name || ' ' || coalesce(email, '') || ' ' || coalesce(siren, '')) extensions.gin_trgm_ops);

-- Sites: name, then address, postal code and city.
create index sites_search_document_idx on public.sites
  using gin (org_id, private.search_document(name, address || ' ' || coalesce(postal_code, '') || ' ' || coalesce(city, '')));
create index sites_search_trgm_idx on public.sites
  using gin (org_id, private.search_normalize(address || ' ' || coalesce(city, '') || ' ' || name) extensions.gin_trgm_ops);

-- Invoices and quotes are found by a part of their number (LIKE '%00042%',
-- which trigram indexes serve), quotes also by title (full text, and
-- trigrams for typos); both also by their client's name, through
-- the (org_id, client_id) indexes they have.
create index invoices_search_number_trgm_idx on public.invoices
  using gin (org_id, private.search_normalize(number) extensions.gin_trgm_ops);
create index quotes_search_number_trgm_idx on public.quotes
  using gin (org_id, private.search_normalize(number) extensions.gin_trgm_ops);
create index quotes_search_document_idx on public.quotes
  using gin (org_id, private.search_document(title, notes));
create index quotes_search_title_trgm_idx on public.quotes
  using gin (org_id, private.search_normalize(title) extensions.gin_trgm_ops);

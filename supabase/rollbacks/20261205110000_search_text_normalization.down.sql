-- Down file of supabase/migrations/20261205110000_search_text_normalization.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop function private.search_prefix_query(p_query text);
drop function private.search_document(p_primary text, p_secondary text);
drop function private.search_normalize(p_text text);
-- not tracked by the drafting tool: the text search configuration (it uses unaccent's dictionary)
drop text search configuration private.french_unaccent;
drop extension btree_gin;
drop extension pg_trgm;
drop extension unaccent;

-- Down file of supabase/migrations/20261205110100_search_indexes.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop index public.quotes_search_title_trgm_idx;
drop index public.quotes_search_document_idx;
drop index public.quotes_search_number_trgm_idx;
drop index public.invoices_search_number_trgm_idx;
drop index public.sites_search_trgm_idx;
drop index public.sites_search_document_idx;
drop index public.clients_search_trgm_idx;
drop index public.clients_search_document_idx;
drop index public.missions_search_document_idx;

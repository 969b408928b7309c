-- Down file of supabase/migrations/20261206100000_missions_search_document_column.sql: the
-- expression index as it was (docs/conventions.md § Reversible migrations).
delete from audit.excluded_columns where table_name = 'public.missions' and column_name = 'search_document';
drop index if exists public.missions_search_document_idx;
alter table public.missions drop column if exists search_document;
create index missions_search_document_idx on public.missions
  using gin (org_id, private.search_document(title, description));

-- The missions' full-text document, stored (public.search, README.md
-- "Global search").
--
-- Why a stored column rather than the expression index it replaces: a search
-- word can be in most of an organization's mission titles ("mission",
-- "entretien"). The expression index then returns thousands of rows, and for
-- each one Postgres rechecked the match (a prefix query always needs the
-- recheck) and later ranked it by recomputing private.search_document(title,
-- description): a SQL function with its own search_path, so never inlined,
-- called once per row. Stored, the document is computed once per write and
-- every read (the recheck, ts_rank) reads it; it also has its own planner
-- statistics (ANALYZE of a tsvector column keeps its common lexemes), so the
-- planner knows a common word from a rare one.
--
-- The column is GENERATED: no trigger to keep in step, and bulk loads that
-- bypass triggers (session_replication_role = replica) still fill it.
-- Adding it rewrites the table once (ACCESS EXCLUSIVE for the rewrite):
-- seconds at a million missions, to run in a quiet window.
--
-- It is part of the API's mission rows (select=*). The app names its
-- columns; the audit log ignores it (it changes only with title and
-- description, which are audited).
alter table public.missions
  add column search_document tsvector
  generated always as (private.search_document(title, description)) stored;

comment on column public.missions.search_document is
  'Full-text document of the global search (title weight A, description B; private.search_document). Generated: read-only.';

-- Same shape as before (org_id first, btree_gin): an organization's entries
-- intersected with the word's.
drop index public.missions_search_document_idx;
create index missions_search_document_idx on public.missions using gin (org_id, search_document);

insert into audit.excluded_columns (table_name, column_name, mode, why) values
  ('public.missions', 'search_document', 'ignore', 'Generated from title and description, which are audited.');

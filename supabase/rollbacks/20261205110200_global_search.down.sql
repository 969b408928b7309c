-- Down file of supabase/migrations/20261205110200_global_search.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop function public.search(p_org_id uuid, p_query text, p_limit integer);
drop function private.search_matches(p_org_id uuid, p_norm text, p_tsq tsquery);

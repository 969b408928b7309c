-- Down file of supabase/migrations/20261205160000_portal_missions.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

drop index public.missions_client_recent_idx;

delete from ops.lint_allowlist
 where rule = 'authenticated_security_definer_function_executable' and object = 'public.portal_missions(uuid,integer)';

drop function public.portal_missions(uuid, integer);

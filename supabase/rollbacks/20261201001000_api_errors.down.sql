-- Down file of supabase/migrations/20261201001000_api_errors.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop table private.api_errors;
drop function private.raise_api_error(p_code text, p_message text, p_details text, p_hint text);
drop function private.api_error_parts(p_sqlstate text, p_message text, p_detail text);

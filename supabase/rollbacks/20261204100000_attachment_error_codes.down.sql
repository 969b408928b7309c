-- Down file of supabase/migrations/20261204100000_attachment_error_codes.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from private.api_errors where code = 'unsupported_media_type';
delete from private.api_errors where code = 'attachment_not_uploaded';
delete from private.api_errors where code = 'attachment_mismatch';
delete from private.api_errors where code = 'rate_limited';

-- objects it created, dependents first
drop function private.raise_rate_limited(p_retry_after_seconds integer, p_message text);

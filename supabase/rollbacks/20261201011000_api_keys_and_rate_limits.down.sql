-- Down file of supabase/migrations/20261201011000_api_keys_and_rate_limits.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-rate-limit-buckets');

-- objects it created, dependents first
drop table private.rate_limit_rpc_buckets;
drop table private.rate_limit_presets;
drop table private.rate_limit_overrides;
drop table private.rate_limit_buckets;
drop function private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text);
drop function private.api_key_status(p_key public.api_keys);
drop function private.api_key_for_admin(p_key_id uuid);
drop table public.api_keys;
drop function public.rotate_api_key(p_key_id uuid, p_grace interval);
drop function public.revoke_api_key(p_key_id uuid);
drop function public.list_api_keys(p_org_id uuid);
drop function public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone);
drop function private.set_audit_reason(p_reason text);
drop function private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]);
drop function private.rate_limit_message(p_max_hits integer, p_window_seconds integer, p_bucket text);
drop function private.rate_limit_key(p_claims jsonb, p_headers jsonb);
drop function private.rate_limit_hit(p_key text, p_bucket text, p_dry_run boolean, OUT allowed boolean, OUT remaining integer, OUT retry_after_seconds integer, OUT max_hits integer, OUT window_seconds integer);
drop function private.rate_limit_bucket_for(p_method text, p_path text);
drop function private.purge_rate_limit_buckets(p_older_than interval);
drop function private.normalize_api_key_scopes(p_scopes text[]);
drop function private.new_api_key_secret(OUT prefix text, OUT secret text, OUT secret_hash text);
drop function private.consume_rate_limit(p_key text, p_bucket text);
drop function private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean);
drop function private.authorize_api_key_admin(p_org_id uuid);
drop function private.authenticate_api_key(p_secret text);
drop function private.api_pre_request();
drop function private.api_key_secret_format_ok(p_secret text);
drop function private.api_key_id_for_secret(p_secret text);
drop function private.api_key_allowed_scopes();

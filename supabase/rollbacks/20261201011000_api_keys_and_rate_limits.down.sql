-- DRAFT down file of 20261201011000_api_keys_and_rate_limits.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('purge-rate-limit-buckets');

-- objects it created, newest first
drop table private.rate_limit_rpc_buckets cascade;
drop table private.rate_limit_presets cascade;
drop table private.rate_limit_overrides cascade;
drop table private.rate_limit_buckets cascade;
drop function private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text) cascade;
drop function private.api_key_status(p_key public.api_keys) cascade;
drop function private.api_key_for_admin(p_key_id uuid) cascade;
drop table public.api_keys cascade;
drop function public.rotate_api_key(p_key_id uuid, p_grace interval) cascade;
drop function public.revoke_api_key(p_key_id uuid) cascade;
drop function public.list_api_keys(p_org_id uuid) cascade;
drop function public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone) cascade;
drop function private.set_audit_reason(p_reason text) cascade;
drop function private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]) cascade;
drop function private.rate_limit_message(p_max_hits integer, p_window_seconds integer, p_bucket text) cascade;
drop function private.rate_limit_key(p_claims jsonb, p_headers jsonb) cascade;
drop function private.rate_limit_hit(p_key text, p_bucket text, p_dry_run boolean, OUT allowed boolean, OUT remaining integer, OUT retry_after_seconds integer, OUT max_hits integer, OUT window_seconds integer) cascade;
drop function private.rate_limit_bucket_for(p_method text, p_path text) cascade;
drop function private.purge_rate_limit_buckets(p_older_than interval) cascade;
drop function private.normalize_api_key_scopes(p_scopes text[]) cascade;
drop function private.new_api_key_secret(OUT prefix text, OUT secret text, OUT secret_hash text) cascade;
drop function private.consume_rate_limit(p_key text, p_bucket text) cascade;
drop function private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean) cascade;
drop function private.authorize_api_key_admin(p_org_id uuid) cascade;
drop function private.authenticate_api_key(p_secret text) cascade;
drop function private.api_pre_request() cascade;
drop function private.api_key_secret_format_ok(p_secret text) cascade;
drop function private.api_key_id_for_secret(p_secret text) cascade;
drop function private.api_key_allowed_scopes() cascade;

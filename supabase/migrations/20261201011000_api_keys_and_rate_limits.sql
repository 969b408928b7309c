-- =============================================================================
-- Baseline: API keys and rate limiting (docs/rate-limiting.md).
--
-- API keys are stored hashed and scoped; the rate limiter counts requests in
-- the database (presets, per-organization overrides, buckets), called by the
-- API gateway (role terrain_gateway) and by PostgREST's db-pre-request hook,
-- so every path into the API is counted the same way.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- The scopes a key may carry. Adding one = `create or replace` this function in
-- a new migration (and document it in docs/rate-limiting.md § API keys).
--   events:write   post external events (equipment faults, partner events)
--   missions:read  read the organization's missions
--   invoices:read  read the organization's invoices
CREATE FUNCTION private.api_key_allowed_scopes() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select array['events:write', 'missions:read', 'invoices:read']::text[]
$$;

COMMENT ON FUNCTION private.api_key_allowed_scopes() IS 'The scopes an API key may carry (events:write, missions:read, invoices:read).';

REVOKE ALL ON FUNCTION private.api_key_allowed_scopes() FROM PUBLIC;

-- The id of the key a secret belongs to when it authenticates now (not
-- revoked, not expired, not past its rotation grace), else null. No side
-- effect (usable in read-only transactions). Constant work: one hash and one
-- lookup by the unique prefix whatever the input, so neither the timing nor
-- the answer tells a wrong secret from an unknown prefix.
CREATE FUNCTION private.api_key_id_for_secret(p_secret text) RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_ok     boolean := private.api_key_secret_format_ok(p_secret);
  v_hash   text := encode(extensions.digest(coalesce(p_secret, ''), 'sha256'), 'hex');
  v_prefix text := case when v_ok then left(p_secret, 12) else 'trn_########' end;
  v_key    public.api_keys%rowtype;
begin
  select k.* into v_key from public.api_keys k where k.prefix = v_prefix;
  if v_key.id is null or not v_ok or v_key.secret_hash <> v_hash
     or v_key.revoked_at is not null
     or v_key.expires_at <= now()
     or (v_key.grace_until is not null and v_key.grace_until <= now()) then
    return null;
  end if;
  return v_key.id;
end;
$$;

-- The shape of a secret: trn_ + 8 base32 + _ + 43 base64url.
CREATE FUNCTION private.api_key_secret_format_ok(p_secret text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $_$
  select coalesce(p_secret ~ '^trn_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$', false)
$_$;

-- -----------------------------------------------------------------------------
-- The db-pre-request hook: PostgREST calls it before every request, in the
-- request's transaction, as the request's role. Writes are counted here; a
-- refused write is answered 429 with Retry-After and a JSON error.
--
--   * GET/HEAD return at once: their transaction is read-only; the gateway
--     counted them before proxying.
--   * A POST to a STABLE or IMMUTABLE function also runs READ ONLY (PostgREST
--     decides from the function's volatility; supabase-js rpc() always POSTs).
--     Nothing can be written there either: the hook checks without counting
--     (refusing past the limit) and marks the response with the header
--     `X-Terrain-Rate-Limit: deferred`; the gateway strips it and counts the
--     request. (Two such requests racing at the limit can both pass: the check
--     and the count are not one statement. Volatile writes have no such gap.)
--   * A write that fails later rolls its count back with it: the gateway then
--     counts it after the response (scripts/stack/gateway.ts), so every write
--     counts once, whatever its outcome.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.api_pre_request() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_method    text := upper(coalesce(current_setting('request.method', true), ''));
  v_read_only boolean := current_setting('transaction_read_only') = 'on';
  v_check     record;
begin
  if v_method in ('', 'GET', 'HEAD', 'OPTIONS') then
    return;
  end if;
  select c.* into v_check
  from private.check_api_request(
    coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb,
    coalesce(nullif(current_setting('request.headers', true), ''), '{}')::jsonb,
    v_method,
    current_setting('request.path', true),
    v_read_only
  ) c;
  if not v_check.allowed then
    raise sqlstate 'PGRST' using
      message = json_build_object(
        'code', 'rate_limited',
        'message', private.rate_limit_message(v_check.max_hits, v_check.window_seconds, v_check.bucket))::text,
      detail = json_build_object(
        'status', 429,
        'headers', json_build_object('Retry-After', v_check.retry_after_seconds::text))::text;
  end if;
  if v_read_only and v_check.key is not null then
    perform set_config('response.headers',
      (coalesce(nullif(current_setting('response.headers', true), ''), '[]')::jsonb
        || '[{"X-Terrain-Rate-Limit": "deferred"}]'::jsonb)::text,
      true);
  end if;
end;
$$;

COMMENT ON FUNCTION private.api_pre_request() IS 'PostgREST db-pre-request hook: counts writes (WRITE, or the RPC''s bucket) per user / API key / IP and answers 429 with Retry-After past the limit. Reads are counted by the API gateway; read-only RPC POSTs are checked here and counted by the gateway (X-Terrain-Rate-Limit: deferred).';

REVOKE ALL ON FUNCTION private.api_pre_request() FROM PUBLIC;
GRANT ALL ON FUNCTION private.api_pre_request() TO anon;
GRANT ALL ON FUNCTION private.api_pre_request() TO authenticated;
GRANT ALL ON FUNCTION private.api_pre_request() TO service_role;

-- Authenticates a secret: the key id, its organization and scopes, or no row
-- (unknown, wrong secret, revoked, expired, past its rotation grace: the
-- caller cannot tell which). Records last_used_at at most once a minute per
-- key, without waiting on a concurrent request that is recording it, and
-- sets terrain.api_key_id for the rest of the transaction (the audit trail's
-- actor_api_key_id).
CREATE FUNCTION private.authenticate_api_key(p_secret text) RETURNS TABLE(key_id uuid, org_id uuid, scopes text[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_id uuid := private.api_key_id_for_secret(p_secret);
begin
  if v_id is null then
    return;
  end if;
  -- Writes later in this transaction are audited as made with this key.
  perform pg_catalog.set_config('terrain.api_key_id', v_id::text, true);
  update public.api_keys k set last_used_at = now()
  where k.id = (
    select k2.id from public.api_keys k2
    where k2.id = v_id and (k2.last_used_at is null or k2.last_used_at < now() - interval '1 minute')
    for update skip locked
  );
  return query select k.id, k.org_id, k.scopes from public.api_keys k where k.id = v_id;
end;
$$;

-- Raises unless the caller may manage the organization's keys: an owner or
-- admin of it, or the system actor (service_role, maintenance).
CREATE FUNCTION private.authorize_api_key_admin(p_org_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if private.is_system_actor() then
    return;
  end if;
  if p_org_id is null or not private.has_role_in(p_org_id, '{owner,admin}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can manage its API keys');
  end if;
end;
$$;

-- One PostgREST request, as the hook and the gateway both see it: derives the
-- key and the bucket, counts (unless p_dry_run), and returns the verdict with
-- what a 429 needs.
CREATE FUNCTION private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean DEFAULT false) RETURNS TABLE(allowed boolean, remaining integer, retry_after_seconds integer, max_hits integer, window_seconds integer, bucket text, key text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key    text := private.rate_limit_key(coalesce(p_claims, '{}'), coalesce(p_headers, '{}'));
  v_bucket text := private.rate_limit_bucket_for(p_method, coalesce(p_path, '/'));
  v_hit    record;
begin
  if v_key is null then
    return query select true, null::integer, 0, null::integer, null::integer, v_bucket, null::text;
    return;
  end if;
  v_hit := private.rate_limit_hit(v_key, v_bucket, coalesce(p_dry_run, false));
  return query select v_hit.allowed, v_hit.remaining, v_hit.retry_after_seconds, v_hit.max_hits, v_hit.window_seconds,
                      v_bucket, v_key;
end;
$$;

-- The shared entry point (gateway, hook, edge functions): counts one request
-- of `p_key` in `p_bucket` and says whether it may proceed, how many remain in
-- this window, and (when refused) in how many seconds the window ends.
CREATE FUNCTION private.consume_rate_limit(p_key text, p_bucket text) RETURNS TABLE(allowed boolean, remaining integer, retry_after_seconds integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select h.allowed, h.remaining, h.retry_after_seconds from private.rate_limit_hit(p_key, p_bucket, false) h
$$;

-- A new secret: prefix 'trn_' + 8 base32 characters (40 random bits), then
-- '_' + 43 base64url characters (32 random bytes). Returns the prefix, the
-- secret and its hash; only the latter two leave this function's caller.
CREATE FUNCTION private.new_api_key_secret(OUT prefix text, OUT secret text, OUT secret_hash text) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_alphabet constant text := 'abcdefghijklmnopqrstuvwxyz234567';
  v_bytes bytea := extensions.gen_random_bytes(5);
  v_bits  bigint := 0;
begin
  for v_i in 0 .. 4 loop
    v_bits := (v_bits << 8) | get_byte(v_bytes, v_i);
  end loop;
  prefix := 'trn_';
  for v_i in reverse 7 .. 0 loop
    prefix := prefix || substr(v_alphabet, ((v_bits >> (5 * v_i)) & 31)::integer + 1, 1);
  end loop;
  -- base64 of 32 bytes is 44 characters with one '=': base64url without padding is 43.
  secret := prefix || '_' || translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  secret_hash := encode(extensions.digest(secret, 'sha256'), 'hex');
end;
$$;

-- Scopes: known, at least one, deduplicated and sorted.
CREATE FUNCTION private.normalize_api_key_scopes(p_scopes text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
declare
  v_bad text;
begin
  if p_scopes is null or cardinality(p_scopes) = 0 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('An API key needs at least one scope (allowed: %s)', array_to_string(private.api_key_allowed_scopes(), ', ')));
  end if;
  select s into v_bad from unnest(p_scopes) as s
  where s is null or not (s = any (private.api_key_allowed_scopes())) limit 1;
  if found then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown API key scope: %s (allowed: %s)', coalesce(v_bad, 'null'), array_to_string(private.api_key_allowed_scopes(), ', ')));
  end if;
  return array(select distinct s from unnest(p_scopes) as s order by s);
end;
$$;

-- -----------------------------------------------------------------------------
-- Clean-up: windows older than 10 minutes, every 5 minutes (pg_cron). The
-- table holds (active keys x buckets x ~15 windows) rows at most: a seq scan.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.purge_rate_limit_buckets(p_older_than interval DEFAULT '00:10:00'::interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_deleted bigint;
begin
  delete from private.rate_limit_buckets b where b.window_start < now() - p_older_than;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;

-- Which bucket a PostgREST request counts in: GET/HEAD → READ; POST to an RPC
-- listed in rate_limit_rpc_buckets → that bucket; any other write → WRITE
-- (an RPC call is a write: it may change data, and runs in a write transaction).
CREATE FUNCTION private.rate_limit_bucket_for(p_method text, p_path text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select case
    when upper(p_method) in ('GET', 'HEAD') then 'READ'
    else coalesce(
      (select r.bucket from private.rate_limit_rpc_buckets r
       where upper(p_method) = 'POST' and p_path like '/rpc/%' and r.function_name = substr(p_path, 6)),
      'WRITE')
  end
$$;

-- One hit: the upsert, and the verdict with the limit that applied. With
-- p_dry_run nothing is written: the verdict the next hit would get (for
-- read-only transactions, see api_pre_request).
CREATE FUNCTION private.rate_limit_hit(p_key text, p_bucket text, p_dry_run boolean, OUT allowed boolean, OUT remaining integer, OUT retry_after_seconds integer, OUT max_hits integer, OUT window_seconds integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_start timestamptz;
  v_hits  integer;
begin
  if p_key is null or length(p_key) not between 1 and 200 then
    perform private.raise_api_error('invalid_parameter', 'A rate-limit key is 1 to 200 characters');
  end if;
  select coalesce(
           (select o.max_hits from private.rate_limit_overrides o
            where o.key = p_key and o.bucket in (p_bucket, '*')
            order by o.bucket = '*' limit 1),
           p.max_hits),
         p.window_seconds
    into max_hits, window_seconds
  from private.rate_limit_presets p
  where p.bucket = p_bucket;
  if not found then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown rate-limit bucket: %s', p_bucket));
  end if;

  v_start := date_bin(make_interval(secs => window_seconds), now(), timestamptz '2000-01-01 00:00:00+00');
  if p_dry_run then
    select coalesce(max(b.hits), 0) + 1 into v_hits
    from private.rate_limit_buckets b
    where b.key = p_key and b.bucket = p_bucket and b.window_start = v_start;
  else
    insert into private.rate_limit_buckets as b (key, bucket, window_start, hits)
    values (p_key, p_bucket, v_start, 1)
    on conflict (key, bucket, window_start) do update set hits = b.hits + 1
    returning b.hits into v_hits;
  end if;

  allowed := v_hits <= max_hits;
  remaining := greatest(max_hits - v_hits, 0);
  retry_after_seconds := case
    when allowed then 0
    else greatest(ceil(extract(epoch from v_start + make_interval(secs => window_seconds) - now()))::integer, 1)
  end;
end;
$$;

-- Who a request is counted against: null for the service role (not limited),
-- else 'user:<sub>', 'key:<api key id>' (a valid Terrain key in x-api-key or
-- apikey) or 'ip:<first X-Forwarded-For address>' ('ip:unknown' without one).
CREATE FUNCTION private.rate_limit_key(p_claims jsonb, p_headers jsonb) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_sub    text := p_claims ->> 'sub';
  v_secret text := coalesce(p_headers ->> 'x-api-key', p_headers ->> 'apikey');
  v_key_id uuid;
  v_ip     text;
begin
  if p_claims ->> 'role' = 'service_role' then
    return null;
  end if;
  if v_sub is not null and v_sub <> '' then
    return 'user:' || left(v_sub, 100);
  end if;
  if v_secret like 'trn\_%' then
    v_key_id := private.api_key_id_for_secret(v_secret);
    if v_key_id is not null then
      return 'key:' || v_key_id::text;
    end if;
  end if;
  v_ip := btrim(split_part(coalesce(p_headers ->> 'x-forwarded-for', ''), ',', 1));
  if v_ip !~ '^[0-9A-Fa-f:.]{2,45}$' then
    v_ip := 'unknown';
  end if;
  return 'ip:' || v_ip;
end;
$_$;

-- The error text of a refused request: 'Rate limit exceeded: 20 requests per minute (WRITE)'.
CREATE FUNCTION private.rate_limit_message(p_max_hits integer, p_window_seconds integer, p_bucket text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select format('Rate limit exceeded: %s requests per %s (%s)', p_max_hits,
                case p_window_seconds when 60 then 'minute' when 1 then 'second' else p_window_seconds || ' seconds' end,
                p_bucket)
$$;

-- Batched counting of reads by the API gateway (docs/rate-limiting.md,
-- "Reads: counted in batches"). GET/HEAD run in read-only transactions where
-- the db-pre-request hook cannot write a counter, and one round trip per read
-- cost more than the read itself: the gateway keeps the count of the current
-- window in memory and adds it to the shared counters here, in one statement
-- for many keys at once (the same counter rows as private.rate_limit_hit, the
-- same limits: override, else preset).
--
-- The caller names the window its hits belong to: hits counted at 12:00:59.9
-- and sent at 12:01:00.1 belong to the 12:00 window. Only the current window
-- and the one before it are accepted (a late batch of an older window would
-- change nothing the limiter still reads; an arbitrary window would let a
-- caller fill counters in advance). The next window is accepted in the last
-- 5 seconds before it starts: the gateway's clock and the database's may
-- differ by that much at a window boundary. Every row is checked before any
-- is counted; duplicate rows are summed first (ON CONFLICT cannot update one
-- row twice in a statement), sorted so that two batches lock rows in the
-- same order.
CREATE FUNCTION private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]) RETURNS TABLE(key text, bucket text, window_start timestamp with time zone, hits integer, max_hits integer, window_seconds integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v_n   integer := coalesce(pg_catalog.cardinality(p_keys), 0);
  v_bad record;
begin
  if v_n = 0
     or v_n > 1000
     or v_n is distinct from pg_catalog.cardinality(p_buckets)
     or v_n is distinct from pg_catalog.cardinality(p_window_starts)
     or v_n is distinct from pg_catalog.cardinality(p_hits) then
    perform private.raise_api_error('invalid_parameter',
      'A batch of rate-limit hits is 1 to 1000 rows, and every array has one entry per row');
  end if;

  -- Every row is checked before any is counted: a bad row refuses the batch.
  select i.k, i.b, i.w, i.h, p.window_seconds as ws
    into v_bad
  from unnest(p_keys, p_buckets, p_window_starts, p_hits) as i (k, b, w, h)
  left join private.rate_limit_presets p on p.bucket = i.b
  where i.k is null or length(i.k) not between 1 and 200
     or p.bucket is null
     or i.h is null or i.h not between 1 and 1000000
     or i.w is null
     or i.w <> date_bin(make_interval(secs => p.window_seconds), i.w, timestamptz '2000-01-01 00:00:00+00')
     or i.w not between date_bin(make_interval(secs => p.window_seconds), now(), timestamptz '2000-01-01 00:00:00+00')
                        - make_interval(secs => p.window_seconds)
                    and now() + interval '5 seconds'
  limit 1;
  if found then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format(
      'Invalid rate-limit hits (key %s, bucket %s, window %s, hits %s): a key is 1 to 200 characters, '
      'the bucket a preset, the window the current or previous one of that bucket, hits 1 to 1000000',
      coalesce(left(v_bad.k, 40), 'null'), coalesce(v_bad.b, 'null'), coalesce(v_bad.w::text, 'null'),
      coalesce(v_bad.h::text, 'null')));
  end if;

  -- One upsert for the whole batch; duplicate rows are summed first (ON
  -- CONFLICT cannot update one row twice in a statement). Sorted so that two
  -- batches touching the same rows lock them in the same order.
  return query
  with batch as (
    select i.k, i.b, i.w, sum(i.h)::integer as h
    from unnest(p_keys, p_buckets, p_window_starts, p_hits) as i (k, b, w, h)
    group by i.k, i.b, i.w
    order by i.k, i.b, i.w
  ),
  counted as (
    insert into private.rate_limit_buckets as rb (key, bucket, window_start, hits)
    select batch.k, batch.b, batch.w, batch.h from batch
    on conflict on constraint rate_limit_buckets_pkey do update set hits = rb.hits + excluded.hits
    returning rb.key, rb.bucket, rb.window_start, rb.hits
  )
  select c.key, c.bucket, c.window_start, c.hits,
         coalesce(
           (select o.max_hits from private.rate_limit_overrides o
            where o.key = c.key and o.bucket in (c.bucket, '*')
            order by o.bucket = '*' limit 1),
           p.max_hits),
         p.window_seconds
  from counted c
  join private.rate_limit_presets p on p.bucket = c.bucket;
end;
$$;

COMMENT ON FUNCTION private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]) IS 'Adds batches of hits counted by the API gateway to the rate-limit counters (current or previous window); returns each row''s total and limit.';

REVOKE ALL ON FUNCTION private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_rate_limit_hits(p_keys text[], p_buckets text[], p_window_starts timestamp with time zone[], p_hits integer[]) TO terrain_gateway;

-- The reason recorded by the audit trigger for the writes that follow
-- (terrain.audit_reason, local to the transaction); null clears it so later
-- writes of the same transaction do not inherit it.
CREATE FUNCTION private.set_audit_reason(p_reason text) RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
  select pg_catalog.set_config('terrain.audit_reason', coalesce(p_reason, ''), true)
$$;

-- Creates a key. Returns its id, prefix and the secret — the only time the
-- secret exists outside the caller. Expiry: default 1 year, at most 2 years.
CREATE FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_scopes  text[];
  v_expires timestamptz := coalesce(p_expires_at, now() + interval '1 year');
  v_new     record;
  v_key     public.api_keys%rowtype;
begin
  perform private.authorize_api_key_admin(p_org_id);
  if p_name is null or length(btrim(p_name)) not between 1 and 100 then
    perform private.raise_api_error('invalid_parameter', 'An API key name is 1 to 100 characters');
  end if;
  v_scopes := private.normalize_api_key_scopes(p_scopes);
  if v_expires <= now() or v_expires > now() + interval '2 years' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('An API key must expire in the future and within 2 years (got %s)', v_expires));
  end if;

  -- 40 random bits of prefix: a collision is unlikely but possible; draw again.
  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at)
      values (p_org_id, btrim(p_name), v_new.prefix, v_new.secret_hash, v_scopes, auth.uid(), v_expires)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;

  perform private.notify_api_key_event(v_key, 'created',
    format('Scopes: %s. Expires %s.', array_to_string(v_key.scopes, ', '), to_char(v_key.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret);
end;
$$;

-- The organization's keys, newest first: metadata and status, never the hash.
CREATE FUNCTION public.list_api_keys(p_org_id uuid) RETURNS TABLE(id uuid, name text, prefix text, scopes text[], status text, created_at timestamp with time zone, created_by uuid, last_used_at timestamp with time zone, expires_at timestamp with time zone, revoked_at timestamp with time zone, grace_until timestamp with time zone, rotated_from uuid)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.authorize_api_key_admin(p_org_id);
  return query
    select k.id, k.name, k.prefix, k.scopes, private.api_key_status(k), k.created_at, k.created_by,
           k.last_used_at, k.expires_at, k.revoked_at, k.grace_until, k.rotated_from
    from public.api_keys k
    where k.org_id = p_org_id
    order by k.created_at desc, k.id;
end;
$$;

-- Revokes a key now. Revoking a revoked key changes nothing and returns it.
CREATE FUNCTION public.revoke_api_key(p_key_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key public.api_keys%rowtype := private.api_key_for_admin(p_key_id);
begin
  if v_key.revoked_at is null then
    update public.api_keys k set revoked_at = now(), revoked_by = auth.uid()
    where k.id = v_key.id
    returning * into v_key;
    perform private.notify_api_key_event(v_key, 'revoked', 'It no longer authenticates.');
  end if;
  return jsonb_build_object('id', v_key.id, 'prefix', v_key.prefix, 'status', private.api_key_status(v_key),
                            'revoked_at', v_key.revoked_at);
end;
$$;

-- Rotation: a new key with the same name, scopes and lifetime; the old key
-- keeps authenticating for p_grace (default 24 hours, at most 7 days, 0 to end
-- it now) so the new secret can be rolled out without downtime.
CREATE FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval DEFAULT '24:00:00'::interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old     public.api_keys%rowtype := private.api_key_for_admin(p_key_id);
  v_grace   interval := coalesce(p_grace, interval '24 hours');
  v_status  text := private.api_key_status(v_old);
  v_new     record;
  v_key     public.api_keys%rowtype;
  v_expires timestamptz;
begin
  if v_grace < interval '0' or v_grace > interval '7 days' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A rotation grace period is between 0 and 7 days (got %s)', v_grace));
  end if;
  if v_status <> 'active' then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('API key %s is %s and cannot be rotated', v_old.prefix, v_status));
  end if;
  -- The new key lives as long as the old one was meant to (at most 2 years).
  v_expires := now() + least(v_old.expires_at - v_old.created_at, interval '2 years');

  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      perform private.set_audit_reason(format('api_key_rotated: %s replaced by %s, old key valid until %s',
        v_old.prefix, v_new.prefix, least(now() + v_grace, v_old.expires_at)));
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at, rotated_from)
      values (v_old.org_id, v_old.name, v_new.prefix, v_new.secret_hash, v_old.scopes, auth.uid(), v_expires, v_old.id)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;
  update public.api_keys k set grace_until = least(now() + v_grace, k.expires_at)
  where k.id = v_old.id
  returning * into v_old;
  perform private.set_audit_reason(null);

  perform private.notify_api_key_event(v_old, 'rotated',
    format('New key %s; the old key works until %s.', v_key.prefix,
           to_char(v_old.grace_until at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret,
    'rotated_from', jsonb_build_object('id', v_old.id, 'prefix', v_old.prefix, 'grace_until', v_old.grace_until));
end;
$$;

CREATE TABLE public.api_keys (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    name text NOT NULL,
    -- 'trn_' + 8 base32 characters: public, shown in lists and logs.
    prefix text NOT NULL,
    -- sha256 (hex) of the full secret. Never the secret.
    secret_hash text NOT NULL,
    scopes text[] NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    -- Written by authenticate_api_key at most once a minute per key.
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    revoked_by uuid,
    -- On the new key of a rotation: the key it replaces.
    rotated_from uuid,
    -- On the old key of a rotation: it keeps working until then.
    grace_until timestamp with time zone,
    CONSTRAINT api_keys_expiry_window CHECK (((expires_at > created_at) AND (expires_at <= (created_at + '2 years'::interval)))),
    CONSTRAINT api_keys_name_length CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 100))),
    CONSTRAINT api_keys_prefix_format CHECK ((prefix ~ '^trn_[a-z2-7]{8}$'::text)),
    CONSTRAINT api_keys_revoked_pair CHECK (((revoked_by IS NULL) OR (revoked_at IS NOT NULL))),
    CONSTRAINT api_keys_scopes_allowed CHECK (((cardinality(scopes) >= 1) AND (scopes <@ private.api_key_allowed_scopes()) AND (array_position(scopes, NULL::text) IS NULL))),
    CONSTRAINT api_keys_scopes_size CHECK ((cardinality(scopes) <= 32)),
    CONSTRAINT api_keys_secret_hash_format CHECK ((secret_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_prefix_key UNIQUE (prefix);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_created_by_fkey FOREIGN KEY (created_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_revoked_by_fkey FOREIGN KEY (revoked_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_rotated_from_fkey FOREIGN KEY (org_id, rotated_from) REFERENCES public.api_keys(org_id, id) ON DELETE SET NULL (rotated_from);

-- Foreign keys to auth.users (user deletion) and the rotation chain.
CREATE INDEX api_keys_created_by_idx ON public.api_keys USING btree (created_by) WHERE (created_by IS NOT NULL);

-- list_api_keys and the RLS filter: an organization's keys, newest first.
CREATE INDEX api_keys_org_id_created_at_idx ON public.api_keys USING btree (org_id, created_at DESC);

CREATE INDEX api_keys_revoked_by_idx ON public.api_keys USING btree (revoked_by) WHERE (revoked_by IS NOT NULL);

CREATE INDEX api_keys_rotated_from_idx ON public.api_keys USING btree (org_id, rotated_from) WHERE (rotated_from IS NOT NULL);

ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;

-- private.my_org_ids_as (engineer D1's RLS helpers) returns a small uuid[]:
-- `org_id = any (…)` is an index condition on api_keys_org_id_created_at_idx.
CREATE POLICY api_keys_select_admins ON public.api_keys FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- create_api_key, rotate_api_key, revoke_api_key all write here; so would any
-- future key function. Usage bookkeeping (last_used_at) is written by the key
-- authentication path, which carries no user session and is not affected.
CREATE TRIGGER api_keys_require_live_session BEFORE INSERT OR DELETE OR UPDATE ON public.api_keys FOR EACH STATEMENT EXECUTE FUNCTION private.require_live_session();

select audit.enable_for('public.api_keys');

COMMENT ON TABLE public.api_keys IS 'API keys of external systems: prefix (public) + sha256 of the secret (the secret is shown once, never stored), scopes, expiry (max 2 years), revocation, rotation with a grace period. Written only by create/rotate/revoke_api_key.';

COMMENT ON COLUMN public.api_keys.secret_hash IS 'sha256 (hex) of the full secret. Not readable through the API (column grant).';

COMMENT ON COLUMN public.api_keys.grace_until IS 'Set on the old key when it is rotated: it keeps authenticating until then.';

GRANT SELECT(id) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(id) ON TABLE public.api_keys TO service_role;

GRANT SELECT(org_id) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(org_id) ON TABLE public.api_keys TO service_role;

GRANT SELECT(name) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(name) ON TABLE public.api_keys TO service_role;

GRANT SELECT(prefix) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(prefix) ON TABLE public.api_keys TO service_role;

GRANT SELECT(scopes) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(scopes) ON TABLE public.api_keys TO service_role;

GRANT SELECT(created_by) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(created_by) ON TABLE public.api_keys TO service_role;

GRANT SELECT(created_at) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(created_at) ON TABLE public.api_keys TO service_role;

GRANT SELECT(expires_at) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(expires_at) ON TABLE public.api_keys TO service_role;

GRANT SELECT(last_used_at) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(last_used_at) ON TABLE public.api_keys TO service_role;

GRANT SELECT(revoked_at) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(revoked_at) ON TABLE public.api_keys TO service_role;

GRANT SELECT(revoked_by) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(revoked_by) ON TABLE public.api_keys TO service_role;

GRANT SELECT(rotated_from) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(rotated_from) ON TABLE public.api_keys TO service_role;

GRANT SELECT(grace_until) ON TABLE public.api_keys TO authenticated;
GRANT SELECT(grace_until) ON TABLE public.api_keys TO service_role;

-- The key, locked, when the caller may manage it. Another organization's key
-- and a key that does not exist get the same answer: ids cannot be probed.
CREATE FUNCTION private.api_key_for_admin(p_key_id uuid) RETURNS public.api_keys
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key public.api_keys%rowtype;
begin
  select k.* into v_key from public.api_keys k where k.id = p_key_id for update;
  if v_key.id is null or not (private.is_system_actor() or private.has_role_in(v_key.org_id, '{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('API key %s not found in an organization you administer', p_key_id));
  end if;
  return v_key;
end;
$$;

-- What a key is now: active, rotating (old key inside its grace period),
-- rotated (grace over), expired, revoked.
CREATE FUNCTION private.api_key_status(p_key public.api_keys) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case
    when p_key.revoked_at is not null then 'revoked'
    when p_key.expires_at <= now() then 'expired'
    when p_key.grace_until is not null and p_key.grace_until <= now() then 'rotated'
    when p_key.grace_until is not null then 'rotating'
    else 'active'
  end
$$;

-- The security alert to the organization's owners and admins.
CREATE FUNCTION private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_actor text;
begin
  select coalesce(u.email::text, u.id::text) into v_actor from auth.users u where u.id = auth.uid();
  perform private.notify_roles(
    p_key.org_id,
    '{owner,admin}',
    'security.api_key_' || p_event,
    format('API key %s %s', p_key.prefix, p_event),
    format('API key "%s" (%s) %s by %s. %s', p_key.name, p_key.prefix, p_event, coalesce(v_actor, 'the system'), coalesce(p_detail, '')),
    'public.api_keys',
    p_key.id,
    format('api_key_%s:%s', p_event, p_key.id)
  );
end;
$$;

-- The counters. fillfactor leaves room on each page so the per-request
-- `hits + 1` is a HOT update (no index write; hits is not indexed).
CREATE UNLOGGED TABLE private.rate_limit_buckets (
    key text NOT NULL,
    bucket text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    hits integer DEFAULT 1 NOT NULL
)
WITH (fillfactor='70');

ALTER TABLE ONLY private.rate_limit_buckets
    ADD CONSTRAINT rate_limit_buckets_pkey PRIMARY KEY (key, bucket, window_start);

ALTER TABLE private.rate_limit_buckets ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.rate_limit_buckets IS 'Rate-limit counters: hits per (key, bucket, fixed window). Unlogged (lost on crash: every window restarts). Purged by pg_cron.';

-- Per-key exceptions: a partner API key with a larger quota, a monitoring IP,
-- the demo users of the local test profile (scripts/stack/stack.ts). bucket
-- '*' applies to every bucket; an exact bucket wins over '*'.
CREATE TABLE private.rate_limit_overrides (
    key text NOT NULL,
    bucket text NOT NULL,
    max_hits integer NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rate_limit_overrides_bucket_format CHECK (((bucket = '*'::text) OR (bucket ~ '^[A-Z][A-Z0-9_]{0,30}$'::text))),
    CONSTRAINT rate_limit_overrides_max_hits_positive CHECK ((max_hits > 0)),
    CONSTRAINT rate_limit_overrides_reason CHECK (((length(btrim(reason)) >= 1) AND (length(btrim(reason)) <= 500)))
);

ALTER TABLE ONLY private.rate_limit_overrides
    ADD CONSTRAINT rate_limit_overrides_pkey PRIMARY KEY (key, bucket);

ALTER TABLE private.rate_limit_overrides ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.rate_limit_overrides IS 'Per-key limits replacing a preset''s max_hits (bucket ''*'' = every bucket; an exact bucket wins).';

CREATE TABLE private.rate_limit_presets (
    bucket text NOT NULL,
    max_hits integer NOT NULL,
    window_seconds integer DEFAULT 60 NOT NULL,
    description text NOT NULL,
    CONSTRAINT rate_limit_presets_bucket_format CHECK ((bucket ~ '^[A-Z][A-Z0-9_]{0,30}$'::text)),
    CONSTRAINT rate_limit_presets_max_hits_positive CHECK ((max_hits > 0)),
    CONSTRAINT rate_limit_presets_window CHECK (((window_seconds >= 1) AND (window_seconds <= 3600)))
);

ALTER TABLE ONLY private.rate_limit_presets
    ADD CONSTRAINT rate_limit_presets_pkey PRIMARY KEY (bucket);

ALTER TABLE private.rate_limit_presets ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.rate_limit_presets IS 'Rate-limit buckets: at most max_hits requests per window_seconds per key.';

INSERT INTO private.rate_limit_presets (bucket, max_hits, window_seconds, description) VALUES
    ('READ', 60, 60, 'PostgREST GET/HEAD (counted by the API gateway)'),
    ('WRITE', 20, 60, 'PostgREST POST/PATCH/PUT/DELETE, RPC calls included (db-pre-request hook)'),
    ('TOKEN', 30, 60, '/auth/v1/token (sign-in, refresh), per client IP (API gateway)'),
    ('UPLOAD', 10, 60, 'File uploads (storage, edge functions)'),
    ('MESSAGE', 30, 60, 'Outgoing messages (email, push) requested by a user'),
    ('STRICT', 5, 60, 'Sensitive operations (API key creation and rotation)');

-- RPCs whose POST is counted in another bucket than WRITE.
CREATE TABLE private.rate_limit_rpc_buckets (
    function_name text NOT NULL,
    bucket text NOT NULL
);

ALTER TABLE ONLY private.rate_limit_rpc_buckets
    ADD CONSTRAINT rate_limit_rpc_buckets_pkey PRIMARY KEY (function_name);

ALTER TABLE ONLY private.rate_limit_rpc_buckets
    ADD CONSTRAINT rate_limit_rpc_buckets_bucket_fkey FOREIGN KEY (bucket) REFERENCES private.rate_limit_presets(bucket);

-- rate_limit_rpc_buckets (bucket) → rate_limit_presets: a preset cannot be
-- removed or renamed without checking the functions mapped to it.
CREATE INDEX rate_limit_rpc_buckets_bucket_idx ON private.rate_limit_rpc_buckets USING btree (bucket);

ALTER TABLE private.rate_limit_rpc_buckets ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.rate_limit_rpc_buckets IS 'POST /rpc/<function_name> is counted in this bucket instead of WRITE.';

INSERT INTO private.rate_limit_rpc_buckets (function_name, bucket) VALUES ('create_api_key', 'STRICT');
INSERT INTO private.rate_limit_rpc_buckets (function_name, bucket) VALUES ('rotate_api_key', 'STRICT');

COMMENT ON FUNCTION private.api_key_id_for_secret(p_secret text) IS 'The id of the API key a secret authenticates as now, else null. Side-effect free (rate-limit keying); use authenticate_api_key to authenticate.';

COMMENT ON FUNCTION private.api_key_status(p_key public.api_keys) IS 'active | rotating (old key in its grace period) | rotated | expired | revoked.';

COMMENT ON FUNCTION private.authenticate_api_key(p_secret text) IS 'Authenticates an API key secret: (key_id, org_id, scopes), or no row when it is unknown, wrong, revoked, expired or past its rotation grace. Updates last_used_at at most once a minute; sets terrain.api_key_id. For edge functions (service_role).';

COMMENT ON FUNCTION private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean) IS 'Counts one API request (claims, headers, method, PostgREST path) against its key and bucket; the verdict and what a 429 needs.';

COMMENT ON FUNCTION private.consume_rate_limit(p_key text, p_bucket text) IS 'Counts one request of key in bucket (fixed window, one upsert) and returns (allowed, remaining, retry_after_seconds). For the gateway, the db-pre-request hook and edge functions.';

COMMENT ON FUNCTION private.purge_rate_limit_buckets(p_older_than interval) IS 'Deletes rate-limit windows older than 10 minutes (default); pg_cron every 5 minutes.';

COMMENT ON FUNCTION private.rate_limit_key(p_claims jsonb, p_headers jsonb) IS 'Rate-limit key of a request: null (service role, not limited), user:<sub>, key:<api key id> or ip:<client ip>.';

COMMENT ON FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone) IS 'RPC (owner, admin): creates an API key and returns {id, prefix, secret, …}. The secret is shown once and only its sha256 is kept. Expiry defaults to 1 year, at most 2 years. Audited (api_key.created); notifies owners and admins.';

COMMENT ON FUNCTION public.list_api_keys(p_org_id uuid) IS 'RPC (owner, admin): the organization''s API keys (prefix, name, scopes, status, created, last used, expiry), never the hash.';

COMMENT ON FUNCTION public.revoke_api_key(p_key_id uuid) IS 'RPC (owner, admin): revokes an API key immediately (idempotent). Audited (api_key.revoked); notifies owners and admins.';

COMMENT ON FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval) IS 'RPC (owner, admin): replaces an active key by a new one (returned once, same name/scopes/lifetime); the old key keeps working for the grace period (default 24 hours, max 7 days). Audited (api_key.rotated); notifies owners and admins.';

REVOKE ALL ON FUNCTION private.api_key_for_admin(p_key_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.api_key_id_for_secret(p_secret text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.api_key_secret_format_ok(p_secret text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.api_key_status(p_key public.api_keys) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.authenticate_api_key(p_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.authenticate_api_key(p_secret text) TO service_role;

REVOKE ALL ON FUNCTION private.authorize_api_key_admin(p_org_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_api_request(p_claims jsonb, p_headers jsonb, p_method text, p_path text, p_dry_run boolean) TO terrain_gateway;

REVOKE ALL ON FUNCTION private.consume_rate_limit(p_key text, p_bucket text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.consume_rate_limit(p_key text, p_bucket text) TO service_role;
GRANT ALL ON FUNCTION private.consume_rate_limit(p_key text, p_bucket text) TO terrain_gateway;

REVOKE ALL ON FUNCTION private.new_api_key_secret(OUT prefix text, OUT secret text, OUT secret_hash text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.normalize_api_key_scopes(p_scopes text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.purge_rate_limit_buckets(p_older_than interval) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.rate_limit_bucket_for(p_method text, p_path text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.rate_limit_hit(p_key text, p_bucket text, p_dry_run boolean, OUT allowed boolean, OUT remaining integer, OUT retry_after_seconds integer, OUT max_hits integer, OUT window_seconds integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.rate_limit_key(p_claims jsonb, p_headers jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.rate_limit_message(p_max_hits integer, p_window_seconds integer, p_bucket text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.set_audit_reason(p_reason text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone) TO service_role;

REVOKE ALL ON FUNCTION public.list_api_keys(p_org_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.list_api_keys(p_org_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.list_api_keys(p_org_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.revoke_api_key(p_key_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.revoke_api_key(p_key_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.revoke_api_key(p_key_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval) TO authenticated;
GRANT ALL ON FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval) TO service_role;

select cron.schedule('purge-rate-limit-buckets', '*/5 * * * *', 'select private.purge_rate_limit_buckets()');

-- Switch the hook on. PostgREST reads pgrst.* settings of its login role
-- (db-config) on start and on `notify pgrst, 'reload config'` (sent on commit).
-- Set IN DATABASE, not cluster-wide: role settings survive `drop database`,
-- and a cluster-wide hook would name a function that a freshly reset database
-- does not have yet, breaking every request until this migration ran again.
do $hook$
begin
  execute format('alter role authenticator in database %I set pgrst.db_pre_request = %L',
                 current_database(), 'private.api_pre_request');
end
$hook$;
notify pgrst, 'reload config';

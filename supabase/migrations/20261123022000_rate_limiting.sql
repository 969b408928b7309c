-- =============================================================================
-- Rate limiting with its state in the database, shared by every API instance.
-- (Design, costs and the production picture: docs/rate-limiting.md.)
--
-- Algorithm: a fixed window per bucket (60 s for every preset). One counter row
-- per (key, bucket, window); a counted request is ONE statement:
--   insert … on conflict (key, bucket, window_start) do update set hits = hits + 1 returning hits
-- which is atomic under any concurrency (concurrent first hits of a window:
-- one inserts, the others wait for it and update). The request is allowed
-- while hits <= the limit. A fixed window lets a client send up to 2x the
-- limit across a window boundary; for abuse protection that is acceptable,
-- and it costs one row write per request (a sliding log costs one per request
-- plus a range count; GCRA needs a read-modify-write under a row lock).
--
-- Keys: 'user:<sub>' for a signed-in user, else 'key:<api key id>' for a valid
-- Terrain API key (x-api-key or apikey header), else 'ip:<client ip>' (first
-- X-Forwarded-For entry, written by the API gateway). The service role is not
-- limited (trusted server code).
--
-- Where requests are counted:
--   * PostgREST writes (POST/PATCH/PUT/DELETE): private.api_pre_request(), the
--     db-pre-request hook, in the request's own transaction;
--   * PostgREST reads (GET/HEAD run in READ ONLY transactions, where no counter
--     can be written): the API gateway, calling private.check_api_request()
--     through its own connection as the role terrain_gateway (created NOLOGIN
--     here; each environment that runs a gateway gives it a login);
--   * what the hook sees but cannot count — a POST to a STABLE function (read
--     only too) and a write whose transaction fails (the count rolls back with
--     it) — is counted by the gateway after the response;
--   * the token endpoint (/auth/v1/token, bucket TOKEN, per IP): the gateway;
--   * edge functions: private.consume_rate_limit(key, bucket) directly.
--
-- Counter rows live in an UNLOGGED table: no WAL per request; after a crash the
-- table is empty and every window starts over, which is harmless.
-- =============================================================================

create table private.rate_limit_presets (
  bucket         text primary key,
  max_hits       integer not null,
  window_seconds integer not null default 60,
  description    text not null,
  constraint rate_limit_presets_bucket_format check (bucket ~ '^[A-Z][A-Z0-9_]{0,30}$'),
  constraint rate_limit_presets_max_hits_positive check (max_hits > 0),
  constraint rate_limit_presets_window check (window_seconds between 1 and 3600)
);
comment on table private.rate_limit_presets is 'Rate-limit buckets: at most max_hits requests per window_seconds per key.';

insert into private.rate_limit_presets (bucket, max_hits, window_seconds, description) values
  ('READ',    60, 60, 'PostgREST GET/HEAD (counted by the API gateway)'),
  ('WRITE',   20, 60, 'PostgREST POST/PATCH/PUT/DELETE, RPC calls included (db-pre-request hook)'),
  ('TOKEN',   30, 60, '/auth/v1/token (sign-in, refresh), per client IP (API gateway)'),
  ('UPLOAD',  10, 60, 'File uploads (storage, edge functions)'),
  ('MESSAGE', 30, 60, 'Outgoing messages (email, push) requested by a user'),
  ('STRICT',   5, 60, 'Sensitive operations (API key creation and rotation)');

-- Per-key exceptions: a partner API key with a larger quota, a monitoring IP,
-- the demo users of the local test profile (scripts/stack/stack.ts). bucket
-- '*' applies to every bucket; an exact bucket wins over '*'.
create table private.rate_limit_overrides (
  key        text not null,
  bucket     text not null,
  max_hits   integer not null,
  reason     text not null,
  created_at timestamptz not null default now(),
  constraint rate_limit_overrides_pkey primary key (key, bucket),
  constraint rate_limit_overrides_bucket_format check (bucket = '*' or bucket ~ '^[A-Z][A-Z0-9_]{0,30}$'),
  constraint rate_limit_overrides_max_hits_positive check (max_hits > 0),
  constraint rate_limit_overrides_reason check (length(btrim(reason)) between 1 and 500)
);
comment on table private.rate_limit_overrides is
  'Per-key limits replacing a preset''s max_hits (bucket ''*'' = every bucket; an exact bucket wins).';

-- RPCs whose POST is counted in another bucket than WRITE.
create table private.rate_limit_rpc_buckets (
  function_name text primary key,
  bucket        text not null references private.rate_limit_presets (bucket)
);
comment on table private.rate_limit_rpc_buckets is 'POST /rpc/<function_name> is counted in this bucket instead of WRITE.';
insert into private.rate_limit_rpc_buckets (function_name, bucket) values
  ('create_api_key', 'STRICT'),
  ('rotate_api_key', 'STRICT');

-- The counters. fillfactor leaves room on each page so the per-request
-- `hits + 1` is a HOT update (no index write; hits is not indexed).
create unlogged table private.rate_limit_buckets (
  key          text not null,
  bucket       text not null,
  window_start timestamptz not null,
  hits         integer not null default 1,
  constraint rate_limit_buckets_pkey primary key (key, bucket, window_start)
) with (fillfactor = 70);
comment on table private.rate_limit_buckets is
  'Rate-limit counters: hits per (key, bucket, fixed window). Unlogged (lost on crash: every window restarts). Purged by pg_cron.';

-- These tables are the limiter's internals: no API role reads them.
alter table private.rate_limit_presets enable row level security;
alter table private.rate_limit_overrides enable row level security;
alter table private.rate_limit_rpc_buckets enable row level security;
alter table private.rate_limit_buckets enable row level security;

-- -----------------------------------------------------------------------------
-- Counting
-- -----------------------------------------------------------------------------

-- One hit: the upsert, and the verdict with the limit that applied. With
-- p_dry_run nothing is written: the verdict the next hit would get (for
-- read-only transactions, see api_pre_request).
create function private.rate_limit_hit(
  p_key     text,
  p_bucket  text,
  p_dry_run boolean,
  out allowed             boolean,
  out remaining           integer,
  out retry_after_seconds integer,
  out max_hits            integer,
  out window_seconds      integer
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_start timestamptz;
  v_hits  integer;
begin
  if p_key is null or length(p_key) not between 1 and 200 then
    raise exception 'A rate-limit key is 1 to 200 characters' using errcode = '22023';
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
    raise exception 'Unknown rate-limit bucket: %', p_bucket using errcode = '22023';
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

-- The shared entry point (gateway, hook, edge functions): counts one request
-- of `p_key` in `p_bucket` and says whether it may proceed, how many remain in
-- this window, and (when refused) in how many seconds the window ends.
create function private.consume_rate_limit(p_key text, p_bucket text)
returns table (allowed boolean, remaining integer, retry_after_seconds integer)
language sql
volatile
security definer
set search_path = ''
as $$
  select h.allowed, h.remaining, h.retry_after_seconds from private.rate_limit_hit(p_key, p_bucket, false) h
$$;
comment on function private.consume_rate_limit(text, text) is
  'Counts one request of key in bucket (fixed window, one upsert) and returns (allowed, remaining, retry_after_seconds). '
  'For the gateway, the db-pre-request hook and edge functions.';

-- Who a request is counted against: null for the service role (not limited),
-- else 'user:<sub>', 'key:<api key id>' (a valid Terrain key in x-api-key or
-- apikey) or 'ip:<first X-Forwarded-For address>' ('ip:unknown' without one).
create function private.rate_limit_key(p_claims jsonb, p_headers jsonb)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
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
$$;
comment on function private.rate_limit_key(jsonb, jsonb) is
  'Rate-limit key of a request: null (service role, not limited), user:<sub>, key:<api key id> or ip:<client ip>.';

-- Which bucket a PostgREST request counts in: GET/HEAD → READ; POST to an RPC
-- listed in rate_limit_rpc_buckets → that bucket; any other write → WRITE
-- (an RPC call is a write: it may change data, and runs in a write transaction).
create function private.rate_limit_bucket_for(p_method text, p_path text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when upper(p_method) in ('GET', 'HEAD') then 'READ'
    else coalesce(
      (select r.bucket from private.rate_limit_rpc_buckets r
       where upper(p_method) = 'POST' and p_path like '/rpc/%' and r.function_name = substr(p_path, 6)),
      'WRITE')
  end
$$;

-- One PostgREST request, as the hook and the gateway both see it: derives the
-- key and the bucket, counts (unless p_dry_run), and returns the verdict with
-- what a 429 needs.
create function private.check_api_request(
  p_claims  jsonb,
  p_headers jsonb,
  p_method  text,
  p_path    text,
  p_dry_run boolean default false
)
returns table (
  allowed             boolean,
  remaining           integer,
  retry_after_seconds integer,
  max_hits            integer,
  window_seconds      integer,
  bucket              text,
  key                 text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
comment on function private.check_api_request(jsonb, jsonb, text, text, boolean) is
  'Counts one API request (claims, headers, method, PostgREST path) against its key and bucket; the verdict and what a 429 needs.';

-- The error text of a refused request: 'Rate limit exceeded: 20 requests per minute (WRITE)'.
create function private.rate_limit_message(p_max_hits integer, p_window_seconds integer, p_bucket text)
returns text
language sql
immutable
set search_path = ''
as $$
  select format('Rate limit exceeded: %s requests per %s (%s)', p_max_hits,
                case p_window_seconds when 60 then 'minute' when 1 then 'second' else p_window_seconds || ' seconds' end,
                p_bucket)
$$;

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
create function private.api_pre_request()
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
comment on function private.api_pre_request() is
  'PostgREST db-pre-request hook: counts writes (WRITE, or the RPC''s bucket) per user / API key / IP and answers 429 '
  'with Retry-After past the limit. Reads are counted by the API gateway; read-only RPC POSTs are checked here and '
  'counted by the gateway (X-Terrain-Rate-Limit: deferred).';

-- -----------------------------------------------------------------------------
-- Clean-up: windows older than 10 minutes, every 5 minutes (pg_cron). The
-- table holds (active keys x buckets x ~15 windows) rows at most: a seq scan.
-- -----------------------------------------------------------------------------
create function private.purge_rate_limit_buckets(p_older_than interval default interval '10 minutes')
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_deleted bigint;
begin
  delete from private.rate_limit_buckets b where b.window_start < now() - p_older_than;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function private.purge_rate_limit_buckets(interval) is 'Deletes rate-limit windows older than 10 minutes (default); pg_cron every 5 minutes.';

-- cron.schedule(name, …) updates the job of that name: re-running it never duplicates.
select cron.schedule('purge-rate-limit-buckets', '*/5 * * * *', 'select private.purge_rate_limit_buckets()');

-- -----------------------------------------------------------------------------
-- Privileges
-- -----------------------------------------------------------------------------
-- The hook runs as the request's role: every API role executes it (and may
-- resolve names in `private`, which grants nothing else to anon).
grant usage on schema private to anon;
grant execute on function private.api_pre_request() to anon, authenticated, service_role;
-- Edge functions (service_role or the database URL) count their own requests.
grant execute on function private.consume_rate_limit(text, text) to service_role;

-- The API gateway's login role: it may count requests and nothing else. Created
-- NOLOGIN: each environment that runs a gateway gives it LOGIN and a password
-- of its own (the local stack does so with a local-only default, see
-- scripts/stack/stack.ts). Roles outlive a database reset: create it once.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'terrain_gateway') then
    create role terrain_gateway nologin noinherit;
  end if;
end
$$;
comment on role terrain_gateway is 'API gateway: counts requests for rate limiting (execute on two private functions), nothing else.';
grant usage on schema private to terrain_gateway;
grant execute on function private.consume_rate_limit(text, text), private.check_api_request(jsonb, jsonb, text, text, boolean)
  to terrain_gateway;

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

-- Rate limiting: presets as data, consume_rate_limit counts
-- per key and bucket in fixed windows and refuses past the limit, a new
-- window starts over, overrides replace a preset for one key, requests are
-- keyed by user / API key / client IP, the db-pre-request hook refuses with
-- 429 + Retry-After and never writes in a read-only transaction, old windows
-- are purged by one pg_cron job.
begin;
select plan(54);

-- Keys of this file start with 'test:' (no request ever produces them). The
-- local test profile relaxes the demo users' limits with overrides: this file
-- starts without any (rolled back at the end).
delete from private.rate_limit_overrides;
-- n hits in a row, in order.
create function pg_temp.hit_n(p_key text, p_bucket text, p_n integer)
returns table (allowed boolean, remaining integer, retry_after_seconds integer) language plpgsql as $$
begin
  for i in 1 .. p_n loop
    return query select c.allowed, c.remaining, c.retry_after_seconds from private.consume_rate_limit(p_key, p_bucket) c;
  end loop;
end $$;
create function pg_temp.hits(p_key text, p_bucket text) returns integer language sql as $$
  select coalesce(sum(hits), 0)::integer from private.rate_limit_buckets where key = p_key and bucket = p_bucket
$$;
-- Calls the hook as PostgREST does: request settings, then the request's role.
-- Returns what the client would get: 'ok', or the error's sqlstate, message and
-- detail; plus the response.headers the hook left. p_read_only runs it inside a
-- read-only subtransaction (rolled back), as PostgREST runs GET/HEAD and
-- POSTs to STABLE functions.
create function pg_temp.hook(p_method text, p_path text, p_claims jsonb, p_headers jsonb default '{}', p_read_only boolean default false)
returns jsonb language plpgsql as $$
declare
  v_state text; v_msg text; v_detail text; v_out jsonb;
begin
  perform set_config('request.method', p_method, true);
  perform set_config('request.path', p_path, true);
  perform set_config('request.jwt.claims', p_claims::text, true);
  perform set_config('request.headers', p_headers::text, true);
  perform set_config('response.headers', '', true);
  begin
    if p_read_only then
      perform set_config('transaction_read_only', 'on', true);
    end if;
    perform set_config('role', coalesce(p_claims ->> 'role', 'anon'), true);
    perform private.api_pre_request();
    perform set_config('role', 'none', true);
    v_out := jsonb_build_object('result', 'ok', 'response_headers', nullif(current_setting('response.headers', true), '')::jsonb);
    if p_read_only then
      raise exception using errcode = 'T0001', message = v_out::text; -- undo the read-only switch, keep the answer
    end if;
  exception
    when sqlstate 'T0001' then
      v_out := sqlerrm::jsonb;
    when others then
      get stacked diagnostics v_state = returned_sqlstate, v_msg = message_text, v_detail = pg_exception_detail;
      v_out := jsonb_build_object('result', v_state, 'message', v_msg::jsonb, 'detail', v_detail::jsonb);
  end;
  perform set_config('role', 'none', true);
  return v_out;
end $$;

-- -----------------------------------------------------------------------------
-- Presets and shape
-- -----------------------------------------------------------------------------
select results_eq($$select bucket, max_hits, window_seconds from private.rate_limit_presets order by bucket$$,
  $$values ('MESSAGE', 30, 60), ('READ', 60, 60), ('STRICT', 5, 60), ('TOKEN', 30, 60), ('UPLOAD', 10, 60), ('WRITE', 20, 60)$$,
  'presets as data: READ 60, WRITE 20, TOKEN 30, UPLOAD 10, MESSAGE 30, STRICT 5 per minute');
select is((select relpersistence from pg_class where oid = 'private.rate_limit_buckets'::regclass), 'u'::"char",
  'counters are unlogged (no WAL per request)');
select col_is_pk('private', 'rate_limit_buckets', array['key', 'bucket', 'window_start'], 'one counter row per key, bucket and window');

-- -----------------------------------------------------------------------------
-- consume_rate_limit: counts, refuses at the preset, resets next window
-- -----------------------------------------------------------------------------
select results_eq($$select allowed, remaining, retry_after_seconds from private.consume_rate_limit('test:alice', 'STRICT')$$, $$values (true, 4, 0)$$, 'first hit of STRICT (5/min): allowed, 4 remaining');
select results_eq($$select * from pg_temp.hit_n('test:alice', 'STRICT', 4)$$,
  $$values (true, 3, 0), (true, 2, 0), (true, 1, 0), (true, 0, 0)$$, 'hits 2 to 5: allowed, down to 0 remaining');
select results_eq($$select allowed, remaining from private.consume_rate_limit('test:alice', 'STRICT')$$,
  $$values (false, 0)$$, 'the 6th hit is refused');
select ok((select retry_after_seconds between 1 and 60 from private.consume_rate_limit('test:alice', 'STRICT')),
  'a refusal says when to retry: the end of the window, 1 to 60 seconds away');
select is((select retry_after_seconds from private.consume_rate_limit('test:alice', 'STRICT')),
  ceil(extract(epoch from date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00') + interval '60 seconds' - now()))::integer,
  'Retry-After is exactly the time left in the window, rounded up');
select is(pg_temp.hits('test:alice', 'STRICT'), 8, 'every hit is counted, refused ones included');
select results_eq($$select allowed, remaining from private.consume_rate_limit('test:bob', 'STRICT')$$, $$values (true, 4)$$,
  'another key has its own counter');
select results_eq($$select allowed, remaining from private.consume_rate_limit('test:alice', 'WRITE')$$, $$values (true, 19)$$,
  'another bucket of the same key has its own counter');
select is((select count(*)::int from private.rate_limit_buckets where key = 'test:alice' and bucket = 'STRICT'), 1,
  'one row per key, bucket and window, however many hits');
-- The window ends: move alice's counter one minute back, as if those hits were a minute ago.
update private.rate_limit_buckets set window_start = window_start - interval '1 minute' where key = 'test:alice' and bucket = 'STRICT';
select results_eq($$select allowed, remaining from private.consume_rate_limit('test:alice', 'STRICT')$$, $$values (true, 4)$$,
  'a new window starts over');
select is((select count(*)::int from private.rate_limit_buckets where key = 'test:alice' and bucket = 'STRICT'), 2,
  'the new window has its own row (the old one waits for the purge)');
select throws_ok($$select * from private.consume_rate_limit('test:alice', 'NOPE')$$, '22023', 'Unknown rate-limit bucket: NOPE',
  'an unknown bucket is an error');
select throws_ok($$select * from private.consume_rate_limit(null, 'READ')$$, '22023', 'A rate-limit key is 1 to 200 characters',
  'a key is required');

-- Overrides
insert into private.rate_limit_overrides (key, bucket, max_hits, reason) values
  ('test:partner', 'WRITE', 2, 'pgTAP'), ('test:partner', '*', 100, 'pgTAP');
select results_eq($$select allowed from pg_temp.hit_n('test:partner', 'WRITE', 3)$$,
  $$values (true), (true), (false)$$, 'an override for the exact bucket replaces the preset (2 instead of 20)');
select results_eq($$select allowed, remaining from private.consume_rate_limit('test:partner', 'STRICT')$$, $$values (true, 99)$$,
  'an override for every bucket (''*'') applies where no exact one exists');

-- -----------------------------------------------------------------------------
-- Keys and buckets of a request
-- -----------------------------------------------------------------------------
create temporary table t_key (k jsonb) on commit drop;
insert into t_key select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Rate', '{events:write}');
select is(private.rate_limit_key('{"role": "service_role"}', '{"x-forwarded-for": "203.0.113.9"}'), null,
  'the service role is not limited (no key)');
select is(private.rate_limit_key('{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000003"}', '{"x-forwarded-for": "203.0.113.9"}'),
  'user:a0000000-0000-4000-8000-000000000003', 'a signed-in user is keyed by their id (sub)');
select is(private.rate_limit_key('{"role": "anon"}', jsonb_build_object('x-api-key', (select k ->> 'secret' from t_key), 'x-forwarded-for', '203.0.113.9')),
  'key:' || (select k ->> 'id' from t_key), 'a valid Terrain key in x-api-key is keyed by the key id');
select is(private.rate_limit_key('{"role": "anon"}', jsonb_build_object('apikey', (select k ->> 'secret' from t_key))),
  'key:' || (select k ->> 'id' from t_key), '… also in apikey');
select is(private.rate_limit_key('{"role": "anon"}', jsonb_build_object('x-api-key', left((select k ->> 'secret' from t_key), 55) || '!', 'x-forwarded-for', '203.0.113.9')),
  'ip:203.0.113.9', 'an invalid Terrain key counts against the client address (no free bucket per guess)');
select is(private.rate_limit_key('{"role": "anon"}', '{"apikey": "eyJhbGciOiJIUzI1NiJ9.anon", "x-forwarded-for": "2001:db8::1, 10.0.0.1, 127.0.0.1"}'),
  'ip:2001:db8::1', 'the anon key is not an identity: anonymous requests are keyed by the first X-Forwarded-For address');
select is(private.rate_limit_key('{"role": "anon"}', '{}'), 'ip:unknown', 'no address at all: ip:unknown');
select is(private.rate_limit_key('{"role": "anon"}', '{"x-forwarded-for": "<script>"}'), 'ip:unknown', 'a malformed address is not used as a key');
select results_eq($$select private.rate_limit_bucket_for(m, p) from (values
    ('GET', '/missions'), ('HEAD', '/missions'), ('GET', '/rpc/list_api_keys'), ('POST', '/missions'), ('PATCH', '/missions'),
    ('DELETE', '/missions'), ('PUT', '/missions'), ('POST', '/rpc/transition_mission'), ('POST', '/rpc/create_api_key'),
    ('POST', '/rpc/rotate_api_key')) as v (m, p)$$,
  $$values ('READ'), ('READ'), ('READ'), ('WRITE'), ('WRITE'), ('WRITE'), ('WRITE'), ('WRITE'), ('STRICT'), ('STRICT')$$,
  'buckets: GET/HEAD READ; writes and RPC POSTs WRITE; key creation and rotation STRICT');

-- -----------------------------------------------------------------------------
-- The db-pre-request hook
-- -----------------------------------------------------------------------------
select is(
  (select setting from (select unnest(setconfig) as setting from pg_db_role_setting
                         where setrole = 'authenticator'::regrole
                           and setdatabase = (select oid from pg_database where datname = current_database())) s
    where setting like 'pgrst.db_pre_request=%'),
  'pgrst.db_pre_request=private.api_pre_request',
  'PostgREST runs private.api_pre_request before every request (set in this database, so a reset database never names a missing hook)');
select ok(has_function_privilege('anon', 'private.api_pre_request()', 'execute')
          and has_function_privilege('authenticated', 'private.api_pre_request()', 'execute')
          and has_function_privilege('service_role', 'private.api_pre_request()', 'execute'),
  'the hook is executable by every API role (it runs as the request''s role)');

delete from private.rate_limit_buckets where key = 'user:a0000000-0000-4000-8000-000000000004';
select is(pg_temp.hook('GET', '/missions', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000004"}', '{}', true) ->> 'result', 'ok',
  'a GET passes (in its read-only transaction)…');
select is(pg_temp.hits('user:a0000000-0000-4000-8000-000000000004', 'READ'), 0, '…and is not counted by the hook (the gateway counts reads)');
select is(pg_temp.hook('POST', '/rpc/transition_mission', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000004"}') ->> 'result', 'ok',
  'a write passes…');
select is(pg_temp.hits('user:a0000000-0000-4000-8000-000000000004', 'WRITE'), 1, '…and is counted in WRITE for the user');
create temporary table t_total on commit drop as select coalesce(sum(hits), 0) as n from private.rate_limit_buckets;
select is(pg_temp.hook('POST', '/missions', '{"role": "service_role"}'), '{"result": "ok", "response_headers": null}'::jsonb,
  'a service-role write passes…');
select is((select coalesce(sum(hits), 0) from private.rate_limit_buckets), (select n from t_total), '…uncounted');

update private.rate_limit_buckets set hits = 20
  where key = 'user:a0000000-0000-4000-8000-000000000004' and bucket = 'WRITE';
select is(pg_temp.hook('PATCH', '/missions', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000004"}'),
  jsonb_build_object(
    'result', 'PGRST',
    'message', jsonb_build_object('code', 'rate_limited', 'message', 'Rate limit exceeded: 20 requests per minute (WRITE)'),
    'detail', jsonb_build_object('status', 429, 'headers', jsonb_build_object('Retry-After',
      ceil(extract(epoch from date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00') + interval '60 seconds' - now()))::integer::text))),
  'the 21st write is refused: SQLSTATE PGRST, JSON error rate_limited, status 429, Retry-After');
select is(pg_temp.hook('POST', '/rpc/transition_mission', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000003"}') ->> 'result', 'ok',
  'another user is not affected');

-- Read-only POST (an RPC to a STABLE function): checked, not counted, marked for the gateway.
delete from private.rate_limit_buckets where key = 'user:a0000000-0000-4000-8000-000000000002';
select is(pg_temp.hook('POST', '/rpc/list_api_keys', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000002"}', '{}', true),
  '{"result": "ok", "response_headers": [{"X-Terrain-Rate-Limit": "deferred"}]}'::jsonb,
  'a POST in a read-only transaction passes, marked X-Terrain-Rate-Limit: deferred for the gateway to count');
select is(pg_temp.hits('user:a0000000-0000-4000-8000-000000000002', 'WRITE'), 0, 'nothing was counted (a write in that read-only transaction would have failed with 25006)');
insert into private.rate_limit_buckets (key, bucket, window_start, hits)
  values ('user:a0000000-0000-4000-8000-000000000002', 'WRITE', date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00'), 20);
select is(pg_temp.hook('POST', '/rpc/list_api_keys', '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-000000000002"}', '{}', true) -> 'detail' ->> 'status',
  '429', 'past the limit it is refused there too');
select is(pg_temp.hook('POST', '/rpc/create_api_key', '{"role": "anon"}', '{"x-forwarded-for": "198.51.100.23"}') ->> 'result', 'ok',
  'an anonymous write…');
select is(pg_temp.hits('ip:198.51.100.23', 'STRICT'), 1, '…is counted against its client address, in the RPC''s bucket');

-- -----------------------------------------------------------------------------
-- Privileges
-- -----------------------------------------------------------------------------
select ok(has_function_privilege('terrain_gateway', 'private.consume_rate_limit(text, text)', 'execute')
          and has_function_privilege('terrain_gateway', 'private.check_api_request(jsonb, jsonb, text, text, boolean)', 'execute'),
  'the gateway role may count requests');
select ok(not has_function_privilege('terrain_gateway', 'private.authenticate_api_key(text)', 'execute')
          and not has_function_privilege('terrain_gateway', 'private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text)', 'execute')
          and not has_function_privilege('terrain_gateway', 'private.purge_rate_limit_buckets(interval)', 'execute')
          and not has_table_privilege('terrain_gateway', 'private.rate_limit_buckets', 'select, insert, update, delete')
          and not has_table_privilege('terrain_gateway', 'public.missions', 'select'),
  'and nothing else');
select ok((select not rolsuper and not rolbypassrls and not rolinherit from pg_roles where rolname = 'terrain_gateway'),
  'terrain_gateway is an ordinary role (no superuser, no RLS bypass, inherits nothing)');
select ok(has_function_privilege('service_role', 'private.consume_rate_limit(text, text)', 'execute'),
  'edge functions (service_role) call consume_rate_limit');
select ok(not has_function_privilege('authenticated', 'private.consume_rate_limit(text, text)', 'execute')
          and not has_function_privilege('anon', 'private.consume_rate_limit(text, text)', 'execute')
          and not has_function_privilege('anon', 'private.check_api_request(jsonb, jsonb, text, text, boolean)', 'execute'),
  'API users cannot count (or reset) anything themselves');
select ok(not has_table_privilege('authenticated', 'private.rate_limit_overrides', 'select, insert, update, delete')
          and not has_table_privilege('anon', 'private.rate_limit_buckets', 'select, insert, update, delete'),
  'nor read or change the limiter''s tables');
select throws_ok($$set local role anon; select * from private.rate_limit_buckets$$, '42501', 'permission denied for table rate_limit_buckets',
  'anon is refused the counters');
reset role;

-- -----------------------------------------------------------------------------
-- Clean-up job
-- -----------------------------------------------------------------------------
insert into private.rate_limit_buckets (key, bucket, window_start, hits) values
  ('test:old', 'READ', now() - interval '11 minutes', 3), ('test:recent', 'READ', now() - interval '9 minutes', 3);
select cmp_ok(private.purge_rate_limit_buckets(), '>=', 1::bigint, 'the purge deletes windows older than 10 minutes…');
select is((select array_agg(key order by key) from private.rate_limit_buckets where key in ('test:old', 'test:recent')), '{test:recent}'::text[],
  '…and keeps the recent ones');
select results_eq($$select schedule, command from cron.job where jobname = 'purge-rate-limit-buckets'$$,
  $$values ('*/5 * * * *', 'select private.purge_rate_limit_buckets()')$$, 'pg_cron runs the purge every 5 minutes');
select is((select jobid from cron.job where jobname = 'purge-rate-limit-buckets'),
          cron.schedule('purge-rate-limit-buckets', '*/5 * * * *', 'select private.purge_rate_limit_buckets()'),
  'scheduling it again (re-running the migration''s call) updates the same job…');
select is((select count(*)::int from cron.job where jobname = 'purge-rate-limit-buckets'), 1, '…never a second one');

select * from finish();
rollback;

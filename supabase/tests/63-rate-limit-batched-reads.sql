-- Batched counting of reads (docs/rate-limiting.md, "Reads: counted in
-- batches"): private.record_rate_limit_hits adds several hits per counter row
-- in one statement, returns each row's total and limit, accepts only the
-- current or previous window, refuses a bad batch whole, and only the
-- gateway's role may call it.
begin;
select plan(14);

delete from private.rate_limit_overrides;
create function pg_temp.window_of(p_offset_minutes integer default 0) returns timestamptz language sql as $$
  select date_bin('60 seconds', now(), timestamptz '2000-01-01 00:00:00+00') + make_interval(mins => p_offset_minutes)
$$;
create function pg_temp.hits(p_key text, p_bucket text, p_window timestamptz) returns integer language sql as $$
  select coalesce(sum(hits), 0)::integer from private.rate_limit_buckets
  where key = p_key and bucket = p_bucket and window_start = p_window
$$;

-- Counting ------------------------------------------------------------------
select results_eq(
  $$ select key, hits, max_hits, window_seconds
     from private.record_rate_limit_hits(
       array['test:batch:a', 'test:batch:b', 'test:batch:a'], array['READ', 'READ', 'READ'],
       array[pg_temp.window_of(), pg_temp.window_of(), pg_temp.window_of()], array[3, 1, 4])
     order by key $$,
  $$ values ('test:batch:a', 7, 60, 60), ('test:batch:b', 1, 60, 60) $$,
  'a batch adds its hits per row, duplicate rows summed, and returns each total with its limit');

select is(
  (select hits from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of()], array[5])),
  12, 'a second batch adds to the same row');

select is(
  (select c.remaining from private.consume_rate_limit('test:batch:a', 'READ') c),
  47, 'single hits (consume_rate_limit) and batches share one counter');

select is(
  (select hits from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of(-1)], array[2])),
  2, 'a late batch of the previous window goes to that window');
select is(pg_temp.hits('test:batch:a', 'READ', pg_temp.window_of()), 13, '… and leaves the current one alone');

insert into private.rate_limit_overrides (key, bucket, max_hits, reason)
values ('test:batch:a', 'READ', 500, 'test'), ('test:batch:b', '*', 7, 'test');
select results_eq(
  $$ select key, max_hits from private.record_rate_limit_hits(
       array['test:batch:a', 'test:batch:b'], array['READ', 'READ'], array[pg_temp.window_of(), pg_temp.window_of()], array[1, 1])
     order by key $$,
  $$ values ('test:batch:a', 500), ('test:batch:b', 7) $$,
  'the limit returned is the override when there is one (exact bucket, else *)');

-- Refusals: the whole batch, nothing counted -----------------------------------
select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a', 'test:batch:a'], array['READ', 'NOPE'],
                                                   array[pg_temp.window_of(), pg_temp.window_of()], array[1, 1]) $$,
  '22023', null, 'an unknown bucket refuses the batch');
select is(pg_temp.hits('test:batch:a', 'READ', pg_temp.window_of()), 14, '… and nothing of it was counted');

select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of(-2)], array[1]) $$,
  '22023', null, 'a window older than the previous one is refused');
select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of(2)], array[1]) $$,
  '22023', null, 'a window ahead is refused (counters cannot be filled in advance)');
select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of() + interval '1 second'], array[1]) $$,
  '22023', null, 'a window start that is not on the bucket''s boundary is refused');
select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a'], array['READ'], array[pg_temp.window_of()], array[0]) $$,
  '22023', null, 'zero (or negative) hits are refused');
select throws_ok(
  $$ select * from private.record_rate_limit_hits(array['test:batch:a', 'test:batch:b'], array['READ'], array[pg_temp.window_of()], array[1]) $$,
  '22023', 'A batch of rate-limit hits is 1 to 1000 rows, and every array has one entry per row',
  'arrays of different lengths are refused');

-- Who may call it ----------------------------------------------------------
select is(
  array(select r.rolname::text from pg_catalog.pg_roles r
        where has_function_privilege(r.oid, 'private.record_rate_limit_hits(text[], text[], timestamptz[], integer[])', 'execute')
          and r.rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'terrain_gateway')
        order by 1),
  array['terrain_gateway'],
  'only the gateway''s role executes it (not the API roles)');

select * from finish();
rollback;

-- Batched counting of reads by the API gateway (docs/rate-limiting.md,
-- "Reads: counted in batches").
--
-- The gateway counts PostgREST reads (GET/HEAD run in read-only transactions,
-- where the db-pre-request hook cannot write a counter). One round trip to
-- the database per read cost more than the read itself; the gateway now keeps
-- the count of the current window in memory and adds what it counted to the
-- shared counter in one statement for many keys at once. This function is
-- that statement: the same counter rows as private.rate_limit_hit, the same
-- limits (override, else preset), several hits per row.
--
-- The caller names the window its hits belong to: hits counted at 12:00:59.9
-- and sent at 12:01:00.1 belong to the 12:00 window. Only the current window
-- and the one before it are accepted (a late batch of an older window would
-- change nothing the limiter still reads; an arbitrary window would let a
-- caller fill counters in advance). The next window is accepted in the last
-- 5 seconds before it starts: the gateway's clock and the database's may
-- differ by that much at a window boundary.

create function private.record_rate_limit_hits(
  p_keys          text[],
  p_buckets       text[],
  p_window_starts timestamptz[],
  p_hits          integer[]
)
returns table (key text, bucket text, window_start timestamptz, hits integer, max_hits integer, window_seconds integer)
language plpgsql
security definer
set search_path = ''
as $$
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

comment on function private.record_rate_limit_hits(text[], text[], timestamptz[], integer[]) is
  'Adds batches of hits counted by the API gateway to the rate-limit counters (current or previous window); returns each row''s total and limit.';

revoke all on function private.record_rate_limit_hits(text[], text[], timestamptz[], integer[]) from public;
grant execute on function private.record_rate_limit_hits(text[], text[], timestamptz[], integer[]) to terrain_gateway;

-- Orphaned uploads: found by the weekly health check, removed by the
-- attachments function.
--
-- An upload is orphaned when its pending row was never finalized (the client
-- got a signed URL and gave up, or lost the file), or when an object sits in
-- the attachments bucket with no row at all (a row deleted while the object's
-- removal failed, a crashed client). Both are harmless for a day, then noise
-- and storage cost. The bytes can only be removed through Storage's API
-- (deleting storage.objects rows would leave the files behind), so the SQL
-- here says what to remove and the attachments function (action "cleanup",
-- service role, meant to run hourly) removes it.

create function public.claim_orphaned_attachments(p_older_than interval default '24 hours', p_limit integer default 1000)
returns table (bucket text, object_path text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_older_than is null or p_older_than < interval '1 hour' then
    perform private.raise_api_error('invalid_parameter', 'p_older_than must be at least 1 hour');
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 10000 (got %s)', p_limit));
  end if;
  return query
  with expired as (
    -- Audited like any delete (actor: the system).
    delete from public.attachments a
    where a.id in (select p.id from public.attachments p
                   where p.status = 'pending' and p.created_at < pg_catalog.now() - p_older_than
                   order by p.created_at
                   limit p_limit)
    returning a.bucket, a.object_path
  ),
  -- Objects left without a row. (Their rows, if any, are gone in `expired`,
  -- but this statement still sees them: the pending ones' objects come from
  -- `expired` itself, whatever their age.)
  unreferenced as (
    select o.bucket_id as bucket, o.name as object_path
    from storage.objects o
    where o.bucket_id = 'attachments'
      and o.created_at < pg_catalog.now() - p_older_than
      and not exists (select from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)
    order by o.created_at
    limit p_limit
  )
  select e.bucket, e.object_path from expired e
  where exists (select from storage.objects o where o.bucket_id = e.bucket and o.name = e.object_path)
  union
  select u.bucket, u.object_path from unreferenced u;
end;
$$;

comment on function public.claim_orphaned_attachments(interval, integer) is
  'Deletes pending attachments older than p_older_than (default 24 h) and returns the Storage objects to remove: theirs, and objects of the attachments bucket that old without an attachment row. Service role only (attachments function, action cleanup).';

revoke all on function public.claim_orphaned_attachments(interval, integer) from public;
grant execute on function public.claim_orphaned_attachments(interval, integer) to service_role;

-- The weekly check, now real: what the clean-up should have removed and has
-- not (older than a day, so an hourly clean-up that runs never reports), and
-- ready attachments whose object is gone (bytes lost: a human looks).
create or replace view ops.check_orphaned_attachments as
with orphans as (
  select 'pending upload never finalized'::text as reason, a.bucket, a.object_path, a.created_at
  from public.attachments a
  where a.status = 'pending' and a.created_at < pg_catalog.now() - interval '24 hours'
  union all
  select 'object without attachment', o.bucket_id, o.name, o.created_at
  from storage.objects o
  where o.bucket_id = 'attachments'
    and o.created_at < pg_catalog.now() - interval '24 hours'
    and not exists (select from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)
  union all
  select 'attachment without object', a.bucket, a.object_path, a.created_at
  from public.attachments a
  where a.status = 'ready'
    and not exists (select from storage.objects o where o.bucket_id = a.bucket and o.name = a.object_path)
)
select pg_catalog.jsonb_build_object('reason', o.reason, 'bucket', o.bucket, 'path', o.object_path) as detail,
       pg_catalog.row_number() over (order by o.created_at, o.object_path) as sample_rank,
       o.reason, o.bucket, o.object_path, o.created_at
from orphans o;

update ops.health_check_catalog
set description = 'Uploads pending for over a day, objects of the attachments bucket older than a day without an attachment, ready attachments whose object is gone.',
    details_key = 'orphans',
    details_when_clean = null
where name = 'orphaned_attachments';

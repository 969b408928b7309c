-- Orphaned uploads: claim_orphaned_attachments (what the attachments
-- function's cleanup removes) and the weekly check ops.check_orphaned_attachments.
-- Rows are crafted as superuser; times are moved back instead of waited for.
begin;
select plan(14);

-- An attachment of org A on the organization itself (an alert sound), as registered.
create function pg_temp.attachment(p_path text, p_status text, p_age interval) returns uuid language sql as $$
  insert into public.attachments (org_id, owner_type, owner_id, uploader, bucket, object_path, mime, size_bytes,
                                  upload_id, status, sha256, finalized_at, created_at)
  values ('a0000000-0000-4000-8000-0000000000a0', 'alert_sound', 'a0000000-0000-4000-8000-0000000000a0',
          'a0000000-0000-4000-8000-000000000001', 'attachments', p_path, 'audio/mpeg', 10, gen_random_uuid(), p_status,
          case when p_status = 'ready' then repeat('0', 64) end, case when p_status = 'ready' then now() end,
          now() - p_age)
  returning id
$$;
create function pg_temp.object(p_path text, p_age interval, p_bucket text default 'attachments') returns void language sql as $$
  insert into storage.objects (bucket_id, name, metadata, created_at)
  values (p_bucket, p_path, '{"size": 10, "mimetype": "audio/mpeg"}', now() - p_age)
$$;

insert into storage.buckets (id, name) values ('other-bucket', 'other-bucket');
select pg_temp.attachment('org/old-pending.mp3', 'pending', '25 hours');
select pg_temp.object('org/old-pending.mp3', '1 hour');          -- uploaded late: removed with its row anyway
select pg_temp.attachment('org/old-pending-empty.mp3', 'pending', '25 hours'); -- never uploaded
select pg_temp.attachment('org/new-pending.mp3', 'pending', '2 hours');
select pg_temp.object('org/new-pending.mp3', '2 hours');
select pg_temp.attachment('org/ready.mp3', 'ready', '30 days');
select pg_temp.object('org/ready.mp3', '30 days');
select pg_temp.attachment('org/ready-lost.mp3', 'ready', '3 days'); -- its object is gone
select pg_temp.object('org/stray-old.mp3', '2 days');             -- no row at all
select pg_temp.object('org/stray-new.mp3', '3 hours');
select pg_temp.object('org/elsewhere.mp3', '9 days', 'other-bucket'); -- not the attachments bucket

-- The weekly check, before clean-up.
select results_eq(
  $$select reason, object_path from ops.check_orphaned_attachments order by object_path$$,
  $$values ('pending upload never finalized'::text, 'org/old-pending-empty.mp3'::text),
           ('pending upload never finalized', 'org/old-pending.mp3'),
           ('attachment without object', 'org/ready-lost.mp3'),
           ('object without attachment', 'org/stray-old.mp3')$$,
  'the check lists old pending uploads, old objects without a row and ready rows without an object; nothing younger than a day');
select is((select ok from ops.health_checks('weekly') where name = 'orphaned_attachments'), false, 'the weekly check fails');
select is((select count from ops.health_checks('weekly') where name = 'orphaned_attachments'), 4::bigint, 'and counts four');

-- Who may claim.
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select to_jsonb(count(*)) from public.claim_orphaned_attachments()')$$,
  '42501', null, 'an owner cannot run the clean-up (service role only)');
select throws_ok($$select * from public.claim_orphaned_attachments('10 minutes')$$, '22023',
  'p_older_than must be at least 1 hour', 'a threshold under an hour is refused');
select throws_ok($$select * from public.claim_orphaned_attachments('1 day', 0)$$, '22023',
  'p_limit must be between 1 and 10000 (got 0)', 'a limit out of range is refused');

-- Claiming.
create temp table claimed on commit drop as
select * from public.claim_orphaned_attachments();
select results_eq($$select bucket, object_path from claimed order by object_path$$,
  $$values ('attachments'::text, 'org/old-pending.mp3'::text), ('attachments', 'org/stray-old.mp3')$$,
  'claimed for removal: the expired upload''s object (whatever its age) and the old stray object');
select is((select count(*) from public.attachments where object_path like 'org/old-pending%'), 0::bigint,
  'the expired pending rows are deleted');
select is((select count(*) from public.attachments where object_path in ('org/new-pending.mp3', 'org/ready.mp3', 'org/ready-lost.mp3')),
  3::bigint, 'recent pending rows and ready rows stay');
select is((select count(*) from audit.log where table_name = 'public.attachments' and action = 'delete' and occurred_at >= now()), 2::bigint,
  'the deletions are audited');
select is((select count(*) from storage.objects where name = 'org/old-pending.mp3'), 1::bigint,
  'objects are left to Storage''s API (the function removes them): SQL never deletes storage.objects rows');

-- Once the function has removed the claimed objects, only the lost object remains reported.
delete from storage.objects where (bucket_id, name) in (select c.bucket, c.object_path from claimed c);
select results_eq($$select reason from ops.check_orphaned_attachments$$, $$values ('attachment without object'::text)$$,
  'after the clean-up only what needs a human is reported (a ready attachment whose bytes are gone)');
select is((select count(*) from public.claim_orphaned_attachments()), 0::bigint, 'a second run claims nothing');
delete from public.attachments where object_path = 'org/ready-lost.mp3';
select is((select ok from ops.health_checks('weekly') where name = 'orphaned_attachments'), true, 'and the check passes');

select * from finish();
rollback;

-- Attachments: registering an upload (create_attachment_upload), finalizing
-- it against storage.objects (finalize_attachment), who sees and deletes what
-- (RLS following the owner), and the read policy on the bucket's objects.
-- Org A: owner …001, dispatcher …002, tech1 …003 (assigned mission …2004),
-- tech2 …004, accountant …005, portal client …006 (client c1); org B: tech1 b…003.
begin;
select plan(47);

-- The UPLOAD limit counted below starts from zero for the demo users (the
-- test profile relaxes them with overrides).
delete from private.rate_limit_overrides;
delete from private.rate_limit_buckets where bucket = 'UPLOAD';

-- The registered row (as jsonb), or the error: 'sqlstate: message'.
create function pg_temp.register(p_user uuid, p_type text, p_owner uuid, p_mime text, p_size bigint,
                                 p_upload uuid default gen_random_uuid())
returns jsonb language plpgsql as $$
begin
  return tests.as_user(p_user, format(
    'select to_jsonb(public.create_attachment_upload(%L, %L, %L, %s, %L, %L))',
    p_type, p_owner, p_mime, p_size, p_upload, 'photo.jpg'));
exception when others then
  perform set_config('role', 'none', true);
  return to_jsonb(sqlstate || ': ' || sqlerrm);
end $$;

create function pg_temp.finalize(p_upload uuid, p_uploader uuid, p_sha text)
returns jsonb language plpgsql as $$
begin
  return tests.as_service(format('select to_jsonb(public.finalize_attachment(%L, %L, %L))', p_upload, p_uploader, p_sha));
exception when others then
  perform set_config('role', 'none', true);
  return to_jsonb(sqlstate || ': ' || sqlerrm);
end $$;

-- Stores the object as Storage would: a row with size and mimetype in metadata.
create function pg_temp.store(p_path text, p_size bigint, p_mime text) returns void language sql as $$
  insert into storage.objects (bucket_id, name, metadata)
  values ('attachments', p_path, jsonb_build_object('size', p_size, 'mimetype', p_mime))
  on conflict (bucket_id, name) do update set metadata = excluded.metadata
$$;

create function pg_temp.visible(p_user uuid, p_id uuid) returns boolean language sql as $$
  select (tests.as_user(p_user, format('select to_jsonb(count(*)) from public.attachments where id = %L', p_id)))::int = 1
$$;

-- -----------------------------------------------------------------------------
-- Registering
-- -----------------------------------------------------------------------------
create temp table t (name text primary key, v jsonb) on commit drop;
grant all on t to authenticated, service_role;
insert into t values ('photo', pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo',
  'a0000000-0000-4000-8000-000000002004', 'image/JPEG; charset=binary', 1000, 'c0000000-0000-4000-8000-00000000a001'));

select is((select v ->> 'status' from t where name = 'photo'), 'pending', 'the assigned technician registers a mission photo: pending');
select matches((select v ->> 'object_path' from t where name = 'photo'),
  '^a0000000-0000-4000-8000-0000000000a0/mission_photo/a0000000-0000-4000-8000-000000002004/[0-9a-f-]{36}\.jpg$',
  'its path: <org>/<owner type>/<owner id>/<uuid>.<ext>');
select is((select (v ->> 'mime', v ->> 'bucket', v ->> 'uploader', v ->> 'mission_id', v ->> 'client_id') from t where name = 'photo'),
  ('image/jpeg'::text, 'attachments'::text, 'a0000000-0000-4000-8000-000000000003'::text, 'a0000000-0000-4000-8000-000000002004'::text,
   'a0000000-0000-4000-8000-0000000000c1'::text),
  'MIME normalised, bucket, uploader from the token, mission and client copied from the owner');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004',
                           'image/jpeg', 1000, 'c0000000-0000-4000-8000-00000000a001') -> 'id',
  (select v -> 'id' from t where name = 'photo'), 'registering the same upload_id again returns the same row');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000004', 'mission_photo', 'a0000000-0000-4000-8000-000000002004',
                           'image/jpeg', 1000, 'c0000000-0000-4000-8000-00000000a001') #>> '{}',
  'P0001: This upload_id belongs to another upload', 'someone else''s upload_id: refused (idempotency_key_reused)');

select is(pg_temp.register('a0000000-0000-4000-8000-000000000004', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10) #>> '{}',
  'P0002: No mission_photo owner a0000000-0000-4000-8000-000000002004',
  'a technician not assigned to the mission: not found (404), as if it did not exist');
select is(pg_temp.register('b0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10) #>> '{}',
  'P0002: No mission_photo owner a0000000-0000-4000-8000-000000002004', 'another organization: not found');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', gen_random_uuid(), 'image/jpeg', 10) #>> '{}' like 'P0002:%',
  true, 'an owner that does not exist: not found');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'alert_sound', 'a0000000-0000-4000-8000-0000000000a0', 'audio/mpeg', 10) #>> '{}',
  'P0002: No alert_sound owner a0000000-0000-4000-8000-0000000000a0',
  'an org-wide kind is not a technician''s to see (alert sounds: office roles)');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000005', 'alert_sound', 'a0000000-0000-4000-8000-0000000000a0', 'audio/mpeg', 10) #>> '{}',
  '42501: An accountant may not upload alert_sound attachments', 'a role the kind does not list: 403 (forbidden_role)');
insert into t values ('sound', pg_temp.register('a0000000-0000-4000-8000-000000000001', 'alert_sound',
  'a0000000-0000-4000-8000-0000000000a0', 'audio/mpeg', 10));
select is((select v ->> 'status' from t where name = 'sound'), 'pending', 'the owner uploads an alert sound');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000006', 'client_request', 'a0000000-0000-4000-8000-000000002201', 'application/pdf', 10) ->> 'status',
  'pending', 'the portal client joins a PDF to their request');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'expense', 'a0000000-0000-4000-8000-000000003101', 'image/png', 10) ->> 'mission_id',
  'a0000000-0000-4000-8000-000000003001', 'an expense receipt carries the timesheet entry''s mission');

select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'application/pdf', 10) #>> '{}',
  '22023: application/pdf is not accepted for mission_photo attachments (accepted: image/heic, image/jpeg, image/png, image/webp)',
  'a MIME type the kind does not accept: 415 (unsupported_media_type), with the accepted list');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', '', 10) #>> '{}' like '22023:%',
  true, 'no MIME type at all: 415');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 8388609) #>> '{}',
  '54000: 8388609 bytes is over the 8388608-byte limit of mission_photo attachments', 'over the kind''s size limit: 413 (payload_too_large)');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'expense', 'a0000000-0000-4000-8000-000000003101', 'image/png', 4194305) #>> '{}' like '54000:%',
  true, 'each kind has its own limit (expenses: 4 MiB)');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 0) #>> '{}' like '23514:%',
  true, 'an empty file: refused (validation_failed)');
select is(tests.as_anon($$select to_jsonb(count(*)) from pg_proc where proname = 'create_attachment_upload' and has_function_privilege(oid, 'execute')$$),
  '0'::jsonb, 'anon cannot call create_attachment_upload');

-- UPLOAD rate limit: 10 per minute per user (the window is the transaction's
-- minute: now() does not move here). tech1 has registered two uploads so far.
select is((select hits from private.rate_limit_buckets where key = 'user:a0000000-0000-4000-8000-000000000003' and bucket = 'UPLOAD'),
  2, 'only registrations that passed the checks were counted (replays and refusals were not)');
select is((select count(*) from generate_series(1, 8) g
            where pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10) ? 'id'),
  8::bigint, 'up to ten uploads in the window');
select matches(pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10) #>> '{}',
  '^53400: Too many uploads: retry in \d+ seconds$', 'the eleventh: rate_limited (429)');
select is(pg_temp.register('a0000000-0000-4000-8000-000000000002', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10) ->> 'status',
  'pending', 'the limit is per user: the dispatcher still uploads');

-- Inside a PostgREST request the refusal carries Retry-After.
select set_config('request.method', 'POST', true);
select throws_like(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select to_jsonb(public.create_attachment_upload(''mission_photo'', ''a0000000-0000-4000-8000-000000002004'', ''image/jpeg'', 10, gen_random_uuid()))')$$,
  '%"code" : "rate_limited"%', 'through PostgREST: PGRST with code rate_limited');
select set_config('request.method', '', true);
select is((select pg_temp.register('a0000000-0000-4000-8000-000000000003', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'image/jpeg', 10))::text like '%53400%',
  true, 'still refused in the same window');

-- -----------------------------------------------------------------------------
-- Finalizing
-- -----------------------------------------------------------------------------
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', repeat('a', 64)) #>> '{}',
  'P0001: Nothing was uploaded for upload c0000000-0000-4000-8000-00000000a001 yet', 'no object yet: 422 (attachment_not_uploaded)');
select pg_temp.store((select v ->> 'object_path' from t where name = 'photo'), 999, 'image/jpeg');
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', repeat('a', 64)) #>> '{}',
  'P0001: The stored file has 999 bytes, the upload declared 1000', 'another size: 422 (attachment_mismatch)');
select pg_temp.store((select v ->> 'object_path' from t where name = 'photo'), 1000, 'image/png');
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', repeat('a', 64)) #>> '{}',
  'P0001: The stored file is image/png, the upload declared image/jpeg', 'another type: 422 (attachment_mismatch)');
select pg_temp.store((select v ->> 'object_path' from t where name = 'photo'), 1000, 'image/jpeg;charset=binary');
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', 'ABC') #>> '{}',
  '22023: p_sha256 must be 64 lower-case hex digits', 'a SHA-256 that is not one: refused');
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000004', repeat('a', 64)) #>> '{}',
  'P0002: No upload c0000000-0000-4000-8000-00000000a001 of yours', 'only the uploader finalizes');
update t set v = pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', repeat('a', 64))
where name = 'photo';
select is((select (v ->> 'status', v ->> 'sha256') from t where name = 'photo'), ('ready'::text, repeat('a', 64)),
  'the stored object matches: ready, with its SHA-256');
select is(pg_temp.finalize('c0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-000000000003', repeat('b', 64)),
  (select v from t where name = 'photo'), 'finalizing again returns the same row, unchanged');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
                   'select to_jsonb(public.finalize_attachment(gen_random_uuid(), auth.uid(), repeat(''a'', 64)))')$$,
  '42501', null, 'authenticated cannot finalize (the SHA-256 must come from the stored bytes)');
select throws_ok($$update public.attachments set status = 'pending'$$ , '23514', null,
  'a ready row keeps its SHA-256 and finalization time (check constraint)');

-- -----------------------------------------------------------------------------
-- Who sees it, who deletes it
-- -----------------------------------------------------------------------------
select ok(pg_temp.visible('a0000000-0000-4000-8000-000000000003', (select (v ->> 'id')::uuid from t where name = 'photo')), 'the assigned technician sees the photo');
select ok(pg_temp.visible('a0000000-0000-4000-8000-000000000001', (select (v ->> 'id')::uuid from t where name = 'photo')), 'the owner sees it');
select ok(pg_temp.visible('a0000000-0000-4000-8000-000000000005', (select (v ->> 'id')::uuid from t where name = 'photo')), 'the accountant sees it');
select ok(not pg_temp.visible('a0000000-0000-4000-8000-000000000006', (select (v ->> 'id')::uuid from t where name = 'photo')),
  'the portal client of the mission''s client does not while the mission is in progress (276-portal-mission-photos: once done)');
select ok(not pg_temp.visible('a0000000-0000-4000-8000-000000000004', (select (v ->> 'id')::uuid from t where name = 'photo')), 'a technician not on the mission does not');
select ok(not pg_temp.visible('b0000000-0000-4000-8000-000000000003', (select (v ->> 'id')::uuid from t where name = 'photo')), 'nobody of another organization does');

-- The object follows the row: readable directly only by who sees a ready attachment.
select is(tests.as_user('a0000000-0000-4000-8000-000000000006', format(
  'select to_jsonb(count(*)) from storage.objects where bucket_id = ''attachments'' and name = %L', (select v ->> 'object_path' from t where name = 'photo'))),
  '0'::jsonb, 'storage.objects: nor its object');
select is(tests.as_user('a0000000-0000-4000-8000-000000000004', format(
  'select to_jsonb(count(*)) from storage.objects where bucket_id = ''attachments'' and name = %L', (select v ->> 'object_path' from t where name = 'photo'))),
  '0'::jsonb, 'storage.objects: the other technician does not');
select pg_temp.store((select v ->> 'object_path' from t where name = 'sound'), 10, 'audio/mpeg');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', format(
  'select to_jsonb(count(*)) from storage.objects where bucket_id = ''attachments'' and name = %L', (select v ->> 'object_path' from t where name = 'sound'))),
  '0'::jsonb, 'storage.objects: a pending upload''s object is nobody''s to read, its uploader''s included');

select is(tests.row_count_as_user('a0000000-0000-4000-8000-000000000002',
  format('delete from public.attachments where id = %L', (select v ->> 'id' from t where name = 'photo'))),
  0::bigint, 'the dispatcher, who did not upload it, cannot delete it');
reset role;
select is(tests.row_count_as_user('a0000000-0000-4000-8000-000000000003',
  format('delete from public.attachments where id = %L', (select v ->> 'id' from t where name = 'photo'))),
  1::bigint, 'the uploader deletes it');
reset role;
select is(tests.row_count_as_user('a0000000-0000-4000-8000-000000000001',
  'delete from public.attachments where owner_type = ''client_request'''),
  1::bigint, 'the owner deletes what the portal client uploaded');
reset role;
select is((select count(*) from audit.log where table_name = 'public.attachments' and action = 'delete' and occurred_at >= now()), 2::bigint,
  'deletions are audited');

select * from finish();
rollback;

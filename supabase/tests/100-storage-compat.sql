-- The local compat layer's `storage` schema (supabase/compat/30_storage.sql):
-- Storage's tables and columns, RLS on, the API roles' grants, the role the
-- storage stand-in connects as, and the path helpers policies call, behaving
-- as Supabase's. On a hosted project Storage provides all of it.
begin;
select plan(19);

select has_table('storage', 'buckets', 'storage.buckets exists');
select has_table('storage', 'objects', 'storage.objects exists');
select columns_are('storage', 'buckets',
  array['id', 'name', 'owner', 'owner_id', 'created_at', 'updated_at', 'public', 'avif_autodetection',
        'file_size_limit', 'allowed_mime_types'],
  'storage.buckets has Storage''s columns');
select columns_are('storage', 'objects',
  array['id', 'bucket_id', 'name', 'owner', 'owner_id', 'created_at', 'updated_at', 'last_accessed_at',
        'metadata', 'path_tokens', 'version', 'user_metadata'],
  'storage.objects has Storage''s columns');
select col_type_is('storage', 'objects', 'metadata', 'jsonb', 'metadata is jsonb (size, mimetype, eTag…)');
select is((select relrowsecurity from pg_class where oid = 'storage.objects'::regclass), true, 'RLS is on for storage.objects');
select is((select relrowsecurity from pg_class where oid = 'storage.buckets'::regclass), true, 'RLS is on for storage.buckets');
select index_is_unique('storage', 'objects', 'bucketid_objname', 'one object per (bucket, name)');

-- The stand-in connects as supabase_storage_admin and switches to the caller's role.
select is((select array_agg(r.rolname::text order by r.rolname) from pg_auth_members m
             join pg_roles r on r.oid = m.roleid
            where m.member = 'supabase_storage_admin'::regrole),
          array['anon', 'authenticated', 'service_role'], 'supabase_storage_admin may switch to the three API roles');
select is((select relowner::regrole::text from pg_class where oid = 'storage.objects'::regclass), 'supabase_storage_admin',
  'storage.objects belongs to supabase_storage_admin (so signed-URL work bypasses RLS, as in Storage)');

-- No policy on the bucket table: the API roles see no bucket, the service role every one.
select is(tests.count_as('authenticated', 'select * from storage.buckets'), 0::bigint, 'authenticated sees no bucket');
select is(tests.count_as('anon', 'select * from storage.buckets'), 0::bigint, 'anon sees no bucket');
select cmp_ok(tests.count_as('service_role', 'select * from storage.buckets'), '>=', 1::bigint, 'the service role sees the buckets');

-- Path helpers, as Supabase defines them.
select is(storage.foldername('org/mission_photo/m1/photo.jpg'), array['org', 'mission_photo', 'm1'], 'foldername: every folder');
select is(storage.foldername('top.jpg'), '{}'::text[], 'foldername of a top-level name is empty');
select is(storage.filename('org/mission_photo/m1/photo.jpg'), 'photo.jpg', 'filename: the last segment');
select is(storage.extension('org/m1/photo.final.JPG'), 'JPG', 'extension: after the last dot');
select is((select array_agg(path_tokens) from (values (1)) v
             cross join lateral (select pg_catalog.string_to_array('a/b/c', '/') as path_tokens) t),
          array[array['a', 'b', 'c']], 'path_tokens splits on /');

-- The generated path_tokens column follows the name.
insert into storage.objects (bucket_id, name, metadata) values ('attachments', 'x/y/z.pdf', '{"size": 1, "mimetype": "application/pdf"}');
select is((select path_tokens from storage.objects where bucket_id = 'attachments' and name = 'x/y/z.pdf'), array['x', 'y', 'z.pdf'],
  'storage.objects.path_tokens is generated from name');

select * from finish();
rollback;

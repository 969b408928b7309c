-- The Storage bucket of attachments and who may read its objects directly.
--
-- Written so it runs unchanged on hosted Supabase, where Storage owns the
-- storage schema, and on the local stack, whose compat layer creates it
-- (supabase/compat/30_storage.sql): a bucket row and a policy, nothing else.
--
-- Private bucket: files leave through URLs the attachments function signs
-- for one hour, after checking the caller sees the attachment. Storage itself
-- refuses what no kind of attachment accepts: the bucket's size limit is the
-- largest per-kind limit and its MIME list the union of the per-kind lists
-- (private.attachment_types / attachment_type_mimes hold the finer rules).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
select 'attachments', 'attachments', false,
       (select pg_catalog.max(t.max_bytes) from private.attachment_types t),
       (select pg_catalog.array_agg(distinct m.mime order by m.mime) from private.attachment_type_mimes m)
on conflict (id) do nothing;

-- A signed-in user reads an object of the bucket directly (storage-js
-- download) only when they see its attachment row; the first folder of the
-- path is the organization, checked first so the lookup stays in the
-- caller's organizations.
create policy attachments_objects_select on storage.objects for select to authenticated using (
  bucket_id = 'attachments'
  and (storage.foldername(name))[1] = any ((select private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant,client}'::public.member_role[]))::text[])
  and exists (select from public.attachments a where a.bucket = 'attachments' and a.object_path = name and a.status = 'ready')
);
